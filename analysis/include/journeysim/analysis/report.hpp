// The HTML report (`journeysim report RUN.h5|COMPARE.json -o report.html`): one self-contained
// file (inline SVG charts and CSS, no script, no external resource) that a browser shows offline.
//
// From an event log: the acquisition funnel (with a per-channel table), MRR and active customers
// per month, the cohort retention heatmap, Kaplan-Meier survival with its 95% log-log band, the
// stage distribution over time, and the KPI table (value, 95% CI, unit, direction; a verdict
// column when a baseline is given). Monthly series are the mean over replications with the 95% CI
// of that mean as a band (Student t), so a one-replication log shows no band.
// From `journeysim compare --format json`: the scenarios, the KPI table (values per scenario,
// differences with CIs, adjusted p, verdict), a forest plot of relative differences and the
// economics table.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "journeysim/analysis/files.hpp"
#include "journeysim/kpi/kpis.hpp"
#include "journeysim/kpi/log.hpp"
#include "journeysim/kpi/score.hpp"

namespace journeysim::analysis {

// A KPI's verdict against a reference range (from a baseline pack): what the KPI table shows in
// its "baseline" columns. `verdict` is a short word (better, typical, worse, meets, misses,
// differs, unavailable: coloured good / neutral / bad); `range` is the reference written out
// (e.g. "2% – 5%"). A KPI may have several (one per published figure).
struct KpiVerdict {
  std::string kpi_id;
  std::string range;
  std::string verdict;
  std::string note;  // e.g. the source of the range
};
struct BaselineVerdicts {
  std::string name;  // the baseline pack's name or file
  std::vector<KpiVerdict> verdicts;
};

struct ReportOptions {
  std::string title;   // default: "<scenario>: journeysim report"
  kpi::Params params;  // KPI parameters (`--set kpi.param=value`)
  // Verdicts of the scored KPIs against a baseline; unset: the KPI table has no baseline columns.
  std::function<BaselineVerdicts(const kpi::ScoreReport&)> baseline;
};

// One step of the acquisition funnel: customers (mean per replication) who reached it.
struct FunnelStepCount {
  std::string id;     // leads, trial_started, converted, activated, paying_at_end
  std::string label;  // for people
  double customers = 0;
  // The step this one's conditional share refers to: the previous one, except for
  // paying_at_end, which refers to converted (its superset); empty for the first step.
  std::string base;
  double with_base = 0;  // customers who reached this step and `base` (first step: all of it)
  // A bar of the funnel chart: leads, converted and paying at the end always (each is a subset
  // of the one before); trial_started and activated only where they nest too (every customer of
  // the next bar passed through them). Otherwise a side step, shown beside the chart: a funnel
  // whose bars are not nested is not a funnel (#16).
  bool in_chart = true;
};
struct Funnel {
  // leads, trial_started, converted, activated, paying_at_end (steps nobody reached left out)
  std::vector<FunnelStepCount> steps;
  // per acquisition channel (mean per replication): channel name -> counts in `steps` order
  std::vector<std::pair<std::string, std::vector<double>>> by_channel;
  int replications = 1;
};
// Customers who reached each step: created (lead or sign-up), trial started, converted to paying,
// activated, and still paying at the end of the log (converted, and not churned or reactivated
// after the last churn). Means per replication.
Funnel acquisition_funnel(const kpi::Log& log);

// The report of an event log.
std::string run_report_html(const kpi::Log& log, const ReportOptions& options);

// The report of a comparison (`journeysim compare --format json` output). Throws
// std::runtime_error naming `source` when the JSON is not a compare output.
std::string compare_report_html(const nlohmann::json& compare, const std::string& source,
                                const ReportOptions& options);

// What a report input file is, from its first bytes: an HDF5 file (signature) or JSON ('{').
enum class ReportInputKind { hdf5, json };
// Throws std::runtime_error naming the file when it cannot be read or is neither.
ReportInputKind detect_report_input(const std::string& path);

// Reads `input` (an event log or a compare JSON), renders the report and writes it to `output`
// through a temporary file in the same directory renamed at the end (a failure leaves no file
// and no partial file). Errors name the file.
void write_report(const std::string& input, const std::string& output,
                  const ReportOptions& options);

// A KPI value as the report writes it: shares ("share", "share/month") as percentages, other
// units as plain numbers with about 3 significant digits and thousands separators.
std::string format_kpi_value(double value, const std::string& unit);

}  // namespace journeysim::analysis
