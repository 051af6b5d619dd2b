// Scoring a log: every requested KPI, per group of a breakdown, per replication, with
// mean / standard error / 95% CI across replications.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "journeysim/kpi/kpis.hpp"
#include "journeysim/kpi/log.hpp"

namespace journeysim::kpi {

struct ScoreOptions {
  std::vector<std::string> kpis;  // ids; empty = all
  std::string by;                 // "", channel, segment, plan, cohort, market
  Params params;
};

struct KpiScore {
  std::string id, group;
  Result result;         // replication 0 (or the only one): extras and tables
  int replications = 0;  // replications in which the KPI was available
  double mean = 0, se = 0, ci_low = 0, ci_high = 0;  // across replications (NaN se for one)
  std::vector<double> values;  // per replication (first_replication + i), NaN = not available
};

struct ScoreReport {
  std::string source, scenario;
  std::string by;
  std::vector<std::string> groups;
  int replications = 1;       // scored: the replications the log's rows hold
  int first_replication = 0;  // the first of them
  std::vector<int> replication_ids;
  int declared_first = 0, declared_replications = 1;  // what the log's /meta says
  std::vector<KpiScore> scores;
  // When the rows do not hold the replications /meta declares (a --part file): what was scored.
  std::string note() const;
};

ScoreReport score(const Log& log, const ScoreOptions& options);

// The group of a customer for a breakdown ("" = not in any group, "all" when `by` is empty).
// `by`: channel, segment, plan, cohort (conversion month) or market.
std::string group_label(const Log& log, const CustomerInfo& customer, const std::string& by);

// Lifetimes of converted customers: days from conversion to first churn (event = 1), or to the
// end of the log (censored, event = 0), with each customer's group for `by`.
struct Lifetimes {
  std::vector<double> days;
  std::vector<std::uint8_t> churned;
  std::vector<std::string> group;
};
Lifetimes lifetimes(const Log& log, const std::string& by = "");

nlohmann::json to_json(const ScoreReport& report, bool include_tables = true);
std::string to_text(const ScoreReport& report);
std::string to_csv(const ScoreReport& report);

// Two-sided 97.5% Student t quantile for `df` degrees of freedom.
double t_quantile_975(int df);

}  // namespace journeysim::kpi
