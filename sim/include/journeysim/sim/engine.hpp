// The simulator: a scenario -> a deterministic stream of customer events.
// Discrete-event per customer (exact timestamps); customers advance in parallel (oneTBB) within
// synchronisation epochs; shared resources (team queues, referral arrivals) are resolved at each
// epoch's end in a deterministic order. Output order: replication, market, epoch, then customers
// in a deterministic order, each customer's events in time order within the epoch.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "journeysim/eventlog/schema.hpp"
#include "journeysim/sim/scenario.hpp"

namespace journeysim::sim {

struct RunOptions {
  int threads = 0;  // 0 = all cores
  std::uint32_t markets = 1;
  std::uint32_t part_index = 1, part_count = 1;  // --part k/N, 1-based
  std::uint16_t replications = 1;
  // Replications first_replication .. first_replication + replications - 1 (a run of replication
  // r is the same whatever the others: its streams are keyed by r).
  std::uint16_t first_replication = 0;
  // Called on the driving thread after each epoch: (units done + fraction of current, units).
  std::function<void(double done, double total, std::uint64_t events)> progress;
};

// Receives the output in order. The default implementation discards (and the engine counts).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void events(std::span<const eventlog::Event>) {}
  // The same as events(e), for a sink that can keep the vector instead of copying it.
  virtual void take_events(std::vector<eventlog::Event>&& e) { events(e); }
  virtual void customers(std::span<const eventlog::CustomerRow>) {}
  virtual void channels(std::span<const eventlog::ChannelDayRow>) {}
};

struct RunStats {
  std::uint64_t customers = 0;
  std::uint64_t events = 0;
  std::uint64_t random_words = 0;  // 32-bit random words drawn
  std::uint64_t units = 0;         // (replication, market) units simulated by this part
  std::array<std::uint64_t, eventlog::kEventTypeCount> by_type{};
  std::uint64_t peak_live_customers = 0;
};

// The (replication, market) units of part k of N: a contiguous range, so the parts' outputs
// concatenated in order equal the whole run's.
std::pair<std::uint64_t, std::uint64_t> part_units(std::uint64_t units, std::uint32_t k,
                                                   std::uint32_t n);

// Set by a signal handler to stop a run at the next epoch (the run then throws Interrupted).
extern std::atomic<bool> g_interrupt;
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

RunStats simulate(const Scenario& scenario, const RunOptions& options, EventSink& sink);

}  // namespace journeysim::sim
