// journeysim kpis: the KPI catalogue.
#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "journeysim/kpi/kpis.hpp"

namespace {
struct State {
  bool markdown = false;
};
const bool registered = journeysim::cli::register_command(
    45, "kpis", "List the KPI catalogue (ids, units, definitions; --markdown for docs/kpis.md)",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions&) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.add_flag("--markdown", st->markdown, "Print the full catalogue as Markdown");
      return [st] {
        namespace kpi = journeysim::kpi;
        if (st->markdown) {
          std::cout << kpi::registry_markdown();
          return 0;
        }
        for (const auto& d : kpi::registry())
          std::printf("%-36s %-11s %-22s %s\n", d.id.c_str(), d.area.c_str(), d.unit.c_str(),
                      d.name.c_str());
        return 0;
      };
    });
}  // namespace
