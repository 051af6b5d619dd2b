#include "journeysim/sim/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "journeysim/common/input_file.hpp"
#include "journeysim/common/text.hpp"

namespace journeysim::sim {

namespace {
std::string format_error(const SourcePos& pos, const std::string& key_path,
                         const std::string& message) {
  std::ostringstream os;
  os << (pos.file.empty() ? "<scenario>" : pos.file);
  if (pos.line > 0) os << ":" << pos.line << ":" << pos.column;
  os << ": ";
  if (!key_path.empty()) os << key_path << ": ";
  os << message;
  return os.str();
}

// What a scenario's YAML may expand to. Aliases share nodes in the YAML graph but are expanded
// here, so a few hundred bytes of nested aliases ("billion laughs") could ask for gigabytes, and a
// self-referential alias (`a: &r [*r]`) for an infinite depth: both are refused, with the node's
// position. No real scenario comes near (the largest shipped one has about 1,500 nodes, depth 6).
// 100,000 values: a million made a 700-byte file take 2 s and 450 MB to refuse (found by fuzzing).
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxNodes = 100'000;

struct ConvertBudget {
  std::size_t nodes = 0;
};

ConfigNode convert(const YAML::Node& n, const std::string& file, ConvertBudget& budget, int depth) {
  ConfigNode out;
  out.pos = {file, n.Mark().line + 1, n.Mark().column + 1};
  if (depth > kMaxDepth)
    throw ScenarioError(
        out.pos, "",
        "nested deeper than " + std::to_string(kMaxDepth) + " levels (a self-referential alias?)");
  if (++budget.nodes > kMaxNodes)
    throw ScenarioError(out.pos, "",
                        "expands to more than " + std::to_string(kMaxNodes) +
                            " values (aliases nested inside aliases?)");
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out.kind = ConfigNode::Kind::Null;
      break;
    case YAML::NodeType::Scalar:
      out.kind = ConfigNode::Kind::Scalar;
      out.scalar = n.Scalar();
      out.quoted = n.Tag() == "!";
      break;
    case YAML::NodeType::Sequence:
      out.kind = ConfigNode::Kind::Seq;
      for (const auto& item : n) out.seq.push_back(convert(item, file, budget, depth + 1));
      break;
    case YAML::NodeType::Map: {
      out.kind = ConfigNode::Kind::Map;
      std::set<std::string> seen;
      for (const auto& kv : n) {
        SourcePos kp{file, kv.first.Mark().line + 1, kv.first.Mark().column + 1};
        if (kv.first.Type() != YAML::NodeType::Scalar)
          throw ScenarioError(kp, "", "expected a plain key, found a complex key");
        std::string key = kv.first.Scalar();
        if (!seen.insert(key).second)
          throw ScenarioError(kp, key, "duplicate key (each key may appear once in a map)");
        ConfigNode child = convert(kv.second, file, budget, depth + 1);
        child.key_pos = kp;
        if (child.kind == ConfigNode::Kind::Null && child.pos.line == 0) child.pos = kp;
        out.map.emplace_back(key, std::move(child));
      }
      break;
    }
  }
  return out;
}

bool is_named_list(const ConfigNode& n) {
  if (n.kind != ConfigNode::Kind::Seq || n.seq.empty()) return false;
  for (const auto& item : n.seq)
    if (item.kind != ConfigNode::Kind::Map || !item.find("name")) return false;
  return true;
}

void merge_into(ConfigNode& base, const ConfigNode& over) {
  if (base.kind == ConfigNode::Kind::Map && over.kind == ConfigNode::Kind::Map) {
    for (const auto& [k, v] : over.map) {
      if (ConfigNode* b = base.find(k))
        merge_into(*b, v);
      else
        base.map.emplace_back(k, v);
    }
    return;
  }
  if (is_named_list(base) && is_named_list(over)) {
    for (const auto& item : over.seq) {
      const std::string& name = item.find("name")->scalar;
      bool merged = false;
      for (auto& b : base.seq)
        if (b.find("name")->scalar == name) {
          merge_into(b, item);
          merged = true;
        }
      if (!merged) base.seq.push_back(item);
    }
    return;
  }
  SourcePos kp = base.key_pos;
  base = over;
  if (base.key_pos.line == 0) base.key_pos = kp;
}

std::string canonical_name(const std::string& path) {
  std::error_code ec;
  std::string canon = std::filesystem::weakly_canonical(path, ec).string();
  if (ec) canon = path;  // e.g. /dev/stdin: not resolvable, still readable
  return canon;
}

// `chain` holds the canonical names of the files being loaded, outermost first; `shown` the same
// files as they were named (for the message of a cycle).
ConfigNode load_rec(const std::string& path, std::vector<std::string>& chain,
                    std::vector<std::string>& shown) {
  chain.push_back(canonical_name(path));
  shown.push_back(path);
  ConfigNode node = parse_yaml_file(path);
  if (node.kind != ConfigNode::Kind::Map)
    throw ScenarioError(
        node.pos, "",
        "expected a map of scenario keys at the top level, found " + node.kind_name());
  auto it = std::find_if(node.map.begin(), node.map.end(),
                         [](const auto& kv) { return kv.first == "extends"; });
  if (it == node.map.end()) return node;
  const ConfigNode ext = it->second;
  node.map.erase(it);
  if (ext.kind != ConfigNode::Kind::Scalar || ext.scalar.empty())
    throw ScenarioError(ext.pos, "extends",
                        "expected the path of a base scenario file, found " + ext.kind_name());
  // every problem with the named file is reported at this value (a 5,000-character name gave
  // "filesystem error: File name too long", a directory "found nothing (null)", #15)
  if (ext.scalar.size() > 4096)
    throw ScenarioError(ext.pos, "extends",
                        "a path of " + std::to_string(ext.scalar.size()) +
                            " characters: expected the path of a base scenario file");
  std::filesystem::path base_path = std::filesystem::path(path).parent_path() / ext.scalar;
  std::error_code fs_ec;
  const auto st = std::filesystem::status(base_path, fs_ec);
  if (fs_ec && fs_ec != std::errc::no_such_file_or_directory)
    throw ScenarioError(ext.pos, "extends",
                        "base scenario '" + ext.scalar + "': " + fs_ec.message());
  if (!std::filesystem::exists(st))
    throw ScenarioError(ext.pos, "extends",
                        "base scenario '" + base_path.string() + "' does not exist");
  if (!std::filesystem::is_regular_file(st))
    throw ScenarioError(
        ext.pos, "extends",
        "base scenario '" + base_path.string() +
            (std::filesystem::is_directory(st) ? "' is a directory, not a scenario file"
                                               : "' is not a regular file (a device or a FIFO)"));
  // The cycle is reported at this `extends:` value, the one that closes it.
  const std::string base_canon = canonical_name(base_path.string());
  if (std::find(chain.begin(), chain.end(), base_canon) != chain.end()) {
    std::string cycle;
    for (const auto& f : shown) {
      cycle += std::filesystem::path(f).filename().string();
      cycle += " -> ";
    }
    cycle += base_path.filename().string();
    throw ScenarioError(ext.pos, "extends",
                        "circular extends chain through '" + ext.scalar + "' (" + cycle + ")");
  }
  ConfigNode base = load_rec(base_path.string(), chain, shown);
  merge_into(base, node);
  return base;
}

// Gives every node of a --set value the position of the override itself.
void set_position(ConfigNode& n, const SourcePos& where) {
  n.pos = where;
  n.key_pos = where;
  for (auto& kv : n.map) set_position(kv.second, where);
  for (auto& item : n.seq) set_position(item, where);
}

void emit(YAML::Emitter& e, const ConfigNode& n) {
  switch (n.kind) {
    case ConfigNode::Kind::Null:
      e << YAML::Null;
      break;
    case ConfigNode::Kind::Scalar:
      if (n.quoted)
        e << YAML::DoubleQuoted << n.scalar;
      else
        e << n.scalar;
      break;
    case ConfigNode::Kind::Seq: {
      bool flow = std::all_of(n.seq.begin(), n.seq.end(),
                              [](const auto& c) { return c.kind == ConfigNode::Kind::Scalar; });
      if (flow) e << YAML::Flow;
      e << YAML::BeginSeq;
      for (const auto& c : n.seq) emit(e, c);
      e << YAML::EndSeq;
      break;
    }
    case ConfigNode::Kind::Map:
      e << YAML::BeginMap;
      for (const auto& [k, v] : n.map) {
        e << YAML::Key << k << YAML::Value;
        emit(e, v);
      }
      e << YAML::EndMap;
      break;
  }
}
}  // namespace

