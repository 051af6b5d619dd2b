// Reading the keys of a YAML input file (sweep and calibration files) with positions: every
// key read is remembered and any other is an error with "did you mean"; values are checked for
// their type and range, errors name file:line:col and the key (sim::ScenarioError).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "journeysim/sim/config.hpp"
#include "journeysim/sim/scenario.hpp"

namespace journeysim::sweep::keys {

class Keys {
 public:
  Keys(const sim::ConfigNode& n, std::string path);
  std::string key(const std::string& k) const { return path_.empty() ? k : path_ + "." + k; }
  // The key's value (nullptr when absent or null); the key becomes known.
  const sim::ConfigNode* get(const std::string& k);
  // The key's value; "required key is missing" (pointing at a near-miss typo) when absent.
  const sim::ConfigNode& need(const std::string& k);
  // Rejects every key not read.
  void done() const;
  const sim::ConfigNode& node() const { return n_; }

 private:
  const sim::ConfigNode& n_;
  std::string path_;
  std::vector<std::string> known_;
};

std::string scalar_text(const sim::ConfigNode& n, const std::string& key, const std::string& what);
double number(const sim::ConfigNode& n, const std::string& key, double lo, double hi,
              const std::string& what = "a number");
std::uint64_t whole(const sim::ConfigNode& n, const std::string& key, double lo, double hi);
bool boolean(const sim::ConfigNode& n, const std::string& key);
// A list of strings (a scalar "a, b" is taken as a comma-separated list).
std::vector<std::string> string_list(const sim::ConfigNode& n, const std::string& key);
// A list of numbers in [lo, hi].
std::vector<double> number_list(const sim::ConfigNode& n, const std::string& key, double lo,
                                double hi);
// The message of a scenario error without its "file:line:col: " head (to re-report it at the
// position of the input file that caused it).
std::string bare_message(const sim::ScenarioError& e);

// The base scenario of a sweep or calibration file: `scenario` loaded (extends followed), then
// `customers`, `days` (horizon_days) and the `set:` overrides applied and the whole validated.
// An override the scenario refuses is reported at `set_pos` (the file's `set:` key).
struct BaseScenario {
  sim::ConfigNode tree;
  sim::Scenario scenario;
  std::string text;  // the resolved scenario (emit_yaml)
};
BaseScenario load_base_scenario(const std::string& path, std::optional<double> customers,
                                std::optional<double> days, const std::vector<std::string>& sets,
                                const sim::SourcePos& set_pos);

// Refuses a scenario file given where a sweep or calibration file (`what`) is expected: its
// top-level keys (channels, horizon_days, ...) say so, and "scenario: required key is missing"
// alone would not.
void refuse_scenario_file(const sim::ConfigNode& root, const std::string& what,
                          const std::string& doc);

// Whether the scenario takes only whole numbers at `path` (a team's agents): it is offered a
// fraction in the middle of [lo, hi] and refuses it as "a whole number". Sweep factors and
// calibration parameters there are rounded.
bool takes_whole_numbers(const sim::ConfigNode& base, const std::string& path, double lo,
                         double hi);

// FNV-1a over s, continuing from h (then a separator byte).
std::uint64_t fnv1a(std::uint64_t h, const std::string& s);
inline constexpr std::uint64_t kFnvBasis = 0xcbf29ce484222325ull;

}  // namespace journeysim::sweep::keys
