// journeysim run SCENARIO -o OUT.h5: simulate and write an HDF5 event log.
#include <sys/resource.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "command.hpp"
#include "journeysim/sim/driver.hpp"
#include "journeysim/sim/size_options.hpp"
#include "util.hpp"

namespace {

struct State {
  std::string scenario, output, part = "1/1";
  std::optional<double> customers, days;
  std::optional<std::uint64_t> seed;
  int threads = 0;
  std::string compression = "deflate:4";
  std::uint32_t markets = 1;
  std::uint16_t replications = 1, first_replication = 0;
  std::vector<std::string> sets;
  bool discard = false, keep_rate = false, scale_teams = false;
};

void on_signal(int) {
  journeysim::sim::g_interrupt = true;
}

// The value as given, in the shortest text that reads back as the same double: the scenario
// validates it (--customers 1234.567 was rounded to 1235, --days 36500.4 to the maximum 36500).
std::string fmt_num(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

const bool registered = journeysim::cli::register_command(
    20, "run", "Simulate a scenario and write an HDF5 event log",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.add_option("scenario", st->scenario, "Scenario YAML file")
          ->required()
          ->check(CLI::ExistingFile);
      sub.add_option("-o,--output", st->output, "Event log to write (HDF5)");
      sub.add_option("--customers", st->customers,
                     "Expected arrivals per market over the horizon (sets `customers`)");
      sub.add_option("--days", st->days,
                     "Horizon in days (sets `horizon_days`; `customers` stays a total over the "
                     "horizon, so the daily arrival rate changes: see --keep-rate)");
      sub.add_flag("--keep-rate", st->keep_rate,
                   "With --days: scale `customers` by days / horizon_days, keeping the daily "
                   "arrival rate");
      sub.add_flag("--scale-teams", st->scale_teams,
                   "Scale every team's agents with `customers` (x customers / the scenario's "
                   "customers, rounded up), so a larger market keeps its queues' utilisation");
      sub.add_option("--seed", st->seed, "Random seed (sets `seed`)")
          ->check(CLI::NonNegativeNumber);
      sub.add_option("--threads", st->threads,
                     "Worker threads (0 = all cores); output does not depend on it")
          ->check(CLI::Range(0, 4096));
      sub.add_option("--markets", st->markets, "Independent markets (copies with derived seeds)")
          ->check(CLI::Range(1u, 1000000u));
      sub.add_option("--part", st->part, "Simulate part k/N of the (replication, market) units");
      sub.add_option("--replications", st->replications, "Independent replications")
          ->check(CLI::Range(1, 65535));
      sub.add_option("--first-replication", st->first_replication,
                     "Index of the first replication (run replications k..k+R-1 of a larger set)")
          ->check(CLI::Range(0, 65535));
      sub.add_option("--set", st->sets, "Override scenario key.path=value (repeatable)");
      sub.add_option("--compression", st->compression,
                     "Column filters: deflate[:1..9] (default deflate:4, readable everywhere), "
                     "lz4 (several times faster; h5dump/h5py need the hdf5-filter-plugin "
                     "package), none; a bare 0..9 is a deflate level (0 = none)")
          ->capture_default_str();
      sub.add_flag("--discard", st->discard, "Simulate but write nothing (throughput measurement)");
      return [st, &g] {
        namespace sim = journeysim::sim;
        if (st->output.empty() && !st->discard)
          throw std::runtime_error("run: give -o OUT.h5 (or --discard to write nothing)");
        std::vector<std::string> sets = st->sets;
        if (st->customers) sets.insert(sets.begin(), "customers=" + fmt_num(*st->customers));
        if (st->seed) sets.insert(sets.begin(), "seed=" + std::to_string(*st->seed));
        const auto sized =
            sim::apply_size_options(st->scenario, sets, {st->days, st->keep_rate, st->scale_teams});
        if (!g.quiet)
          for (const auto& n : sized.notes) std::cerr << "note: " << n << "\n";
        sim::Scenario scenario = sim::load_scenario(st->scenario, sized.sets);
        sim::DriverOptions opt;
        opt.run.threads = st->threads;
        opt.run.markets = st->markets;
        opt.run.replications = st->replications;
        opt.run.first_replication = st->first_replication;
        unsigned k = 0, n = 0;
        char slash = 0;
        std::istringstream ps(st->part);
        if (st->part.find_first_not_of("0123456789/") != std::string::npos ||
            !(ps >> k >> slash >> n) || slash != '/' || n == 0 || k < 1 || k > n || !ps.eof())
          throw std::runtime_error("--part: expected k/N with 1 <= k <= N, got '" + st->part + "'");
        opt.run.part_index = k;
        opt.run.part_count = n;
        opt.writer.compression = journeysim::eventlog::parse_compression(st->compression);
        opt.output = st->discard ? "" : st->output;
        opt.command_line = journeysim::cli::command_line();
        opt.progress = !g.quiet;
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        sim::DriverResult r;
        try {
          r = sim::run_to_file(scenario, opt);
        } catch (const sim::Interrupted&) {
          std::cerr << "journeysim: interrupted; no output written\n";
          return 130;
        }
        if (!g.quiet) {
          using journeysim::eventlog::EventType;
          auto count = [&](EventType t) { return r.stats.by_type[static_cast<int>(t)]; };
          std::printf("scenario      %s (seed %llu)\n", scenario.name.c_str(),
                      static_cast<unsigned long long>(scenario.seed));
          std::printf("units         %llu (replications x markets, part %s)\n",
                      static_cast<unsigned long long>(r.stats.units), st->part.c_str());
          std::printf("customers     %llu\n", static_cast<unsigned long long>(r.stats.customers));
          std::printf("events        %llu in %.3f s (%.2f M events/s)\n",
                      static_cast<unsigned long long>(r.stats.events), r.seconds,
                      r.stats.events / r.seconds / 1e6);
          std::printf("random draws  %.1f M Philox blocks (%.2f per event)\n",
                      r.stats.random_words / 4e6,
                      r.stats.events ? r.stats.random_words / 4.0 / r.stats.events : 0.0);
          std::printf("visits        %.2f M customer advances (%.2f events each)\n",
                      r.stats.visits / 1e6,
                      r.stats.visits ? double(r.stats.events) / r.stats.visits : 0.0);
          {
            // peak resident memory of the process over the customers of the largest unit (one
            // market's live records dominate it in a big market; #18 asks for it per customer)
            struct rusage ru {};
            getrusage(RUSAGE_SELF, &ru);
            const double peak = static_cast<double>(ru.ru_maxrss) * 1024;
            std::printf(
                "memory        peak RSS %.0f MB; largest market %llu customers, %.0f bytes "
                "each with the process's fixed memory\n",
                peak / 1e6, static_cast<unsigned long long>(r.stats.peak_live_customers),
                r.stats.peak_live_customers ? peak / r.stats.peak_live_customers : 0.0);
          }
          std::printf("conversions   %llu   churned %llu   reactivated %llu\n",
                      static_cast<unsigned long long>(count(EventType::conversion)),
                      static_cast<unsigned long long>(count(EventType::churned)),
                      static_cast<unsigned long long>(count(EventType::reactivated)));
          std::printf("logins        %llu   payments %llu   referral invites %llu\n",
                      static_cast<unsigned long long>(count(EventType::login)),
                      static_cast<unsigned long long>(count(EventType::payment)),
                      static_cast<unsigned long long>(count(EventType::referral_invite_sent)));
          if (!opt.output.empty())
            std::printf("output        %s (%.1f MB of compressed event chunks)\n",
                        opt.output.c_str(), r.bytes_written / 1e6);
        }
        return 0;
      };
    });

}  // namespace