ScenarioError::ScenarioError(SourcePos pos, std::string key_path, std::string message)
    : std::runtime_error(format_error(pos, key_path, message)),
      pos_(std::move(pos)),
      key_path_(std::move(key_path)) {}

const ConfigNode* ConfigNode::find(const std::string& key) const {
  for (const auto& [k, v] : map)
    if (k == key) return &v;
  return nullptr;
}
ConfigNode* ConfigNode::find(const std::string& key) {
  for (auto& [k, v] : map)
    if (k == key) return &v;
  return nullptr;
}
std::string ConfigNode::kind_name() const {
  switch (kind) {
    case Kind::Null:
      return "nothing (null)";
    case Kind::Scalar:
      return "'" + scalar + "'";
    case Kind::Map:
      return "a map";
    case Kind::Seq:
      return "a list";
  }
  return "?";
}

ConfigNode parse_yaml_string(const std::string& text, const std::string& name) {
  try {
    ConvertBudget budget;
    return convert(YAML::Load(text), name, budget, 0);
  } catch (const YAML::Exception& e) {
    throw ScenarioError({name, e.mark.line + 1, e.mark.column + 1}, "",
                        "YAML syntax error: " + e.msg);
  }
}

ConfigNode parse_yaml_file(const std::string& path) {
  // only a regular file of a sensible size: /dev/zero, a FIFO or a directory would block or
  // read until memory runs out
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st))
    throw ScenarioError({path, 0, 0}, "", "cannot open scenario file (no such file)");
  if (!std::filesystem::is_regular_file(st))
    throw ScenarioError({path, 0, 0}, "",
                        std::filesystem::is_directory(st)
                            ? "is a directory, not a scenario file"
                            : "is not a regular file (a device, a FIFO or a socket)");
  constexpr std::uintmax_t kMaxBytes = std::uintmax_t{16} << 20;
  if (std::filesystem::file_size(path, ec) > kMaxBytes)
    throw ScenarioError({path, 0, 0}, "", "larger than 16 MiB: not a scenario file");
  std::ifstream in(path);
  if (!in) throw ScenarioError({path, 0, 0}, "", "cannot open scenario file");
  common::note_input(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_yaml_string(ss.str(), path);
}

