// Statistics on replication values: means with Student t CIs, paired and Welch differences,
// ratio estimates by the delta method, and multiple-comparison adjustment (docs/compare.md).
#pragma once
#include <cmath>
#include <string>
#include <vector>

namespace journeysim::analysis {

struct Estimate {
  double mean = NAN, se = NAN, ci_low = NAN, ci_high = NAN;
  int n = 0;  // replications behind it
};

struct Difference {
  std::string variant;
  bool available = false;
  std::string reason;  // why not, when not available
  Estimate delta;      // variant - base
  double relative = NAN, relative_ci_low = NAN, relative_ci_high = NAN;  // delta / base mean
  double p = NAN, p_adjusted = NAN;
  bool significant = false;
  std::string verdict;  // better, worse, no difference, changed (neutral KPIs)
  double df = NAN;      // degrees of freedom of the t interval
  // with variance_reduction: the standard error of the difference under each design
  double se_paired = NAN, se_independent = NAN;
};

// Statistics on replication values (NaN entries = not available in that replication; a pair
// is used only when both sides are available). Exposed for tests.
Estimate estimate(const std::vector<double>& values);
Difference paired_difference(const std::vector<double>& base, const std::vector<double>& variant);
Difference welch_difference(const std::vector<double>& base, const std::vector<double>& variant);
// Ratio of paired mean differences mean(num_v - num_b) / mean(den_v - den_b) with a delta-method
// (linearisation) CI; NaN when the denominator's mean difference is zero.
Estimate paired_ratio(const std::vector<double>& num_base, const std::vector<double>& num_var,
                      const std::vector<double>& den_base, const std::vector<double>& den_var);
// Holm (step-down) or Bonferroni adjusted p-values; NaN entries are left out and kept NaN.
std::vector<double> adjust_p(const std::vector<double>& p, const std::string& method);

}  // namespace journeysim::analysis
