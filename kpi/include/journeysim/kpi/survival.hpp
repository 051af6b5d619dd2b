// Kaplan-Meier survival curves with right censoring, restricted mean survival time and the
// log-rank test, following the conventions of R's `survival` package (survfit / survdiff) and
// lifelines:
//   * at each distinct observed time t: d = events at t, n = subjects at risk at t (those whose
//     time is >= t, so subjects censored at t are still at risk at t), c = censored at t;
//   * S(t) = prod_{t_i <= t} (1 - d_i / n_i) (product limit);
//   * Greenwood: Var[log S(t)] = sum_{t_i <= t} d_i / (n_i (n_i - d_i)), Var[S] = S^2 Var[log S];
//   * confidence interval "log-log" (R conf.type = "log-log", the default here):
//       S^exp(+/- z se / log S), with se = sqrt(Var[log S]); also "log" and "plain";
//   * median: the first time at which S(t) <= 0.5 (lifelines' convention; R instead averages
//     the two times when S is exactly 0.5 on an interval). Not reached -> no value;
//   * RMST(tau) = integral_0^tau S(t) dt, with variance sum_{t_i <= tau} A_i^2 d_i/(n_i(n_i-d_i)),
//     A_i = integral_{t_i}^tau S(t) dt (as R's print.survfit rmean= and survRM2::rmst2).
// See docs/survival-and-clv.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace journeysim::kpi {

enum class ConfType { kLogLog, kLog, kPlain };
ConfType parse_conf_type(const std::string& name);  // "log-log", "log", "plain"
std::string to_string(ConfType type);

struct KmOptions {
  double conf_level = 0.95;
  ConfType conf_type = ConfType::kLogLog;
  // Upper limit of the restricted mean; none -> no RMST is computed.
  std::optional<double> rmst_tau{};
};

// One row of the curve: one distinct observed time (with events, censorings or both).
struct KmPoint {
  double t = 0;
  std::size_t n_risk = 0;
  std::size_t n_event = 0;
  std::size_t n_censor = 0;
  double survival = 1;
  // Greenwood sum up to t: Var[log S(t)] (R's survfit std.err squared).
  double var_log = 0;
  // Standard error of S(t): S * sqrt(var_log) (R's summary.survfit std.err).
  double std_err = 0;
  // Confidence limits; NaN where undefined (S = 0 under log-log or log).
  double lower = 1;
  double upper = 1;
};

struct Rmst {
  double tau = 0;
  double value = 0;
  double se = 0;
};

struct KmCurve {
  std::string name;
  std::size_t n = 0;
  std::size_t events = 0;
  std::vector<KmPoint> points;
  std::optional<double> median;  // first t with S(t) <= 0.5
  // Confidence interval of the median from the pointwise band, as R's print.survfit: lower
  // limit = first t with lower(t) <= 0.5, upper limit = first t with upper(t) <= 0.5; none
  // where not reached.
  std::optional<double> median_lower;
  std::optional<double> median_upper;
  std::optional<Rmst> rmst;
  double conf_level = 0.95;
  ConfType conf_type = ConfType::kLogLog;

  // S(t) for any t >= 0 (right-continuous step function; 1 before the first point).
  double survival_at(double t) const;
};

// Kaplan-Meier for one sample. `event[i]` != 0 means an event (death/churn) at time[i],
// 0 means right-censored. Times must be finite and >= 0.
KmCurve kaplan_meier(std::span<const double> time, std::span<const std::uint8_t> event,
                     const KmOptions& options = {});

// Restricted mean survival time of a curve up to tau (tau > 0).
Rmst restricted_mean(const KmCurve& curve, double tau);

struct LogRankTest {
  double chisq = 0;
  int df = 0;
  double p = 1;
  std::vector<std::string> groups;
  std::vector<double> observed;  // events per group
  std::vector<double> expected;  // expected events under H0
};

// Log-rank (Mantel-Haenszel) test of equal survival across groups: chi-square statistic
// (O-E)' V^- (O-E) with df = (groups with expected > 0) - 1, p from the chi-square distribution.
LogRankTest logrank_test(std::span<const double> time, std::span<const std::uint8_t> event,
                         std::span<const std::string> group);

struct SurvivalAnalysis {
  std::vector<KmCurve> groups;  // one per group (sorted by name), or one "all"
  std::optional<LogRankTest> logrank;
};

// Curves per group (if `group` is non-empty) plus the log-rank test when there are >= 2 groups.
// If options.rmst_tau is unset, RMST is computed to the largest observed time over all groups.
SurvivalAnalysis analyze_survival(std::span<const double> time, std::span<const std::uint8_t> event,
                                  std::span<const std::string> group, KmOptions options = {});

// The same from one struct: durations, event flags (non-zero = event) and optional group labels
// (empty = one group).
struct SurvivalData {
  std::vector<double> duration;
  std::vector<std::uint8_t> event;
  std::vector<std::string> group;
};
inline SurvivalAnalysis analyze_survival(const SurvivalData& data, const KmOptions& options = {}) {
  return analyze_survival(data.duration, data.event, data.group, options);
}

// JSON: {"name","n","events","curve":[{"t","n_risk","n_event","n_censor","survival","std_err",
// "lower","upper"}],"median","median_reached","median_ci","rmst":{"tau","value","se"}}
nlohmann::json to_json(const KmCurve& curve);
nlohmann::json to_json(const LogRankTest& test);
nlohmann::json to_json(const SurvivalAnalysis& analysis);
// A human-readable summary (one block per group, then the test).
std::string to_table(const SurvivalAnalysis& analysis);

}  // namespace journeysim::kpi