ConfigNode load_with_extends(const std::string& path) {
  std::vector<std::string> chain, shown;
  return load_rec(path, chain, shown);
}

void apply_override(ConfigNode& root, const std::string& assignment) {
  // Every position in an override is the override itself: `--set path=value`, no line:col
  // (a column inside a command-line value would only confuse).
  const SourcePos where{"--set " + assignment, 0, 0};
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw ScenarioError(where, "", "expected key.path=value");
  std::string path = assignment.substr(0, eq);
  ConfigNode value;
  try {
    value = parse_yaml_string(assignment.substr(eq + 1), where.file);
  } catch (const ScenarioError& e) {
    // a syntax error or a duplicate key in the value: same message, the override's position
    const std::string head = format_error(e.pos(), e.key_path(), "");
    std::string key_path;
    if (!e.key_path().empty()) {
      key_path = path;
      key_path += '.';
      key_path += e.key_path();
    }
    throw ScenarioError(where, key_path, std::string(e.what()).substr(head.size()));
  }
  set_position(value, where);
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
  ConfigNode* cur = &root;
  std::string walked;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (!walked.empty()) walked += '.';
    walked += p;
    bool last = i + 1 == parts.size();
    if (cur->kind == ConfigNode::Kind::Seq) {
      ConfigNode* next = nullptr;
      for (auto& item : cur->seq)
        if (const ConfigNode* nm = item.find("name"); nm && nm->scalar == p) next = &item;
      const bool numeric = !p.empty() && std::all_of(p.begin(), p.end(), [](unsigned char ch) {
        return std::isdigit(ch) != 0;
      });
      if (!next && numeric) {
        // No std::stoul: an index too large for any integer type is simply no item.
        std::size_t index = 0;
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), index);
        if (ec == std::errc() && end == p.data() + p.size() && index < cur->seq.size())
          next = &cur->seq[index];
      }
      if (!next) {
        std::string msg = "no list item named '" + p + "'";
        std::vector<std::string> names;
        for (const auto& item : cur->seq)
          if (const ConfigNode* nm = item.find("name")) names.push_back(nm->scalar);
        msg += common::did_you_mean(p, names);
        if (numeric) {
          msg += " (nor at that index: the list has ";
          msg += std::to_string(cur->seq.size());
          msg += cur->seq.size() == 1 ? " item)" : " items)";
        }
        throw ScenarioError(where, walked, msg);
      }
      if (last) {
        *next = value;
        return;
      }
      cur = next;
      continue;
    }
    if (cur->kind == ConfigNode::Kind::Null) cur->kind = ConfigNode::Kind::Map;
    if (cur->kind != ConfigNode::Kind::Map)
      throw ScenarioError(where, walked, "cannot set a key inside " + cur->kind_name());
    ConfigNode* next = cur->find(p);
    if (!next) {
      cur->map.emplace_back(p, ConfigNode{});
      next = &cur->map.back().second;
      next->key_pos = where;
      next->pos = where;
    }
    if (last) {
      SourcePos kp = next->key_pos;
      *next = value;
      next->key_pos = kp;
      return;
    }
    cur = next;
  }
}

std::string emit_yaml(const ConfigNode& root) {
  YAML::Emitter e;
  emit(e, root);
  return std::string(e.c_str()) + "\n";
}

}  // namespace journeysim::sim
