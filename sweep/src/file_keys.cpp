#include "journeysim/sweep/file_keys.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "journeysim/common/text.hpp"

namespace journeysim::sweep::keys {

using sim::ConfigNode;
using sim::ScenarioError;

Keys::Keys(const ConfigNode& n, std::string path) : n_(n), path_(std::move(path)) {
  if (n.kind != ConfigNode::Kind::Map)
    throw ScenarioError(n.pos, path_, "expected a map of keys, found " + n.kind_name());
}

const ConfigNode* Keys::get(const std::string& k) {
  known_.push_back(k);
  const ConfigNode* c = n_.find(k);
  return c && c->kind != ConfigNode::Kind::Null ? c : nullptr;
}

const ConfigNode& Keys::need(const std::string& k) {
  const ConfigNode* c = get(k);
  if (!c) {
    for (const auto& [other, v] : n_.map)  // the key may be there under a typo: point at it
      if (other != k && common::edit_distance(other, k) <= 2)
        throw ScenarioError(v.key_pos, key(other),
                            "unknown key (did you mean '" + k + "'?); '" + k + "' is required");
    throw ScenarioError(n_.pos, key(k), "required key is missing");
  }
  return *c;
}

void Keys::done() const {
  for (const auto& [k, v] : n_.map)
    if (std::find(known_.begin(), known_.end(), k) == known_.end())
      throw ScenarioError(v.key_pos, key(k),
                          "unknown key" + common::did_you_mean(k, known_) +
                              "; expected one of: " + common::join(known_));
}

std::string scalar_text(const ConfigNode& n, const std::string& key, const std::string& what) {
  if (n.kind != ConfigNode::Kind::Scalar)
    throw ScenarioError(n.pos, key, "expected " + what + ", found " + n.kind_name());
  return n.scalar;
}

double number(const ConfigNode& n, const std::string& key, double lo, double hi,
              const std::string& what) {
  const std::string s = scalar_text(n, key, what);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (n.quoted || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v))
    throw ScenarioError(n.pos, key, "expected " + what + ", found '" + s + "'");
  if (v < lo || v > hi) {
    std::ostringstream os;
    os << "expected " << what << " in [" << lo << ", " << hi << "], found " << s;
    throw ScenarioError(n.pos, key, os.str());
  }
  return v;
}

std::uint64_t whole(const ConfigNode& n, const std::string& key, double lo, double hi) {
  const double v = number(n, key, lo, hi, "a whole number");
  if (v != std::floor(v))
    throw ScenarioError(n.pos, key, "expected a whole number, found " + n.scalar);
  return static_cast<std::uint64_t>(v);
}

bool boolean(const ConfigNode& n, const std::string& key) {
  const std::string s = scalar_text(n, key, "true or false");
  if (s == "true") return true;
  if (s == "false") return false;
  throw ScenarioError(n.pos, key, "expected true or false, found '" + s + "'");
}

std::vector<std::string> string_list(const ConfigNode& n, const std::string& key) {
  std::vector<std::string> out;
  if (n.kind == ConfigNode::Kind::Scalar) {  // "a, b" is accepted as a list of one or more
    std::stringstream ss(n.scalar);
    for (std::string item; std::getline(ss, item, ',');) {
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (!item.empty()) out.push_back(item);
    }
    return out;
  }
  if (n.kind != ConfigNode::Kind::Seq)
    throw ScenarioError(n.pos, key, "expected a list of strings, found " + n.kind_name());
  for (std::size_t i = 0; i < n.seq.size(); ++i) {
    std::string item_key = key;
    item_key += '[';
    item_key += std::to_string(i);
    item_key += ']';
    out.push_back(scalar_text(n.seq[i], item_key, "a string (a list item)"));
  }
  return out;
}

std::vector<double> number_list(const ConfigNode& n, const std::string& key, double lo, double hi) {
  if (n.kind != ConfigNode::Kind::Seq || n.seq.empty())
    throw ScenarioError(n.pos, key, "expected a non-empty list of numbers, found " + n.kind_name());
  std::vector<double> out;
  for (std::size_t i = 0; i < n.seq.size(); ++i) {
    std::string item_key = key;
    item_key += '[';
    item_key += std::to_string(i);
    item_key += ']';
    out.push_back(number(n.seq[i], item_key, lo, hi));
  }
  return out;
}

std::string bare_message(const ScenarioError& e) {
  std::string w = e.what();
  const std::string& file = e.pos().file;
  if (!file.empty() && w.rfind(file, 0) == 0) {
    auto p = w.find(": ", file.size());
    if (p != std::string::npos) return w.substr(p + 2);
  }
  return w;
}

BaseScenario load_base_scenario(const std::string& path, std::optional<double> customers,
                                std::optional<double> days, const std::vector<std::string>& sets,
                                const sim::SourcePos& set_pos) {
  auto text = [](double v) {
    std::ostringstream os;
    os.precision(15);
    os << v;
    return os.str();
  };
  BaseScenario b;
  b.tree = sim::load_with_extends(path);
  std::vector<std::string> fixed;
  if (customers) fixed.push_back("customers=" + text(*customers));
  if (days) fixed.push_back("horizon_days=" + text(*days));
  fixed.insert(fixed.end(), sets.begin(), sets.end());
  for (const auto& o : fixed) {
    try {
      sim::apply_override(b.tree, o);
    } catch (const ScenarioError& e) {
      throw ScenarioError(set_pos, "set", bare_message(e));
    }
  }
  try {
    b.scenario = sim::parse_scenario(b.tree);
  } catch (const ScenarioError& e) {
    if (e.pos().file.rfind("--set ", 0) == 0)  // an override is out of range
      throw ScenarioError(set_pos, "set", bare_message(e));
    throw;
  }
  b.text = sim::emit_yaml(b.tree);
  return b;
}

void refuse_scenario_file(const ConfigNode& root, const std::string& what, const std::string& doc) {
  if (root.find("scenario")) return;
  for (const char* k : {"channels", "horizon_days", "plans", "extends"})
    if (const ConfigNode* c = root.find(k))
      throw ScenarioError(c->key_pos, k,
                          "this looks like a scenario file, not a " + what + " (" + doc + "): a " +
                              what + " names its scenario with `scenario: PATH`");
}

bool takes_whole_numbers(const ConfigNode& base, const std::string& path, double lo, double hi) {
  std::ostringstream frac;
  frac.precision(15);
  frac << std::floor(0.5 * (lo + hi)) + 0.5;
  try {
    ConfigNode t = base;
    sim::apply_override(t, path + "=" + frac.str());
    sim::parse_scenario(t);
  } catch (const ScenarioError& e) {
    return std::string(e.what()).find("whole number") != std::string::npos;
  }
  return false;
}

std::uint64_t fnv1a(std::uint64_t h, const std::string& s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  h ^= 0xff;  // separator: ("ab","c") and ("a","bc") differ
  h *= 0x100000001b3ull;
  return h;
}

}  // namespace journeysim::sweep::keys
