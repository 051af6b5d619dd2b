// journeysim report RUN.h5|COMPARE.json|RESULTS.h5 -o report.html: one self-contained HTML report
// (inline SVG charts, no script, nothing fetched from the network) of an event log, of a
// comparison or of a sweep's results.
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "command.hpp"
#include "journeysim/analysis/baseline.hpp"
#include "journeysim/analysis/files.hpp"
#include "journeysim/analysis/report.hpp"
#include "journeysim/sweep/analyse.hpp"
#include "journeysim/sweep/report.hpp"
#include "journeysim/sweep/results_file.hpp"

namespace {
namespace analysis = journeysim::analysis;

struct State {
  std::string input, output, title, baseline, kpis;
  std::vector<std::string> sets;
};

// The report of a sweep's results (RESULTS.h5 of `journeysim sweep`): the analysis of
// `journeysim sweep analyse` with its default settings, drawn.
void write_sweep_report(const State& st) {
  namespace sw = journeysim::sweep;
  auto not_for_sweeps = [&](const char* option, const char* what) {
    return std::runtime_error(st.input + ": " + option +
                              " applies to event logs only, and this is a sweep's results file "
                              "(RESULTS.h5 of `journeysim sweep`); " +
                              what);
  };
  if (!st.baseline.empty())
    throw not_for_sweeps("--baseline",
                         "to score a sweep point against a baseline, run it (`journeysim run` "
                         "with its --set values) and report that log");
  if (!st.sets.empty())
    throw not_for_sweeps("--set",
                         "the KPIs of a sweep are computed with the parameters of its sweep file");
  sw::AnalyseOptions o;
  std::stringstream ss(st.kpis);
  for (std::string id; std::getline(ss, id, ',');)
    if (!id.empty()) o.kpis.push_back(id);
  if (!st.kpis.empty() && o.kpis.empty())
    throw std::runtime_error("--kpi: give KPI ids separated by commas (e.g. --kpi mrr,cac)");
  const sw::SweepResults r = sw::read_results(st.input);
  const sw::Analysis a = sw::analyse(r, o);
  analysis::write_file_atomically(st.output, sw::sweep_report_html(a, r, st.title));
}

// A figure's benchmark written out in the KPI's unit.
std::string range_text(const analysis::FigureAssessment& fa) {
  const auto& f = fa.figure;
  auto v = [&](double x) { return analysis::format_kpi_value(x, fa.unit); };
  switch (f.kind) {
    case analysis::FigureKind::range:
      return v(f.low) + " – " + v(f.high);
    case analysis::FigureKind::quantiles: {
      std::string s;
      for (const auto& [name, q] : f.quantiles) s += (s.empty() ? "" : " · ") + name + " " + v(q);
      return s;
    }
    case analysis::FigureKind::threshold_min:
      return "≥ " + v(f.low);
    case analysis::FigureKind::threshold_max:
      return "≤ " + v(f.high);
    case analysis::FigureKind::point:
      return v(f.value) + " ± " + v(f.tolerance);
    case analysis::FigureKind::average:
      return "average " + v(f.value);
  }
  return "";
}

// The report's verdict column from a baseline assessment: one entry per figure of the pack.
analysis::BaselineVerdicts verdicts_of(const analysis::Assessment& a) {
  analysis::BaselineVerdicts b;
  b.name = a.title.empty() || a.title == a.baseline ? a.baseline : a.baseline + ": " + a.title;
  for (const auto& fa : a.figures) {
    analysis::KpiVerdict v;
    v.kpi_id = fa.figure.kpi;
    v.range = range_text(fa);
    if (!fa.band.empty()) v.range += " (" + fa.band + ")";
    v.verdict = analysis::to_string(fa.verdict);
    if (fa.uncertain) v.verdict += ", CI overlaps";
    v.note = fa.figure.segment + "; " + fa.figure.source;
    if (fa.figure.year) v.note += ", " + std::to_string(fa.figure.year);
    if (!fa.figure.confidence.empty()) v.note += "; confidence " + fa.figure.confidence;
    if (!fa.figure.note.empty()) v.note += "; " + fa.figure.note;
    if (!fa.available) v.note += "; not available: " + fa.reason;
    b.verdicts.push_back(std::move(v));
  }
  return b;
}

const bool registered = journeysim::cli::register_command(
    70, "report",
    "Write a self-contained HTML report (charts and tables) of an event log, a compare JSON or a "
    "sweep's results",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.add_option("input", st->input,
                     "An event log (HDF5) written by `journeysim run`, the output of "
                     "`journeysim compare --format json`, or a sweep's RESULTS.h5")
          ->required();
      sub.add_option("-o,--output", st->output, "The HTML file to write (written atomically)")
          ->required();
      sub.add_option("--title", st->title, "Report title (default: from the scenario names)");
      sub.add_option(
          "--baseline", st->baseline,
          "Event log: add each KPI's industry benchmark and verdict to the KPI table: a "
          "shipped pack name (scenarios/baselines/NAME.yaml, e.g. saas_b2b_smb) or a pack "
          "file");
      sub.add_option("--set", st->sets,
                     "Event log: KPI parameter kpi_id.param=value (repeatable), as in `score`");
      sub.add_option("--kpi", st->kpis,
                     "Sweep results: only these KPIs, comma-separated (default: every KPI of the "
                     "file)");
      sub.footer(
          "\nFrom an event log: acquisition funnel, MRR and active customers per month, cohort "
          "retention heatmaps, Kaplan-Meier survival with its 95% band, lifecycle stages over "
          "time and the KPI table.\nFrom a compare JSON: scenarios, forest plot of relative KPI "
          "differences with 95% CIs, KPI table with verdicts, economics.\nFrom a sweep's "
          "RESULTS.h5, per KPI: Sobol indices (sobol designs), Morris mu* and sigma (morris), "
          "shares of variance with the two-factor interactions and a heatmap over the two most "
          "important factors (full factorial), main-effect plots per factor and the five best "
          "points.");
      return [st, &g] {
        if (journeysim::sweep::is_sweep_results(st->input)) {
          write_sweep_report(*st);
          if (!g.quiet) std::cerr << "report: wrote " << st->output << "\n";
          return 0;
        }
        if (!st->kpis.empty())
          throw std::runtime_error(st->input +
                                   ": --kpi applies to a sweep's results (RESULTS.h5) only; the "
                                   "report of an event log or a comparison shows every KPI");
        analysis::ReportOptions o;
        o.title = st->title;
        o.params = journeysim::kpi::parse_params(st->sets);
        if (!st->baseline.empty()) {
          // loaded before the log is read, so a wrong pack name fails at once
          auto pack = std::make_shared<analysis::Baseline>(analysis::load_baseline(st->baseline));
          o.baseline = [pack](const journeysim::kpi::ScoreReport& r) {
            return verdicts_of(analysis::assess(r, *pack));
          };
        }
        analysis::write_report(st->input, st->output, o);
        if (!g.quiet) std::cerr << "report: wrote " << st->output << "\n";
        return 0;
      };
    });
}  // namespace
