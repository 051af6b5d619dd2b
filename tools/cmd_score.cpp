// journeysim score LOG.h5: the KPI report of an event log.
// journeysim score --csv FILE --mapping NAME|FILE: the same for a CSV table (docs/csv-import.md).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "command.hpp"
#include "journeysim/eventlog/writer.hpp"
#include "journeysim/kpi/import.hpp"
#include "journeysim/kpi/score.hpp"

namespace {
struct State {
  std::string log, format, by;
  std::string kpis;
  std::vector<std::string> sets, kpi_params;
  bool no_tables = false, write = false;
  std::string csv, mapping;
  bool skip_bad_rows = false;
};
const bool registered = journeysim::cli::register_command(
    40, "score", "Compute the KPI report of an event log (table, JSON or CSV)",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      auto* log_opt =
          sub.add_option("log", st->log, "Event log (HDF5) written by `journeysim run`");
      auto* csv_opt = sub.add_option("--csv", st->csv,
                                     "Score a CSV table instead of an HDF5 log (needs --mapping)");
      auto* mapping_opt = sub.add_option(
          "--mapping", st->mapping,
          "How to read the --csv table: a mapping file (YAML) or a built-in name (cdnow, "
          "cdnow_sample, online_retail, telco); see docs/csv-import.md");
      auto* skip_opt = sub.add_flag("--skip-bad-rows", st->skip_bad_rows,
                                    "--csv: leave malformed rows out and count them instead of "
                                    "stopping at the first");
      log_opt->excludes(csv_opt);
      csv_opt->needs(mapping_opt);
      mapping_opt->needs(csv_opt);
      skip_opt->needs(csv_opt);
      sub.parse_complete_callback([log_opt, csv_opt] {
        if (log_opt->count() == 0 && csv_opt->count() == 0)
          throw CLI::RequiredError("an event log (LOG.h5) or --csv FILE --mapping NAME|FILE");
      });
      sub.add_option("--format", st->format,
                     "table (default, also when stdout is not a terminal), json or csv")
          ->check(journeysim::cli::one_of({"table", "json", "csv"}));
      sub.add_option("--by", st->by, "Breakdown: channel, segment, plan, cohort or market")
          ->check(journeysim::cli::one_of({"channel", "segment", "plan", "cohort", "market"}));
      sub.add_option("--kpi", st->kpis,
                     "Comma-separated KPI ids (default: all; see `journeysim kpis`)");
      sub.add_option("--kpi-param", st->kpi_params,
                     "KPI parameter kpi_id.param=value (repeatable; see `journeysim kpis`), as in "
                     "compare and benchmark");
      sub.add_option("--set", st->sets,
                     "Not for score: --set overrides scenario keys (run, compare, benchmark); a "
                     "KPI parameter is --kpi-param");
      sub.add_flag("--no-tables", st->no_tables,
                   "JSON: leave out the tables (cohort matrices, time series, curves)");
      sub.add_flag("--write", st->write,
                   "Also store the results in the HDF5 log under /kpi (with the parameters used)");
      return [st, &g] {
        namespace kpi = journeysim::kpi;
        kpi::ScoreOptions o;
        o.by = st->by;
        if (!st->sets.empty())
          throw std::runtime_error(
              "score: --set " + st->sets.front() +
              ": --set overrides scenario keys (run, compare, benchmark); a KPI parameter is "
              "--kpi-param kpi_id.param=value");
        o.params = kpi::parse_params(st->kpi_params);
        std::stringstream ss(st->kpis);
        for (std::string id; std::getline(ss, id, ',');)
          if (!id.empty()) o.kpis.push_back(id);
        if (st->log.empty() && st->csv.empty())
          throw std::runtime_error("give an event log (LOG.h5) or --csv FILE --mapping NAME|FILE");
        kpi::Log log;
        if (!st->csv.empty()) {
          kpi::ImportOptions io;
          io.skip_bad_rows = st->skip_bad_rows;
          auto imported = kpi::import_csv(st->csv, kpi::load_mapping(st->mapping), io);
          if (!g.quiet) std::cerr << kpi::describe(imported.stats, st->csv);
          log = std::move(imported.log);
        } else {
          log = kpi::load_event_log(st->log);
        }
        auto report = kpi::score(log, o);
        // table unless asked otherwise, terminal or not (#16)
        std::string format = st->format.empty() ? "table" : st->format;
        if (st->write) {
          if (st->log.empty()) throw std::runtime_error("score --write needs an HDF5 event log");
          journeysim::eventlog::KpiRows rows;
          for (const auto& k : report.scores) {
            rows.id.push_back(k.id);
            rows.group.push_back(k.group);
            rows.available.push_back(k.replications > 0);
            rows.value.push_back(k.replications > 0 ? k.mean : NAN);
            rows.se.push_back(k.se);
            rows.ci_low.push_back(k.ci_low);
            rows.ci_high.push_back(k.ci_high);
            rows.n.push_back(k.result.n);
          }
          nlohmann::json params = o.params;
          params["--by"] = o.by;
          journeysim::eventlog::write_kpi_results(st->log, kpi::to_json(report).dump(),
                                                  params.dump(), rows);
        }
        if (format == "json")
          std::cout << kpi::to_json(report, !st->no_tables).dump(1) << "\n";
        else if (format == "csv")
          std::cout << kpi::to_csv(report);
        else
          std::cout << kpi::to_text(report);
        return 0;
      };
    });
}  // namespace
