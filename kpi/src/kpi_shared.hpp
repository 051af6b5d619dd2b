// Helpers shared by the KPI families (kpis_*.cpp): statistics, event access, months, replays, memo.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "journeysim/kpi/kpis.hpp"

namespace journeysim::kpi::kpis_detail {

// A component KPI through the run's memo when there is one: `f` reads no parameters, or, with
// `reads_params`, those of x.def only (so the key includes x.def).
inline Result memoized(const Context& x, Result (*f)(const Context&), bool reads_params) {
  if (!x.memo) return f(x);
  return x.memo->get(reinterpret_cast<const void*>(f), reads_params ? &x.def : nullptr, x.customers,
                     [&] { return f(x); });
}

using E = EventType;
inline constexpr double kMonthDays = 365.25 / 12.0;
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------- small statistics helpers
inline double mean_of(const std::vector<double>& v) {
  return v.empty() ? kNaN
                   : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
// Quantile with linear interpolation between order statistics (R type 7, numpy default).
inline double quantile(std::vector<double> v, double q) {
  if (v.empty()) return kNaN;
  double h = (static_cast<double>(v.size()) - 1) * q;
  auto lo = static_cast<std::size_t>(std::floor(h));
  std::size_t hi = std::min(lo + 1, v.size() - 1);
  // order statistics lo and hi by selection (linear time), not a full sort
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
  const double v_lo = v[lo];
  const double v_hi =
      hi == lo ? v_lo : *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(hi), v.end());
  return v_lo + (h - static_cast<double>(lo)) * (v_hi - v_lo);
}
inline Result ratio(double num, double den, const std::string& what_den) {
  if (den <= 0) return Result::unavailable("no " + what_den + " in the log");
  Result r;
  r.value = num / den;
  r.n = den;
  return r;
}
inline Result distribution(const std::vector<double>& v, const std::string& what) {
  if (v.empty()) return Result::unavailable("no " + what + " in the log");
  Result r;
  r.value = mean_of(v);
  r.n = static_cast<double>(v.size());
  r.extra = {{"median", quantile(v, 0.5)}, {"p90", quantile(v, 0.9)}};
  return r;
}

// ---------------------------------------------------------------- per-customer event access
struct Ev {
  std::int64_t t;
  E type;
  std::int32_t arg;
  double value;
};
struct Events {
  const Log& log;
  std::uint32_t c;
  struct It {
    const Log* log;
    std::uint64_t i;
    Ev operator*() const {
      return {log->time[i], static_cast<E>(log->type[i]), log->arg[i], log->value[i]};
    }
    It& operator++() {
      ++i;
      return *this;
    }
    bool operator!=(const It& o) const { return i != o.i; }
  };
  It begin() const { return {&log, log.offsets[c]}; }
  It end() const { return {&log, log.offsets[c + 1]}; }
};
inline Events events(const Context& x, std::uint32_t c) {
  return {x.log, c};
}

// Calls f(e) for every event of the population whose type is one of `types` (at most four,
// distinct), in the order a scan of events(x, c) over the population would meet them
// (customer, then row), by walking the rows of those types (Log::rows_of) instead of every
// event: most KPIs that count one kind of event look at a few percent of the log. The whole
// log's population walks the rows alone; a group's (strictly ascending, as score() builds it)
// walks them customer by customer. A frequent type, or a population in another order, falls
// back to the scan.
template <class F>
void for_each_event_of(const Context& x, std::initializer_list<E> types, F f) {
  constexpr std::size_t kMax = 4;
  if (types.size() > kMax) throw std::logic_error("for_each_event_of: more than four types");
  const Log& log = x.log;
  std::array<std::span<const std::uint64_t>, kMax> rows;
  std::array<std::size_t, kMax> cur{};
  std::size_t k = 0;
  // strictly ascending: a population of as many customers as the log is then every customer
  bool walk = std::adjacent_find(x.customers.begin(), x.customers.end(), std::greater_equal<>{}) ==
              x.customers.end();
  for (E t : types) {
    if (std::count(types.begin(), types.end(), t) > 1)
      throw std::logic_error("for_each_event_of: a type listed twice");
    const auto r = log.rows_of(t);
    walk = walk && r.has_value();
    if (r) rows[k] = *r;
    ++k;
  }
  if (!walk) {
    for (auto c : x.customers)
      for (Ev e : events(x, c))
        if (std::find(types.begin(), types.end(), e.type) != types.end()) f(e);
    return;
  }
  // the lists' rows below `hi` in row order
  auto merge_below = [&](std::uint64_t hi) {
    for (;;) {
      std::size_t best = kMax;
      std::uint64_t row = hi;
      for (std::size_t j = 0; j < k; ++j)
        if (cur[j] < rows[j].size() && rows[j][cur[j]] < row) row = rows[j][cur[j]], best = j;
      if (best == kMax) return;
      ++cur[best];
      f(Ev{log.time[row], static_cast<E>(log.type[row]), log.arg[row], log.value[row]});
    }
  };
  if (x.customers.size() == log.customers.size()) {  // all customers: every row of the types
    merge_below(log.event_count());
    return;
  }
  for (auto c : x.customers) {
    const std::uint64_t lo = log.offsets[c], hi = log.offsets[c + 1];
    bool any = false;
    for (std::size_t j = 0; j < k; ++j) {
      if (cur[j] < rows[j].size() && rows[j][cur[j]] < lo)
        cur[j] = static_cast<std::size_t>(
            std::lower_bound(rows[j].begin() + cur[j], rows[j].end(), lo) - rows[j].begin());
      any = any || cur[j] < rows[j].size();
    }
    if (!any) return;
    merge_below(hi);
  }
}

inline std::int64_t first_time(const Context& x, std::uint32_t c, E type,
                               std::int64_t after = INT64_MIN, int arg = -1) {
  for (Ev e : events(x, c))
    if (e.type == type && e.t >= after && (arg < 0 || e.arg == arg)) return e.t;
  return kNone;
}
inline bool engagement(E t) {
  return t == E::login || t == E::feature_used || t == E::value_action || t == E::purchase;
}
// Sign-up: the first signup event, or else the first conversion (sales-led customers).
inline std::int64_t signup_time(const Context& x, std::uint32_t c) {
  std::int64_t s = first_time(x, c, E::signup);
  return s != kNone ? s : first_time(x, c, E::conversion);
}

// Sum of a channel-table column over the rows in scope.
template <class F>
double channel_sum(const Context& x, F f, bool include_teams) {
  // which channels are teams' costs (`team:<name>`), looked up once rather than by name per row
  const auto& names = x.log.names_of("channels");
  std::vector<char> team(names.size());
  for (std::size_t ch = 0; ch < names.size(); ++ch) team[ch] = names[ch].rfind("team:", 0) == 0;
  double s = 0;
  for (const ChannelDay* d : *x.channel_rows) {
    const bool is_team = d->channel >= 0 && static_cast<std::size_t>(d->channel) < team.size() &&
                         team[static_cast<std::size_t>(d->channel)];
    if (is_team && !include_teams) continue;
    s += f(*d);
  }
  return s;
}
inline Result need_channels(const Context& x) {
  if (!x.log.has_channel_table)
    return Result::unavailable("the log has no channel table (spend, impressions)");
  if (!x.channel_rows)
    return Result::unavailable("channel spend cannot be attributed to this breakdown");
  Result r;
  return r;
}

inline int n_months(const Log& log) {
  return static_cast<int>(std::floor(days(log.end - log.start) / kMonthDays + 1e-9));
}

// Label of whole month k (0-based) of the log: the calendar month of its midpoint. (A 30.44-day
// month's start or end can fall in a neighbouring calendar month, which gave duplicate labels.)
inline std::string period_label(const Log& log, int k) {
  return month_label(log.start + static_cast<std::int64_t>((k + 0.5) * kMonthDays * kDay));
}

// Non-contractual logs (purchases but no subscription payments): a conversion's value is the
// first purchase amount (docs/event-log.md), not MRR, so MRR-based KPIs are not defined.
inline Result need_subscription(const Context& x) {
  if (x.log.has(E::purchase) && !x.log.has(E::payment))
    return Result::unavailable(
        "non-contractual log (purchases but no subscription payments): MRR is not defined");
  return Result{};
}

// A customer's state at each of the ascending times ts: one pass over its events, applying
// step(state, e) for every event with e.t <= ts[k] before state k is read. (Replaying from the
// start for every time made the monthly KPIs cost months x events.)
template <class State, class Step>
void replay_at(const Context& x, std::uint32_t c, const std::vector<std::int64_t>& ts, State state,
               Step step, State* out) {
  std::size_t k = 0;
  for (Ev e : events(x, c)) {
    while (k < ts.size() && e.t > ts[k]) out[k++] = state;
    if (k == ts.size()) return;
    step(state, e);
  }
  while (k < ts.size()) out[k++] = state;
}
template <class State, class Step>
State replay_to(const Context& x, std::uint32_t c, std::int64_t t, State state, Step step) {
  for (Ev e : events(x, c)) {
    if (e.t > t) break;
    step(state, e);
  }
  return state;
}

// MRR, replayed from conversion/upgrade/downgrade/seats/churn/reactivation.
inline void mrr_step(double& m, const Ev& e) {
  switch (e.type) {
    case E::conversion:
    case E::reactivated:
      m = e.value;
      break;
    case E::upgrade:
    case E::downgrade:
    case E::seats_changed:
      m += e.value;
      break;
    case E::churned:
      m = 0;
      break;
    default:
      break;
  }
}
// Paying: converted, and not churned unless reactivated since.
inline void paying_step(bool& paying, const Ev& e) {
  if (e.type == E::conversion || e.type == E::reactivated) paying = true;
  if (e.type == E::churned) paying = false;
}
// Start of whole month k of the log (k = 0 .. n_months): month k is [month_start(k),
// month_start(k+1)].
inline std::int64_t month_start(const Log& log, int k) {
  return log.start + static_cast<std::int64_t>(k * kMonthDays * kDay);
}

// Distribution of the hours from each customer's first `from` event to its first `to` event after
// it (kpi_shared.cpp; lead response times of acquisition and activation).
Result response_time(const Context& x, E from, E to, const std::string& what);
// The q-quantile (linear interpolation) of the same response times, as the headline.
Result response_quantile(const Context& x, E from, E to, const std::string& what, double q);
// The share of `from` events answered by a `to` within `hours`, among those made at least `hours`
// before the end of observation (a later one cannot be judged yet: counted apart, "too_recent").
Result response_within(const Context& x, E from, E to, const std::string& what, double hours);
// Events of type `num` / events of type `den` in the population (kpi_shared.cpp; referral
// prompts, messages).
Result count_ratio(const Context& x, E num, E den, const std::string& what);

}  // namespace journeysim::kpi::kpis_detail
