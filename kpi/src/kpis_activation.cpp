// Activation KPIs: activation tasks, milestones and rate, PQLs, time to first value, stages.
#include <cstdint>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "kpi_families.hpp"
#include "kpi_shared.hpp"

namespace journeysim::kpi::kpis_detail {

Result lead_response_time_post_onboarding(const Context& x) {
  return response_time(x, E::onboarding_completed, E::success_followup, "onboarding completion");
}
Result followup_response_median(const Context& x) {
  return response_quantile(x, E::onboarding_completed, E::success_followup, "onboarding completion",
                           0.5);
}
Result followup_response_p90(const Context& x) {
  return response_quantile(x, E::onboarding_completed, E::success_followup, "onboarding completion",
                           0.9);
}
Result followup_within(const Context& x) {
  return response_within(x, E::onboarding_completed, E::success_followup, "onboarding completion",
                         x.num("hours"));
}

namespace {

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

}  // namespace

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

namespace {

// Stage of a customer at time t (-1: not a customer or churned).
// Lifecycle stage (index into names "stages"; -1: none, e.g. after churn or a lost lead).
void stage_step(int& s, const Ev& e) {
  if (e.type == E::stage_entered) s = e.arg;
  if (e.type == E::churned || e.type == E::trial_expired || e.type == E::lead_lost) s = -1;
}

}  // namespace

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

}  // namespace journeysim::kpi::kpis_detail
