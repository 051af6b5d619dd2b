// The calibration file (docs/calibration.md): a base scenario, the free parameters (scenario key
// paths with bounds and a scale), the targets (KPI values with a standard error, Kaplan-Meier
// survival curves of a real log by group), replications per evaluation, the optimiser and its
// budget. Errors are sim::ScenarioError: file:line:col, the key, what was expected.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "journeysim/calibrate/optimise.hpp"
#include "journeysim/kpi/log.hpp"
#include "journeysim/sim/config.hpp"
#include "journeysim/sim/scenario.hpp"

namespace journeysim::calibrate {

inline constexpr int kCalibrationFormatVersion = 1;

struct Parameter {
  std::string name, path;
  double lo = 0, hi = 1;
  bool log_scale = false;
  bool integer = false;  // the scenario takes whole numbers only here: values are rounded
  double start = 0;  // inside [lo, hi] (default: the middle, geometric for a log scale)
  int line = 0, column = 0;
  // unit coordinate u in [0, 1] <-> value
  double value(double u) const;
  double unit(double value) const;
  double dvalue_du(double u) const;  // for standard errors in the parameter's units
};

// One number the simulation must reproduce: its observed value, standard error and weight.
struct Moment {
  std::string name;  // "monthly_churn_rate", "survival[Month-to-month](12 mo)"
  double observed = 0, se = 0, weight = 1;
};

// A KPI as `score` computes it: its value, or (with `months`) its monthly table (mrr, paying
// customers, active customers) at months 1, 2, ... of the observation window. Observed values are
// given (value/values with se or tolerance) or measured on a real log (`from_log`: the KPI on the
// log, with standard errors from a bootstrap over its customers). With `by`, the log's `group`
// is matched to the simulation's `sim_group`.
struct KpiTarget {
  std::string kpi;
  std::string table_column;        // series: the column of the KPI's monthly table (default: first)
  std::vector<double> months;      // empty: the KPI's value; else months of its monthly table
  std::vector<double> values, se;  // observed: one, or one per month
  double weight = 1;
  std::string by, group, sim_group;
  std::string log_path, mapping;  // from_log
  int resamples = 0;              // bootstrap resamples behind se (from_log)
  int line = 0, column = 0;
};

// The value(s) of a KPI target on a log: the KPI, or its monthly table at the target's months,
// for the customers of `group` (by the target's `by`; "" = all). NaN where not available.
std::vector<double> kpi_target_values(const KpiTarget& target, const kpi::Log& log,
                                      const std::string& group);

// The Kaplan-Meier survival of converted customers at chosen months, observed in a real log
// (CSV through a mapping, as `score --csv`), by group: the simulated customers of `sim_group`
// (a value of `by` in the simulated log) are matched to the log's `group`.
struct SurvivalTarget {
  std::string log_path, mapping;
  std::string by = "segment";  // the breakdown that defines the groups (segment, plan, channel)
  std::string group;           // the log's group ("" = every customer)
  std::string sim_group;       // the simulated group (default: the same name as `group`)
  std::vector<double> months;  // times, in months of 30.4375 days
  std::vector<double> observed, se;  // S(t) and its Greenwood standard error, from the log
  std::size_t customers = 0, events = 0;
  double weight = 1;
  int line = 0, column = 0;
};

struct CalSpec {
  std::string path, text, name, description;
  std::string scenario_path;
  std::uint64_t seed = 0;
  std::uint32_t replications = 4, markets = 1;
  std::optional<double> customers, days;
  std::vector<std::string> sets;
  std::vector<Parameter> parameters;
  std::vector<KpiTarget> kpi_targets;
  std::vector<SurvivalTarget> survival_targets;
  OptimiseOptions optimiser;  // the local search (its max_evaluations: the whole budget)
  // A global phase first (DIRECT-L over the whole box), then the local method from its best
  // point with the rest of the budget: a simulated objective is rough and its valleys curved, and
  // a local method alone stalled far from the optimum on the recovery test (docs/calibration.md).
  std::string global = "direct";         // direct or none
  std::uint64_t global_evaluations = 0;  // default: 40% of max_evaluations
  double hessian_step = 0.05;            // finite-difference step, in unit coordinates
  sim::ConfigNode base;  // the base scenario tree with `set`, customers, days applied
  std::string base_text;
  std::uint64_t fingerprint = 0;

  // The moments in order: KPI targets (each month of a series), then survival targets' months.
  std::vector<Moment> moments() const;
  // The KPI ids the simulated runs must score.
  std::vector<std::string> kpis() const;
};

// Parses and checks the file, loads the base scenario and each target log, checks every
// parameter path (by setting it to its bounds: an unknown key is an error with "did you mean",
// a bound the scenario refuses is an error) and every target KPI.
CalSpec load_calibration(const std::string& path);

}  // namespace journeysim::calibrate
