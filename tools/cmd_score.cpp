// journeysim score LOG.h5: the KPI report of an event log.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "command.hpp"
#include "journeysim/kpi/score.hpp"

namespace {
struct State {
  std::string log, format, by;
  std::string kpis;
  std::vector<std::string> sets;
  bool tables = false;
};
const bool registered = journeysim::cli::register_command(
    40, "score", "Compute the KPI report of an event log (table, JSON or CSV)",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions&) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.add_option("log", st->log, "Event log (HDF5) written by `journeysim run`")->required();
      sub.add_option("--format", st->format, "table (default on a terminal), json or csv")
          ->check(CLI::IsMember({"table", "json", "csv"}));
      sub.add_option("--by", st->by, "Breakdown: channel, segment, plan, cohort or market")
          ->check(CLI::IsMember({"channel", "segment", "plan", "cohort", "market"}));
      sub.add_option("--kpi", st->kpis,
                     "Comma-separated KPI ids (default: all; see `journeysim kpis`)");
      sub.add_option("--set", st->sets, "KPI parameter kpi_id.param=value (repeatable)");
      sub.add_flag("--tables", st->tables,
                   "JSON: include tables (cohort matrix, time series) [default on]");
      return [st] {
        namespace kpi = journeysim::kpi;
        kpi::ScoreOptions o;
        o.by = st->by;
        o.params = kpi::parse_params(st->sets);
        std::stringstream ss(st->kpis);
        for (std::string id; std::getline(ss, id, ',');)
          if (!id.empty()) o.kpis.push_back(id);
        kpi::Log log = kpi::load_event_log(st->log);
        auto report = kpi::score(log, o);
        std::string format =
            st->format.empty() ? (isatty(STDOUT_FILENO) ? "table" : "json") : st->format;
        if (format == "json")
          std::cout << kpi::to_json(report).dump(1) << "\n";
        else if (format == "csv")
          std::cout << kpi::to_csv(report);
        else
          std::cout << kpi::to_text(report);
        return 0;
      };
    });
}  // namespace
