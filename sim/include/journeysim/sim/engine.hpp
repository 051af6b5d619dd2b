// The simulator: a scenario -> a deterministic stream of customer events.
// Discrete-event per customer (exact timestamps); customers advance in parallel (oneTBB) within
// synchronisation epochs; shared resources (team queues, referral arrivals) are resolved at each
// epoch's end in a deterministic order. Output order: replication, market, epoch, then customers
// in a deterministic order, each customer's events in time order within the epoch.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
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
  // >= 0: each market records its customers' latent state (CustomerTruth) at the first epoch
  // boundary at or after this day (the horizon's end if none), and hands it to the sink.
  double snapshot_day = -1;
  // Units [unit_begin, unit_end) instead of part k/N of them, when unit_end > unit_begin.
  std::uint64_t unit_begin = 0, unit_end = 0;
  // Called on the driving thread after each epoch: (units done + fraction of current, units).
  std::function<void(double done, double total, std::uint64_t events)> progress;
};

// A customer's phase in the simulator (CustomerTruth::phase).
enum class CustomerPhase : std::uint8_t {
  none,
  lead,
  sales_cycle,
  trial,
  freemium,
  paying,
  churned,
  lost,
  gone
};
inline constexpr std::array<std::string_view, 9> kCustomerPhaseNames = {
    "none", "lead", "sales_cycle", "trial", "freemium", "paying", "churned", "lost", "gone"};

// The latent state of one customer at RunOptions::snapshot_day: what the simulator drew or
// derived, most of it never visible in the events (a dataset's ground truth).
struct CustomerTruth {
  std::uint64_t id = 0;
  std::uint32_t market = 0;
  std::uint16_t replication = 0;
  CustomerPhase phase = CustomerPhase::none;
  bool alive = false;  // paying (subscription); not yet dropped out (non-contractual)
  std::int32_t segment = 0, plan = -1, seats = 1;
  std::int32_t stage = -1;        // lifecycle stage (-1 before becoming a customer)
  double snapshot_day = 0;        // the epoch boundary the state was taken at (days)
  double created_day = 0;         // arrival (days since the horizon's start)
  double mrr = 0;                 // monthly recurring revenue in force
  double login_rate_week = 0;     // base login rate: segment x stage x active effects, per week
  double churn_hazard_month = 0;  // churn hazard in force (all multipliers), per month
  double upgrade_rate_month = 0;  // upgrade hazard (0 without a higher plan), per month
  double purchase_rate_day = 0;   // non-contractual: BG/NBD purchase rate lambda, per day
  double dropout_p = 0;           // non-contractual: dropout probability after a repeat purchase
  double spend_mean = 0;          // non-contractual: mean spend per purchase (Gamma-Gamma p/nu)
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
  // After a unit's customers: its latent state at RunOptions::snapshot_day (when that is set).
  virtual void truth(std::span<const CustomerTruth>) {}
  // A sink that processes each unit's output on the thread that simulates it: simulate() asks
  // unit_sink(u) for a sink of unit u (from any thread, concurrently), simulates the unit into
  // it and hands it back, whole, with take_unit() on one thread in unit order. nullptr (the
  // default): the unit's output is buffered and replayed to this sink's methods in unit order.
  virtual std::unique_ptr<EventSink> unit_sink(std::uint64_t /*unit*/) { return nullptr; }
  virtual void take_unit(std::unique_ptr<EventSink> /*unit*/) {}
};

struct RunStats {
  std::uint64_t customers = 0;
  std::uint64_t events = 0;
  std::uint64_t random_words = 0;  // 32-bit random words drawn
  std::uint64_t units = 0;         // (replication, market) units simulated by this part
  // customers advanced, summed over epochs: a customer is visited only in an epoch where it has
  // something due (the per-epoch work is proportional to these, not to the live customers)
  std::uint64_t visits = 0;
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
