// `journeysim sweep analyse RESULTS.h5`: from a sweep's results to answers. Per KPI: the mean
// and 95% CI at each point (over its replications), main effects per factor, and the design's
// sensitivity measures (Sobol first-order and total indices with bootstrap CIs, Morris mu* and
// sigma, full factorial main effects and two-factor interactions); the best point for a KPI
// and how many points are statistically indistinguishable from it (paired over replications,
// which share their random numbers). docs/sweeps.md gives every formula.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "journeysim/sweep/results_file.hpp"
#include "journeysim/sweep/sensitivity.hpp"

namespace journeysim::sweep {

struct AnalyseOptions {
  std::vector<std::string> kpis;   // empty: every KPI of the file
  std::string maximise, minimise;  // the KPI of the best point (default: none)
  double alpha = 0.05;
  int resamples = 1000;  // bootstrap resamples for the Sobol and Morris CIs
};

struct PointEstimate {
  double mean = NAN, ci_low = NAN, ci_high = NAN;
  int n = 0;  // replications with a value
};

struct KpiAnalysis {
  std::string id;
  std::vector<PointEstimate> points;  // per point
  std::vector<MainEffect> main_effects;
  std::optional<SobolIndices> sobol;
  std::optional<MorrisIndices> morris;
  std::optional<FactorialAnova> anova;
  std::string note;  // why a design measure is not given (e.g. the KPI is missing at a point)
  // factors ranked by importance (total Sobol index, mu*, main-effect share or range)
  std::vector<std::size_t> ranking;
  std::string importance;                // the measure behind the ranking
  std::vector<double> importance_value;  // per factor
};

struct BestPoint {
  std::string kpi;
  bool maximise = true;
  std::uint64_t point = 0;
  PointEstimate estimate;
  // points whose paired difference from the best is not significant at alpha (the best included)
  std::vector<std::uint64_t> indistinguishable;
  std::string note;
};

struct Analysis {
  std::string name, design, path;
  std::uint32_t replications = 1;
  std::vector<Factor> factors;
  std::vector<std::string> point_labels;
  std::vector<KpiAnalysis> kpis;
  std::optional<BestPoint> best;
  std::uint64_t failed_tasks = 0;
};

Analysis analyse(const SweepResults& results, const AnalyseOptions& options);

nlohmann::json to_json(const Analysis& a);
std::string to_text(const Analysis& a);
// The tidy per-point table: kpi, point, factor values, mean, ci_low, ci_high, n.
std::string to_csv(const Analysis& a);

}  // namespace journeysim::sweep
