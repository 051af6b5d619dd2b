// The decision summary that opens a comparison (docs/compare.md, "Decision summary"): for each
// variant a few plain lines (what changed, by how much with its CI; what did not; whether it
// pays; knock-on effects), and a headline table of about ten KPIs chosen by the kind of scenario,
// sorted by effect size. Shares change in percentage points, scores that can cross zero (NPS) by
// an absolute difference, everything else by its difference and its relative change.
#pragma once
#include <string>
#include <vector>

#include "journeysim/analysis/compare.hpp"

namespace journeysim::sim {
struct Scenario;
}

namespace journeysim::analysis {

// The kind of business a scenario models and its headline KPIs (ids, in a fixed order).
struct ScenarioKind {
  std::string id;     // sales_led, trial, freemium, self_serve, non_contractual
  std::string label;  // for people
  std::vector<std::string> headline;
};
ScenarioKind scenario_kind(const sim::Scenario& scenario);
ScenarioKind scenario_kind(const std::string& id);  // by id (unknown: self_serve's list)

// How a difference is written: percentage points for shares, an absolute difference for
// scores that can cross zero, otherwise the difference in the KPI's unit with a relative change.
struct Change {
  double value = NAN, ci_low = NAN, ci_high = NAN;  // in `unit`
  std::string unit;                                 // pp, points, or the KPI's unit
  bool relative_shown = true;                       // the relative change is meaningful
};
Change change_of(const std::string& kpi_unit, const Difference& d);
// The size of an effect, to sort rows: the absolute relative change where it is shown, the
// absolute difference on a 0..100 scale for points, |delta| / |base mean| for a negative base
// (a loss), |delta| for a share whose base is 0.
double effect_size(const std::string& kpi_unit, const Difference& d, double base_mean = NAN);

struct VariantSummary {
  std::string variant;
  std::string pays;  // yes, no, unclear, unknown
  std::vector<std::string> lines;
  std::vector<std::string> headline_order;  // headline KPI ids: significant first, by effect size
  std::vector<std::string> changed, unchanged, knock_on;  // KPI ids
  int other_changed = 0;  // significant changes outside the headline
};
std::vector<VariantSummary> summarise(const CompareResult& result);

// One number of a change as written: pp and points with one decimal (two under 1), other units
// with about three significant digits; signed.
std::string change_number(const Change& change, double value);
// A change as text: "+4.2 pp [+3.1, +5.3]", "+3.1 points [...]", "+1,230 (+8.1%) [...]".
std::string change_text(const std::string& kpi_unit, const Difference& d, bool with_ci = true);

}  // namespace journeysim::analysis
