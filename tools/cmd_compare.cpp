// journeysim compare BASE.yaml VARIANT.yaml...: what-if testing with common random numbers.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "command.hpp"
#include "journeysim/analysis/compare.hpp"
#include "journeysim/analysis/report.hpp"
#include "util.hpp"

namespace {

struct State {
  std::vector<std::string> scenarios, sets, kpi_params;
  std::optional<double> customers, days;
  std::optional<std::uint64_t> seed;
  int replications = 10, max_replications = 200, threads = 0;
  std::string kpis, format, output, precision, correction = "holm", keep_logs;
  double alpha = 0.05;
  bool independent = false, variance_reduction = false, keep_rate = false, all = false,
       scale_teams = false;
  double discount_rate = 0.10, margin = 1.0;
  int projection_months = 36;
};

const bool registered = journeysim::cli::register_command(
    45, "compare",
    "Compare a base scenario with variants: paired differences with CIs, p-values and ROI",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.add_option("scenarios", st->scenarios,
                     "BASE.yaml then one or more VARIANT.yaml (scenario files)")
          ->required()
          ->check(CLI::ExistingFile);
      sub.add_option("-r,--replications", st->replications,
                     "Replications per scenario (default 10; replication r of every scenario "
                     "shares its random numbers)")
          ->check(CLI::Range(2, 65535));
      sub.add_option("--customers", st->customers,
                     "Expected arrivals over the horizon, for every scenario (sets `customers`)");
      sub.add_option("--days", st->days,
                     "Horizon in days for every scenario (sets horizon_days; `customers` stays a "
                     "total, so the daily arrival rate changes: see --keep-rate)");
      sub.add_flag("--keep-rate", st->keep_rate,
                   "With --days: scale each scenario's `customers` by days / its horizon_days, "
                   "keeping its daily arrival rate");
      sub.add_flag("--scale-teams", st->scale_teams,
                   "Scale each scenario's team agents with its `customers` (x customers / the "
                   "scenario's customers, rounded up)");
      sub.add_option("--seed", st->seed, "Random seed (default: the base scenario's seed)")
          ->check(CLI::NonNegativeNumber);
      sub.add_option("--kpi", st->kpis, "Comma-separated KPI ids (default: all)");
      sub.add_option("--set", st->sets,
                     "Scenario override key.path=value applied to every scenario (repeatable)");
      sub.add_option("--kpi-param", st->kpi_params,
                     "KPI parameter kpi_id.param=value (repeatable; see `journeysim kpis`)");
      sub.add_option("--format", st->format,
                     "table (the default on stdout, terminal or not), json, or html (the report of "
                     "`journeysim report COMPARE.json`: forest plot, KPI table, economics); with "
                     "-o FILE and no --format: html for FILE.html, json otherwise")
          ->check(journeysim::cli::one_of({"table", "json", "html"}));
      sub.add_option("-o,--output", st->output,
                     "Write the output to this file (written whole, then renamed into place)");
      sub.add_flag("--independent", st->independent,
                   "Give every scenario its own seed (no common random numbers; Welch t)");
      sub.add_flag("--show-variance-reduction", st->variance_reduction,
                   "Also run the variants under the other design and report the standard error "
                   "of each difference both ways (paired vs independent)");
      sub.add_option("--until-precision", st->precision,
                     "KPI=HALF_WIDTH: add replications until the 95% CI half-width of every "
                     "variant's difference in KPI is at most HALF_WIDTH");
      sub.add_option("--max-replications", st->max_replications,
                     "Cap for --until-precision (default 200)")
          ->check(CLI::Range(2, 65535));
      sub.add_option("--correction", st->correction,
                     "Multiple-comparison correction across variants: holm (default), "
                     "bonferroni or none")
          ->check(journeysim::cli::one_of({"holm", "bonferroni", "none"}));
      sub.add_option("--alpha", st->alpha, "Significance level for verdicts (default 0.05)")
          ->check(CLI::Range(1e-9, 0.5));
      sub.add_flag("--all", st->all,
                   "List every KPI in the table (default: the headline KPIs of the scenario's "
                   "kind; the JSON always has every KPI)");
      sub.add_option("--discount-rate", st->discount_rate,
                     "Annual discount rate of the net present value (default 0.10 = 10%)")
          ->check(CLI::Range(0.0, 1.0));
      sub.add_option("--projection-months", st->projection_months,
                     "Months of the MRR still running at the horizon that are valued past it "
                     "(default 36; 0: none)")
          ->check(CLI::Range(0, 1200));
      sub.add_option("--margin", st->margin,
                     "Share of the projected recurring revenue kept after the cost of serving it "
                     "(default 1)")
          ->check(CLI::Range(0.0, 1.0));
      sub.add_option("--threads", st->threads, "Worker threads (0 = all cores)")
          ->check(CLI::Range(0, 4096));
      sub.add_option("--keep-logs", st->keep_logs,
                     "Keep the HDF5 event logs of every run in this directory");
      return [st, &g] {
        namespace an = journeysim::analysis;
        an::CompareOptions o;
        o.scenarios = st->scenarios;
        o.sets = st->sets;
        o.customers = st->customers;
        o.days = st->days;
        o.keep_rate = st->keep_rate;
        o.scale_teams = st->scale_teams;
        o.seed = st->seed;
        o.replications = st->replications;
        o.max_replications = std::max(st->max_replications, st->replications);
        o.params = journeysim::kpi::parse_params(st->kpi_params);
        std::stringstream ss(st->kpis);
        for (std::string id; std::getline(ss, id, ',');)
          if (!id.empty()) o.kpis.push_back(id);
        o.independent = st->independent;
        o.variance_reduction = st->variance_reduction;
        o.correction = st->correction;
        o.alpha = st->alpha;
        o.threads = st->threads;
        o.keep_logs = st->keep_logs;
        o.all = st->all;
        o.economics.discount_rate = st->discount_rate;
        o.economics.projection_months = st->projection_months;
        o.economics.margin = st->margin;
        o.progress = !g.quiet;
        o.command_line = journeysim::cli::command_line();
        if (!st->precision.empty()) {
          auto eq = st->precision.find('=');
          std::size_t used = 0;
          double hw = 0;
          try {
            if (eq != std::string::npos) hw = std::stod(st->precision.substr(eq + 1), &used);
          } catch (...) {
            used = 0;
          }
          if (eq == std::string::npos || eq == 0 || used == 0 ||
              used != st->precision.size() - eq - 1 || !(hw > 0))
            throw std::runtime_error(
                "--until-precision: expected KPI=HALF_WIDTH with a positive "
                "number, e.g. conversion_rate=0.005; got '" +
                st->precision + "'");
          o.precision_kpi = st->precision.substr(0, eq);
          o.precision_half_width = hw;
        }
        const std::string format = journeysim::cli::output_format(st->format, st->output);
        auto result = an::compare(o);
        std::string text;
        if (format == "json")
          text = an::to_json(result).dump(1) + "\n";
        else if (format == "html")
          text = an::compare_report_html(an::to_json(result), "compare", an::ReportOptions{});
        else
          text = an::to_text(result);
        journeysim::cli::emit(text, st->output);
        return 0;
      };
    });

}  // namespace
