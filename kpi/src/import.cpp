#include "journeysim/kpi/import.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "journeysim/common/input_file.hpp"
#include "journeysim/common/text.hpp"

namespace journeysim::kpi {

namespace {

namespace fs = std::filesystem;
using common::join;
const auto& suggest = common::did_you_mean;
constexpr std::size_t kMaxIssues = 100;

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

std::string quoted_list(const std::vector<std::string>& v) {
  std::vector<std::string> q;
  for (const auto& s : v) q.push_back("'" + s + "'");
  return join(q);
}

// ---------------------------------------------------------------- YAML helpers

std::string at(const std::string& file, const YAML::Mark& m) {
  return file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}
std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "nothing (null)";
  }
}

// A map of keys: every key read is "known"; done() rejects the others.
class Obj {
 public:
  Obj(const YAML::Node& n, std::string path, const std::string& file)
      : n_(n), path_(std::move(path)), file_(file) {
    if (!n_.IsMap()) fail(n_, "", "expected a map of keys, found " + kind_of(n_));
    std::set<std::string> seen;
    for (auto it = n_.begin(); it != n_.end(); ++it) {
      if (!it->first.IsScalar()) fail(it->first, "", "expected a key, found " + kind_of(it->first));
      if (!seen.insert(it->first.Scalar()).second)
        fail(it->first, it->first.Scalar(), "duplicate key");
    }
  }
  std::string key(const std::string& k) const {
    return path_.empty() ? k : k.empty() ? path_ : path_ + "." + k;
  }
  std::string where(const YAML::Node& n) const {
    return at(file_, n.Mark().is_null() ? fallback_ : n.Mark());
  }
  const YAML::Node& node() const { return n_; }

  [[noreturn]] void fail(const YAML::Node& n, const std::string& k, const std::string& msg) const {
    std::string kp = key(k);
    throw std::runtime_error(where(n) + ": " + (kp.empty() ? "" : kp + ": ") + msg);
  }

  // The value of key k (nullopt if absent or null).
  std::optional<YAML::Node> get(const std::string& k) {
    known_.push_back(k);
    for (auto it = n_.begin(); it != n_.end(); ++it)
      if (it->first.Scalar() == k) {
        if (it->second.IsNull()) return std::nullopt;
        return it->second;
      }
    return std::nullopt;
  }
  bool has(const std::string& k) const {
    for (auto it = n_.begin(); it != n_.end(); ++it)
      if (it->first.Scalar() == k && !it->second.IsNull()) return true;
    return false;
  }
  std::string str(const std::string& k, bool required, const std::string& def = "") {
    auto v = get(k);
    if (!v) {
      if (required) fail(n_, k, "required key is missing: expected a string");
      return def;
    }
    if (!v->IsScalar()) fail(*v, k, "expected a string, found " + kind_of(*v));
    return v->Scalar();
  }
  // A column name: also records where the key is, for messages about the data file.
  std::string column(const std::string& k, bool required, std::map<std::string, std::string>& pos) {
    auto v = get(k);
    std::string s = str(k, required);
    if (v) {
      if (trim(s).empty()) fail(*v, k, "expected a column name, found an empty string");
      pos[key(k)] = where(*v);
    }
    return s;
  }
  bool boolean(const std::string& k, bool def) {
    auto v = get(k);
    if (!v) return def;
    if (v->IsScalar() && (v->Scalar() == "true" || v->Scalar() == "false"))
      return v->Scalar() == "true";
    fail(*v, k, "expected true or false, found " + kind_of(*v));
  }
  std::string choice(const std::string& k, std::optional<std::string> def,
                     const std::vector<std::string>& options) {
    auto v = get(k);
    if (!v) {
      if (def) return *def;
      fail(n_, k, "required key is missing: expected one of " + join(options));
    }
    std::string s = v->IsScalar() ? v->Scalar() : "";
    if (!v->IsScalar() || std::find(options.begin(), options.end(), s) == options.end())
      fail(*v, k,
           "expected one of " + join(options) + ", found " + kind_of(*v) + suggest(s, options));
    return s;
  }
  // A string or a list of strings.
  std::vector<std::string> strings(const std::string& k) {
    auto v = get(k);
    std::vector<std::string> out;
    if (!v) return out;
    if (v->IsScalar()) return {v->Scalar()};
    if (!v->IsSequence())
      fail(*v, k, "expected a string or a list of strings, found " + kind_of(*v));
    for (const auto& item : *v) {
      if (!item.IsScalar()) fail(item, k, "expected a string, found " + kind_of(item));
      out.push_back(item.Scalar());
    }
    return out;
  }
  std::optional<std::int64_t> time(const std::string& k) {
    auto v = get(k);
    if (!v) return std::nullopt;
    std::string s = v->IsScalar() ? v->Scalar() : "";
    auto t = parse_time(s, "iso");
    if (!v->IsScalar() || !t)
      fail(*v, k, "expected a date YYYY-MM-DD (optionally with HH:MM:SS), found " + kind_of(*v));
    return t;
  }
  Obj sub(const std::string& k, bool required = false) {
    auto v = get(k);
    if (!v) {
      if (required) fail(n_, k, "required key is missing: expected a map");
      return Obj(YAML::Node(YAML::NodeType::Map), key(k), file_, n_.Mark());
    }
    return Obj(*v, key(k), file_);
  }
  // Rejects the keys never read; `elsewhere` explains keys that belong to another context.
  void done(const std::map<std::string, std::string>& elsewhere = {}) const {
    for (auto it = n_.begin(); it != n_.end(); ++it) {
      const std::string k = it->first.Scalar();
      if (std::find(known_.begin(), known_.end(), k) != known_.end()) continue;
      auto e = elsewhere.find(k);
      if (e != elsewhere.end()) fail(it->first, k, "unknown key here: " + e->second);
      fail(it->first, k, "unknown key" + suggest(k, known_) + "; known keys here: " + join(known_));
    }
  }

