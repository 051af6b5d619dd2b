// journeysim export LOG.h5 --csv DIR: the event log as CSV files with ISO timestamps.
#include <iostream>

#include "command.hpp"
#include "journeysim/eventlog/csv_export.hpp"
#include "journeysim/eventlog/reader.hpp"

namespace {
struct State {
  std::string log, dir;
};
const bool registered = journeysim::cli::register_command(
    30, "export", "Export an event log to CSV (events, customers, channels; ISO-8601 UTC times)",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.add_option("log", st->log, "Event log (HDF5) written by `journeysim run`")->required();
      sub.add_option("--csv", st->dir, "Directory to write events.csv, customers.csv, channels.csv")
          ->required();
      return [st, &g] {
        journeysim::eventlog::EventLogReader log(st->log);
        auto s = journeysim::eventlog::export_csv(log, st->dir);
        if (!g.quiet)
          std::cout << "wrote " << s.events << " events, " << s.customers << " customers, "
                    << s.channel_days << " channel-days to " << st->dir << "\n";
        return 0;
      };
    });
}  // namespace
