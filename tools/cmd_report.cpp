// journeysim report RUN.h5|COMPARE.json|RESULTS.h5|FIT.json -o report.html: one self-contained HTML
// report (inline SVG charts, no script, nothing fetched from the network) of an event log, of a
// comparison, of a sweep's results or of a calibration fit.
#include <fstream>
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
#include "journeysim/calibrate/report.hpp"
#include "journeysim/common/input_file.hpp"
#include "journeysim/sweep/analyse.hpp"
#include "journeysim/sweep/report.hpp"
#include "journeysim/sweep/results_file.hpp"

namespace {
namespace analysis = journeysim::analysis;

struct State {
  std::string input, output, title, baseline, kpis;
  std::vector<std::string> sets, kpi_params;
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
  if (!st.kpi_params.empty())
    throw not_for_sweeps("--kpi-param",
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

// A JSON input, parsed (errors name the file).
nlohmann::json read_json(const std::string& path) {
  journeysim::common::check_input_file(path, std::uintmax_t{1} << 30, "JSON file");
  std::ifstream in(path, std::ios::binary);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
}

// A JSON that says its "format" (a compare output says "tool" instead): a calibration fit, or
// a kind this command does not read.
bool is_format_json(const nlohmann::json& j) {
  return j.is_object() && j.contains("format") && !j.contains("tool");
}

// The report of a calibration fit (FIT.json of `journeysim calibrate --report`).
void write_fit_report(const State& st, const nlohmann::json& j) {
  if (!journeysim::calibrate::is_fit_json(j))
    throw std::runtime_error(st.input + ": a JSON of \"format\" " + j["format"].dump() +
                             ", which `journeysim report` does not read; it reads an event log or "
                             "a sweep's RESULTS.h5, the JSON of `journeysim compare --format "
                             "json`, or a calibration fit (`journeysim calibrate --report "
                             "FIT.json`)");
  auto not_for_fits = [&](const char* option, const char* what) {
    return std::runtime_error(st.input + ": " + option + " " + what +
                              ", and this is a calibration fit (FIT.json of `journeysim "
                              "calibrate --report`)");
  };
  if (!st.baseline.empty()) throw not_for_fits("--baseline", "applies to event logs only");
  if (!st.kpi_params.empty()) throw not_for_fits("--kpi-param", "applies to event logs only");
  if (!st.kpis.empty()) throw not_for_fits("--kpi", "applies to a sweep's results only");
  std::string html;
  try {
    html = journeysim::calibrate::fit_report_html(j, st.title);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(st.input + ": " + e.what());
  }
  analysis::write_file_atomically(st.output, html);
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
    "Write a self-contained HTML report (charts and tables) of an event log, a compare JSON, a "
    "sweep's results or a calibration fit",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.add_option("input", st->input,
                     "An event log (HDF5) written by `journeysim run`, the output of "
                     "`journeysim compare --format json`, a sweep's RESULTS.h5, or the fit JSON "
                     "of `journeysim calibrate --report`")
          ->required();
      sub.add_option("-o,--output", st->output, "The HTML file to write (written atomically)")
          ->required();
      sub.add_option("--title", st->title, "Report title (default: from the scenario names)");
      sub.add_option(
          "--baseline", st->baseline,
          "Event log: add each KPI's industry benchmark and verdict to the KPI table: a "
          "shipped pack name (scenarios/baselines/NAME.yaml, e.g. saas_b2b_smb) or a pack "
          "file");
      sub.add_option("--kpi-param", st->kpi_params,
                     "Event log: KPI parameter kpi_id.param=value (repeatable), as in `score`");
      sub.add_option("--set", st->sets,
                     "Not for report: --set overrides scenario keys (run, compare, benchmark); a "
                     "KPI parameter is --kpi-param");
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
          "points.\nFrom a calibration fit (FIT.json of `journeysim calibrate --report`): the "
          "targets (observed, simulated with its 95% CI, z; |z| > 3 flagged) with a z-score chart, "
          "the parameters (fitted ± se, bounds, at-bound and identifiability warnings) with their "
          "correlation heatmap, and each survival target's observed and simulated curves.");
      return [st, &g] {
        if (!st->sets.empty())
          throw std::runtime_error(
              "report: --set " + st->sets.front() +
              ": --set overrides scenario keys (run, compare, benchmark); a KPI parameter is "
              "--kpi-param kpi_id.param=value");
        if (journeysim::sweep::is_sweep_results(st->input)) {
          write_sweep_report(*st);
          if (!g.quiet) std::cerr << "report: wrote " << st->output << "\n";
          return 0;
        }
        if (analysis::detect_report_input(st->input) == analysis::ReportInputKind::json) {
          const nlohmann::json j = read_json(st->input);
          if (is_format_json(j)) {
            write_fit_report(*st, j);
            if (!g.quiet) std::cerr << "report: wrote " << st->output << "\n";
            return 0;
          }
        }
        if (!st->kpis.empty())
          throw std::runtime_error(st->input +
                                   ": --kpi applies to a sweep's results (RESULTS.h5) only; the "
                                   "report of an event log or a comparison shows every KPI");
        analysis::ReportOptions o;
        o.title = st->title;
        o.params = journeysim::kpi::parse_params(st->kpi_params);
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
