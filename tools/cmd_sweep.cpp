// journeysim sweep SWEEP.yaml -o RESULTS.h5: designed experiments over scenario parameters
// (docs/sweeps.md), on threads, MPI ranks (mpirun) or Slurm array tasks; resumable.
//   sweep merge DIR -o RESULTS.h5     the results of a Slurm array (or of --part runs)
//   sweep analyse RESULTS.h5          effects, sensitivity indices, the best point
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "command.hpp"
#include "journeysim/sim/engine.hpp"
#include "journeysim/sweep/analyse.hpp"
#include "journeysim/sweep/execute.hpp"
#include "journeysim/sweep/slurm.hpp"
#include "util.hpp"

namespace {

namespace sw = journeysim::sweep;

struct State {
  std::string sweep, output, part = "1/1", journal, format, emit_slurm;
  int threads = 0;
  bool resume = false, restart = false, plan = false, dry_run = false, keep_journal = false;
  // slurm
  std::uint32_t array_parts = 0;
  std::optional<std::uint32_t> throttle;
  int cpus_per_task = 2;
  std::string time = "01:00:00", partition, account, mem = "4G";
  // merge
  std::string merge_dir, merge_output, merge_sweep;
  // analyse
  std::string results, kpis, maximise, minimise, analyse_format, analyse_output;
  double alpha = 0.05;
  int resamples = 1000;
};

void on_signal(int) {
  journeysim::sim::g_interrupt = true;
}

std::pair<std::uint32_t, std::uint32_t> parse_part(const std::string& part) {
  unsigned k = 0, n = 0;
  char slash = 0;
  std::istringstream ps(part);
  if (part.find_first_not_of("0123456789/") != std::string::npos || !(ps >> k >> slash >> n) ||
      slash != '/' || n == 0 || k < 1 || k > n || !ps.eof())
    throw std::runtime_error("--part: expected k/N with 1 <= k <= N, got '" + part + "'");
  return {k, n};
}

// Exit status of a sweep with failed tasks: 100 + their number (at most 200).
int failed_status(std::uint64_t failed) {
  return failed == 0 ? 0 : 100 + static_cast<int>(std::min<std::uint64_t>(failed, 100));
}

std::string executable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("journeysim") : p.string();
}

int run_plan(const State& st, const sw::SweepSpec& spec, bool quiet) {
  const std::string format = st.format.empty() ? "table" : st.format;
  if (st.plan) {
    std::cout << (format == "csv" ? sw::plan_csv(spec) : sw::plan_table(spec));
    return 0;
  }
  // --dry-run: what a run (or --resume) would do
  const std::string jdir = !st.journal.empty() ? st.journal
                           : st.output.empty() ? ""
                                               : st.output + ".journal";
  auto [k, n] = parse_part(st.part);
  auto [first, last] = sw::part_tasks(spec.tasks(), k, n);
  std::uint64_t done = 0;
  std::vector<bool> seen(last - first, false);
  const auto header = sw::journal_header(spec);
  if (!jdir.empty())
    for (const auto& f : sw::journal_files(jdir))
      sw::read_journal(f, header, [&](const sw::TaskRecord& r) {
        if (r.task >= first && r.task < last && !seen[r.task - first]) {
          seen[r.task - first] = true;
          ++done;
        }
      });
  (void)quiet;
  std::printf("sweep       %s (%s)\n", spec.name.c_str(), spec.path.c_str());
  std::printf("design      %s: %llu points x %u replications = %llu tasks\n",
              sw::design_name(spec.design.kind), static_cast<unsigned long long>(spec.points()),
              spec.replications, static_cast<unsigned long long>(spec.tasks()));
  std::printf("part        %s: tasks %llu..%llu\n", st.part.c_str(),
              static_cast<unsigned long long>(first), static_cast<unsigned long long>(last) - 1);
  std::printf("journal     %s: %llu done, %llu left\n", jdir.empty() ? "(none)" : jdir.c_str(),
              static_cast<unsigned long long>(done),
              static_cast<unsigned long long>(last - first - done));
  std::printf("KPIs        %zu%s\n", spec.kpis.size(),
              spec.kpis_default ? " (the catalogue; those no task can compute are dropped)" : "");
  std::printf("every point's scenario is valid (%llu checked)\n",
              static_cast<unsigned long long>(spec.points()));
  return 0;
}

