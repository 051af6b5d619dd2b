// What-if testing: run a base scenario and variants R times each and compare their KPIs.
//
// With common random numbers (the default), replication r of every scenario uses the same seed
// and the same per-customer random streams, so the variant and the base differ only where the
// variant's rules differ; the per-replication differences are then analysed as paired samples
// (Student t, R-1 degrees of freedom). With `independent`, each scenario gets its own seed and
// differences use Welch's unequal-variance t. docs/compare.md gives every formula.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "journeysim/analysis/economics.hpp"
#include "journeysim/analysis/statistics.hpp"
#include "journeysim/kpi/kpis.hpp"

namespace journeysim::analysis {

struct CompareOptions {
  std::vector<std::string> scenarios;  // paths; [0] is the base, the rest are variants
  std::vector<std::string> sets;       // scenario overrides applied to every scenario
  std::optional<double> customers, days;
  bool keep_rate = false;    // with days: scale each scenario's customers to keep its daily rate
  bool scale_teams = false;  // scale each scenario's teams with its customers (team_scaling.hpp)
  std::optional<std::uint64_t> seed;  // default: the base scenario's seed
  int replications = 10;
  std::vector<std::string> kpis;  // ids; empty = all
  kpi::Params params;
  bool independent = false;         // no common random numbers
  bool variance_reduction = false;  // also run the other design and report both SEs
  std::string correction = "holm";  // holm, bonferroni or none (across variants, per KPI)
  double alpha = 0.05;
  // --until-precision KPI=HALF_WIDTH: add replications until the 95% CI half-width of every
  // variant's difference in this KPI is at most the target, or max_replications is reached.
  std::string precision_kpi;
  double precision_half_width = 0;
  int max_replications = 200;
  int threads = 0;
  std::string keep_logs;  // directory to keep the HDF5 logs in (empty: temporary, removed)
  std::string command_line;
  bool progress = false;       // status lines on stderr
  EconomicsOptions economics;  // the value past the horizon
  bool all = false;            // the table lists every KPI, not the headline ones
};

struct KpiComparison {
  std::string id;
  std::vector<Estimate> values;         // per scenario
  std::vector<std::string> reasons;     // per scenario: why not available ("" when available)
  std::vector<Difference> differences;  // per variant
};

struct Economics {
  std::string variant;
  Estimate revenue, cost, profit;  // incremental: variant - base
  Estimate roi;                    // incremental profit / incremental cost
  std::string note;
  PastHorizon past;  // NPV, residual value of the running MRR, break-even, cumulative profit
};

struct CompareResult {
  std::vector<std::string> names, paths;
  std::vector<std::string> notes;  // what --days did to each scenario's arrival rate
  std::string kind;                // the base scenario's kind (decision.hpp: its headline KPIs)
  bool all = false;                // the table lists every KPI
  std::vector<std::uint64_t> seeds;
  int replications = 0;
  bool crn = true;
  std::string correction;
  double alpha = 0.05;
  double horizon_days = 0, customers = 0;
  std::vector<KpiComparison> kpis;
  std::vector<Economics> economics;
  // --until-precision outcome
  std::string precision_kpi;
  double precision_target = 0;
  std::vector<double> precision_achieved;  // per variant
  bool precision_reached = false;
};

CompareResult compare(const CompareOptions& options);

nlohmann::json to_json(const CompareResult& result);
std::string to_text(const CompareResult& result);

}  // namespace journeysim::analysis
