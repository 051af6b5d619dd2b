// Adoption KPIs: feature adoption, login gaps, habitual action, follow-up engagement, active users.
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "kpi_families.hpp"
#include "kpi_shared.hpp"

namespace journeysim::kpi::kpis_detail {

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

namespace {

// Months since the log's start, as calendar-free 30.44-day months.
int month_index(const Log& log, std::int64_t t) {
  return static_cast<int>(std::floor(days(t - log.start) / kMonthDays));
}

}  // namespace

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

}  // namespace journeysim::kpi::kpis_detail
