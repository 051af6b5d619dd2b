// journeysim calibrate CAL.yaml -o FITTED.yaml: fit a scenario's parameters to a company's own
// numbers (KPI values, survival curves of a real log), with uncertainty (docs/calibration.md).
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "command.hpp"
#include "journeysim/analysis/files.hpp"
#include "journeysim/calibrate/calibrate.hpp"
#include "journeysim/sim/engine.hpp"
#include "journeysim/sweep/journal.hpp"
#include "journeysim/sweep/ranks.hpp"
#include "util.hpp"

namespace {

namespace cal = journeysim::calibrate;

struct State {
  std::string file, output, format, report, journal;
  int threads = 0;
  bool resume = false, restart = false, keep_journal = false, check = false;
};

void on_signal(int) {
  journeysim::sim::g_interrupt = true;
}

const bool registered = journeysim::cli::register_command(
    49, "calibrate",
    "Fit scenario parameters to your own numbers (KPIs, survival curves of a real log); writes "
    "a runnable FITTED.yaml and a fit report with uncertainties",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.footer(
          "Example:\n"
          "  journeysim calibrate scenarios/calibrations/telco_contracts.yaml -o "
          "out/telco_fitted.yaml\n"
          "  journeysim compare out/telco_fitted.yaml VARIANT.yaml\n"
          "Exit status: 0 when fitted, 1 on an error, 130 when interrupted (the journal keeps the\n"
          "evaluations: --resume continues with the same result).");
      sub.add_option("calibration", st->file, "Calibration file (YAML; docs/calibration.md)")
          ->required()
          ->check(CLI::ExistingFile);
      sub.add_option("-o,--output", st->output, "The fitted scenario to write (YAML)");
      sub.add_option("--threads", st->threads,
                     "Worker threads (0 = all cores); the result does not depend on it")
          ->check(CLI::Range(0, 4096));
      sub.add_flag("--resume", st->resume, "Replay the journal of a killed run and continue");
      sub.add_flag("--restart", st->restart, "Discard an existing journal");
      sub.add_flag("--keep-journal", st->keep_journal, "Keep the journal when done");
      sub.add_option("--journal", st->journal, "Journal directory (default: OUTPUT.journal)");
      sub.add_option("--format", st->format, "The fit report on stdout: table (default) or json")
          ->check(journeysim::cli::one_of({"table", "json"}));
      sub.add_option("--report", st->report,
                     "Also write the fit report as JSON to this file (`journeysim report` "
                     "renders it to HTML)");
      sub.add_flag("--check", st->check,
                   "Check the file, its targets and the start point's scenario; run nothing");
      return [st, &g]() -> int {
        const cal::CalSpec spec = cal::load_calibration(st->file);
        if (st->check) {
          std::printf(
              "calibration %s: %zu parameters, %zu targets, %u replications per "
              "evaluation, optimiser %s (at most %llu evaluations)\n",
              spec.name.c_str(), spec.parameters.size(), spec.moments().size(), spec.replications,
              spec.optimiser.method.c_str(),
              static_cast<unsigned long long>(spec.optimiser.max_evaluations));
          for (const auto& m : spec.moments())
            std::printf("  target %s = %.6g +- %.3g\n", m.name.c_str(), m.observed, m.se);
          return 0;
        }
        if (st->output.empty()) throw std::runtime_error("calibrate: give -o FITTED.yaml");
        if (st->resume && st->restart) throw std::runtime_error("give --resume or --restart");
        cal::CalibrateOptions o;
        o.threads = st->threads;
        o.resume = st->resume;
        o.restart = st->restart;
        o.progress = !g.quiet;
        o.output = st->output;
        o.journal_dir = st->journal;
        o.command_line = journeysim::cli::command_line();
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        cal::Fit fit;
        try {
          fit = cal::calibrate(spec, o);
        } catch (const journeysim::sim::Interrupted&) {
          std::cerr << "journeysim: interrupted; the journal keeps the evaluations: run the same "
                       "command with --resume\n";
          journeysim::sweep::finish_ranks();
          return 130;
        }
        if (fit.rank != 0) {  // under mpirun: rank 0 writes the outputs
          journeysim::sweep::finish_ranks();
          return 0;
        }
        journeysim::analysis::write_file_atomically(st->output,
                                                    cal::fitted_yaml(spec, fit, st->output));
        if (!st->report.empty())
          journeysim::analysis::write_file_atomically(st->report, cal::to_json(fit).dump(2) + "\n");
        if (!st->keep_journal)
          journeysim::sweep::remove_journal(st->journal.empty() ? st->output + ".journal"
                                                                : st->journal);
        std::cout << (st->format == "json" ? cal::to_json(fit).dump(2) + "\n" : cal::to_text(fit));
        if (!g.quiet) std::cerr << "fitted scenario: " << st->output << "\n";
        journeysim::sweep::finish_ranks();
        return 0;
      };
    });

}  // namespace
