// Fuzz target: the scenario parser, with `extends:` and `--set`, as `journeysim validate` uses
// it. An input is up to three parts separated by a line "%%": the scenario (written as
// main.yaml), a base it may extend (base.yaml), and `--set` assignments, one per line.
// Invariant checked beyond "no crash": a scenario that loads is written into every log as YAML
// (/meta/scenario_text), and that text must load again to the same text.
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "journeysim/sim/config.hpp"
#include "journeysim/sim/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace journeysim;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parts = fuzz::split_parts(text, "%%", 3);
  const std::string main_path = fuzz::write_file("main.yaml", parts[0]);
  fuzz::write_file("base.yaml", parts.size() > 1 ? parts[1] : std::string_view{});
  std::vector<std::string> sets;
  if (parts.size() > 2) {
    std::string_view rest = parts[2];
    while (!rest.empty() && sets.size() < 16) {
      const auto nl = rest.find('\n');
      sets.emplace_back(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
  }
  std::string resolved;
  try {
    const sim::Scenario s = sim::load_scenario(main_path, sets);
    resolved = s.resolved_text;
  } catch (const std::exception&) {
    return 0;  // an error with a message: what bad input must give
  }
  try {
    const std::string again_path = fuzz::write_file("again.yaml", resolved);
    const sim::Scenario again = sim::load_scenario(again_path);
    if (again.resolved_text != resolved)
      std::abort();  // the recorded text does not reproduce itself
  } catch (const std::exception&) {
    std::abort();  // a log's scenario_text that does not load again
  }
  return 0;
}
