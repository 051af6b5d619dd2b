// Industry baseline packs and benchmarking a run against them (`journeysim benchmark`).
//
// A baseline pack (scenarios/baselines/*.yaml, format in docs/baselines.md) lists published
// figures for one market segment: each names a KPI of the registry, the segment, the benchmark
// (a range, quantiles, a threshold, a point with the tolerance its source gives, or an average),
// the year, the source as a citation, the source's confidence and a note on what was converted.
// A figure without a source does not load.
//
// assess() places each KPI of a ScoreReport against the pack's figures: where the value falls
// (below / within / above the benchmark interval, and the quantile band), a verdict that respects
// the KPI's direction (lower churn is better), and a scale-free distance to the benchmark; the
// summary ranks the figures furthest from their benchmark and lists those the run cannot compute.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "journeysim/kpi/score.hpp"
#include "journeysim/sim/config.hpp"

namespace journeysim::analysis {

// How a figure gives its benchmark.
enum class FigureKind {
  range,          // low..high: the typical span the source gives
  quantiles,      // some of p10, p25, median, p75, p90 of companies in the segment
  threshold_min,  // the value should be >= min (e.g. CLV:CAC >= 3)
  threshold_max,  // the value should be <= max (e.g. CAC payback <= 12 months)
  point,          // value +- tolerance, only where the source states the tolerance
  average,        // one published average (no spread given)
};

struct Figure {
  std::string kpi;      // KPI id of the registry (kpi::find_kpi)
  std::string segment;  // the segment the source describes
  FigureKind kind = FigureKind::range;
  // The benchmark interval in the KPI's unit, for every kind: range [low, high]; quantiles
  // [first, last] given; threshold_min [min, +inf); threshold_max (-inf, max]; point
  // [value - tolerance, value + tolerance]; average [value, value].
  double low = 0, high = 0;
  std::vector<std::pair<std::string, double>> quantiles;  // ("p25", 0.03), ... increasing
  double value = 0, tolerance = 0;                        // point; average (value only)
  int year = 0;            // year of the data or publication the source states; 0 = undated
  std::string source;      // citation (as in data/industry_baselines.tsv + study)
  std::string confidence;  // high, medium or low (from the TSV)
  std::string note;        // conversions and caveats
  sim::SourcePos pos;      // where the figure is in the pack (file:line:col)
};

struct Baseline {
  std::string name, title, description;
  std::string file;  // path it was loaded from
  std::vector<Figure> figures;
  // The distinct KPI ids of the figures, in order of first appearance (what to score).
  std::vector<std::string> kpis() const;
};

// Loads a pack: a bare NAME is scenarios/baselines/NAME.yaml of the source tree; anything with a
// '/' or a .yaml/.yml ending is a path. Errors are sim::ScenarioError ("file:line:col: key.path:
// what was expected, what was found", with "did you mean" for unknown keys and KPI ids).
Baseline load_baseline(const std::string& name_or_path);
// Names of the shipped packs (the .yaml files in scenarios/baselines), sorted.
std::vector<std::string> shipped_baselines();
// Whether `validate` should read `path` as a baseline pack rather than a scenario: its directory
// is named `baselines`, or its top-level map has a `figures` key (the file is parsed for that).
bool is_baseline_file(const std::string& path);

enum class Position { below, within, above, unavailable };
// better / worse: outside the interval on the good / bad side of a directed KPI; typical: inside
// it; meets / misses: a threshold; differs: outside the interval of a neutral KPI.
enum class Verdict { better, typical, worse, meets, misses, differs, unavailable };
std::string to_string(FigureKind k);
std::string to_string(Position p);
std::string to_string(Verdict v);

struct FigureAssessment {
  Figure figure;
  std::string name, unit;  // of the KPI (registry)
  kpi::Direction direction = kpi::Direction::neutral;
  bool available = false;
  std::string reason;  // why the run cannot compute the KPI, when not available
  // The run's value: mean across replications with its 95% CI (NaN CI for one replication).
  double value = 0, se = 0, ci_low = 0, ci_high = 0;
  int replications = 0;
  Position position = Position::unavailable;
  std::string band;  // e.g. "in range", "p25-median", "above p75", "meets >= 3", "below average"
  Verdict verdict = Verdict::unavailable;
  // Relative distance to the nearest edge of the benchmark interval: 0 inside it, else
  // |value - edge| / |edge| (|value - edge| / (high - low) when the edge is 0, and the absolute
  // difference when that width is 0 or infinite). Scale-free, so KPIs in different units rank.
  double distance = 0;
  bool uncertain = false;  // the 95% CI reaches across an edge of the interval
  // Far outside the benchmark on either side, better or worse: more than 3x its upper edge or
  // under a third of its lower edge (positive edges). Better by that much is as suspicious as
  // worse: the scenario is probably miscalibrated (#16). `plausibility` says why.
  bool implausible = false;
  std::string plausibility;
};

struct Assessment {
  std::string baseline, title, file;
  std::string source, scenario;  // of the run
  int replications = 0;
  std::vector<FigureAssessment> figures;  // in the pack's order
  // Summary: indices into `figures`.
  std::vector<std::size_t> furthest;     // available figures outside their interval, furthest first
  std::vector<std::size_t> unavailable;  // figures whose KPI the run cannot compute
  int count(Verdict v) const;
};

// Places the report's KPIs (its "all" group, or its first group) against every figure.
Assessment assess(const kpi::ScoreReport& report, const Baseline& baseline);

nlohmann::json to_json(const Assessment& a);
std::string to_text(const Assessment& a);
// A <section class="journeysim-benchmark"> holding a <table> (one row per figure; the row and the
// verdict cell carry class "verdict-<verdict>") and the summary; no styles, no scripts.
std::string to_html_fragment(const Assessment& a);
// A whole self-contained page in the reports' look (docs/baselines.md): the summary, a chart of
// each figure's distance from its benchmark and the table with verdict badges.
std::string benchmark_report_html(const Assessment& a);

}  // namespace journeysim::analysis
