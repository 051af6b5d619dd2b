// `journeysim survival`: Kaplan-Meier curves, median, restricted mean and log-rank test from a
// CSV file with one row per customer (duration + event indicator [+ group]).
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "command.hpp"
#include "journeysim/kpi/score.hpp"
#include "journeysim/kpi/survival.hpp"
#include "journeysim/kpi/table.hpp"

namespace {

struct SurvivalState {
  std::string log;
  std::string csv;
  std::string duration;
  std::string event;
  std::string by;
  double rmst_tau = 0;
  std::string format = "json";
  std::string conf_type = "log-log";
  double conf_level = 0.95;
  bool skip_bad_rows = false;
};

// On an event log: acquisition (conversion) -> first churn, in days, censored at the log's end.
int run_survival_log(const SurvivalState& st) {
  using namespace journeysim::kpi;
  Log log = load_event_log(st.log);
  Lifetimes lt = lifetimes(log, st.by);
  if (lt.days.empty()) throw std::runtime_error(st.log + ": no customer converted");
  KmOptions opt;
  opt.conf_level = st.conf_level;
  opt.conf_type = parse_conf_type(st.conf_type);
  if (st.rmst_tau > 0) opt.rmst_tau = st.rmst_tau;
  std::vector<std::string> none;
  SurvivalAnalysis a = analyze_survival(lt.days, lt.churned, st.by.empty() ? none : lt.group, opt);
  if (st.format == "json") {
    nlohmann::json j = to_json(a);
    j["input"] = {{"file", st.log},
                  {"duration", "days from conversion to first churn (censored at the log's end)"},
                  {"by", st.by.empty() ? nlohmann::json(nullptr) : nlohmann::json(st.by)},
                  {"rows_used", lt.days.size()}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << to_table(a);
  }
  return 0;
}

int run_survival(const SurvivalState& st, bool quiet) {
  using namespace journeysim::kpi;
  if (!st.log.empty() && !st.csv.empty())
    throw std::runtime_error("survival: give an event log or --csv, not both");
  if (st.log.empty() && st.csv.empty())
    throw std::runtime_error("survival: give an event log (LOG.h5) or --csv FILE");
  if (!st.log.empty()) {
    static const std::vector<std::string> dims = {"",     "channel", "segment",
                                                  "plan", "cohort",  "market"};
    if (std::find(dims.begin(), dims.end(), st.by) == dims.end())
      throw std::runtime_error(
          "survival: on an event log --by is channel, segment, plan, cohort or market");
    return run_survival_log(st);
  }
  if (st.duration.empty() || st.event.empty())
    throw std::runtime_error("survival --csv: --duration and --event are required");
  TableOptions topt;
  topt.bad_rows = st.skip_bad_rows ? BadRowPolicy::kSkip : BadRowPolicy::kError;
  Table table = Table::read(st.csv, topt);

  // --event COL=VALUE: event when the cell equals VALUE; --event COL: event when the (numeric)
  // cell is non-zero.
  std::string event_col = st.event;
  std::optional<std::string> event_value;
  if (auto eq = st.event.find('='); eq != std::string::npos) {
    event_col = st.event.substr(0, eq);
    event_value = st.event.substr(eq + 1);
  }
  const std::size_t dcol = table.column(st.duration);
  const std::size_t ecol = table.column(event_col);
  const bool grouped = !st.by.empty();
  const std::size_t gcol = grouped ? table.column(st.by) : 0;

  std::vector<double> time;
  std::vector<std::uint8_t> event;
  std::vector<std::string> group;
  std::size_t skipped = table.skipped_rows();
  for (std::size_t r = 0; r < table.rows(); ++r) {
    std::optional<double> t = parse_double(table.cell(r, dcol));
    std::string problem;
    const std::string& cell = table.cell(r, dcol);
    if (!t)
      problem = table.where(r, dcol) + (cell.find_first_not_of(" \t") == std::string::npos
                                            ? std::string(": empty value, expected a duration")
                                            : ": cannot parse '" + cell + "' as a duration");
    else if (*t < 0)
      problem = table.where(r, dcol) + ": negative duration " + table.cell(r, dcol);
    std::uint8_t ev = 0;
    if (problem.empty()) {
      if (event_value) {
        ev = table.cell(r, ecol) == *event_value;
      } else if (auto v = parse_double(table.cell(r, ecol))) {
        ev = *v != 0;
      } else {
        problem = table.where(r, ecol) + ": cannot parse '" + table.cell(r, ecol) +
                  "' as an event flag (use --event " + event_col + "=VALUE for text values)";
      }
    }
    if (!problem.empty()) {
      if (!st.skip_bad_rows) throw std::runtime_error(problem);
      ++skipped;
      continue;
    }
    time.push_back(*t);
    event.push_back(ev);
    if (grouped) group.push_back(table.cell(r, gcol));
  }
  if (time.empty()) throw std::runtime_error(st.csv + ": no usable rows");
  if (event_value) {
    bool any = false;
    for (auto e : event) any = any || e;
    if (!any && !quiet)
      std::cerr << "journeysim: warning: no row has " << event_col << "=" << *event_value
                << " (no events)\n";
  }

  KmOptions opt;
  opt.conf_level = st.conf_level;
  opt.conf_type = parse_conf_type(st.conf_type);
  if (st.rmst_tau > 0) opt.rmst_tau = st.rmst_tau;
  SurvivalAnalysis a = analyze_survival(time, event, group, opt);
  if (st.format == "json") {
    nlohmann::json j = to_json(a);
    j["input"] = {{"file", st.csv},
                  {"duration", st.duration},
                  {"event", st.event},
                  {"by", st.by.empty() ? nlohmann::json(nullptr) : nlohmann::json(st.by)},
                  {"rows_used", time.size()},
                  {"rows_skipped", skipped}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << to_table(a);
    if (skipped) std::cout << "rows skipped: " << skipped << "\n";
  }
  return 0;
}

const bool registered = journeysim::cli::register_command(
    60, "survival",
    "Kaplan-Meier survival curves (log-log CI), median, restricted mean and log-rank test from "
    "a CSV of durations or an event log (conversion -> churn)",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<SurvivalState>();
      sub.add_option("log", st->log,
                     "Event log (HDF5): lifetimes from conversion to first churn, in days");
      sub.add_option("--csv", st->csv, "CSV file, one row per subject, with a header row")
          ->check(CLI::ExistingFile);
      sub.add_option("--duration", st->duration, "CSV: column with the duration (time to event)");
      sub.add_option("--event", st->event,
                     "Event indicator: COL=VALUE (event when the cell equals VALUE) or COL "
                     "(numeric, non-zero = event); other rows are right-censored");
      sub.add_option("--by", st->by, "Column whose values define groups (adds a log-rank test)");
      sub.add_option("--rmst-tau", st->rmst_tau,
                     "Upper limit of the restricted mean survival time (default: the largest "
                     "observed duration)")
          ->check(CLI::PositiveNumber);
      sub.add_option("--format", st->format, "Output format")
          ->check(journeysim::cli::one_of({"json", "table"}))
          ->capture_default_str();
      sub.add_option("--conf-type", st->conf_type, "Confidence interval type (as R survfit)")
          ->check(journeysim::cli::one_of({"log-log", "log", "plain"}))
          ->capture_default_str();
      sub.add_option("--conf-level", st->conf_level, "Confidence level")
          ->check(CLI::Range(0.5, 0.999999))
          ->capture_default_str();
      sub.add_flag("--skip-bad-rows", st->skip_bad_rows,
                   "Skip (and count) rows with a malformed duration or event instead of failing");
      return [st, &g] { return run_survival(*st, g.quiet); };
    });

}  // namespace
