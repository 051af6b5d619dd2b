// The sweep file (docs/sweeps.md): a base scenario, the factors to vary, the design, the
// replications and the KPIs to record. load_sweep() parses and checks it and draws the design;
// check_points() resolves every point's scenario before anything runs. Errors are
// sim::ScenarioError: file:line:col of the sweep file, the key or factor, what was expected.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "journeysim/kpi/kpis.hpp"
#include "journeysim/sim/config.hpp"
#include "journeysim/sim/scenario.hpp"
#include "journeysim/sweep/design.hpp"

namespace journeysim::sweep {

inline constexpr int kSweepFormatVersion = 1;

struct SweepSpec {
  std::string path;  // the sweep file as given
  std::string text;  // its text, recorded in the results
  std::string name, description;
  std::string scenario_path;  // the base scenario (relative paths: to the sweep file)
  std::string scenario_given;  // the `scenario:` value as the sweep file writes it
  std::uint64_t seed = 0;     // the sweep's seed (default: the base scenario's)
  std::uint32_t replications = 1;
  std::uint32_t markets = 1;
  std::optional<double> customers, days;  // per task (set `customers` / `horizon_days`)
  std::vector<std::string> sets;          // fixed overrides of every point (`set:`)
  std::vector<std::string> kpis;          // KPI ids recorded (all of the catalogue by default)
  bool kpis_default = true;               // kpis: not given (unavailable ones are dropped)
  std::vector<std::string> kpi_params;    // "kpi.param=value"
  kpi::Params params;
  std::vector<Factor> factors;
  DesignSettings settings;
  std::string points_path, points_text;  // design `points`: the CSV and its text
  sim::ConfigNode base;                  // the base scenario tree: extends, set, customers/days
  std::string base_text;                 // the resolved base scenario (emit_yaml)
  Design design;                         // the points
  std::uint64_t fingerprint = 0;  // identifies the sweep's task list and results (journal check)

  std::uint64_t points() const { return design.points.size(); }
  std::uint64_t tasks() const { return points() * replications; }
};

// Parses the sweep file, loads the base scenario, checks every factor path against it (an unknown
// path is an error with "did you mean"), detects whole-number factors, draws the design.
SweepSpec load_sweep(const std::string& path);

// Resolves and validates the scenario of every point (throws the first error: the sweep file's
// factor position, the point's factor values, the scenario key and what was expected).
void check_points(const SweepSpec& spec);

// The scenario of one point: the base tree with the point's factor values applied, the sweep's
// seed. Throws sim::ScenarioError.
// `resolved_text`: also fill Scenario::resolved_text (emit_yaml: a task scored in memory needs
// none, and emitting it was almost half of a small task's instructions).
sim::Scenario point_scenario(const SweepSpec& spec, std::uint64_t point, bool resolved_text = true);

// "agents=4, response_hours=2.5" (for messages).
std::string point_label(const SweepSpec& spec, std::uint64_t point);

// The design's points as a table (text) or CSV: point id then one column per factor.
std::string plan_table(const SweepSpec& spec);
std::string plan_csv(const SweepSpec& spec);

}  // namespace journeysim::sweep
