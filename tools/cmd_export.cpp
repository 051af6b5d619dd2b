// journeysim export LOG.h5 --csv DIR: the event log as CSV files with ISO timestamps; or a
// sweep's RESULTS.h5 as the tidy results.csv (with points.csv and errors.csv).
#include <iostream>

#include "command.hpp"
#include "journeysim/eventlog/csv_export.hpp"
#include "journeysim/eventlog/reader.hpp"
#include "journeysim/sweep/export_csv.hpp"

namespace {
struct State {
  std::string log, dir;
};
const bool registered = journeysim::cli::register_command(
    30, "export",
    "Export an event log to CSV (events, customers, channels; ISO-8601 UTC times), or a sweep's "
    "results (results.csv: one row per task, factor values and KPIs as columns)",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.add_option("log", st->log,
                     "Event log (HDF5) written by `journeysim run`, or RESULTS.h5 of `sweep`")
          ->required()
          ->check(CLI::ExistingFile);
      sub.add_option("--csv", st->dir, "Directory to write events.csv, customers.csv, channels.csv")
          ->required();
      return [st, &g] {
        namespace sw = journeysim::sweep;
        if (sw::is_sweep_results(st->log)) {
          const auto s = sw::export_csv(sw::read_results(st->log), st->dir);
          if (!g.quiet)
            std::cout << "wrote results.csv (" << s.rows << " tasks), points.csv (" << s.points
                      << " points), errors.csv (" << s.errors << " failed) to " << st->dir << "\n";
          return 0;
        }
        journeysim::eventlog::EventLogReader log(st->log);
        auto s = journeysim::eventlog::export_csv(log, st->dir);
        if (!g.quiet)
          std::cout << "wrote " << s.events << " events, " << s.customers << " customers, "
                    << s.channel_days << " channel-days to " << st->dir << "\n";
        return 0;
      };
    });
}  // namespace
