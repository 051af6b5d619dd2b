// journeysim benchmark RUN.h5|SCENARIO.yaml --baseline NAME|FILE: a run's KPIs against an
// industry baseline pack (docs/baselines.md).
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "command.hpp"
#include "journeysim/analysis/baseline.hpp"
#include "journeysim/analysis/runner.hpp"
#include "journeysim/kpi/score.hpp"
#include "journeysim/sim/scenario.hpp"
#include "journeysim/sim/size_options.hpp"
#include "util.hpp"

namespace {

struct State {
  std::string input, baseline, format, output;
  std::string customers, days;
  bool keep_rate = false, scale_teams = false;
  std::optional<std::uint64_t> seed;
  std::uint16_t replications = 5;
  int threads = 0;
  std::vector<std::string> sets, kpi_params;
};

bool is_scenario(const std::string& path) {
  const auto ext = std::filesystem::path(path).extension();
  return ext == ".yaml" || ext == ".yml";
}

const bool registered = journeysim::cli::register_command(
    50, "benchmark",
    "Place a run's KPIs against an industry baseline pack (ranges, quantiles, thresholds with "
    "sources)",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.add_option("input", st->input,
                     "RUN.h5 (an event log from `journeysim run`) or SCENARIO.yaml (simulated "
                     "here, --replications times)")
          ->required()
          ->check(CLI::ExistingFile);
      sub.add_option("-b,--baseline", st->baseline,
                     "Baseline pack: a shipped name (scenarios/baselines/NAME.yaml, e.g. "
                     "saas_b2b_smb, ecommerce) or the path of a pack file")
          ->required();
      auto* reps = sub.add_option("-r,--replications", st->replications,
                                  "SCENARIO.yaml: replications to simulate (default 5)")
                       ->check(CLI::Range(1, 65535));
      auto* customers =
          sub.add_option("--customers", st->customers,
                         "SCENARIO.yaml: expected arrivals over the horizon (sets `customers`)")
              ->check(CLI::NonNegativeNumber);
      auto* days = sub.add_option("--days", st->days,
                                  "SCENARIO.yaml: horizon in days (`customers` stays a total: "
                                  "see --keep-rate)")
                       ->check(CLI::PositiveNumber);
      auto* keep_rate = sub.add_flag("--keep-rate", st->keep_rate,
                                     "SCENARIO.yaml with --days: scale `customers` by days / "
                                     "horizon_days, keeping the daily arrival rate");
      auto* scale_teams =
          sub.add_flag("--scale-teams", st->scale_teams,
                       "SCENARIO.yaml: scale every team's agents with `customers` (x customers / "
                       "the scenario's customers, rounded up)");
      auto* seed = sub.add_option("--seed", st->seed, "SCENARIO.yaml: random seed")
                       ->check(CLI::NonNegativeNumber);
      auto* threads =
          sub.add_option("--threads", st->threads, "SCENARIO.yaml: worker threads (0 = all cores)")
              ->check(CLI::Range(0, 4096));
      auto* sets =
          sub.add_option("--set", st->sets, "SCENARIO.yaml: override key.path=value (repeatable)");
      sub.add_option("--kpi-param", st->kpi_params,
                     "KPI parameter kpi_id.param=value (repeatable; see `journeysim kpis`)");
      sub.add_option(
             "--format", st->format,
             "table (the default on stdout, terminal or not), json or html; with -o FILE and "
             "no --format: html for FILE.html, json otherwise")
          ->check(journeysim::cli::one_of({"table", "json", "html"}));
      sub.add_option("-o,--output", st->output,
                     "Write to this file instead of standard output (written whole, then renamed "
                     "into place; the format defaults to html for *.html, json otherwise)");
      const std::vector<CLI::Option*> scenario_only = {reps,    customers, days,      seed,
                                                       threads, sets,      keep_rate, scale_teams};
      return [st, &g, scenario_only] {
        namespace analysis = journeysim::analysis;
        namespace kpi = journeysim::kpi;
        // The pack first: a broken pack fails before any simulation.
        const analysis::Baseline baseline = analysis::load_baseline(st->baseline);
        kpi::ScoreOptions o;
        o.kpis = baseline.kpis();
        o.params = kpi::parse_params(st->kpi_params);
        kpi::Log log;
        if (is_scenario(st->input)) {
          std::vector<std::string> sets = st->sets;
          if (!st->customers.empty()) sets.insert(sets.begin(), "customers=" + st->customers);
          if (st->seed) sets.insert(sets.begin(), "seed=" + std::to_string(*st->seed));
          journeysim::sim::SizeOptions size{{}, st->keep_rate, st->scale_teams};
          if (!st->days.empty()) size.days = std::stod(st->days);
          const auto sized = journeysim::sim::apply_size_options(st->input, sets, size);
          if (!g.quiet)
            for (const auto& n : sized.notes) std::cerr << "note: " << n << "\n";
          const auto scenario = journeysim::sim::load_scenario(st->input, sized.sets);
          analysis::SimulateOptions so;
          so.replications = st->replications;
          so.threads = st->threads;
          so.progress = !g.quiet;
          so.command_line = journeysim::cli::command_line();
          log = analysis::simulate_to_log(scenario, so);
          log.source = st->input;
        } else {
          for (const CLI::Option* opt : scenario_only)
            if (opt->count() > 0)
              throw std::runtime_error(opt->get_name() + " applies to SCENARIO.yaml input; " +
                                       st->input + " is an event log");
          log = kpi::load_event_log(st->input);
        }
        const auto assessment = analysis::assess(kpi::score(log, o), baseline);
        const std::string format = journeysim::cli::output_format(st->format, st->output);
        std::string text;
        if (format == "json")
          text = analysis::to_json(assessment).dump(1) + "\n";
        else if (format == "html")
          text = journeysim::analysis::benchmark_report_html(assessment);
        else
          text = analysis::to_text(assessment);
        journeysim::cli::emit(text, st->output);
        return 0;
      };
    });

}  // namespace
