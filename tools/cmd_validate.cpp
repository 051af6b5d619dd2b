// journeysim validate FILE...: check scenario files (and baseline packs) without running them.
#include <iostream>

#include "command.hpp"
#include "journeysim/analysis/baseline.hpp"
#include "journeysim/sim/scenario.hpp"

namespace {
struct State {
  std::vector<std::string> files;
  std::vector<std::string> sets;
};
const bool registered = journeysim::cli::register_command(
    10, "validate",
    "Check scenario files and baseline packs (syntax, keys, ranges, references) without running",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.add_option("files", st->files,
                     "Scenario YAML files; a file in a `baselines` directory, or whose top level "
                     "has `figures:`, is checked as a baseline pack (docs/baselines.md)")
          ->required()
          ->check(CLI::ExistingFile);
      sub.add_option("--set", st->sets, "Override key.path=value (repeatable)");
      return [st, &g] {
        int bad = 0;
        for (const auto& f : st->files) {
          try {
            if (journeysim::analysis::is_baseline_file(f)) {
              if (!st->sets.empty())
                throw std::runtime_error(f + ": --set applies to scenarios, not baseline packs");
              auto b = journeysim::analysis::load_baseline(f);
              if (!g.quiet)
                std::cout << f << ": ok (baseline pack " << b.name << ", " << b.figures.size()
                          << " figures)\n";
            } else {
              auto s = journeysim::sim::load_scenario(f, st->sets);
              if (!g.quiet) std::cout << f << ": ok (" << s.name << ")\n";
            }
          } catch (const std::exception& e) {
            std::cerr << e.what() << "\n";
            ++bad;
          }
        }
        return bad ? 1 : 0;
      };
    });
}  // namespace
