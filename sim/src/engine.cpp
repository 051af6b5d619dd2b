#include "journeysim/sim/engine.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <boost/random/beta_distribution.hpp>
#include <boost/random/binomial_distribution.hpp>
#include <boost/random/gamma_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <queue>

#include "journeysim/common/huge_pages.hpp"
#include "journeysim/sim/rng.hpp"
#include "market.hpp"
#include "sampling.hpp"

namespace journeysim::sim {

std::atomic<bool> g_interrupt{false};

std::pair<std::uint64_t, std::uint64_t> part_units(std::uint64_t units, std::uint32_t k,
                                                   std::uint32_t n) {
  return {units * (k - 1) / n, units * k / n};
}

using detail::Market;

RunStats simulate(const Scenario& scenario, const RunOptions& options, EventSink& sink) {
  if (options.part_count == 0 || options.part_index < 1 || options.part_index > options.part_count)
    throw std::runtime_error("--part must be k/N with 1 <= k <= N");
  if (options.markets == 0 || options.replications == 0)
    throw std::runtime_error("--markets and --replications must be at least 1");
  if (options.first_replication + options.replications > 65536)
    throw std::runtime_error("--first-replication + --replications must be at most 65536");
  std::unique_ptr<tbb::global_control> limit;
  if (options.threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  options.threads);
  const std::uint64_t units = static_cast<std::uint64_t>(options.markets) * options.replications;
  // (not a structured binding: lambdas below capture the bounds, which clang 14 refuses)
  const auto part = part_units(units, options.part_index, options.part_count);
  std::uint64_t u0 = part.first, u1 = part.second;
  if (options.unit_end > options.unit_begin) {
    if (options.unit_end > units) throw std::runtime_error("unit range past the run's units");
    u0 = options.unit_begin;
    u1 = options.unit_end;
  }
  RunStats stats;
  auto run_unit = [&](std::uint64_t u, EventSink& out, RunStats& st,
                      const std::function<void(double)>& progress) {
    auto rep = static_cast<std::uint16_t>(options.first_replication + u / options.markets);
    auto market = static_cast<std::uint32_t>(u % options.markets);
    std::uint64_t run_key = mix(mix(scenario.seed, rep), market);
    Market m(scenario, run_key, market, rep);
    m.set_snapshot_day(options.snapshot_day);
    m.run(out, st, progress);
    ++st.units;
  };
  const int threads = static_cast<int>(std::min<std::size_t>(
      tbb::this_task_arena::max_concurrency(),
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism)));
  if (u1 - u0 <= 1) {
    // one unit: stream it, parallel within the market
    for (std::uint64_t u = u0; u < u1; ++u) {
      const double done = static_cast<double>(u - u0), total = static_cast<double>(u1 - u0);
      std::unique_ptr<EventSink> own = sink.unit_sink(u);
      run_unit(u, own ? *own : sink, stats, [&](double frac) {
        if (options.progress) options.progress(done + frac, total, stats.events);
      });
      if (own) sink.take_unit(std::move(own));
    }
    return stats;
  }
  // Several units: simulate up to `threads` of them at once (each into its own buffer) and hand
  // them to the sink in unit order, whole: channels, events, customers. A unit's rows are the same
  // whoever simulates it and the sink sees the same calls at any thread count (one thread
  // included), so the file is byte-identical across thread counts. Memory grows by the buffered
  // rows of the units in flight (at most `threads` of them).
  struct Unit {
    std::uint64_t u = 0;
    RunStats stats;
    std::vector<std::vector<eventlog::Event>> events;  // the market's blocks, kept as produced
    std::vector<eventlog::CustomerRow> customers;
    std::vector<eventlog::ChannelDayRow> channels;
    std::vector<CustomerTruth> truth;
    std::unique_ptr<EventSink> own;  // the sink's own unit sink, if it has one
  };
  class BufferSink : public EventSink {
   public:
    explicit BufferSink(Unit& unit) : unit_(unit) {}
    void events(std::span<const eventlog::Event> e) override {
      unit_.events.emplace_back(e.begin(), e.end());
    }
    void take_events(std::vector<eventlog::Event>&& e) override {
      unit_.events.push_back(std::move(e));  // no copy, and no regrowing of one large buffer
    }
    void customers(std::span<const eventlog::CustomerRow> r) override {
      unit_.customers.insert(unit_.customers.end(), r.begin(), r.end());
    }
    void channels(std::span<const eventlog::ChannelDayRow> r) override {
      unit_.channels.insert(unit_.channels.end(), r.begin(), r.end());
    }
    void truth(std::span<const CustomerTruth> r) override {
      unit_.truth.insert(unit_.truth.end(), r.begin(), r.end());
    }

   private:
    Unit& unit_;
  };
  // The units in flight are owned here, not by the items passed between the filters: a
  // cancelled pipeline (an interrupted run) does not destroy the items it holds.
  std::mutex live_mutex;
  std::deque<std::unique_ptr<Unit>> live;  // in unit order: created by the input filter, retired
                                           // (oldest first) by the in-order output filter
  std::uint64_t next = u0;
  tbb::parallel_pipeline(
      static_cast<std::size_t>(threads),
      tbb::make_filter<void, Unit*>(tbb::filter_mode::serial_in_order,
                                    [&](tbb::flow_control& fc) -> Unit* {
                                      if (next == u1) {
                                        fc.stop();
                                        return nullptr;
                                      }
                                      std::lock_guard lock(live_mutex);
                                      live.push_back(std::make_unique<Unit>());
                                      live.back()->u = next++;
                                      return live.back().get();
                                    }) &
          tbb::make_filter<Unit*, Unit*>(
              tbb::filter_mode::parallel,
              [&](Unit* unit) {
                // one thread per unit: units are the parallelism here;
                // sharing a market's small per-epoch blocks between
                // threads only costs synchronisation
                BufferSink buffer(*unit);
                unit->own = sink.unit_sink(unit->u);
                EventSink& out = unit->own ? *unit->own : static_cast<EventSink&>(buffer);
                tbb::task_arena one(1);
                one.execute([&] { run_unit(unit->u, out, unit->stats, {}); });
                return unit;
              }) &
          tbb::make_filter<Unit*, void>(tbb::filter_mode::serial_in_order, [&](Unit* unit) {
            if (unit->own) sink.take_unit(std::move(unit->own));
            if (!unit->channels.empty()) sink.channels(unit->channels);
            for (auto& block : unit->events) sink.take_events(std::move(block));
            if (!unit->customers.empty()) sink.customers(unit->customers);
            if (!unit->truth.empty()) sink.truth(unit->truth);
            const RunStats& st = unit->stats;
            stats.customers += st.customers;
            stats.events += st.events;
            stats.random_words += st.random_words;
            stats.visits += st.visits;
            stats.units += st.units;
            for (std::size_t t = 0; t < st.by_type.size(); ++t) stats.by_type[t] += st.by_type[t];
            stats.peak_live_customers = std::max(stats.peak_live_customers, st.peak_live_customers);
            if (options.progress)
              options.progress(static_cast<double>(unit->u - u0 + 1), static_cast<double>(u1 - u0),
                               stats.events);
            std::lock_guard lock(live_mutex);
            live.pop_front();  // == unit: units leave in the order they came
          }));
  return stats;
}

}  // namespace journeysim::sim