const bool registered = journeysim::cli::register_command(
    48, "sweep",
    "Designed experiments over scenario parameters (factorial, LHS, Sobol, Morris), on threads, "
    "MPI or Slurm arrays, resumable; `sweep analyse` for effects and sensitivity",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.footer(
          "Examples:\n"
          "  journeysim sweep scenarios/sweeps/saas_b2b_sales.yaml -o out/sweep.h5\n"
          "  journeysim sweep scenarios/sweeps/saas_b2b_sales.yaml --plan\n"
          "  mpirun -n 4 journeysim sweep SWEEP.yaml -o out/sweep.h5\n"
          "  journeysim sweep SWEEP.yaml --emit-slurm out/slurm --array-parts 16 && sbatch "
          "out/slurm/sweep.sbatch\n"
          "  journeysim sweep merge out/slurm -o out/sweep.h5\n"
          "  journeysim sweep analyse out/sweep.h5 --maximise mrr\n"
          "Exit status: 0 when every task succeeded, 100 + the number of failed tasks (at most "
          "200)\nwhen some failed (recorded in /errors, the sweep goes on), 1 on an error, 130 "
          "when\ninterrupted (the journal keeps what finished: --resume).");
      sub.add_option("sweep", st->sweep, "Sweep file (YAML; docs/sweeps.md)")
          ->check(CLI::ExistingFile);
      sub.add_option("-o,--output", st->output, "Results file to write (HDF5)");
      sub.add_option("--threads", st->threads,
                     "Worker threads per process (0 = all cores); results do not depend on it")
          ->check(CLI::Range(0, 4096));
      sub.add_option("--part", st->part,
                     "Run part k/N of the task list (a contiguous slice; Slurm array tasks)");
      sub.add_option("--journal", st->journal,
                     "Journal directory (default: OUTPUT.journal; a part run needs one)");
      sub.add_flag("--resume", st->resume,
                   "Skip the tasks the journal holds (after a kill, a wall-time limit)");
      sub.add_flag("--restart", st->restart, "Discard an existing journal and start afresh");
      sub.add_flag("--keep-journal", st->keep_journal,
                   "Keep the journal after the results are written");
      sub.add_flag("--plan", st->plan, "Print the design's points (no run)");
      sub.add_flag("--dry-run", st->dry_run,
                   "Check every point, and show how many tasks are done and left (no run)");
      sub.add_option("--format", st->format, "--plan output: table (default) or csv")
          ->check(journeysim::cli::one_of({"table", "csv"}));
      sub.add_option("--emit-slurm", st->emit_slurm,
                     "Write a Slurm job-array script (sbatch) into this directory (no run)");
      sub.add_option("--array-parts", st->array_parts,
                     "--emit-slurm: array tasks (default: one per 8 tasks, at most 1000)")
          ->check(CLI::Range(1u, 1000000u));
      sub.add_option("--throttle", st->throttle,
                     "--emit-slurm: at most this many array tasks at once (%M)")
          ->check(CLI::Range(1u, 1000000u));
      sub.add_option("--cpus-per-task", st->cpus_per_task,
                     "--emit-slurm: cores per array task (threads; default 2)")
          ->check(CLI::Range(1, 4096));
      sub.add_option("--time", st->time, "--emit-slurm: wall time per array task (01:00:00)");
      sub.add_option("--mem", st->mem, "--emit-slurm: memory per array task (4G)");
      sub.add_option("--partition", st->partition, "--emit-slurm: Slurm partition");
      sub.add_option("--account", st->account, "--emit-slurm: Slurm account");

      CLI::App* merge = sub.add_subcommand(
          "merge", "Write RESULTS.h5 from the journals of every part (a Slurm array's DIR)");
      merge->add_option("dir", st->merge_dir, "The --emit-slurm directory, or a journal directory")
          ->required()
          ->check(CLI::ExistingDirectory);
      merge->add_option("-o,--output", st->merge_output, "Results file to write (HDF5)")
          ->required();
      merge->add_option("--sweep", st->merge_sweep,
                        "The sweep file (default: the one the journal directory names)");

      CLI::App* an = sub.add_subcommand(
          "analyse",
          "Per KPI: means and CIs per point, main effects, Sobol/Morris/factorial sensitivity, "
          "the best point");
      an->alias("analyze");
      an->add_option("results", st->results, "RESULTS.h5 of a sweep")
          ->required()
          ->check(CLI::ExistingFile);
      an->add_option("--kpi", st->kpis, "Comma-separated KPI ids (default: all in the file)");
      an->add_option("--maximise,--maximize", st->maximise,
                     "Find the point with the highest mean of this KPI");
      an->add_option("--minimise,--minimize", st->minimise,
                     "Find the point with the lowest mean of this KPI");
      an->add_option("--format", st->analyse_format, "table (default), json or csv")
          ->check(journeysim::cli::one_of({"table", "json", "csv"}));
      an->add_option("-o,--output", st->analyse_output, "Write to this file");
      an->add_option("--alpha", st->alpha, "Significance level (default 0.05)")
          ->check(CLI::Range(1e-9, 0.5));
      an->add_option("--resamples", st->resamples, "Bootstrap resamples (default 1000)")
          ->check(CLI::Range(10, 1000000));

      return [st, &g, merge, an]() -> int {
        if (an->parsed()) {
          sw::AnalyseOptions o;
          std::stringstream ss(st->kpis);
          for (std::string id; std::getline(ss, id, ',');)
            if (!id.empty()) o.kpis.push_back(id);
          o.maximise = st->maximise;
          o.minimise = st->minimise;
          o.alpha = st->alpha;
          o.resamples = st->resamples;
          if (!o.maximise.empty() && !o.minimise.empty())
            throw std::runtime_error("give --maximise or --minimise, not both");
          const sw::Analysis a = sw::analyse(sw::read_results(st->results), o);
          const std::string f = st->analyse_format.empty() ? "table" : st->analyse_format;
          const std::string text = f == "json"  ? sw::to_json(a).dump(2) + "\n"
                                   : f == "csv" ? sw::to_csv(a)
                                                : sw::to_text(a);
          journeysim::cli::emit(text, st->analyse_output);
          return 0;
        }
        if (merge->parsed()) {
          namespace fs = std::filesystem;
          fs::path dir = st->merge_dir;
          if (fs::is_directory(dir / "journal")) dir /= "journal";
          std::string sweep_path = st->merge_sweep;
          if (sweep_path.empty()) {
            std::ifstream in(dir / "sweep-path");
            std::getline(in, sweep_path);
            if (sweep_path.empty())
              throw std::runtime_error(dir.string() +
                                       ": no sweep-path file naming the sweep: give --sweep FILE");
          }
          const sw::SweepSpec spec = sw::load_sweep(sweep_path);
          const auto files = sw::journal_files(dir.string());
          if (files.empty()) throw std::runtime_error(dir.string() + ": no journal files (*.jnl)");
          sw::RunInfo info;
          info.command_line = journeysim::cli::command_line();
          info.parts = "merged from " + std::to_string(files.size()) + " journal files";
          const auto sum = sw::write_results(spec, files, st->merge_output, info);
          if (!g.quiet)
            std::printf("merged %zu journal files: %llu tasks (%llu failed) -> %s\n", files.size(),
                        static_cast<unsigned long long>(sum.tasks),
                        static_cast<unsigned long long>(sum.failed), st->merge_output.c_str());
          return failed_status(sum.failed);
        }
        if (st->sweep.empty())
          throw std::runtime_error("sweep: give a sweep file (or `sweep merge` / `sweep analyse`)");
        sw::SweepSpec spec = sw::load_sweep(st->sweep);
        sw::check_points(spec);
        if (st->plan || st->dry_run) return run_plan(*st, spec, g.quiet);
        if (!st->emit_slurm.empty()) {
          sw::SlurmOptions so;
          so.dir = st->emit_slurm;
          so.parts = st->array_parts ? st->array_parts
                                     : static_cast<std::uint32_t>(std::clamp<std::uint64_t>(
                                           (spec.tasks() + 7) / 8, 1, 1000));
          so.throttle = st->throttle;
          so.cpus_per_task = st->cpus_per_task;
          so.time = st->time;
          so.mem = st->mem;
          so.partition = st->partition;
          so.account = st->account;
          so.executable = executable();
          const std::string path = sw::emit_slurm(spec, so);
          std::printf(
              "wrote %s: %u array tasks over %llu tasks\n  submit: sbatch %s\n"
              "  then:   journeysim sweep merge %s -o RESULTS.h5\n",
              path.c_str(), so.parts, static_cast<unsigned long long>(spec.tasks()), path.c_str(),
              st->emit_slurm.c_str());
          return 0;
        }
        auto [k, n] = parse_part(st->part);
        if (st->output.empty() && st->journal.empty())
          throw std::runtime_error("sweep: give -o RESULTS.h5 (or --journal DIR for a part run)");
        if (st->resume && st->restart) throw std::runtime_error("give --resume or --restart");
        sw::ExecOptions o;
        o.threads = st->threads;
        o.part_index = k;
        o.part_count = n;
        o.resume = st->resume;
        o.restart = st->restart;
        o.progress = !g.quiet;
        o.output = n == 1 ? st->output : "";
        o.journal_dir = st->journal.empty() ? st->output + ".journal" : st->journal;
        o.keep_journal = st->keep_journal;
        o.command_line = journeysim::cli::command_line();
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        const sw::ExecSummary s = sw::run_sweep(spec, o);
        if (s.rank != 0) return s.interrupted ? 130 : failed_status(s.failed);
        if (!g.quiet || s.failed || s.interrupted) {
          std::fprintf(stderr,
                       "sweep %s: %llu tasks in this part, %llu done before, %llu run now "
                       "(%llu failed), %.2f M events in %.1f s on %d rank%s\n",
                       spec.name.c_str(), static_cast<unsigned long long>(s.tasks),
                       static_cast<unsigned long long>(s.done_before),
                       static_cast<unsigned long long>(s.ran),
                       static_cast<unsigned long long>(s.failed), s.events / 1e6, s.seconds,
                       s.ranks, s.ranks == 1 ? "" : "s");
        }
        if (s.interrupted) {
          std::fprintf(stderr,
                       "journeysim: interrupted; the journal keeps the finished tasks: run the "
                       "same command with --resume\n");
          return 130;
        }
        if (s.finalised) {
          if (!g.quiet)
            std::fprintf(stderr, "results: %s (%llu tasks, %zu KPIs%s)\n", st->output.c_str(),
                         static_cast<unsigned long long>(s.results.tasks),
                         spec.kpis.size() - s.results.dropped_kpis.size(),
                         s.results.dropped_kpis.empty()
                             ? ""
                             : (", " + std::to_string(s.results.dropped_kpis.size()) +
                                " not computable here dropped")
                                   .c_str());
          if (s.results.failed)
            std::fprintf(stderr, "%llu tasks failed: their errors are in %s /errors\n",
                         static_cast<unsigned long long>(s.results.failed), st->output.c_str());
          return failed_status(s.results.failed);
        }
        if (n > 1 && !g.quiet)
          std::fprintf(stderr,
                       "part %u/%u done; when every part is done: journeysim sweep merge %s -o "
                       "RESULTS.h5\n",
                       k, n, (st->journal.empty() ? st->output + ".journal" : st->journal).c_str());
        return failed_status(s.failed);
      };
    });

}  // namespace
