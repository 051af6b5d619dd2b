// A YAML tree that remembers where every value came from (file, line, column), so that scenario
// errors can point at the right place even after `extends:` merging and `--set` overrides.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace journeysim::sim {

struct SourcePos {
  std::string file;
  int line = 0;  // 1-based; 0 = unknown
  int column = 0;
};

// An error in a scenario: where, which key, what was expected, what was found.
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(SourcePos pos, std::string key_path, std::string message);
  const SourcePos& pos() const { return pos_; }
  const std::string& key_path() const { return key_path_; }

 private:
  SourcePos pos_;
  std::string key_path_;
};

struct ConfigEntry;  // a key and its value in a map node (defined below)

struct ConfigNode {
  enum class Kind { Null, Scalar, Map, Seq };
  Kind kind = Kind::Null;
  std::string scalar;
  bool quoted = false;           // scalar was quoted in the source (a string, never a number)
  std::vector<ConfigEntry> map;  // in source order
  std::vector<ConfigNode> seq;
  SourcePos pos;      // position of the value
  SourcePos key_pos;  // position of the key that introduced it (for maps)

  const ConfigNode* find(const std::string& key) const;
  ConfigNode* find(const std::string& key);
  std::string kind_name() const;
};

// (A std::pair of a node inside the node's own class is not a complete type for clang's C++20
// library checks: a struct of its own with the pair's member names.)
struct ConfigEntry {
  std::string first;  // the key
  ConfigNode second;  // the value
  ConfigEntry() = default;
  ConfigEntry(std::string key, ConfigNode value)
      : first(std::move(key)), second(std::move(value)) {}
};

// Parses one YAML file (no `extends` processing). Syntax errors become ScenarioError.
ConfigNode parse_yaml_file(const std::string& path);
ConfigNode parse_yaml_string(const std::string& text, const std::string& name);

// Loads a scenario file, following `extends: base.yaml` (relative to the file) recursively:
// maps merge key by key, the extending file wins; lists and scalars are replaced whole, except
// lists of named items (each a map with `name:`), which merge item by item on the name.
ConfigNode load_with_extends(const std::string& path);

// Applies `a.b.c=value`. A path part may select a list item by its `name` (e.g.
// `channels.paid_search.cpm=12`) or by index. The value is parsed as YAML.
void apply_override(ConfigNode& root, const std::string& assignment);

// Emits the tree as YAML text (the resolved scenario recorded in every output).
std::string emit_yaml(const ConfigNode& root);

}  // namespace journeysim::sim