 private:
  // An empty map standing for an absent optional section (positions point at the parent).
  Obj(const YAML::Node& n, std::string path, const std::string& file, YAML::Mark fallback)
      : n_(n), path_(std::move(path)), file_(file), fallback_(fallback) {}
  YAML::Node n_;
  std::string path_;
  const std::string& file_;
  YAML::Mark fallback_ = YAML::Mark::null_mark();
  std::vector<std::string> known_;
};

const std::vector<std::string> kGroupTargets = {"segment", "channel", "plan"};
std::string group_namespace(const std::string& target) {
  return target + "s";  // segments, channels, plans
}

std::vector<std::string> event_type_names() {
  std::vector<std::string> v;
  for (auto n : eventlog::kEventTypeNames) v.emplace_back(n);
  return v;
}

// ---------------------------------------------------------------- time patterns

struct Fields {
  int Y = -1, m = -1, d = -1, H = 0, M = 0, S = 0;
};

bool match(std::string_view p, std::string_view s, Fields& f) {
  if (p.empty()) return s.empty();
  if (p[0] == '[') {
    int depth = 0;
    std::size_t close = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (p[i] == '[') ++depth;
      if (p[i] == ']' && --depth == 0) {
        close = i;
        break;
      }
    }
    if (close == 0) return false;  // unbalanced: rejected when the mapping is read
    std::string with = std::string(p.substr(1, close - 1)) + std::string(p.substr(close + 1));
    Fields g = f;
    if (match(with, s, g)) {
      f = g;
      return true;
    }
    return match(p.substr(close + 1), s, f);
  }
  if (p[0] == '%' && p.size() >= 2 && p[1] != '%') {
    char c = p[1];
    std::size_t max_digits = c == 'Y' ? 4 : 2, min_digits = c == 'Y' ? 4 : 1;
    for (std::size_t n = std::min(max_digits, s.size()); n >= min_digits && n > 0; --n) {
      bool digits = true;
      int v = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') {
          digits = false;
          break;
        }
        v = v * 10 + (s[i] - '0');
      }
      if (!digits) continue;
      Fields g = f;
      switch (c) {
        case 'Y':
          g.Y = v;
          break;
        case 'm':
          g.m = v;
          break;
        case 'd':
          g.d = v;
          break;
        case 'H':
          g.H = v;
          break;
        case 'M':
          g.M = v;
          break;
        case 'S':
          g.S = v;
          break;
        default:
          return false;
      }
      if (match(p.substr(2), s.substr(n), g)) {
        f = g;
        return true;
      }
    }
    return false;
  }
  std::size_t lit = (p[0] == '%' && p.size() >= 2) ? 2 : 1;  // "%%" is a literal '%'
  if (s.empty() || s[0] != p[lit - 1]) return false;
  return match(p.substr(lit), s.substr(1), f);
}

// Checks a pattern's syntax; returns an error message or "".
std::string check_pattern(const std::string& p) {
  if (p == "iso" || p == "unix") return "";
  int depth = 0;
  bool y = false, m = false, d = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '[') ++depth;
    if (p[i] == ']' && --depth < 0) return "unbalanced ']' in the time format";
    if (p[i] == '%') {
      if (i + 1 >= p.size()) return "the time format ends with a lone '%'";
      char c = p[++i];
      if (std::string("YmdHMS%").find(c) == std::string::npos)
        return std::string("unsupported directive '%") + c +
               "' in the time format (use %Y %m %d %H %M %S, or iso, or unix)";
      y |= c == 'Y', m |= c == 'm', d |= c == 'd';
    }
  }
  if (depth != 0) return "unbalanced '[' in the time format";
  if (!y || !m || !d) return "the time format needs %Y, %m and %d (or use iso or unix)";
  return "";
}

