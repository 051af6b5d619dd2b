// journeysim dataset SCENARIO --scale-factor SF -o DIR: a benchmark dataset release (partitions,
// labels, ground truth, manifest, datasheet); `dataset finish DIR`, `dataset verify DIR`.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "command.hpp"
#include "journeysim/dataset/generate.hpp"
#include "journeysim/dataset/release.hpp"
#include "journeysim/sim/engine.hpp"
#include "util.hpp"

namespace {

namespace ds = journeysim::dataset;

struct State {
  std::string scenario, output, part = "1/1", format = "hdf5", compression = "deflate:4";
  double scale_factor = 1, holdout_days = 90;
  std::uint32_t partitions = 0;
  int threads = 0, gzip_level = 4;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> sets;
  std::string dir;
  std::optional<std::uint32_t> verify_partition;
  bool no_regenerate = false;
  bool quiet = false;  // -q after `finish` / `verify`
};

void on_signal(int) {
  journeysim::sim::g_interrupt = true;
}

int print_finish(const ds::FinishResult& f, const std::string& dir, bool quiet) {
  if (!f.complete) {
    std::string list;
    for (std::size_t i = 0; i < f.missing.size() && i < 10; ++i)
      list += (i ? ", " : "") + std::to_string(f.missing[i]);
    if (f.missing.size() > 10) list += ", ...";
    std::fprintf(stderr,
                 "dataset: %zu of %u partitions not generated yet (%s): the manifest is written "
                 "when every part is in %s (the last part does it, or `journeysim dataset "
                 "finish %s`)\n",
                 f.missing.size(), f.partitions, list.c_str(), dir.c_str(), dir.c_str());
    return 0;
  }
  if (!quiet)
    std::printf("release       %s: %llu files, %.1f MB (manifest.json, DATASHEET.md)\n",
                dir.c_str(), static_cast<unsigned long long>(f.files), f.bytes / 1e6);
  return 0;
}

const bool registered = journeysim::cli::register_command(
    52, "dataset",
    "Generate a benchmark dataset release at a scale factor (partitions, labels, ground truth, "
    "manifest, datasheet); `dataset verify`, `dataset finish`",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.footer(
          "Scale factor: SF 1 = 100,000 customers acquired over the horizon, in markets of the\n"
          "scenario's size (docs/datasets.md). The observable tables stop at the cut T_c =\n"
          "horizon - holdout; labels, truth and reference predictions are separate files.\n"
          "Examples:\n"
          "  journeysim dataset scenarios/ecommerce_d2c.yaml --scale-factor 1 -o out/ds\n"
          "  journeysim dataset S.yaml --scale-factor 10 --partitions 16 --part 3/4 -o DIR\n"
          "  journeysim dataset verify out/ds\n"
          "  journeysim evaluate predictions.csv --dataset out/ds --task purchases_holdout");
      sub.add_option("scenario", st->scenario, "Scenario YAML file")->check(CLI::ExistingFile);
      sub.add_option("-o,--output", st->output, "Directory of the release");
      sub.add_option("--scale-factor,--sf", st->scale_factor,
                     "Scale factor (0.001 .. 100000; SF 1 = 100,000 customers)")
          ->capture_default_str();
      sub.add_option("--partitions", st->partitions,
                     "Files per table, each holding whole markets (default: one per market)")
          ->check(CLI::Range(1u, ds::kMaxPartitions));
      sub.add_option("--part", st->part,
                     "Generate machine k of N's share of the partitions (k/N; same bytes as the "
                     "whole run)");
      sub.add_option("--format", st->format, "hdf5 (event logs), csv (gzip CSV) or both")
          ->check(journeysim::cli::one_of({"hdf5", "csv", "both"}))
          ->capture_default_str();
      sub.add_option("--compression", st->compression,
                     "HDF5 column filters: deflate[:1..9], lz4 or none")
          ->capture_default_str();
      sub.add_option("--gzip-level", st->gzip_level,
                     "Deflate level of the csv.gz files (1 fastest .. 12 smallest; libdeflate)")
          ->check(CLI::Range(1, 12))
          ->capture_default_str();
      sub.add_option("--holdout-days", st->holdout_days,
                     "Days after the cut T_c that the labels cover (>= 90)")
          ->capture_default_str();
      sub.add_option("--threads", st->threads,
                     "Worker threads (0 = all cores); files do not depend on it")
          ->check(CLI::Range(0, 4096));
      sub.add_option("--seed", st->seed, "Random seed (sets `seed`)")
          ->check(CLI::NonNegativeNumber);
      sub.add_option("--set", st->sets, "Override scenario key.path=value (repeatable)");

      CLI::App* finish = sub.add_subcommand(
          "finish", "Complete a release generated in parts: manifest, datasheet, references");
      finish->add_option("dir", st->dir, "The release directory")
          ->required()
          ->check(CLI::ExistingDirectory);
      finish->add_flag("-q,--quiet", st->quiet, "No output unless something is missing");
      CLI::App* verify = sub.add_subcommand(
          "verify", "Recompute every file's size, rows and SHA-256, and regenerate one partition");
      verify->add_option("dir", st->dir, "The release directory")
          ->required()
          ->check(CLI::ExistingDirectory);
      verify->add_option("--partition", st->verify_partition,
                         "Partition to regenerate (default: one at random)");
      verify->add_flag("--no-regenerate", st->no_regenerate, "Checksums and counts only");
      verify->add_flag("-q,--quiet", st->quiet, "Print only the differences");
      verify->add_option("--threads", st->threads, "Worker threads for the regeneration")
          ->check(CLI::Range(0, 4096));

      return [st, &g, finish, verify]() -> int {
        const bool quiet = g.quiet || st->quiet;
        if (finish->parsed()) return print_finish(ds::finish_release(st->dir), st->dir, quiet);
        if (verify->parsed()) {
          ds::VerifyOptions o;
          o.partition = st->verify_partition;
          o.regenerate = !st->no_regenerate;
          o.threads = st->threads;
          const auto r = ds::verify_release(st->dir, o);
          if (quiet) {
            for (const auto& p : r.problems)
              std::printf("DIFFERS       %s: %s\n", p.file.c_str(), p.what.c_str());
            return r.problems.empty() ? 0 : 1;
          }
          std::printf(
              "checked       %llu files, %.1f MB: size, rows and SHA-256 against "
              "manifest.json\n",
              static_cast<unsigned long long>(r.files_checked), r.bytes_checked / 1e6);
          if (r.regenerated_partition)
            std::printf(
                "regenerated   partition %u (%llu files) in %.1f s: compared with the "
                "manifest\n",
                r.regenerated_partition, static_cast<unsigned long long>(r.regenerated_files),
                r.regenerate_seconds);
          for (const auto& p : r.problems)
            std::printf("DIFFERS       %s: %s\n", p.file.c_str(), p.what.c_str());
          std::printf("%s\n", r.problems.empty() ? "verified      every file matches the manifest"
                                                 : "NOT VERIFIED");
          return r.problems.empty() ? 0 : 1;
        }
        if (st->scenario.empty())
          throw std::runtime_error(
              "dataset: give a scenario file (or `dataset verify DIR` / `dataset finish DIR`)");
        if (st->output.empty()) throw std::runtime_error("dataset: give -o DIR");
        ds::GenerateOptions o;
        o.scale_factor = st->scale_factor;
        o.partitions = st->partitions;
        unsigned k = 0, n = 0;
        char slash = 0;
        std::istringstream ps(st->part);
        if (!(ps >> k >> slash >> n) || slash != '/' || n == 0 || k < 1 || k > n || !ps.eof() ||
            st->part.find('-') != std::string::npos)
          throw std::runtime_error("--part: expected k/N with 1 <= k <= N, got '" + st->part + "'");
        o.part_index = k;
        o.part_count = n;
        o.hdf5 = st->format != "csv";
        o.csv = st->format != "hdf5";
        o.threads = st->threads;
        o.holdout_days = st->holdout_days;
        o.gzip_level = st->gzip_level;
        o.compression = journeysim::eventlog::parse_compression(st->compression);
        o.output_dir = st->output;
        o.command_line = journeysim::cli::command_line();
        o.progress = !g.quiet;
        std::vector<std::string> sets = st->sets;
        if (st->seed) sets.insert(sets.begin(), "seed=" + std::to_string(*st->seed));
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        ds::GenerateResult r;
        try {
          r = ds::generate(st->scenario, sets, o);
        } catch (const journeysim::sim::Interrupted&) {
          std::cerr << "journeysim: interrupted; the partitions in progress were not written\n";
          return 130;
        }
        if (!g.quiet) {
          std::printf(
              "plan          SF %g: %u markets of %.6g customers, %u partitions; cut "
              "T_c = day %g of %g\n",
              r.plan.scale_factor, r.plan.markets, r.plan.customers_per_market, r.plan.partitions,
              r.plan.cut_day, r.plan.horizon_days);
          std::printf(
              "generated     partitions %u-%u: %llu customers, %llu events up to T_c "
              "(%llu simulated)\n",
              r.first_partition, r.last_partition, static_cast<unsigned long long>(r.customers),
              static_cast<unsigned long long>(r.events),
              static_cast<unsigned long long>(r.events_total));
          std::printf("time          %.2f s (%.2f M simulated events/s), %.1f MB written\n",
                      r.seconds, r.events_total / r.seconds / 1e6, r.bytes_written / 1e6);
        }
        return print_finish(ds::finish_release(st->output), st->output, g.quiet);
      };
    });

}  // namespace
