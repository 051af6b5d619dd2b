// journeysim validate FILE...: check scenario files without running them.
#include <iostream>

#include "command.hpp"
#include "journeysim/sim/scenario.hpp"

namespace {
struct State {
  std::vector<std::string> files;
  std::vector<std::string> sets;
};
const bool registered = journeysim::cli::register_command(
    10, "validate", "Check scenario files (syntax, keys, ranges, references) without running",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions& g) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.add_option("files", st->files, "Scenario YAML files")
          ->required()
          ->check(CLI::ExistingFile);
      sub.add_option("--set", st->sets, "Override key.path=value (repeatable)");
      return [st, &g] {
        int bad = 0;
        for (const auto& f : st->files) {
          try {
            auto s = journeysim::sim::load_scenario(f, st->sets);
            if (!g.quiet) std::cout << f << ": ok (" << s.name << ")\n";
          } catch (const std::exception& e) {
            std::cerr << e.what() << "\n";
            ++bad;
          }
        }
        return bad ? 1 : 0;
      };
    });
}  // namespace