// ---------------------------------------------------------------- names tables

struct Names {
  std::map<std::string, std::vector<std::string>> lists;
  std::map<std::string, std::unordered_map<std::string, int>> index;
  int get(const std::string& ns, const std::string& name) {
    auto& ix = index[ns];
    auto it = ix.find(name);
    if (it != ix.end()) return it->second;
    auto& l = lists[ns];
    int i = static_cast<int>(l.size());
    l.push_back(name);
    ix.emplace(name, i);
    return i;
  }
};

// A malformed row: thrown, or counted when rows are skipped.
struct RowError {
  std::string message;
};

}  // namespace

// ---------------------------------------------------------------- time parsing

std::optional<std::int64_t> parse_time(std::string_view text, const std::string& format) {
  std::string s = trim(text);
  if (s.empty()) return std::nullopt;
  if (format == "unix") {
    auto v = parse_double(s);
    if (!v || std::abs(*v) > 1e15) return std::nullopt;
    return static_cast<std::int64_t>(std::floor(*v));
  }
  std::vector<std::string> patterns;
  if (format == "iso")
    patterns = {"%Y-%m-%d[ %H:%M[:%S]]", "%Y-%m-%dT%H:%M[:%S][Z]"};
  else
    patterns = {format};
  for (const auto& p : patterns) {
    Fields f;
    if (!match(p, s, f)) continue;
    if (f.Y < 0 || f.m < 1 || f.m > 12 || f.d < 1) return std::nullopt;
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (f.Y % 4 == 0 && f.Y % 100 != 0) || f.Y % 400 == 0;
    if (f.d > kDays[f.m - 1] + (f.m == 2 && leap ? 1 : 0)) return std::nullopt;
    if (f.H > 23 || f.M > 59 || f.S > 59) return std::nullopt;
    return static_cast<std::int64_t>(
               days_from_civil(f.Y, static_cast<unsigned>(f.m), static_cast<unsigned>(f.d))) *
               86400 +
           f.H * 3600 + f.M * 60 + f.S;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- mapping files

ImportMapping parse_mapping(std::string_view yaml_text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                             std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
  if (!root.IsMap())
    throw std::runtime_error(source + ": expected a map of mapping keys at the top level, found " +
                             kind_of(root));
  ImportMapping m;
  m.source = source;
  m.name = fs::path(source).stem().string();
  Obj top(root, "", source);
  std::string kind = top.choice("kind", std::nullopt, {"events", "customers"});
  m.kind = kind == "events" ? ImportMapping::Kind::events : ImportMapping::Kind::customers;
  m.description = top.str("description", false);

  {
    Obj t = top.sub("table");
    std::string format = t.choice("format", "csv", {"csv", "whitespace"});
    m.whitespace = format == "whitespace";
    if (auto d = t.get("delimiter")) {
      std::string s = t.str("delimiter", false);
      if (m.whitespace) t.fail(*d, "delimiter", "a delimiter is only for format: csv");
      if (s.size() != 1 || s == "\"" || s == "\n")
        t.fail(*d, "delimiter", "expected a single character such as ',' ';' or \"\\t\"");
      m.delimiter = s[0];
    }
    m.header = t.boolean("header", true);
    auto cols = t.get("columns");
    m.columns = t.strings("columns");
    if (cols && m.header)
      t.fail(*cols, "columns",
             "columns names the fields of a table without a header line: set header: false");
    if (!m.header && m.columns.empty() && cols)
      t.fail(*cols, "columns", "expected a non-empty list of column names");
    t.done();
  }

  m.customer_column = top.column("customer", true, m.positions);

  if (auto skip = top.get("skip")) {
    if (!skip->IsSequence()) top.fail(*skip, "skip", "expected a list of rules");
    for (std::size_t i = 0; i < skip->size(); ++i) {
      Obj r((*skip)[i], "skip[" + std::to_string(i) + "]", source);
      SkipRule rule;
      rule.column = r.column("column", true, m.positions);
      rule.equals = r.strings("equals");
      rule.blank = r.boolean("blank", false);
      rule.reason = r.str("reason", false);
      if (rule.equals.empty() && !rule.blank)
        r.fail(r.node(), "", "a skip rule needs equals: VALUE(S) or blank: true");
      if (rule.reason.empty())
        rule.reason = rule.blank ? rule.column + " is blank"
                                 : rule.column + " = " + join(rule.equals, " or ");
      for (auto& e : rule.equals) e = trim(e);
      r.done();
      m.skip.push_back(rule);
    }
  }

  if (top.has("groups")) {
    Obj g = top.sub("groups");
    for (const auto& target : kGroupTargets) {
      std::string col = g.column(target, false, m.positions);
      if (!col.empty()) m.groups[target] = col;
    }
    g.done();
  } else {
    top.get("groups");
  }

  {
    Obj w = top.sub("window");
    m.start = w.time("start");
    m.end = w.time("end");
    if (m.end && m.kind == ImportMapping::Kind::customers)
      w.fail(*w.get("end"), "end",
             "a customers table ends at its snapshot_date: remove window.end");
    if (m.start && m.end && *m.end <= *m.start)
      w.fail(*w.get("end"), "end", "the window's end must be after its start");
    w.done();
  }

  const std::map<std::string, std::string> events_only = {
      {"time", "only for kind: events"},
      {"type", "only for kind: events"},
      {"arg", "only for kind: events"},
      {"value", "only for kind: events"},
      {"conversion", "only for kind: events"},
      {"merge_same_day_purchases", "only for kind: events"}};
  const std::map<std::string, std::string> customers_only = {
      {"snapshot_date", "only for kind: customers"},
      {"tenure", "only for kind: customers"},
      {"churn", "only for kind: customers"},
      {"mrr", "only for kind: customers"}};

  if (m.kind == ImportMapping::Kind::events) {
    {
      Obj t = top.sub("time", true);
      m.time_column = t.column("column", true, m.positions);
      auto f = t.get("format");
      m.time_format = t.str("format", false, "iso");
      if (std::string err = check_pattern(m.time_format); !err.empty()) t.fail(*f, "format", err);
      t.done();
    }
    {
      auto tn = top.get("type");
      if (!tn) top.fail(top.node(), "type", "required key is missing: expected a map");
      Obj t(*tn, "type", source);
      const auto names = event_type_names();
      auto journeysim_type = [&](const YAML::Node& at, const std::string& k, const std::string& v) {
        if (!eventlog::event_type_from_name(v))
          t.fail(at, k,
                 "'" + v + "' is not a journeysim event type" + suggest(v, names) +
                     "; event types: " + join(names));
      };
      if (t.has("constant") && t.has("column"))
        t.fail(*tn, "", "give type.column or type.constant, not both");
      if (auto c = t.get("constant")) {
        m.type_constant = t.str("constant", false);
        journeysim_type(*c, "constant", m.type_constant);
      }
      m.type_column = t.column("column", false, m.positions);
      if (m.type_constant.empty() && m.type_column.empty())
        t.fail(*tn, "", "give type.column (with type.map) or type.constant");
      if (auto map = t.get("map")) {
        if (!m.type_column.empty() || true) {
          if (!map->IsMap()) t.fail(*map, "map", "expected a map: user event name -> event type");
          if (m.type_column.empty()) t.fail(*map, "map", "type.map needs type.column");
          Obj mo(*map, "type.map", source);
          for (auto it = map->begin(); it != map->end(); ++it) {
            std::string user = it->first.Scalar();
            if (!it->second.IsScalar())
              mo.fail(it->second, user,
                      "expected an event type name, found " + kind_of(it->second));
            journeysim_type(it->second, "map." + user, it->second.Scalar());
            m.type_map[trim(user)] = it->second.Scalar();
          }
          m.type_map_where = mo.where(*map);
        }
      }
      auto ign = t.get("ignore");
      for (auto& s : t.strings("ignore")) m.type_ignore.push_back(trim(s));
      if (ign && m.type_column.empty()) t.fail(*ign, "ignore", "type.ignore needs type.column");
      t.done();
    }
    if (top.has("arg")) {
      Obj a = top.sub("arg");
      m.arg_column = a.column("column", true, m.positions);
      auto names = a.get("names");
      m.arg_names = a.str("names", false);
      if (!m.type_constant.empty() && m.arg_names.empty() &&
          eventlog::kEventArgNamespace[static_cast<std::size_t>(
                                           *eventlog::event_type_from_name(m.type_constant))]
              .empty())
        a.fail(a.node(), "names",
               "event type '" + m.type_constant +
                   "' has no argument namespace: give arg.names (e.g. channels, plans, campaigns)");
      if (names && trim(m.arg_names).empty())
        a.fail(*names, "names", "expected a names table such as channels, plans or campaigns");
      a.done();
    } else {
      top.get("arg");
    }
    m.value_column = top.column("value", false, m.positions);
    {
      Obj c = top.sub("conversion");
      m.first_purchase_conversion = c.boolean("at_first_purchase", true);
      m.conversion_value_amount = c.choice("value", "zero", {"zero", "amount"}) == "amount";
      c.done();
    }
    m.merge_same_day_purchases = top.boolean("merge_same_day_purchases", false);
    top.done(customers_only);
  } else {
    m.snapshot = top.time("snapshot_date");
    if (!m.snapshot)
      top.fail(top.node(), "snapshot_date",
               "required key is missing: expected the date of the snapshot (YYYY-MM-DD)");
    {
      Obj t = top.sub("tenure", true);
      m.tenure_column = t.column("column", true, m.positions);
      m.tenure_unit_days =
          t.choice("unit", "months", {"months", "days"}) == "months" ? 365.25 / 12.0 : 1.0;
      t.done();
    }
    {
      Obj c = top.sub("churn", true);
      m.churn_column = c.column("column", true, m.positions);
      auto ch = c.get("churned");
      m.churned_values = c.strings("churned");
      if (m.churned_values.empty())
        c.fail(ch ? *ch : c.node(), "churned",
               "required key is missing: expected the value(s) that mean churned");
      m.active_values = c.strings("active");
      for (auto& v : m.churned_values) v = trim(v);
      for (auto& v : m.active_values) v = trim(v);
      c.done();
    }
    m.mrr_column = top.column("mrr", false, m.positions);
    top.done(events_only);
  }
  return m;
}

ImportMapping load_mapping_file(const std::string& path) {
  return parse_mapping(common::read_input_file(path, std::uintmax_t{1} << 20, "mapping file"),
                       path);
}

std::string builtin_mapping_dir() {
#ifdef JOURNEYSIM_MAPPINGS_DIR
  return JOURNEYSIM_MAPPINGS_DIR;
#else
  return "";
#endif
}

std::vector<std::string> builtin_mappings() {
  std::vector<std::string> out;
  std::error_code ec;
  std::string dir = builtin_mapping_dir();
  if (dir.empty()) return out;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".yaml") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

ImportMapping load_mapping(const std::string& name_or_path) {
  std::error_code ec;
  if (fs::is_regular_file(name_or_path, ec)) return load_mapping_file(name_or_path);
  auto names = builtin_mappings();
  if (std::find(names.begin(), names.end(), name_or_path) != names.end()) {
    ImportMapping m =
        load_mapping_file((fs::path(builtin_mapping_dir()) / (name_or_path + ".yaml")).string());
    m.name = name_or_path;
    return m;
  }
  throw std::runtime_error(
      "--mapping '" + name_or_path + "': no such file and no built-in mapping of that name" +
      suggest(name_or_path, names) +
      "; built-in mappings: " + (names.empty() ? std::string("(none found)") : join(names)));
}

// ---------------------------------------------------------------- import

namespace {

class Importer {
 public:
  Importer(const std::string& path, const ImportMapping& m, const ImportOptions& o)
      : path_(path), m_(m), o_(o) {
    TableOptions to;
    to.whitespace = m.whitespace;
    to.delimiter = m.delimiter;
    to.header = m.header;
    to.column_names = m.columns;
    to.bad_rows = o.skip_bad_rows ? BadRowPolicy::kSkip : BadRowPolicy::kError;
    table_ = Table::read(path, to);
    st_.rows_read = table_.rows() + table_.skipped_rows();
    st_.rows_skipped = table_.skipped_rows();
    for (const auto& i : table_.issues())
      if (st_.issues.size() < kMaxIssues)
        st_.issues.push_back(
            {i.line, table_.source() + ":" + std::to_string(i.line) + ": " + i.message});
  }

  ImportResult run() {
    customer_ = col(m_.customer_column, "customer");
    for (std::size_t i = 0; i < m_.skip.size(); ++i)
      skip_cols_.push_back(col(m_.skip[i].column, "skip[" + std::to_string(i) + "]"));
    for (const auto& [target, c] : m_.groups)
      groups_.push_back({target, col(c, "groups." + target)});
    if (m_.kind == ImportMapping::Kind::events)
      events();
    else
      customers();
    std::stable_sort(st_.issues.begin(), st_.issues.end(),
                     [](const RowIssue& x, const RowIssue& y) { return x.line < y.line; });
    st_.customers = result_.log.customers.size();
    st_.events = result_.log.event_count();
    result_.log.source = path_;
    result_.log.scenario_name = "csv import: " + m_.name;
    result_.stats = st_;
    return std::move(result_);
  }

 private:
  // The index of a mapped column; the error names the mapping key and where it is.
  std::size_t col(const std::string& name, const std::string& key) {
    if (auto i = table_.find_column(name)) return *i;
    std::string where;
    for (const auto& [k, p] : m_.positions)
      if (k == key || k == key + ".column") where = p;
    std::vector<std::string> cols = table_.columns();
    throw std::runtime_error(path_ + ": no column named '" + name + "' (mapping key " + key +
                             (where.empty() ? "" : " at " + where) + ")" + suggest(name, cols) +
                             "; the table's columns: " + quoted_list(cols) +
                             (m_.header ? "" : " (the table has no header line)"));
  }

  // Applies the mapping's skip rules; true if the row is left out.
  bool filtered(std::size_t r) {
    for (std::size_t i = 0; i < m_.skip.size(); ++i) {
      const SkipRule& rule = m_.skip[i];
      std::string v = trim(table_.cell(r, skip_cols_[i]));
      bool hit = (rule.blank && v.empty()) ||
                 std::find(rule.equals.begin(), rule.equals.end(), v) != rule.equals.end();
      if (hit) {
        filter(rule.reason);
        return true;
      }
    }
    return false;
  }
  void filter(const std::string& reason) {
    ++st_.rows_filtered;
    ++st_.filtered_by_reason[reason];
  }

  // A malformed row: an error, or counted.
  void bad_row(std::size_t r, const std::string& message) {
    if (!o_.skip_bad_rows) throw std::runtime_error(message);
    ++st_.rows_skipped;
    if (st_.issues.size() < kMaxIssues) st_.issues.push_back({table_.line(r), message});
  }

  std::string customer_of(std::size_t r) {
    std::string c = trim(table_.cell(r, customer_));
    if (c.empty()) throw RowError{table_.where(r, customer_) + ": empty customer id"};
    return c;
  }
  double number(std::size_t r, std::size_t c, const std::string& what) {
    const std::string& s = table_.cell(r, c);
    if (auto v = parse_double(s)) {
      if (!std::isfinite(*v))
        throw RowError{table_.where(r, c) + ": '" + trim(s) + "' is not a finite number (" + what +
                       ")"};
      return *v;
    }
    throw RowError{table_.where(r, c) + ": " +
                   (trim(s).empty() ? "empty value, expected " + what
                                    : "cannot parse '" + s + "' as " + what)};
  }
  // Group indices of a row: target -> index (-1 when blank).
  std::map<std::string, int> groups_of(std::size_t r) {
    std::map<std::string, int> g;
    for (const auto& [target, c] : groups_) {
      std::string v = trim(table_.cell(r, c));
      g[target] = v.empty() ? -1 : names_.get(group_namespace(target), v);
    }
    return g;
  }
  void apply_groups(CustomerInfo& ci, const std::map<std::string, int>& g) {
    for (const auto& [target, i] : g) {
      if (target == "segment") ci.segment = i;
      if (target == "channel") ci.channel = i;
      if (target == "plan") ci.first_plan = i;
    }
  }
  static int plan_of(const std::map<std::string, int>& g) {
    auto it = g.find("plan");
    return it == g.end() ? -1 : it->second;
  }

  struct Pending {
    std::string customer;
    std::int64_t t;
    EventType type;
    std::int32_t arg;
    double value;
  };

  void events() {
    std::size_t time_col = col(m_.time_column, "time");
    std::optional<std::size_t> type_col, arg_col, value_col;
    if (!m_.type_column.empty()) type_col = col(m_.type_column, "type");
    if (!m_.arg_column.empty()) arg_col = col(m_.arg_column, "arg");
    if (!m_.value_column.empty()) value_col = col(m_.value_column, "value");
    EventType constant{};
    if (!m_.type_constant.empty()) constant = *eventlog::event_type_from_name(m_.type_constant);
    std::vector<std::string> known_names;
    for (const auto& [k, v] : m_.type_map) known_names.push_back(k);

    std::vector<Pending> rows;
    std::unordered_map<std::string, std::map<std::string, int>> first_groups;
    std::vector<std::string> order;  // customers in order of first use
    for (std::size_t r = 0; r < table_.rows(); ++r) {
      if (filtered(r)) continue;
      try {
        Pending p;
        // the event type first: an unknown name is an error even when bad rows are skipped
        if (type_col) {
          std::string name = trim(table_.cell(r, *type_col));
          if (std::find(m_.type_ignore.begin(), m_.type_ignore.end(), name) !=
              m_.type_ignore.end()) {
            filter("event '" + name + "' ignored (type.ignore)");
            continue;
          }
          std::optional<EventType> t;
          if (m_.type_map.empty()) {
            t = eventlog::event_type_from_name(name);
            if (!t) {
              auto all = event_type_names();
              throw std::runtime_error(table_.where(r, *type_col) + ": unknown event name '" +
                                       name + "': not a journeysim event type" +
                                       suggest(name, all) + " (give type.map in the mapping " +
                                       m_.source +
                                       " to translate your names, or type.ignore to drop them)");
            }
          } else {
            auto it = m_.type_map.find(name);
            if (it == m_.type_map.end())
              throw std::runtime_error(table_.where(r, *type_col) + ": unknown event name '" +
                                       name + "': not a key of type.map (" + m_.type_map_where +
                                       ")" + suggest(name, known_names) +
                                       "; mapped names: " + quoted_list(known_names) +
                                       " (add it to type.map, or to type.ignore to drop it)");
            t = eventlog::event_type_from_name(it->second);
          }
          p.type = *t;
        } else {
          p.type = constant;
        }
        p.customer = customer_of(r);
        auto t = parse_time(table_.cell(r, time_col), m_.time_format);
        if (!t)
          throw RowError{table_.where(r, time_col) + ": " +
                         (trim(table_.cell(r, time_col)).empty()
                              ? std::string("empty value, expected a time")
                              : "cannot parse '" + table_.cell(r, time_col) + "' as a time") +
                         " in format '" + m_.time_format + "'"};
        p.t = *t;
        p.arg = -1;
        if (arg_col) {
          std::string v = trim(table_.cell(r, *arg_col));
          std::string ns =
              m_.arg_names.empty()
                  ? std::string(eventlog::kEventArgNamespace[static_cast<std::size_t>(p.type)])
                  : m_.arg_names;
          if (!v.empty() && !ns.empty()) p.arg = names_.get(ns, v);
        }
        p.value = 0;
        if (value_col && !trim(table_.cell(r, *value_col)).empty())
          p.value = number(r, *value_col, "a number");
        if (m_.start && p.t < *m_.start) {
          filter("before window.start");
          continue;
        }
        if (m_.end && p.t > *m_.end) {
          filter("after window.end");
          continue;
        }
        auto [it, inserted] = first_groups.try_emplace(p.customer);
        if (inserted) {
          it->second = groups_of(r);
          order.push_back(p.customer);
        }
        rows.push_back(std::move(p));
        ++st_.rows_used;
      } catch (const RowError& e) {
        bad_row(r, e.message);
      }
    }

    if (m_.merge_same_day_purchases) {
      std::unordered_map<std::string, std::size_t> first;  // "customer\nday" -> row
      std::vector<Pending> kept;
      kept.reserve(rows.size());
      for (auto& p : rows) {
        if (p.type != EventType::purchase) {
          kept.push_back(std::move(p));
          continue;
        }
        std::int64_t day = p.t >= 0 ? p.t / 86400 : -((-p.t + 86399) / 86400);
        auto [it, inserted] =
            first.try_emplace(p.customer + "\n" + std::to_string(day), kept.size());
        if (inserted) {
          kept.push_back(std::move(p));
        } else {
          Pending& q = kept[it->second];
          q.value += p.value;
          q.t = std::min(q.t, p.t);
          ++st_.purchases_merged;
        }
      }
      rows = std::move(kept);
    }

    if (rows.empty() && (!m_.start || !m_.end))
      throw std::runtime_error(path_ + ": no usable rows (" + std::to_string(st_.rows_read) +
                               " read, " + std::to_string(st_.rows_filtered) +
                               " left out by the mapping, " + std::to_string(st_.rows_skipped) +
                               " malformed): cannot tell the log's window");
    std::int64_t lo = std::numeric_limits<std::int64_t>::max(),
                 hi = std::numeric_limits<std::int64_t>::min();
    for (const auto& p : rows) lo = std::min(lo, p.t), hi = std::max(hi, p.t);
    std::int64_t start = m_.start ? *m_.start : lo;
    std::int64_t end = m_.end ? *m_.end : hi + 86400;

    LogBuilder b(start, end);
    for (const auto& c : order) apply_groups(b.info(b.customer(c)), first_groups[c]);
    // first purchase (and whether a conversion is already there) per customer
    std::vector<std::int64_t> first_buy(order.size(), kNone);
    std::vector<double> first_amount(order.size(), 0);
    std::vector<char> converted(order.size(), 0);
    for (const auto& p : rows) {
      std::uint32_t c = b.customer(p.customer);
      b.event(c, p.t, p.type, p.arg, p.value);
      if (p.type == EventType::conversion) converted[c] = 1;
      if (p.type == EventType::purchase && (first_buy[c] == kNone || p.t < first_buy[c])) {
        first_buy[c] = p.t;
        first_amount[c] = p.value;
      }
    }
    if (m_.first_purchase_conversion)
      for (std::uint32_t c = 0; c < order.size(); ++c)
        if (first_buy[c] != kNone && !converted[c]) {
          b.event(c, first_buy[c], EventType::conversion, plan_of(first_groups[order[c]]),
                  m_.conversion_value_amount ? first_amount[c] : 0.0);
          ++st_.conversions_synthesised;
        }
    for (auto& [ns, list] : names_.lists) b.names(ns, list);
    result_.log = b.build();
  }

  void customers() {
    std::size_t tenure_col = col(m_.tenure_column, "tenure");
    std::size_t churn_col = col(m_.churn_column, "churn");
    std::optional<std::size_t> mrr_col;
    if (!m_.mrr_column.empty()) mrr_col = col(m_.mrr_column, "mrr");
    const std::int64_t end = *m_.snapshot;

    struct Row {
      std::string customer;
      std::int64_t converted;
      bool churned;
      double mrr;
      std::map<std::string, int> groups;
    };
    std::vector<Row> rows;
    std::unordered_map<std::string, std::size_t> seen;  // customer -> line
    for (std::size_t r = 0; r < table_.rows(); ++r) {
      if (filtered(r)) continue;
      try {
        Row row;
        row.customer = customer_of(r);
        if (auto it = seen.find(row.customer); it != seen.end())
          throw RowError{table_.where(r, customer_) + ": customer '" + row.customer +
                         "' already appeared on line " + std::to_string(it->second) +
                         " (a customers table has one row per customer)"};
        double tenure = number(r, tenure_col, "a tenure");
        if (tenure < 0)
          throw RowError{table_.where(r, tenure_col) + ": negative tenure '" +
                         trim(table_.cell(r, tenure_col)) + "'"};
        // a bound no customer table reaches, and what keeps the conversion time in range
        if (tenure * m_.tenure_unit_days > 36500)
          throw RowError{table_.where(r, tenure_col) + ": tenure '" +
                         trim(table_.cell(r, tenure_col)) + "' is more than 100 years"};
        row.converted =
            end - static_cast<std::int64_t>(std::llround(tenure * m_.tenure_unit_days * 86400.0));
        std::string flag = trim(table_.cell(r, churn_col));
        row.churned = std::find(m_.churned_values.begin(), m_.churned_values.end(), flag) !=
                      m_.churned_values.end();
        if (!row.churned && !m_.active_values.empty() &&
            std::find(m_.active_values.begin(), m_.active_values.end(), flag) ==
                m_.active_values.end())
          throw RowError{table_.where(r, churn_col) + ": unexpected churn flag '" + flag +
                         "' (churn.churned: " + quoted_list(m_.churned_values) +
                         ", churn.active: " + quoted_list(m_.active_values) + ")"};
        row.mrr = mrr_col ? number(r, *mrr_col, "a monthly revenue") : 0.0;
        if (row.mrr < 0)
          throw RowError{table_.where(r, *mrr_col) + ": negative monthly revenue '" +
                         trim(table_.cell(r, *mrr_col)) + "'"};
        row.groups = groups_of(r);
        seen.emplace(row.customer, table_.line(r));
        rows.push_back(std::move(row));
        ++st_.rows_used;
      } catch (const RowError& e) {
        bad_row(r, e.message);
      }
    }
    std::int64_t start = end;
    for (const auto& r : rows) start = std::min(start, r.converted);
    if (m_.start) start = *m_.start;
    if (rows.empty())
      throw std::runtime_error(path_ + ": no usable rows (" + std::to_string(st_.rows_read) +
                               " read, " + std::to_string(st_.rows_filtered) +
                               " left out by the mapping, " + std::to_string(st_.rows_skipped) +
                               " malformed)");
    LogBuilder b(start, end);
    for (const auto& r : rows) {
      std::uint32_t c = b.customer(r.customer);
      apply_groups(b.info(c), r.groups);
      b.event(c, r.converted, EventType::conversion, plan_of(r.groups), r.mrr);
      if (r.churned) b.event(c, end, EventType::churned);
    }
    for (auto& [ns, list] : names_.lists) b.names(ns, list);
    result_.log = b.build();
  }

  std::string path_;
  const ImportMapping& m_;
  const ImportOptions& o_;
  Table table_;
  ImportStats st_;
  ImportResult result_;
  Names names_;
  std::size_t customer_ = 0;
  std::vector<std::size_t> skip_cols_;
  std::vector<std::pair<std::string, std::size_t>> groups_;
};

}  // namespace

ImportResult import_csv(const std::string& path, const ImportMapping& mapping,
                        const ImportOptions& options) {
  return Importer(path, mapping, options).run();
}

std::string describe(const ImportStats& s, const std::string& path) {
  std::ostringstream o;
  o << path << ": " << s.rows_read << " rows read, " << s.rows_used << " used";
  if (s.rows_filtered) {
    o << "; left out by the mapping: " << s.rows_filtered << " (";
    bool first = true;
    for (const auto& [reason, n] : s.filtered_by_reason) {
      o << (first ? "" : ", ") << n << " " << reason;
      first = false;
    }
    o << ")";
  }
  o << "; malformed rows skipped: " << s.rows_skipped << "\n";
  o << "  " << s.customers << " customers, " << s.events << " events";
  if (s.conversions_synthesised)
    o << " (" << s.conversions_synthesised << " conversions added at first purchase)";
  if (s.purchases_merged) o << "; " << s.purchases_merged << " same-day purchases merged";
  o << "\n";
  const std::size_t show = 5;
  for (std::size_t i = 0; i < s.issues.size() && i < show; ++i)
    o << "  skipped: " << s.issues[i].message << "\n";
  if (s.rows_skipped > show)
    o << "  ... and " << (s.rows_skipped - show) << " more malformed rows\n";
  return o.str();
}

}  // namespace journeysim::kpi
