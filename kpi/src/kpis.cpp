#include "journeysim/kpi/kpis.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <memory>
#include <numeric>
#include <set>
#include <span>
#include <sstream>
#include <stdexcept>

#include "journeysim/kpi/survival.hpp"

namespace journeysim::kpi {

namespace {

// std::to_string(double) ("%f": fixed, 6 decimals) through std::to_chars, which the standard
// defines as printf's conversion: the same text without a vsnprintf per value (a KM curve's
// labels were 4% of score's instructions).
std::string fixed6(double v) {
  char buf[400];  // enough for any double in fixed notation with 6 decimals
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 6);
  return std::string(buf, res.ptr);
}

// A component KPI through the run's memo when there is one: `f` reads no parameters, or, with
// `reads_params`, those of x.def only (so the key includes x.def).
Result memoized(const Context& x, Result (*f)(const Context&), bool reads_params) {
  if (!x.memo) return f(x);
  return x.memo->get(reinterpret_cast<const void*>(f), reads_params ? &x.def : nullptr, x.customers,
                     [&] { return f(x); });
}

using E = EventType;
constexpr double kMonthDays = 365.25 / 12.0;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------- small statistics helpers
double mean_of(const std::vector<double>& v) {
  return v.empty() ? kNaN
                   : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
// Quantile with linear interpolation between order statistics (R type 7, numpy default).
double quantile(std::vector<double> v, double q) {
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
Result ratio(double num, double den, const std::string& what_den) {
  if (den <= 0) return Result::unavailable("no " + what_den + " in the log");
  Result r;
  r.value = num / den;
  r.n = den;
  return r;
}
Result distribution(const std::vector<double>& v, const std::string& what) {
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
Events events(const Context& x, std::uint32_t c) {
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

std::int64_t first_time(const Context& x, std::uint32_t c, E type, std::int64_t after = INT64_MIN,
                        int arg = -1) {
  for (Ev e : events(x, c))
    if (e.type == type && e.t >= after && (arg < 0 || e.arg == arg)) return e.t;
  return kNone;
}
bool engagement(E t) {
  return t == E::login || t == E::feature_used || t == E::value_action || t == E::purchase;
}
// Sign-up: the first signup event, or else the first conversion (sales-led customers).
std::int64_t signup_time(const Context& x, std::uint32_t c) {
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
Result need_channels(const Context& x) {
  if (!x.log.has_channel_table)
    return Result::unavailable("the log has no channel table (spend, impressions)");
  if (!x.channel_rows)
    return Result::unavailable("channel spend cannot be attributed to this breakdown");
  Result r;
  return r;
}

// Months since the log's start, as calendar-free 30.44-day months.
int month_index(const Log& log, std::int64_t t) {
  return static_cast<int>(std::floor(days(t - log.start) / kMonthDays));
}
int n_months(const Log& log) {
  return static_cast<int>(std::floor(days(log.end - log.start) / kMonthDays + 1e-9));
}

// Label of whole month k (0-based) of the log: the calendar month of its midpoint. (A 30.44-day
// month's start or end can fall in a neighbouring calendar month, which gave duplicate labels.)
std::string period_label(const Log& log, int k) {
  return month_label(log.start + static_cast<std::int64_t>((k + 0.5) * kMonthDays * kDay));
}

// Non-contractual logs (purchases but no subscription payments): a conversion's value is the
// first purchase amount (docs/event-log.md), not MRR, so MRR-based KPIs are not defined.
Result need_subscription(const Context& x) {
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
void mrr_step(double& m, const Ev& e) {
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
void paying_step(bool& paying, const Ev& e) {
  if (e.type == E::conversion || e.type == E::reactivated) paying = true;
  if (e.type == E::churned) paying = false;
}
double mrr_at(const Context& x, std::uint32_t c, std::int64_t t) {
  return replay_to(x, c, t, 0.0, mrr_step);
}
bool paying_at(const Context& x, std::uint32_t c, std::int64_t t) {
  return replay_to(x, c, t, false, paying_step);
}
// Start of whole month k of the log (k = 0 .. n_months): month k is [month_start(k),
// month_start(k+1)].
std::int64_t month_start(const Log& log, int k) {
  return log.start + static_cast<std::int64_t>(k * kMonthDays * kDay);
}

std::size_t converted_count(const Context& x, std::int64_t from = INT64_MIN,
                            std::int64_t to = INT64_MAX) {
  std::size_t n = 0;
  for (auto c : x.customers) {
    auto t = x.log.customers[c].converted;
    n += t != kNone && t >= from && t <= to;
  }
  return n;
}

// ---------------------------------------------------------------- the KPIs

Result lifespan_of(const Context& x) {
  std::vector<double> t;
  std::vector<std::uint8_t> ev;
  std::vector<double> churned_only;
  for (auto c : x.customers) {
    const auto& ci = x.log.customers[c];
    if (ci.converted == kNone) continue;
    std::int64_t churn = first_time(x, c, E::churned, ci.converted);
    bool died = churn != kNone;
    double d = days((died ? churn : x.log.end) - ci.converted);
    t.push_back(std::max(0.0, d));
    ev.push_back(died);
    if (died) churned_only.push_back(d);
  }
  if (t.empty()) return Result::unavailable("no customer converted");
  double tau = x.num("tau_days");
  if (!(tau > 0)) tau = days(x.log.end - x.log.start);
  KmOptions o;
  o.rmst_tau = tau;
  KmCurve km = kaplan_meier(t, ev, o);
  Result r;
  r.value = km.rmst ? km.rmst->value : kNaN;
  r.n = static_cast<double>(t.size());
  r.extra = {{"rmst_se", km.rmst ? km.rmst->se : kNaN},
             {"rmst_tau_days", tau},
             {"km_median_days", km.median ? *km.median : kNaN},
             {"churned", static_cast<double>(km.events)},
             {"mean_of_churned_only_biased", mean_of(churned_only)}};
  ResultTable curve{"survival", "day", {}, {"survival", "lower", "upper", "at_risk"}, {}};
  for (const auto& p : km.points) {
    curve.row_labels.push_back(fixed6(p.t));
    curve.cells.push_back({p.survival, p.lower, p.upper, static_cast<double>(p.n_risk)});
  }
  r.tables.push_back(std::move(curve));
  return r;
}
// (shared by avg_customer_lifespan and clv_survival, which calls it with that KPI's definition)
Result lifespan(const Context& x) {
  return memoized(x, &lifespan_of, true);
}

Result response_time(const Context& x, E from, E to, const std::string& what) {
  std::vector<double> h;
  double untouched = 0;
  for (auto c : x.customers) {
    std::int64_t a = first_time(x, c, from);
    if (a == kNone) continue;
    std::int64_t b = first_time(x, c, to, a);
    if (b == kNone)
      untouched += 1;
    else
      h.push_back((b - a) / 3600.0);
  }
  Result r = distribution(h, what);
  if (!r.available && untouched == 0) return r;
  if (!r.available) r = Result::unavailable("no " + what + " was ever answered");
  r.extra.push_back({"never_touched", untouched});
  return r;
}

Result cohort_retention(const Context& x) {
  // months 0..n_months: month n_months is observed for customers converted early enough
  const int K = n_months(x.log) + 1;
  std::map<std::string, std::vector<std::uint32_t>> cohorts;
  for (auto c : x.customers)
    if (x.log.customers[c].converted != kNone)
      cohorts[month_label(x.log.customers[c].converted)].push_back(c);
  if (cohorts.empty()) return Result::unavailable("no customer converted");
  ResultTable logo{"logo_retention", "cohort", {}, {}, {}},
      active{"active_share", "cohort", {}, {}, {}};
  for (int k = 0; k < K; ++k) {
    std::string col = "m";  // (not "m" + ...: GCC 12 -Wrestrict false positive)
    col += std::to_string(k);
    logo.columns.push_back(col);
    active.columns.push_back(col);
  }
  const int month_param = static_cast<int>(x.num("month"));
  double pooled_num = 0, pooled_den = 0;
  for (auto& [label, members] : cohorts) {
    std::vector<double> lnum(K, 0), lden(K, 0), anum(K, 0), aden(K, 0);
    std::vector<std::int64_t> tks(K + 1);
    std::vector<std::int64_t> starts(K);
    auto at = std::make_unique<bool[]>(K);  // paying at the start of month k
    std::vector<char> engaged(K);
    for (auto c : members) {
      // month k after conversion is [tks[k], tks[k+1]); one pass for the paying state at each
      // tks[k] and one for the months with an engagement event
      const std::int64_t t0 = x.log.customers[c].converted;
      for (int k = 0; k <= K; ++k) tks[k] = t0 + static_cast<std::int64_t>(k * kMonthDays * kDay);
      std::copy(tks.begin(), tks.end() - 1, starts.begin());
      replay_at(x, c, starts, false, paying_step, at.get());
      std::fill(engaged.begin(), engaged.end(), 0);
      int k = 0;
      for (Ev e : events(x, c)) {
        if (!engagement(e.type) || e.t < tks[0]) continue;
        while (k < K && e.t >= tks[k + 1]) ++k;
        if (k >= K) break;
        engaged[k] = 1;
      }
      for (int m = 0; m < K; ++m) {
        if (tks[m] <= x.log.end) {
          lden[m] += 1;
          lnum[m] += at[m];
        }
        if (tks[m + 1] <= x.log.end) {
          aden[m] += 1;
          anum[m] += engaged[m];
        }
      }
    }
    logo.row_labels.push_back(label);
    active.row_labels.push_back(label);
    std::vector<double> lrow(K), arow(K);
    for (int k = 0; k < K; ++k) {
      lrow[k] = lden[k] > 0 ? lnum[k] / lden[k] : kNaN;
      arow[k] = aden[k] > 0 ? anum[k] / aden[k] : kNaN;
    }
    if (month_param < K) pooled_num += lnum[month_param], pooled_den += lden[month_param];
    logo.cells.push_back(lrow);
    active.cells.push_back(arow);
  }
  if (pooled_den <= 0)
    return Result::unavailable("no cohort has been observed for " + std::to_string(month_param) +
                               " months");
  Result r;
  r.value = pooled_num / pooled_den;
  r.n = pooled_den;
  r.tables = {logo, active};
  return r;
}

Result feature_adoption(const Context& x) {
  const double weeks = x.num("weeks"), min_weeks = x.num("min_weeks");
  std::string feature = x.str("key_feature");
  int f = feature.empty() ? 0 : x.log.index_of("features", feature);
  if (f < 0) return Result::unavailable("no feature named '" + feature + "' in the log");
  const std::int64_t w0 = x.log.end - static_cast<std::int64_t>(weeks * 7 * kDay);
  double active = 0, adopters = 0;
  for (auto c : x.customers) {
    bool is_active = false;
    std::set<int> used;
    for (Ev e : events(x, c)) {
      if (e.t < w0 || e.t >= x.log.end) continue;
      if (engagement(e.type)) is_active = true;
      if (e.type == E::feature_used && e.arg == f)
        used.insert(static_cast<int>((e.t - w0) / (7 * 86400)));
    }
    if (!is_active) continue;
    active += 1;
    adopters += used.size() >= min_weeks;
  }
  Result r = ratio(adopters, active, "customer active in the window");
  if (r.available) r.extra = {{"active_customers", active}, {"adopters", adopters}};
  return r;
}

Result count_ratio(const Context& x, E num, E den, const std::string& what) {
  double a = 0, b = 0;
  if (x.customers.size() == x.log.customers.size()) {  // the whole log: counted while loading
    a = static_cast<double>(x.log.type_counts[static_cast<std::size_t>(num)]);
    b = static_cast<double>(x.log.type_counts[static_cast<std::size_t>(den)]);
    return ratio(a, b, what);
  }
  for_each_event_of(x, {num, den}, [&](const Ev& e) {
    a += e.type == num;
    b += e.type == den;
  });
  return ratio(a, b, what);
}

Result time_between_logins(const Context& x) {
  std::vector<double> gaps;
  for (auto c : x.customers) {
    std::int64_t act = first_time(x, c, E::activated);
    if (act == kNone) continue;
    std::int64_t prev = kNone;
    for (Ev e : events(x, c)) {
      if (e.type != E::login || e.t < act) continue;
      if (prev != kNone) gaps.push_back(days(e.t - prev));
      prev = e.t;
    }
  }
  Result r = distribution(gaps, "pair of logins after activation");
  return r;
}

Result habitual_action(const Context& x) {
  const int k = static_cast<int>(x.num("k"));
  std::vector<double> d;
  double population = 0;
  for (auto c : x.customers) {
    std::int64_t s = signup_time(x, c);
    if (s == kNone) continue;
    population += 1;
    int seen = 0;
    for (Ev e : events(x, c))
      if (e.type == E::value_action && e.t >= s && ++seen == k) {
        d.push_back(days(e.t - s));
        break;
      }
  }
  if (population == 0) return Result::unavailable("no sign-ups in the log");
  if (d.empty())
    return Result::unavailable("no customer reached " + std::to_string(k) + " value actions");
  Result r = distribution(d, "customer reaching the habit");
  r.extra.push_back({"share_reaching", static_cast<double>(d.size()) / population});
  return r;
}

Result referral_expansion(const Context& x) {
  if (Result s = need_subscription(x); !s.available) return s;
  double rev = 0, referred = 0;
  for (auto c : x.customers) {
    if (x.log.customers[c].referrer < 0) continue;
    referred += 1;
    for (Ev e : events(x, c))
      if ((e.type == E::upgrade || e.type == E::seats_changed) && e.value > 0) rev += e.value;
  }
  if (referred == 0) return Result::unavailable("no referred customers in the log");
  Result r;
  r.value = rev;
  r.n = referred;
  return r;
}

// New customers whose whole window after sign-up lies inside the log.
template <class F>
Result windowed_share(const Context& x, double window_days, F reached, const std::string& what) {
  double n = 0, yes = 0;
  for (auto c : x.customers) {
    std::int64_t s = signup_time(x, c);
    if (s == kNone || s + static_cast<std::int64_t>(window_days * kDay) > x.log.end) continue;
    n += 1;
    yes += reached(c, s, s + static_cast<std::int64_t>(window_days * kDay));
  }
  return ratio(yes, n, what);
}

Result activation_tasks(const Context& x) {
  const double w = x.num("window_days");
  std::size_t ntasks = x.log.names_of("tasks").size();
  if (ntasks == 0) {
    std::set<int> seen;
    for (std::size_t i = 0; i < x.log.type.size(); ++i)
      if (x.log.type[i] == static_cast<std::uint8_t>(E::activation_task)) seen.insert(x.log.arg[i]);
    ntasks = seen.size();
  }
  double all = 0;
  Result r = windowed_share(
      x, w,
      [&](std::uint32_t c, std::int64_t a, std::int64_t b) {
        std::set<int> done;
        for (Ev e : events(x, c))
          if (e.type == E::activation_task && e.t >= a && e.t <= b) done.insert(e.arg);
        all += done.size() >= ntasks;
        return !done.empty();
      },
      "new customer observed for the whole window");
  if (r.available)
    r.extra = {{"share_all_tasks", all / r.n}, {"tasks", static_cast<double>(ntasks)}};
  return r;
}

Result activation_milestones(const Context& x) {
  const double w = x.num("window_days");
  std::vector<std::string> names = x.log.names_of("milestones");
  std::vector<double> hit(names.size(), 0);
  Result r = windowed_share(
      x, w,
      [&](std::uint32_t c, std::int64_t a, std::int64_t b) {
        std::set<int> done;
        for (Ev e : events(x, c))
          if (e.type == E::milestone && e.t >= a && e.t <= b) done.insert(e.arg);
        for (int m : done)
          if (m >= 0 && m < static_cast<int>(hit.size())) hit[m] += 1;
        return done.count(0) > 0;
      },
      "new customer observed for the whole window");
  if (!r.available) return r;
  ResultTable t{"milestones", "milestone", names, {"share_within_window"}, {}};
  for (double h : hit) t.cells.push_back({h / r.n});
  r.tables.push_back(t);
  return r;
}

Result pql_rate(const Context& x) {
  double pop = 0, pql = 0;
  for (auto c : x.customers) {
    std::int64_t s = first_time(x, c, E::signup);
    bool trial = first_time(x, c, E::trial_started) != kNone;
    const auto conv = x.log.customers[c].converted;
    bool free_or_trial = trial || (s != kNone && (conv == kNone || conv > s));
    if (!free_or_trial) continue;
    pop += 1;
    pql += first_time(x, c, E::pql_reached) != kNone;
  }
  return ratio(pql, pop, "trial or freemium account");
}

Result referral_dropoff(const Context& x) {
  double flows = 0, dropped = 0;
  for (auto c : x.customers) {
    bool open = false, sent = false;
    for (Ev e : events(x, c)) {
      if (e.type == E::referral_flow_started) {
        if (open) dropped += !sent;
        open = true;
        sent = false;
        flows += 1;
      } else if (e.type == E::referral_invite_sent && open) {
        sent = true;
      }
    }
    if (open) dropped += !sent;
  }
  return ratio(dropped, flows, "referral flows started");
}

Result activated_followup(const Context& x) {
  const double w = x.num("window_days");
  double n = 0, yes = 0;
  for (auto c : x.customers) {
    std::int64_t a = first_time(x, c, E::activated);
    if (a == kNone || a + static_cast<std::int64_t>(w * kDay) > x.log.end) continue;
    n += 1;
    for (Ev e : events(x, c))
      if (e.t > a && e.t <= a + static_cast<std::int64_t>(w * kDay) && engagement(e.type)) {
        yes += 1;
        break;
      }
  }
  return ratio(yes, n, "activated customer observed for the whole window");
}

// Mann-Whitney AUC: P(score of a positive > score of a negative), ties count 1/2.
double auc(const std::vector<double>& pos, const std::vector<double>& neg) {
  std::vector<std::pair<double, int>> all;
  for (double s : pos) all.push_back({s, 1});
  for (double s : neg) all.push_back({s, 0});
  std::sort(all.begin(), all.end());
  double rank_sum = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k)
      if (all[k].second) rank_sum += avg_rank;
    i = j;
  }
  double np = pos.size(), nn = neg.size();
  return (rank_sum - np * (np + 1) / 2) / (np * nn);
}

Result readiness(const Context& x) {
  const double horizon = x.num("horizon_days");
  const std::int64_t t0 = x.log.end - static_cast<std::int64_t>(horizon * kDay);
  const std::int64_t lookback = static_cast<std::int64_t>(30 * kDay);
  std::vector<double> pos, neg, all;
  for (auto c : x.customers) {
    const auto& ci = x.log.customers[c];
    if (ci.converted == kNone || ci.converted > t0 || !paying_at(x, c, t0)) continue;
    double logins = 0, values = 0, nps = -1, csat = -1;
    bool referred_next = false;
    for (Ev e : events(x, c)) {
      if (e.t <= t0) {
        if (e.t > t0 - lookback) logins += e.type == E::login, values += e.type == E::value_action;
        if (e.type == E::nps) nps = e.value;
        if (e.type == E::csat) csat = e.value;
      } else if (e.t <= t0 + static_cast<std::int64_t>(horizon * kDay) &&
                 (e.type == E::referral_invite_sent || e.type == E::referral_prompt_accepted)) {
        referred_next = true;
      }
    }
    double tenure = days(t0 - ci.converted);
    double sentiment = nps >= 0 ? nps / 10.0 : (csat >= 0 ? (csat - 1) / 4.0 : 0.5);
    double score = 30 * std::min(1.0, logins / 12.0) + 30 * std::min(1.0, values / 6.0) +
                   25 * sentiment + 15 * std::min(1.0, tenure / 180.0);
    all.push_back(score);
    (referred_next ? pos : neg).push_back(score);
  }
  if (all.empty()) return Result::unavailable("no paying customer at the scoring time");
  if (pos.empty() || neg.empty())
    return Result::unavailable(
        "the ROC AUC needs customers who referred and who did not in the next " +
        std::to_string(static_cast<int>(horizon)) + " days");
  Result r;
  r.value = auc(pos, neg);
  r.n = static_cast<double>(all.size());
  r.extra = {{"score_p25", quantile(all, 0.25)},
             {"score_median", quantile(all, 0.5)},
             {"score_p75", quantile(all, 0.75)},
             {"referrers", static_cast<double>(pos.size())}};
  return r;
}

Result downgrade_churn(const Context& x) {
  const double w = x.num("window_days");
  double n = 0, yes = 0;
  for (auto c : x.customers) {
    std::int64_t d = first_time(x, c, E::downgrade);
    if (d == kNone || d + static_cast<std::int64_t>(w * kDay) > x.log.end) continue;
    n += 1;
    std::int64_t ch = first_time(x, c, E::churned, d);
    yes += ch != kNone && ch <= d + static_cast<std::int64_t>(w * kDay);
  }
  return ratio(yes, n, "downgrade observed for the whole window");
}

// --- acquisition
Result impressions(const Context& x) {
  Result r = need_channels(x);
  if (!r.available) return r;
  r.value = channel_sum(
      x, [](const ChannelDay& d) { return static_cast<double>(d.impressions); }, false);
  r.n = static_cast<double>(x.channel_rows->size());
  return r;
}
template <class N, class D>
Result channel_ratio(const Context& x, N num, D den, const std::string& what, bool teams = false) {
  Result r = need_channels(x);
  if (!r.available) return r;
  return ratio(channel_sum(x, num, teams), channel_sum(x, den, false), what);
}
Result new_customer_cost(const Context& x, bool teams) {
  Result r = need_channels(x);
  if (!r.available) return r;
  double spend = channel_sum(
      x, [](const ChannelDay& d) { return d.spend; }, teams);
  return ratio(spend, static_cast<double>(converted_count(x)), "new customers");
}

Result lead_conversion(const Context& x) {
  double leads = 0, conv = 0;
  for (auto c : x.customers) {
    if (first_time(x, c, E::lead_created) == kNone && first_time(x, c, E::signup) == kNone)
      continue;
    leads += 1;
    conv += x.log.customers[c].converted != kNone;
  }
  return ratio(conv, leads, "leads or sign-ups");
}

Result trial_to_paid(const Context& x) {
  double ended = 0, paid = 0;
  for (auto c : x.customers) {
    std::int64_t t = first_time(x, c, E::trial_started);
    if (t == kNone) continue;
    std::int64_t conv = first_time(x, c, E::conversion, t),
                 exp = first_time(x, c, E::trial_expired, t);
    if (conv == kNone && exp == kNone) continue;  // trial still running at the end
    ended += 1;
    paid += conv != kNone && (exp == kNone || conv <= exp);
  }
  return ratio(paid, ended, "trials that ended");
}

// --- activation
Result activation_rate(const Context& x) {
  const double w = x.num("window_days");
  return windowed_share(
      x, w,
      [&](std::uint32_t c, std::int64_t a, std::int64_t b) {
        std::int64_t t = first_time(x, c, E::activated, a);
        return t != kNone && t <= b;
      },
      "new customer observed for the whole window");
}

Result time_to_first_value(const Context& x) {
  std::vector<double> d;
  double pop = 0;
  for (auto c : x.customers) {
    std::int64_t s = signup_time(x, c);
    if (s == kNone) continue;
    pop += 1;
    std::int64_t m = first_time(x, c, E::milestone, s);
    if (m != kNone) d.push_back(days(m - s));
  }
  Result r = distribution(d, "customer reaching a milestone");
  if (r.available) r.extra.push_back({"share_reaching", d.size() / pop});
  return r;
}

// Stage of a customer at time t (-1: not a customer or churned).
// Lifecycle stage (index into names "stages"; -1: none, e.g. after churn or a lost lead).
void stage_step(int& s, const Ev& e) {
  if (e.type == E::stage_entered) s = e.arg;
  if (e.type == E::churned || e.type == E::trial_expired || e.type == E::lead_lost) s = -1;
}

Result stage_distribution(const Context& x) {
  const auto& stages = x.log.names_of("stages");
  if (stages.empty()) return Result::unavailable("the log names no stages");
  const int K = std::max(1, n_months(x.log));
  ResultTable t{"stage_distribution", "month_end", {}, stages, {}};
  std::vector<double> last(stages.size(), 0);
  // month ends 1..K, then the end of the log (the headline)
  std::vector<std::int64_t> ts;
  for (int k = 1; k <= K; ++k) ts.push_back(std::min(x.log.end, month_start(x.log, k)));
  ts.push_back(x.log.end);
  std::vector<int> at(ts.size());
  std::vector<std::vector<double>> counts(K, std::vector<double>(stages.size(), 0));
  const int n_stages = static_cast<int>(stages.size());
  for (auto c : x.customers) {
    replay_at(x, c, ts, -1, stage_step, at.data());
    for (int k = 0; k < K; ++k)
      if (at[k] >= 0 && at[k] < n_stages) counts[k][at[k]] += 1;
    if (at[K] >= 0 && at[K] < n_stages) last[at[K]] += 1;
  }
  for (int k = 0; k < K; ++k) {
    t.row_labels.push_back(period_label(x.log, k));
    t.cells.push_back(counts[k]);
  }
  double total = std::accumulate(last.begin(), last.end(), 0.0);
  if (total == 0) return Result::unavailable("no customer is in any stage at the end");
  Result r;
  r.value = last.back() / total;  // share in the last (most mature) stage at the end
  r.n = total;
  r.tables.push_back(t);
  return r;
}

Result time_in_stage(const Context& x) {
  const auto& stages = x.log.names_of("stages");
  if (stages.empty()) return Result::unavailable("the log names no stages");
  std::vector<std::vector<double>> spans(stages.size());
  for (auto c : x.customers) {
    int cur = -1;
    std::int64_t since = 0;
    for (Ev e : events(x, c)) {
      bool leave = e.type == E::stage_entered || e.type == E::churned || e.type == E::trial_expired;
      if (leave && cur >= 0 && cur < static_cast<int>(stages.size()))
        spans[cur].push_back(days(e.t - since));
      if (leave) cur = -1;
      if (e.type == E::stage_entered) cur = e.arg, since = e.t;
    }
  }
  if (spans[0].empty()) return Result::unavailable("no completed stay in the first stage");
  ResultTable t{
      "time_in_stage", "stage", stages, {"completed_stays", "mean_days", "median_days"}, {}};
  for (auto& s : spans)
    t.cells.push_back({static_cast<double>(s.size()), mean_of(s), quantile(s, 0.5)});
  Result r;
  r.value = mean_of(spans[0]);
  r.n = static_cast<double>(spans[0].size());
  r.tables.push_back(t);
  return r;
}

// --- retention
Result monthly_churn_of(const Context& x) {
  const int K = n_months(x.log);
  std::vector<double> rates;
  double churned_total = 0, exposure = 0;
  // per month boundary: paying, and the last churn so far (a churn in (a, b] of month k is
  // one with a + 1 <= last churn at b)
  struct State {
    bool paying = false;
    std::int64_t last_churn = kNone;
  };
  std::vector<std::int64_t> bounds;
  for (int k = 0; k <= K; ++k) bounds.push_back(month_start(x.log, k));
  std::vector<State> at(bounds.size());
  std::vector<double> base(K, 0), lost(K, 0);
  for (auto c : x.customers) {
    replay_at(
        x, c, bounds, State{},
        [](State& s, const Ev& e) {
          paying_step(s.paying, e);
          if (e.type == E::churned) s.last_churn = e.t;
        },
        at.data());
    for (int k = 0; k < K; ++k) {
      if (!at[k].paying) continue;
      base[k] += 1;
      lost[k] += at[k + 1].last_churn != kNone && at[k + 1].last_churn >= bounds[k] + 1;
    }
  }
  for (int k = 0; k < K; ++k) {
    if (base[k] > 0) rates.push_back(lost[k] / base[k]);
    churned_total += lost[k];
    exposure += base[k];
  }
  if (rates.empty()) return Result::unavailable("no customer was paying at the start of a month");
  Result r;
  r.value = mean_of(rates);
  r.n = exposure;
  r.extra = {{"months", static_cast<double>(rates.size())}, {"pooled", churned_total / exposure}};
  return r;
}
// (shared by monthly_churn_rate and the churn-based CLVs)
Result monthly_churn(const Context& x) {
  return memoized(x, &monthly_churn_of, false);
}

// The month sums both revenue retentions are made of, from one MRR replay per customer: per
// whole month k, the MRR at its start of the customers paying then (row 0), and theirs at its end
// (row 1, net) and capped at the start (row 2, gross). A Result's table so that the run's memo
// keeps it for the other retention KPI.
Result retention_sums_of(const Context& x) {
  const int K = n_months(x.log);
  std::vector<std::int64_t> bounds;
  for (int k = 0; k <= K; ++k) bounds.push_back(month_start(x.log, k));
  std::vector<double> mrr(bounds.size()), m0(K, 0), net(K, 0), gross(K, 0);
  for (auto c : x.customers) {
    replay_at(x, c, bounds, 0.0, mrr_step, mrr.data());
    for (int k = 0; k < K; ++k) {
      const double s = mrr[k], e = mrr[k + 1];
      if (s <= 0) continue;
      m0[k] += s;
      net[k] += e;
      gross[k] += std::min(e, s);
    }
  }
  Result r;
  r.tables.push_back({"sums", "", {}, {}, {std::move(m0), std::move(net), std::move(gross)}});
  return r;
}

Result revenue_retention(const Context& x, bool net) {
  if (Result s = need_subscription(x); !s.available) return s;
  const Result sums = memoized(x, &retention_sums_of, false);
  const std::vector<double>& m0 = sums.tables[0].cells[0];
  const std::vector<double>& m1 = sums.tables[0].cells[net ? 1 : 2];
  std::vector<double> rates;
  for (std::size_t k = 0; k < m0.size(); ++k)
    if (m0[k] > 0) rates.push_back(m1[k] / m0[k]);
  if (rates.empty()) return Result::unavailable("no MRR at the start of any month");
  Result r;
  r.value = mean_of(rates);
  r.n = static_cast<double>(rates.size());
  r.extra = {{"annualised", std::pow(r.value, 12)}};
  return r;
}

Result reactivation_rate(const Context& x) {
  double churned = 0, back = 0;
  for (auto c : x.customers) {
    std::int64_t ch = first_time(x, c, E::churned);
    if (ch == kNone) continue;
    churned += 1;
    back += first_time(x, c, E::reactivated, ch) != kNone;
  }
  return ratio(back, churned, "churned customers");
}

Result repeat_purchase(const Context& x) {
  double buyers = 0, repeat = 0;
  for (auto c : x.customers) {
    int n = 0;
    for (Ev e : events(x, c)) n += e.type == E::purchase;
    if (n == 0) continue;
    buyers += 1;
    repeat += n >= 2;
  }
  return ratio(repeat, buyers, "purchasers");
}

// Quintile score 1..5 of each value (ties share the higher score of their block).
std::vector<int> quintiles(const std::vector<double>& v) {
  std::vector<std::size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<int> q(v.size());
  for (std::size_t r = 0; r < idx.size();) {
    std::size_t e = r + 1;  // at least one: a NaN equals nothing, not even itself
    while (e < idx.size() && v[idx[e]] == v[idx[r]]) ++e;
    int score = 1 + static_cast<int>(5 * (e - 1) / idx.size());
    for (std::size_t k = r; k < e; ++k) q[idx[k]] = std::min(5, score);
    r = e;
  }
  return q;
}

Result rfm(const Context& x) {
  std::vector<double> rec, freq, mon;
  for (auto c : x.customers) {
    double n = 0, amount = 0;
    std::int64_t last = kNone;
    for (Ev e : events(x, c))
      if (e.type == E::purchase || e.type == E::payment) n += 1, amount += e.value, last = e.t;
    if (n == 0) continue;
    rec.push_back(-days(x.log.end - last));  // more recent = higher
    freq.push_back(n);
    mon.push_back(amount);
  }
  if (rec.empty()) return Result::unavailable("no purchases or payments in the log");
  auto r5 = quintiles(rec), f5 = quintiles(freq), m5 = quintiles(mon);
  ResultTable t{
      "rfm", "recency_score", {"1", "2", "3", "4", "5"}, {"f1", "f2", "f3", "f4", "f5"}, {}};
  t.cells.assign(5, std::vector<double>(5, 0));
  double champions = 0;
  for (std::size_t i = 0; i < rec.size(); ++i) {
    t.cells[r5[i] - 1][f5[i] - 1] += 1;
    champions += r5[i] >= 4 && f5[i] >= 4 && m5[i] >= 4;
  }
  Result r;
  r.value = champions / rec.size();
  r.n = static_cast<double>(rec.size());
  r.tables.push_back(t);
  return r;
}

// --- revenue
Result mrr_series(const Context& x) {
  if (Result s = need_subscription(x); !s.available) return s;
  const int K = std::max(1, n_months(x.log));
  ResultTable t{"mrr", "month_end", {}, {"mrr", "paying_customers"}, {}};
  double last = 0, paying = 0;
  // month ends 1..K, then the end of the log (the headline: after the last whole month when the
  // log has a partial one)
  std::vector<std::int64_t> ts;
  for (int k = 1; k <= K; ++k) ts.push_back(std::min(x.log.end, month_start(x.log, k)));
  ts.push_back(x.log.end);
  std::vector<double> v(ts.size()), m(K, 0), p(K, 0);
  for (auto c : x.customers) {
    replay_at(x, c, ts, 0.0, mrr_step, v.data());
    for (int k = 0; k < K; ++k) {
      m[k] += v[k];
      p[k] += v[k] > 0;
    }
    last += v[K];
    paying += v[K] > 0;
  }
  for (int k = 0; k < K; ++k) {
    t.row_labels.push_back(period_label(x.log, k));
    t.cells.push_back({m[k], p[k]});
  }
  Result r;
  r.value = last;
  r.n = paying;
  r.tables.push_back(t);
  return r;
}

Result arpa_of(const Context& x) {
  if (Result s = need_subscription(x); !s.available) return s;
  double m = 0, p = 0;
  for (auto c : x.customers) {
    double v = mrr_at(x, c, x.log.end);
    m += v;
    p += v > 0;
  }
  return ratio(m, p, "paying customers at the end");
}
// (shared by arpa and the CLVs and CAC payback built on it)
Result arpa(const Context& x) {
  return memoized(x, &arpa_of, false);
}

Result expansion(const Context& x) {
  if (Result s = need_subscription(x); !s.available) return s;
  double rev = 0, n = 0;
  for (auto c : x.customers)
    for (Ev e : events(x, c))
      if ((e.type == E::upgrade || e.type == E::seats_changed) && e.value > 0)
        rev += e.value, n += 1;
  Result r;
  r.value = rev;
  r.n = n;
  return r;
}

// --- economics: what a run earned and spent (compare's playbook ROI is built from these)
double revenue_of(const Context& x, double* discounts = nullptr) {
  double rev = 0;
  for_each_event_of(x, {E::payment, E::purchase, E::discount_applied}, [&](const Ev& e) {
    if (e.type != E::discount_applied)
      rev += e.value;
    else if (discounts)
      *discounts += e.value;
  });
  return rev;
}
Result revenue_collected(const Context& x) {
  if (!x.log.has(E::payment) && !x.log.has(E::purchase))
    return Result::unavailable("the log has no payment or purchase events");
  Result r;
  double discounts = 0;
  r.value = revenue_of(x, &discounts);
  r.n = static_cast<double>(x.customers.size());
  r.extra = {{"discounts_given", discounts}};
  return r;
}
// Channel spend, team costs and playbook action costs (message sends included) in scope.
Result costs(const Context& x) {
  Result r = need_channels(x);
  if (!r.available) return r;
  double media = channel_sum(
      x, [](const ChannelDay& d) { return d.spend; }, false);
  double all = channel_sum(
      x, [](const ChannelDay& d) { return d.spend; }, true);
  double actions = 0;
  for_each_event_of(x, {E::playbook_action}, [&](const Ev& e) { actions += e.value; });
  r.value = all + actions;
  r.n = static_cast<double>(x.customers.size());
  r.extra = {{"channel_spend", media}, {"team_cost", all - media}, {"playbook_cost", actions}};
  return r;
}
Result net_contribution(const Context& x) {
  Result cost = costs(x);
  if (!cost.available) return cost;
  Result rev = revenue_collected(x);
  if (!rev.available) return rev;
  Result r;
  r.value = rev.value - cost.value;
  r.n = rev.n;
  r.extra = {{"revenue", rev.value}, {"cost", cost.value}};
  return r;
}

Result clv_subscription(const Context& x) {
  Result a = arpa(x), ch = monthly_churn(x);
  if (!a.available) return a;
  if (!ch.available) return ch;
  if (ch.value <= 0)
    return Result::unavailable("no churn observed: the churn-based CLV is unbounded");
  Result r;
  r.value = a.value * x.num("margin") / ch.value;
  r.n = a.n;
  r.extra = {{"arpa", a.value}, {"monthly_churn", ch.value}};
  return r;
}

Result clv_survival(const Context& x) {
  // the lifetime as the avg_customer_lifespan KPI computes it (with its own parameters)
  Context lx{x.log, x.customers, *find_kpi("avg_customer_lifespan"), x.params, x.channel_rows};
  Result a = arpa(x), life = lifespan(lx);
  if (!a.available) return a;
  if (!life.available) return life;
  Result r;
  r.value = a.value * x.num("margin") * life.value / kMonthDays;
  r.n = a.n;
  r.extra = {{"restricted_mean_lifetime_months", life.value / kMonthDays}};
  return r;
}

// The CAC of the ratio KPIs: fully loaded (sales and marketing, the industry convention of the
// published benchmarks) unless the `cost` parameter says marketing.
Result ratio_cac(const Context& x) {
  const std::string cost = x.str("cost");
  if (cost != "fully_loaded" && cost != "marketing")
    throw std::runtime_error("KPI parameter " + x.def.id +
                             ".cost: expected fully_loaded or marketing, found '" + cost + "'");
  return new_customer_cost(x, cost == "fully_loaded");
}

Result cac_clv(const Context& x) {
  Result cac = ratio_cac(x), clv = clv_subscription(x);
  if (!cac.available) return cac;
  if (!clv.available) return clv;
  return ratio(clv.value, cac.value, "acquisition cost");
}

Result cac_payback(const Context& x) {
  Result cac = ratio_cac(x), a = arpa(x);
  if (!cac.available) return cac;
  if (!a.available) return a;
  return ratio(cac.value, a.value * x.num("margin"), "margin per account");
}

// --- messages
Result message_ratio(const Context& x, E num, E den, const std::string& what) {
  Result r = count_ratio(x, num, den, what);
  if (!r.available) return r;
  const auto& camps = x.log.names_of("campaigns");
  std::vector<double> a(camps.size(), 0), b(camps.size(), 0);
  for_each_event_of(x, {num, den}, [&](const Ev& e) {
    if (e.arg >= 0 && e.arg < static_cast<int>(camps.size())) {
      a[e.arg] += e.type == num;
      b[e.arg] += e.type == den;
    }
  });
  ResultTable t{"by_campaign", "campaign", camps, {"rate", "base"}, {}};
  for (std::size_t i = 0; i < camps.size(); ++i)
    t.cells.push_back({b[i] > 0 ? a[i] / b[i] : kNaN, b[i]});
  r.tables.push_back(t);
  return r;
}

// --- sentiment
Result csat(const Context& x) {
  double n = 0, good = 0;
  for_each_event_of(x, {E::csat}, [&](const Ev& e) {
    n += 1;
    good += e.value >= 4;
  });
  return ratio(good, n, "CSAT answers");
}
Result nps(const Context& x) {
  double n = 0, pro = 0, det = 0;
  for_each_event_of(x, {E::nps}, [&](const Ev& e) {
    n += 1;
    pro += e.value >= 9;
    det += e.value <= 6;
  });
  if (n == 0) return Result::unavailable("no NPS answers in the log");
  Result r;
  r.value = 100.0 * (pro - det) / n;
  r.n = n;
  r.extra = {{"promoters", pro / n}, {"detractors", det / n}};
  return r;
}

// --- referral and advocacy
Result per_converted(const Context& x, const std::function<double(std::uint32_t)>& f,
                     const std::string&) {
  double n = 0, s = 0;
  for (auto c : x.customers) {
    if (x.log.customers[c].converted == kNone) continue;
    n += 1;
    s += f(c);
  }
  return ratio(s, n, "converted customers");
}
double count_of(const Context& x, std::uint32_t c, E t) {
  double n = 0;
  for (Ev e : events(x, c)) n += e.type == t;
  return n;
}
Result invite_conversion(const Context& x) {
  double invites = 0, referred = 0;
  for (auto c : x.customers) {
    invites += count_of(x, c, E::referral_invite_sent);
    referred += x.log.customers[c].referrer >= 0;
  }
  return ratio(referred, invites, "referral invites");
}
Result viral_coefficient(const Context& x) {
  double referred = 0, others = 0;
  for (auto c : x.customers) {
    // both sides count converted customers: referred ones per non-referred one
    if (x.log.customers[c].converted == kNone) continue;
    if (x.log.customers[c].referrer >= 0)
      referred += 1;
    else
      others += 1;
  }
  return ratio(referred, others, "non-referred converted customers");
}

Result active_customers(const Context& x) {
  if (!x.log.has(E::login) && !x.log.has(E::feature_used) && !x.log.has(E::value_action) &&
      !x.log.has(E::purchase))
    return Result::unavailable(
        "the log has no engagement events (login, feature_used, value_action, purchase)");
  const int K = std::max(1, n_months(x.log));
  ResultTable t{"active_customers", "month", {}, {"active"}, {}};
  std::vector<double> active(K, 0);
  for (auto c : x.customers) {
    std::vector<char> seen(K, 0);
    for (Ev e : events(x, c))
      if (engagement(e.type) && e.t >= x.log.start && e.t < x.log.end) {
        int k = month_index(x.log, e.t);
        if (k >= 0 && k < K) seen[k] = 1;
      }
    for (int k = 0; k < K; ++k) active[k] += seen[k];
  }
  for (int k = 0; k < K; ++k) {
    t.row_labels.push_back(period_label(x.log, k));
    t.cells.push_back({active[k]});
  }
  Result r;
  r.value = active.back();
  r.n = static_cast<double>(x.customers.size());
  r.tables.push_back(t);
  return r;
}

// ---------------------------------------------------------------- the registry
std::vector<KpiDef> build() {
  using D = Direction;
  const auto H = D::higher_is_better, L = D::lower_is_better, N = D::neutral;
  std::vector<KpiDef> k;
  auto add = [&](KpiDef d) { k.push_back(std::move(d)); };
  // seed 000
  add({"avg_customer_lifespan",
       "Average Customer Lifespan",
       "retention",
       "Kaplan-Meier survival of paying customers from conversion to first churn, right-censored "
       "at the "
       "end of the log. Headline: restricted mean survival time to tau (default: the log's "
       "length); "
       "also the KM median (first time S(t) <= 0.5) and, labelled as biased, the mean over churned "
       "customers only.",
       "days",
       {E::conversion, E::churned},
       false,
       {{"tau_days", "0", "RMST horizon in days; 0 = the log's length"}},
       H,
       lifespan});
  add({"lead_response_time",
       "Lead Response Time",
       "acquisition",
       "Hours from a lead's creation to its first sales touch: mean (headline), median, p90 "
       "(linear "
       "interpolation, numpy default). Leads never touched are counted apart (never_touched).",
       "hours",
       {E::lead_created, E::sales_touch},
       false,
       {},
       L,
       [](const Context& x) { return response_time(x, E::lead_created, E::sales_touch, "lead"); }});
  add({"lead_response_time_post_onboarding",
       "Lead Response Time (Post-Onboarding)",
       "activation",
       "Hours from onboarding completion to the first success-team follow-up: mean, median, p90; "
       "customers never followed up are counted apart.",
       "hours",
       {E::onboarding_completed, E::success_followup},
       false,
       {},
       L,
       [](const Context& x) {
         return response_time(x, E::onboarding_completed, E::success_followup,
                              "onboarding completion");
       }});
  add({"cohort_retention",
       "Cohort Retention Analysis",
       "retention",
       "Cohorts by conversion month; cell (cohort, k) = share of the cohort paying k months (30.44 "
       "days) "
       "after their own conversion (logo retention; customers whose k-th month is beyond the log "
       "are "
       "left out of that cell), and a second matrix with the share active (any login, feature use, "
       "value action or purchase) in their k-th month. Headline: logo retention at `month`, "
       "pooled.",
       "share",
       {E::conversion, E::churned},
       false,
       {{"month", "3", "months since conversion for the headline"}},
       H,
       cohort_retention});
  add({"feature_adoption_rate",
       "Feature Adoption Rate (Ongoing)",
       "adoption",
       "Among customers active (any engagement event) in the last `weeks` weeks of the log, the "
       "share "
       "who used the key feature in at least `min_weeks` distinct weeks of them.",
       "share",
       {E::feature_used},
       false,
       {{"key_feature", "", "feature name (default: the first feature)"},
        {"weeks", "8", "window length in weeks"},
        {"min_weeks", "6", "weeks with use needed"}},
       H,
       feature_adoption});
  add({"referral_prompt_acceptance_rate",
       "Referral Prompt Acceptance Rate",
       "referral",
       "Referral prompts accepted / referral prompts shown.",
       "share",
       {E::referral_prompt_shown},
       false,
       {},
       H,
       [](const Context& x) {
         return count_ratio(x, E::referral_prompt_accepted, E::referral_prompt_shown,
                            "referral prompts shown");
       }});
  add({"time_between_logins",
       "Time Between Logins (Post-Activation)",
       "adoption",
       "Gaps in days between consecutive logins that both happen at or after the customer's "
       "activation: "
       "mean (headline), median, p90.",
       "days",
       {E::login, E::activated},
       false,
       {},
       L,
       time_between_logins});
  add({"time_to_first_habitual_action",
       "Time to First Habitual Action",
       "adoption",
       "Days from sign-up (or conversion, for sales-led customers) to the k-th value action, among "
       "customers who reach it (mean headline, median, p90), plus share_reaching among all who "
       "signed up.",
       "days",
       {E::value_action},
       false,
       {{"k", "3", "occurrence of the value action that marks the habit"}},
       L,
       habitual_action});
  add({"referral_driven_expansion_revenue",
       "Referral-Driven Expansion Revenue",
       "revenue",
       "Sum of positive MRR changes (upgrades and seat growth) of customers acquired through "
       "referral "
       "(customers with a referrer), over the log. Not available for non-contractual logs "
       "(purchases but no payment events).",
       "currency/month (MRR)",
       {E::conversion},
       false,
       {},
       H,
       referral_expansion});
  add({"activation_tasks_completion",
       "Percent Completing Key Activation Tasks",
       "activation",
       "Among customers who signed up (or converted) at least `window_days` before the end of the "
       "log, "
       "the share completing at least one activation task within `window_days` of sign-up "
       "(headline), and the share completing all tasks (share_all_tasks).",
       "share",
       {E::activation_task},
       false,
       {{"window_days", "14", "days after sign-up"}},
       H,
       activation_tasks});
  add({"activation_milestones",
       "Percent of Accounts Completing Key Activation Milestones",
       "activation",
       "Per milestone, the share of accounts (signed up at least `window_days` before the end) "
       "reaching "
       "it within `window_days` of sign-up; headline: the first milestone.",
       "share",
       {E::milestone},
       false,
       {{"window_days", "30", "days after sign-up"}},
       H,
       activation_milestones});
  add({"pql_rate",
       "Percent of Accounts Reaching PQL Status",
       "activation",
       "Among trial or freemium accounts (a trial_started event, or a sign-up not converted at "
       "once), "
       "the share with a pql_reached event.",
       "share",
       {E::pql_reached},
       false,
       {},
       H,
       pql_rate});
  add({"referral_funnel_dropoff",
       "Referral Funnel Drop-Off Rate",
       "referral",
       "Referral flows started with no invite sent before the customer's next flow (or the end) / "
       "referral flows started.",
       "share",
       {E::referral_flow_started},
       false,
       {},
       L,
       referral_dropoff});
  add({"referral_prompt_interaction_rate",
       "Referral Prompt Interaction Rate",
       "referral",
       "Referral prompts interacted with (click, expand, accept or decline) / prompts shown.",
       "share",
       {E::referral_prompt_shown},
       false,
       {},
       H,
       [](const Context& x) {
         return count_ratio(x, E::referral_prompt_interacted, E::referral_prompt_shown,
                            "referral prompts shown");
       }});
  add({"activated_followup_engagement",
       "Activated-to-Follow-Up Engagement Rate",
       "adoption",
       "Among customers activated at least `window_days` before the end, the share with an "
       "engagement "
       "event (login, feature use, value action, purchase) within `window_days` after activation.",
       "share",
       {E::activated},
       false,
       {{"window_days", "7", "days after activation"}},
       H,
       activated_followup});
  add({"referral_readiness_score",
       "Referral Readiness Score",
       "referral",
       "Per paying account at T0 = end - `horizon_days`: score = 30 min(1, logins in the 30 days "
       "before T0 / 12) "
       "+ 30 min(1, value actions in those days / 6) + 25 sentiment (last NPS/10, else (last "
       "CSAT-1)/4, "
       "else 0.5) + 15 min(1, tenure days / 180), in 0..100. Headline: ROC AUC of the score for a "
       "referral (invite sent or prompt accepted) in (T0, T0 + horizon_days]; also the score "
       "quartiles.",
       "AUC",
       {E::referral_prompt_shown, E::login},
       false,
       {{"horizon_days", "30", "prediction window"}},
       H,
       readiness});
  add({"downgrade_to_churn_rate",
       "Downgrade to Churn Conversion Rate",
       "retention",
       "Among customers whose first downgrade is at least `window_days` before the end, the share "
       "who "
       "churn within `window_days` after it.",
       "share",
       {E::downgrade},
       false,
       {{"window_days", "90", "days after the downgrade"}},
       L,
       downgrade_churn});
  // reach and acquisition
  add({"impressions",
       "Impressions",
       "acquisition",
       "Sum of channel impressions.",
       "impressions",
       {},
       true,
       {},
       N,
       impressions});
  add({"click_through_rate",
       "Click-Through Rate",
       "acquisition",
       "Channel clicks / impressions.",
       "share",
       {},
       true,
       {},
       H,
       [](const Context& x) {
         return channel_ratio(
             x, [](const ChannelDay& d) { return double(d.clicks); },
             [](const ChannelDay& d) { return double(d.impressions); }, "impressions");
       }});
  add({"content_engagement_rate",
       "Content Engagement",
       "acquisition",
       "Clicks that read content or downloaded / clicks (per visitor).",
       "share",
       {},
       true,
       {},
       H,
       [](const Context& x) {
         return channel_ratio(
             x, [](const ChannelDay& d) { return double(d.engaged); },
             [](const ChannelDay& d) { return double(d.clicks); }, "clicks");
       }});
  add({"lead_rate",
       "Lead Rate",
       "acquisition",
       "Leads or sign-ups / clicks.",
       "share",
       {},
       true,
       {},
       H,
       [](const Context& x) {
         return channel_ratio(
             x, [](const ChannelDay& d) { return double(d.leads); },
             [](const ChannelDay& d) { return double(d.clicks); }, "clicks");
       }});
  add({"cost_per_lead",
       "Cost per Lead",
       "acquisition",
       "Marketing spend (channel rows, teams excluded) / leads from the channel table.",
       "currency",
       {},
       true,
       {},
       L,
       [](const Context& x) {
         return channel_ratio(
             x, [](const ChannelDay& d) { return d.spend; },
             [](const ChannelDay& d) { return double(d.leads); }, "leads");
       }});
  add({"conversion_rate",
       "Conversion Rate (lead -> customer)",
       "acquisition",
       "Customers with a lead or sign-up event who converted to paying / customers with a lead or "
       "sign-up.",
       "share",
       {E::conversion},
       false,
       {},
       H,
       lead_conversion});
  add({"trial_to_paid_rate",
       "Trial-to-Paid Conversion",
       "acquisition",
       "Trials that ended in a conversion / trials that ended (conversion or expiry; running "
       "trials excluded).",
       "share",
       {E::trial_started},
       false,
       {},
       H,
       trial_to_paid});
  add({"cac",
       "Customer Acquisition Cost",
       "revenue",
       "Marketing spend (channel rows, teams excluded) / customers who converted in the log.",
       "currency",
       {E::conversion},
       true,
       {},
       L,
       [](const Context& x) { return new_customer_cost(x, false); }});
  add({"cac_fully_loaded",
       "CAC (fully loaded)",
       "revenue",
       "All spend in the channel table, team costs included / customers who converted.",
       "currency",
       {E::conversion},
       true,
       {},
       L,
       [](const Context& x) { return new_customer_cost(x, true); }});
  // activation
  add({"activation_rate",
       "Activation Rate",
       "activation",
       "Among customers who signed up (or converted) at least `window_days` before the end, the "
       "share "
       "activated (all required activation tasks done) within `window_days`.",
       "share",
       {E::activated},
       false,
       {{"window_days", "30", "days after sign-up"}},
       H,
       activation_rate});
  add({"time_to_first_value",
       "Time to First Value",
       "activation",
       "Days from sign-up (or conversion) to the first milestone, among those reaching one: mean, "
       "median, p90; share_reaching among all who signed up.",
       "days",
       {E::milestone},
       false,
       {},
       L,
       time_to_first_value});
  add({"stage_distribution",
       "Stage Distribution over Time",
       "activation",
       "Customers in each stage at each month end (table). Headline: share of staged customers in "
       "the "
       "last (most mature) stage at the end of the log.",
       "share",
       {E::stage_entered},
       false,
       {},
       H,
       stage_distribution});
  add({"time_in_stage",
       "Time in Stage",
       "activation",
       "Completed stays per stage (entry to next stage entry, churn or trial expiry): count, mean, "
       "median days (table). Headline: mean days in the first stage.",
       "days",
       {E::stage_entered},
       false,
       {},
       N,
       time_in_stage});
  // retention
  add({"monthly_churn_rate",
       "Monthly Logo Churn",
       "retention",
       "For each whole month of the log (30.44 days from the start): customers paying at its start "
       "who "
       "churn within it / customers paying at its start; headline: the mean over months; also "
       "pooled.",
       "share/month",
       {E::conversion, E::churned},
       false,
       {},
       L,
       monthly_churn});
  add({"gross_revenue_retention",
       "Gross Revenue Retention (monthly)",
       "retention",
       "For each month: MRR at its end of the customers paying at its start, each capped at its "
       "starting "
       "MRR / their MRR at its start; mean over months (annualised = mean^12). Not available for "
       "non-contractual logs (purchases but no payment events).",
       "share",
       {E::conversion},
       false,
       {},
       H,
       [](const Context& x) { return revenue_retention(x, false); }});
  add({"net_revenue_retention",
       "Net Revenue Retention (monthly)",
       "retention",
       "As gross revenue retention, without the cap (expansion counts).",
       "share",
       {E::conversion},
       false,
       {},
       H,
       [](const Context& x) { return revenue_retention(x, true); }});
  add({"reactivation_rate",
       "Reactivation Rate (win-back)",
       "retention",
       "Churned customers who were reactivated after their first churn / churned customers.",
       "share",
       {E::churned},
       false,
       {},
       H,
       reactivation_rate});
  add({"repeat_purchase_rate",
       "Repeat Purchase Rate",
       "retention",
       "Customers with two or more purchases / customers with a purchase.",
       "share",
       {E::purchase},
       false,
       {},
       H,
       repeat_purchase});
  add({"rfm_segments",
       "RFM Segments",
       "retention",
       "Customers with purchases or payments scored 1..5 by quintile of recency (days since the "
       "last "
       "one, recent = 5), frequency (count) and monetary (sum), tied values sharing the highest "
       "score of their tie block; table: counts by R (rows) x F "
       "(columns). Headline: share of champions (R, F and M all >= 4).",
       "share",
       {},
       false,
       {},
       H,
       rfm});
  // revenue
  add({"mrr",
       "Monthly Recurring Revenue",
       "revenue",
       "MRR replayed from conversion, upgrade, downgrade, seat and churn/reactivation events, at "
       "each "
       "month end (table); headline: MRR at the end of the log. Not available for non-contractual "
       "logs (purchases but no payment events).",
       "currency/month",
       {E::conversion},
       false,
       {},
       H,
       mrr_series});
  add({"arpa",
       "Average Revenue per Account",
       "revenue",
       "MRR at the end / accounts paying at the end. Not available for non-contractual logs "
       "(purchases but no payment events).",
       "currency/month",
       {E::conversion},
       false,
       {},
       H,
       arpa});
  add({"expansion_revenue",
       "Expansion Revenue",
       "revenue",
       "Sum of positive MRR changes from upgrades and seat growth. Not available for "
       "non-contractual logs (purchases but no payment events).",
       "currency/month (MRR)",
       {E::conversion},
       false,
       {},
       H,
       expansion});
  add({"clv",
       "Customer Lifetime Value (subscription)",
       "revenue",
       "ARPA x margin / monthly logo churn (the mean of monthly_churn_rate).",
       "currency",
       {E::conversion, E::churned},
       false,
       {{"margin", "0.8", "gross margin"}},
       H,
       clv_subscription});
  add({"clv_survival",
       "Customer Lifetime Value (survival-based)",
       "revenue",
       "ARPA x margin x Kaplan-Meier restricted mean lifetime (months, as avg_customer_lifespan "
       "computes it: to its `tau_days`, by default the log's length; a lower bound when many "
       "customers survive the horizon).",
       "currency",
       {E::conversion, E::churned},
       false,
       {{"margin", "0.8", "gross margin"}},
       H,
       clv_survival});
  add({"cac_clv_ratio",
       "CLV:CAC Ratio",
       "revenue",
       "clv / CAC (3 is the common benchmark). CAC is fully loaded (channel spend and team costs, "
       "as cac_fully_loaded, the convention of published benchmarks) unless cost = marketing "
       "(as cac).",
       "ratio",
       {E::conversion, E::churned},
       true,
       {{"margin", "0.8", "gross margin"},
        {"cost", "fully_loaded",
         "fully_loaded (sales and marketing) or marketing (channel spend)"}},
       H,
       cac_clv});
  add({"cac_payback_months",
       "CAC Payback",
       "revenue",
       "CAC / (ARPA x margin); CAC fully loaded unless cost = marketing (see cac_clv_ratio).",
       "months",
       {E::conversion},
       true,
       {{"margin", "0.8", "gross margin"},
        {"cost", "fully_loaded",
         "fully_loaded (sales and marketing) or marketing (channel spend)"}},
       L,
       cac_payback});
  // messages
  auto msg = [&](const char* id, const char* name, const char* def, E num, E den, D dir,
                 const char* what) {
    add({id,
         name,
         "messages",
         def,
         "share",
         {E::message_sent},
         false,
         {},
         dir,
         [num, den, what](const Context& x) { return message_ratio(x, num, den, what); }});
  };
  msg("message_delivery_rate", "Delivery Rate", "Messages delivered / sent; table per campaign.",
      E::message_delivered, E::message_sent, H, "messages sent");
  msg("message_bounce_rate", "Bounce Rate", "Messages bounced / sent; table per campaign.",
      E::message_bounced, E::message_sent, L, "messages sent");
  msg("message_open_rate", "Open Rate", "Messages opened / delivered; table per campaign.",
      E::message_opened, E::message_delivered, H, "messages delivered");
  msg("message_click_rate", "Click-Through Rate (messages)",
      "Messages clicked / delivered; table per campaign.", E::message_clicked, E::message_delivered,
      H, "messages delivered");
  msg("message_click_to_open_rate", "Click-to-Open Rate",
      "Messages clicked / opened; table per campaign.", E::message_clicked, E::message_opened, H,
      "messages opened");
  msg("message_unsubscribe_rate", "Unsubscribe Rate",
      "Unsubscribes / messages delivered; table per campaign.", E::unsubscribed,
      E::message_delivered, L, "messages delivered");
  // sentiment
  add({"csat",
       "CSAT",
       "sentiment",
       "Share of CSAT answers scoring 4 or 5 (of 1..5).",
       "share",
       {E::csat},
       false,
       {},
       H,
       csat});
  add({"nps",
       "Net Promoter Score",
       "sentiment",
       "100 x (share of NPS answers 9-10 minus share 0-6).",
       "points",
       {E::nps},
       false,
       {},
       H,
       nps});
  // referral and advocacy
  add({"referral_participation_rate",
       "Referral Participation",
       "referral",
       "Converted customers who sent at least one referral invite / converted customers.",
       "share",
       {E::referral_prompt_shown},
       false,
       {},
       H,
       [](const Context& x) {
         return per_converted(
             x,
             [&](std::uint32_t c) {
               return count_of(x, c, E::referral_invite_sent) > 0 ? 1.0 : 0.0;
             },
             "");
       }});
  add({"invites_per_customer",
       "Invites per Customer",
       "referral",
       "Referral invites sent by converted customers / converted customers.",
       "invites",
       {E::referral_prompt_shown},
       false,
       {},
       H,
       [](const Context& x) {
         return per_converted(
             x, [&](std::uint32_t c) { return count_of(x, c, E::referral_invite_sent); }, "");
       }});
  add({"invite_conversion_rate",
       "Invite Conversion",
       "referral",
       "Referred customers (customers with a referrer) / referral invites sent.",
       "share",
       {E::referral_invite_sent},
       false,
       {},
       H,
       invite_conversion});
  add({"viral_coefficient",
       "Viral Coefficient",
       "referral",
       "Converted referred customers / converted customers who were not referred (new customers "
       "each "
       "brings).",
       "ratio",
       {E::referral_prompt_shown},
       false,
       {},
       H,
       viral_coefficient});
  add({"advocacy_rate",
       "Advocacy Rate",
       "referral",
       "Converted customers with a review or social share / converted customers.",
       "share",
       {E::nps},
       false,
       {},
       H,
       [](const Context& x) {
         return per_converted(
             x,
             [&](std::uint32_t c) {
               return count_of(x, c, E::review_posted) + count_of(x, c, E::social_share) > 0 ? 1.0
                                                                                             : 0.0;
             },
             "");
       }});
  add({"revenue_collected",
       "Revenue Collected",
       "revenue",
       "Sum of payment and purchase amounts within the log (net of discounts, which payments "
       "already are; extra discounts_given sums discount_applied amounts).",
       "currency",
       {},
       false,
       {},
       H,
       revenue_collected});
  add({"total_cost",
       "Total Cost",
       "revenue",
       "All spend in the channel table (media and team costs) plus the cost of playbook actions "
       "(incentives and message sends, the playbook_action values) of the population; extras "
       "split it into channel_spend, team_cost and playbook_cost.",
       "currency",
       {},
       true,
       {},
       L,
       costs});
  add({"net_contribution",
       "Net Contribution",
       "revenue",
       "revenue_collected - total_cost over the log: what the lifecycle earned after acquisition, "
       "team and playbook costs (the base of a playbook's ROI in `journeysim compare`).",
       "currency",
       {},
       true,
       {},
       H,
       net_contribution});
  add({"active_customers",
       "Active Customers",
       "adoption",
       "Customers with an engagement event (login, feature use, value action, purchase) in each "
       "whole month of the log (30.44 days from the start; table); headline: the last whole month.",
       "customers",
       {},
       false,
       {},
       H,
       active_customers});
  return k;
}

}  // namespace

Result KpiMemo::get(const void* what, const KpiDef* def, std::span<const std::uint32_t> population,
                    const std::function<Result()>& compute) {
  const Key key{what, def, population.data(), population.size()};
  {
    std::lock_guard lock(mutex_);
    if (auto it = results_.find(key); it != results_.end()) return it->second;
  }
  Result r = compute();  // outside the lock: a KPI may run parallel loops of its own
  std::lock_guard lock(mutex_);
  return results_.try_emplace(key, std::move(r)).first->second;
}

double Context::num(const std::string& param) const {
  std::string s = str(param);
  try {
    std::size_t used = 0;
    double v = std::stod(s, &used);
    if (used != s.size()) throw std::invalid_argument(s);
    return v;
  } catch (...) {
    throw std::runtime_error("KPI parameter " + def.id + "." + param +
                             ": expected a number, found '" + s + "'");
  }
}
std::string Context::str(const std::string& param) const {
  auto it = params.find(def.id + "." + param);
  if (it != params.end()) return it->second;
  for (const auto& p : def.params)
    if (p.name == param) return p.default_value;
  throw std::logic_error("KPI " + def.id + " has no parameter " + param);
}

const std::vector<KpiDef>& registry() {
  static const std::vector<KpiDef> r = build();
  return r;
}
const KpiDef* find_kpi(const std::string& id) {
  for (const auto& d : registry())
    if (d.id == id) return &d;
  return nullptr;
}

Params parse_params(const std::vector<std::string>& assignments) {
  Params p;
  for (const auto& a : assignments) {
    auto eq = a.find('='), dot = a.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq)
      throw std::runtime_error("--set " + a + ": expected kpi_id.param=value");
    std::string id = a.substr(0, dot), param = a.substr(dot + 1, eq - dot - 1);
    const KpiDef* d = find_kpi(id);
    if (!d)
      throw std::runtime_error("--set " + a + ": unknown KPI '" + id + "' (see `journeysim kpis`)");
    bool known = std::any_of(d->params.begin(), d->params.end(),
                             [&](const ParamDef& pd) { return pd.name == param; });
    if (!known) {
      std::string names;
      for (const auto& pd : d->params) names += (names.empty() ? "" : ", ") + pd.name;
      throw std::runtime_error("--set " + a + ": KPI '" + id + "' has no parameter '" + param +
                               "'" +
                               (names.empty() ? " (it takes none)" : " (it takes: " + names + ")"));
    }
    p[id + "." + param] = a.substr(eq + 1);
  }
  return p;
}

std::string registry_markdown() {
  std::ostringstream o;
  o << "# KPI catalogue\n\nGenerated from the registry (`journeysim kpis --markdown`); a test "
       "checks this "
       "file is current.\nEvery KPI is computed per group of a breakdown (`score --by`) and per "
       "replication; across replications it is reported as mean, standard error and 95% confidence "
       "interval (Student t). A KPI whose events the log lacks is reported \"not available\" with "
       "the "
       "reason.\n\n";
  // grouped by area (in order of first appearance), registry order within an area
  std::vector<std::string> areas;
  for (const auto& d : registry())
    if (std::find(areas.begin(), areas.end(), d.area) == areas.end()) areas.push_back(d.area);
  std::vector<const KpiDef*> ordered;
  for (const auto& a : areas)
    for (const auto& d : registry())
      if (d.area == a) ordered.push_back(&d);
  std::string area;
  for (const KpiDef* dp : ordered) {
    const KpiDef& d = *dp;
    if (d.area != area) o << "## " << (area = d.area) << "\n\n";
    o << "### `" << d.id << "` — " << d.name << "\n"
      << d.definition << "\n\n- unit: " << d.unit
      << "\n- direction: " << direction_phrase(d.direction) << "\n- needs: ";
    std::string needs;
    for (E t : d.needs)
      needs += (needs.empty() ? "" : ", ") + std::string(eventlog::event_type_name(t));
    if (d.needs_channels) needs += (needs.empty() ? "" : ", ") + std::string("the channel table");
    o << (needs.empty() ? "nothing beyond customers" : needs) << "\n";
    for (const auto& p : d.params)
      o << "- parameter `" << p.name << "` (default "
        << (p.default_value.empty() ? "none" : p.default_value) << "): " << p.doc << "\n";
    o << "\n";
  }
  return o.str();
}

const char* direction_id(Direction d) {
  switch (d) {
    case Direction::higher_is_better:
      return "higher_is_better";
    case Direction::lower_is_better:
      return "lower_is_better";
    default:
      return "neutral";
  }
}
const char* direction_phrase(Direction d) {
  switch (d) {
    case Direction::higher_is_better:
      return "higher is better";
    case Direction::lower_is_better:
      return "lower is better";
    default:
      return "neutral";
  }
}

}  // namespace journeysim::kpi
