#include "journeysim/sweep/sweep_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "journeysim/common/text.hpp"
#include "journeysim/sweep/file_keys.hpp"
#include "journeysim/version.hpp"

namespace journeysim::sweep {

namespace {

using sim::ConfigNode;
using sim::ScenarioError;
using sim::SourcePos;
using namespace keys;

std::string fmt(double v) {
  std::ostringstream os;
  os << std::setprecision(15) << v;
  return os.str();
}

Factor read_factor(const ConfigNode& n, const std::string& key) {
  Keys k(n, key);
  Factor f;
  f.line = n.pos.line;
  f.column = n.pos.column;
  const ConfigNode& path = k.need("path");
  f.path = scalar_text(path, k.key("path"), "a scenario key path such as teams.sales.agents");
  if (f.path.empty() || f.path.find('=') != std::string::npos)
    throw ScenarioError(
        path.pos, k.key("path"),
        "expected a scenario key path such as teams.sales.agents, found '" + f.path + "'");
  f.name = f.path;
  if (const ConfigNode* nm = k.get("name")) f.name = scalar_text(*nm, k.key("name"), "a name");
  const ConfigNode* levels = k.get("levels");
  const ConfigNode* range = k.get("range");
  const ConfigNode* choices = k.get("choices");
  const ConfigNode* scale = k.get("scale");
  const ConfigNode* count = k.get("count");
  const ConfigNode* integer = k.get("integer");
  const int kinds = (levels != nullptr) + (range != nullptr) + (choices != nullptr);
  if (kinds != 1)
    throw ScenarioError(n.pos, key,
                        kinds == 0 ? "a factor needs one of levels: [...], range: [lo, hi] or "
                                     "choices: [...]"
                                   : "a factor takes only one of levels, range and choices");
  if (levels) {
    f.kind = Factor::Kind::levels;
    if (levels->kind != ConfigNode::Kind::Seq || levels->seq.empty())
      throw ScenarioError(levels->pos, k.key("levels"),
                          "expected a non-empty list of numbers, found " + levels->kind_name());
    for (std::size_t i = 0; i < levels->seq.size(); ++i)
      f.levels.push_back(number(levels->seq[i], k.key("levels") + "[" + std::to_string(i) + "]",
                                -1e300, 1e300, "a number (use choices: for words)"));
  } else if (choices) {
    f.kind = Factor::Kind::choices;
    f.choices = string_list(*choices, k.key("choices"));
    if (f.choices.empty())
      throw ScenarioError(choices->pos, k.key("choices"), "expected a non-empty list of words");
  } else {
    f.kind = Factor::Kind::range;
    if (range->kind != ConfigNode::Kind::Seq || range->seq.size() != 2)
      throw ScenarioError(
          range->pos, k.key("range"),
          "expected [lo, hi] (two numbers), found " +
              (range->kind == ConfigNode::Kind::Seq ? std::to_string(range->seq.size()) + " items"
                                                    : range->kind_name()));
    f.lo = number(range->seq[0], k.key("range") + "[0]", -1e300, 1e300);
    f.hi = number(range->seq[1], k.key("range") + "[1]", -1e300, 1e300);
    if (!(f.lo < f.hi))
      throw ScenarioError(range->pos, k.key("range"),
                          "expected lo < hi, found [" + fmt(f.lo) + ", " + fmt(f.hi) + "]");
    if (scale) {
      const std::string s = scalar_text(*scale, k.key("scale"), "linear or log");
      if (s == "log")
        f.log_scale = true;
      else if (s != "linear")
        throw ScenarioError(scale->pos, k.key("scale"),
                            "expected linear or log, found '" + s + "'" +
                                common::did_you_mean(s, {"linear", "log"}));
      if (f.log_scale && !(f.lo > 0))
        throw ScenarioError(range->pos, k.key("range"),
                            "a log scale needs lo > 0, found " + fmt(f.lo));
    }
    if (count) f.range_levels = static_cast<int>(whole(*count, k.key("count"), 2, 1000));
  }
  if (scale && f.kind != Factor::Kind::range)
    throw ScenarioError(scale->pos, k.key("scale"), "scale applies to a range factor only");
  if (count && f.kind != Factor::Kind::range)
    throw ScenarioError(count->pos, k.key("count"),
                        "count (values of a range in a full factorial) applies to a range only");
  if (integer) {
    if (f.kind != Factor::Kind::range)
      throw ScenarioError(integer->pos, k.key("integer"), "integer applies to a range factor only");
    f.integer = boolean(*integer, k.key("integer"));
  } else {
    f.integer = false;  // decided by probing the scenario (load_sweep)
  }
  k.done();
  return f;
}

// Parses one CSV line (commas; double quotes around a field that holds a comma).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool q = false;
  for (char c : line) {
    if (c == '"')
      q = !q;
    else if (c == ',' && !q) {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r')
      cur += c;
  }
  out.push_back(cur);
  for (auto& f : out) {
    f.erase(0, f.find_first_not_of(" \t"));
    f.erase(f.find_last_not_of(" \t") + 1);
  }
  return out;
}

// The rows of a points CSV: a header naming every factor (by name or path), then one row of
// values per point. Errors name the CSV's line and column (field number).
std::vector<std::vector<FactorValue>> read_points(const std::string& path, const std::string& text,
                                                  const std::vector<Factor>& factors) {
  std::stringstream ss(text);
  std::string line;
  int lineno = 0;
  std::vector<int> column_of;  // factor -> CSV column
  std::vector<std::vector<FactorValue>> rows;
  while (std::getline(ss, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
    auto fields = csv_fields(line);
    if (column_of.empty()) {
      for (const auto& f : factors) {
        auto it = std::find_if(fields.begin(), fields.end(),
                               [&](const std::string& h) { return h == f.name || h == f.path; });
        if (it == fields.end())
          throw ScenarioError({path, lineno, 1}, "",
                              "the header has no column for factor '" + f.name + "'" +
                                  common::did_you_mean(f.name, fields) +
                                  "; header: " + common::join(fields));
        column_of.push_back(static_cast<int>(it - fields.begin()));
      }
      for (std::size_t c = 0; c < fields.size(); ++c)
        if (std::find(column_of.begin(), column_of.end(), static_cast<int>(c)) == column_of.end())
          throw ScenarioError({path, lineno, static_cast<int>(c) + 1}, "",
                              "column '" + fields[c] + "' is no factor of the sweep" +
                                  common::did_you_mean(fields[c], [&] {
                                    std::vector<std::string> n;
                                    for (const auto& f : factors) n.push_back(f.name);
                                    return n;
                                  }()));
      continue;
    }
    if (fields.size() != factors.size() && fields.size() < column_of.size())
      throw ScenarioError({path, lineno, 1}, "",
                          "expected " + std::to_string(factors.size()) + " values, found " +
                              std::to_string(fields.size()));
    std::vector<FactorValue> row;
    for (std::size_t i = 0; i < factors.size(); ++i) {
      const Factor& f = factors[i];
      const std::string& v = fields[static_cast<std::size_t>(column_of[i])];
      const SourcePos pos{path, lineno, column_of[i] + 1};
      FactorValue fv;
      if (f.kind == Factor::Kind::choices) {
        auto it = std::find(f.choices.begin(), f.choices.end(), v);
        if (it == f.choices.end())
          throw ScenarioError(pos, f.name,
                              "expected one of " + common::join(f.choices) + ", found '" + v + "'" +
                                  common::did_you_mean(v, f.choices));
        fv.choice = static_cast<int>(it - f.choices.begin());
        fv.number = fv.choice;
      } else {
        double x = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(x))
          throw ScenarioError(pos, f.name, "expected a number, found '" + v + "'");
        if (f.integer) x = std::round(x);
        fv.number = x;
      }
      row.push_back(fv);
    }
    rows.push_back(std::move(row));
  }
  if (column_of.empty()) throw ScenarioError({path, 0, 0}, "", "the points file is empty");
  if (rows.empty()) throw ScenarioError({path, 0, 0}, "", "the points file has no rows");
  return rows;
}

std::string read_text(const std::string& path, const SourcePos& pos, const std::string& key,
                      const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(pos, key, "cannot open " + what + " '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Applies `path=value` to a copy of the base and parses it: the error, if any.
std::optional<ScenarioError> try_point(const ConfigNode& base,
                                       const std::vector<std::string>& overrides) {
  try {
    ConfigNode root = base;
    for (const auto& o : overrides) sim::apply_override(root, o);
    sim::parse_scenario(root);
    return std::nullopt;
  } catch (const ScenarioError& e) {
    return e;
  }
}

}  // namespace

SweepSpec load_sweep(const std::string& path) {
  SweepSpec s;
  s.path = path;
  s.text = read_text(path, {path, 0, 0}, "", "sweep file");
  const ConfigNode root = sim::parse_yaml_string(s.text, path);
  if (root.kind != ConfigNode::Kind::Map)
    throw ScenarioError(root.pos, "", "expected a map of sweep keys, found " + root.kind_name());
  Keys k(root, "");
  refuse_scenario_file(root, "sweep file", "docs/sweeps.md");
  const ConfigNode& fv = k.need("format_version");
  if (whole(fv, "format_version", 0, 1e9) != kSweepFormatVersion)
    throw ScenarioError(fv.pos, "format_version",
                        "this journeysim reads sweep format_version " +
                            std::to_string(kSweepFormatVersion) + ", found " + fv.scalar);
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::filesystem::path stem = std::filesystem::path(path).stem();
  s.name = stem.string();
  if (const ConfigNode* n = k.get("name")) s.name = scalar_text(*n, "name", "a name");
  if (const ConfigNode* n = k.get("description"))
    s.description = scalar_text(*n, "description", "a text");
  const ConfigNode& sc = k.need("scenario");
  s.scenario_given = scalar_text(sc, "scenario", "the path of a scenario file");
  s.scenario_path = (dir / s.scenario_given).string();
  if (!std::filesystem::is_regular_file(s.scenario_path))
    throw ScenarioError(sc.pos, "scenario",
                        "scenario file '" + s.scenario_path + "' does not exist" +
                            " (a relative path is taken from the sweep file's folder)");
  const ConfigNode* seed = k.get("seed");
  if (const ConfigNode* n = k.get("replications"))
    s.replications = static_cast<std::uint32_t>(whole(*n, "replications", 1, 65535));
  if (const ConfigNode* n = k.get("markets"))
    s.markets = static_cast<std::uint32_t>(whole(*n, "markets", 1, 1e6));
  if (const ConfigNode* n = k.get("customers")) s.customers = number(*n, "customers", 1, 1e12);
  if (const ConfigNode* n = k.get("days")) s.days = number(*n, "days", 1, 36500);
  if (const ConfigNode* n = k.get("set")) s.sets = string_list(*n, "set");
  const ConfigNode* kpis = k.get("kpis");
  if (const ConfigNode* n = k.get("kpi_params")) {
    s.kpi_params = string_list(*n, "kpi_params");
    try {
      s.params = kpi::parse_params(s.kpi_params);
    } catch (const std::exception& e) {
      throw ScenarioError(n->pos, "kpi_params", e.what());
    }
  }
  if (kpis) {
    s.kpis = string_list(*kpis, "kpis");
    s.kpis_default = false;
    std::vector<std::string> ids;
    for (const auto& d : kpi::registry()) ids.push_back(d.id);
    for (std::size_t i = 0; i < s.kpis.size(); ++i)
      if (!kpi::find_kpi(s.kpis[i]))
        throw ScenarioError(kpis->kind == ConfigNode::Kind::Seq && i < kpis->seq.size()
                                ? kpis->seq[i].pos
                                : kpis->pos,
                            "kpis",
                            "unknown KPI '" + s.kpis[i] + "'" +
                                common::did_you_mean(s.kpis[i], ids) + " (see `journeysim kpis`)");
    if (s.kpis.empty()) throw ScenarioError(kpis->pos, "kpis", "expected at least one KPI id");
    for (std::size_t i = 0; i < s.kpis.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (s.kpis[i] == s.kpis[j])
          throw ScenarioError(kpis->kind == ConfigNode::Kind::Seq ? kpis->seq[i].pos : kpis->pos,
                              "kpis", "KPI '" + s.kpis[i] + "' is listed twice");
  } else {
    for (const auto& d : kpi::registry()) s.kpis.push_back(d.id);
  }
  const ConfigNode& factors = k.need("factors");
  if (factors.kind != ConfigNode::Kind::Seq || factors.seq.empty())
    throw ScenarioError(factors.pos, "factors",
                        "expected a non-empty list of factors, found " + factors.kind_name());
  for (std::size_t i = 0; i < factors.seq.size(); ++i) {
    s.factors.push_back(read_factor(factors.seq[i], "factors[" + std::to_string(i) + "]"));
    for (std::size_t j = 0; j + 1 < s.factors.size(); ++j)
      if (s.factors[j].name == s.factors.back().name || s.factors[j].path == s.factors.back().path)
        throw ScenarioError(factors.seq[i].pos, "factors[" + std::to_string(i) + "]",
                            "factor '" + s.factors.back().name + "' is given twice");
  }
  const ConfigNode& design = k.need("design");
  {
    Keys d(design, "design");
    const ConfigNode& type = d.need("type");
    const std::string t = scalar_text(type, "design.type", "a design name");
    auto kind = design_from_name(t);
    if (!kind)
      throw ScenarioError(
          type.pos, "design.type",
          "expected full_factorial, lhs, sobol, morris or points, found '" + t + "'" +
              common::did_you_mean(t, {"full_factorial", "lhs", "sobol", "morris", "points"}));
    s.settings.kind = *kind;
    const ConfigNode* n = d.get("n");
    const ConfigNode* traj = d.get("trajectories");
    const ConfigNode* lev = d.get("levels");
    const ConfigNode* file = d.get("file");
    auto only = [&](const ConfigNode* c, const char* key, bool allowed, const char* why) {
      if (c && !allowed) throw ScenarioError(c->pos, std::string("design.") + key, why);
    };
    using DK = DesignKind;
    only(n, "n", *kind == DK::lhs || *kind == DK::sobol, "n applies to lhs and sobol designs");
    only(traj, "trajectories", *kind == DK::morris, "trajectories applies to a morris design");
    only(lev, "levels", *kind == DK::morris, "levels (of the grid) applies to a morris design");
    only(file, "file", *kind == DK::points, "file applies to a points design");
    if (*kind == DK::lhs || *kind == DK::sobol) {
      if (!n) d.need("n");
      s.settings.n = whole(*n, "design.n", *kind == DK::sobol ? 2 : 1, 1e9);
      if (*kind == DK::sobol && (s.settings.n & (s.settings.n - 1)) != 0)
        throw ScenarioError(
            n->pos, "design.n",
            "a sobol design needs n a power of two (2, 4, 8, ...), found " + n->scalar);
    }
    if (*kind == DK::morris) {
      if (!traj) d.need("trajectories");
      s.settings.trajectories = whole(*traj, "design.trajectories", 1, 1e7);
      if (lev) {
        s.settings.morris_levels = whole(*lev, "design.levels", 2, 1000);
        if (s.settings.morris_levels % 2 != 0)
          throw ScenarioError(lev->pos, "design.levels",
                              "a morris grid needs an even number of levels, found " + lev->scalar);
      }
    }
    if (*kind == DK::points) {
      if (!file) d.need("file");
      s.points_path = (dir / scalar_text(*file, "design.file", "the path of a CSV file")).string();
      s.points_text = read_text(s.points_path, file->pos, "design.file", "points file");
    }
    d.done();
  }
  k.done();

  // The base scenario: extends, the fixed overrides, customers and days.
  const ConfigNode* set_node = root.find("set");
  BaseScenario b = load_base_scenario(s.scenario_path, s.customers, s.days, s.sets,
                                      set_node ? set_node->pos : sc.pos);
  s.base = std::move(b.tree);
  s.base_text = std::move(b.text);
  const sim::Scenario& base = b.scenario;
  s.seed = seed ? whole(*seed, "seed", 0, 9007199254740992.0) : base.seed;

  // Every factor path must be a key of the scenario; a range that the scenario takes in whole
  // numbers only is rounded (found by offering it a fraction).
  for (std::size_t i = 0; i < s.factors.size(); ++i) {
    Factor& f = s.factors[i];
    const SourcePos at{path, f.line, f.column};
    const std::string key = "factors[" + std::to_string(i) + "] (" + f.name + ")";
    const std::string probe =
        f.path + "=" + value_text(f, factor_value(f, f.kind == Factor::Kind::range ? 0.5 : 0.0));
    if (f.kind == Factor::Kind::range && !root.find("factors")->seq[i].find("integer")) {
      if (takes_whole_numbers(s.base, f.path, f.lo, f.hi)) {
        f.integer = true;
        if (std::ceil(f.lo) > std::floor(f.hi))
          throw ScenarioError(
              at, key,
              "the scenario takes whole numbers at " + f.path + " and the range holds none");
      }
    }
    if (auto e = try_point(s.base, {probe})) {
      // an unknown key or list item: the path is wrong (the message has "did you mean")
      const std::string m = bare_message(*e);
      if (m.find("unknown key") != std::string::npos ||
          m.find("no list item") != std::string::npos ||
          m.find("expected a map") != std::string::npos)
        throw ScenarioError(
            at, key,
            "path '" + f.path + "' is not a key of the scenario " + s.scenario_path + ": " + m);
    }
  }
  if (s.settings.kind == DesignKind::points)
    s.settings.rows = read_points(s.points_path, s.points_text, s.factors);
  s.settings.seed = s.seed;
  try {
    s.design = make_design(s.factors, s.settings);
  } catch (const std::invalid_argument& e) {
    throw ScenarioError(design.pos, "design", e.what());
  }

  std::uint64_t h = 0xcbf29ce484222325ull;
  h = fnv1a(h, "journeysim sweep v" + std::to_string(kSweepFormatVersion));
  h = fnv1a(h, kVersion);
  h = fnv1a(h, kGitCommit);
  h = fnv1a(h, s.text);
  h = fnv1a(h, s.base_text);
  h = fnv1a(h, s.points_text);
  h = fnv1a(h, std::to_string(s.seed));
  s.fingerprint = h;
  return s;
}

std::string point_label(const SweepSpec& s, std::uint64_t p) {
  std::string out;
  for (std::size_t i = 0; i < s.factors.size(); ++i) {
    if (i) out += ", ";
    out += s.factors[i].name + "=" + value_text(s.factors[i], s.design.points[p][i]);
  }
  return out;
}

namespace {
std::vector<std::string> point_overrides(const SweepSpec& s, std::uint64_t p) {
  std::vector<std::string> o;
  for (std::size_t i = 0; i < s.factors.size(); ++i)
    o.push_back(s.factors[i].path + "=" + value_text(s.factors[i], s.design.points[p][i]));
  return o;
}

// The error of point p, at the factor whose key the scenario rejected (else the first factor).
[[noreturn]] void point_error(const SweepSpec& s, std::uint64_t p, const ScenarioError& e) {
  std::size_t which = 0;
  for (std::size_t i = 0; i < s.factors.size(); ++i)
    if (e.pos().file ==
            "--set " + s.factors[i].path + "=" + value_text(s.factors[i], s.design.points[p][i]) ||
        e.key_path() == s.factors[i].path)
      which = i;
  const Factor& f = s.factors[which];
  throw ScenarioError({s.path, f.line, f.column}, "factor " + f.name,
                      "point " + std::to_string(p) + " (" + point_label(s, p) +
                          "): the scenario rejects it: " + bare_message(e));
}
}  // namespace

sim::Scenario point_scenario(const SweepSpec& s, std::uint64_t p, bool resolved_text) {
  ConfigNode root = s.base;
  sim::Scenario sc;
  try {
    for (const auto& o : point_overrides(s, p)) sim::apply_override(root, o);
    sc = sim::parse_scenario(root);
  } catch (const ScenarioError& e) {
    point_error(s, p, e);
  }
  if (resolved_text) sc.resolved_text = sim::emit_yaml(root);
  sc.seed = s.seed;
  return sc;
}

void check_points(const SweepSpec& s) {
  for (std::uint64_t p = 0; p < s.points(); ++p) {
    if (auto e = try_point(s.base, point_overrides(s, p))) point_error(s, p, *e);
  }
}

std::string plan_csv(const SweepSpec& s) {
  std::string out = "point";
  for (const auto& f : s.factors) {
    out += ',';
    out += f.name;
  }
  out += "\n";
  for (std::uint64_t p = 0; p < s.points(); ++p) {
    out += std::to_string(p);
    for (std::size_t i = 0; i < s.factors.size(); ++i) {
      out += ',';  // (not "," + text: GCC 12 warns falsely, -Wrestrict)
      out += value_text(s.factors[i], s.design.points[p][i]);
    }
    out += "\n";
  }
  return out;
}

std::string plan_table(const SweepSpec& s) {
  std::vector<std::string> head{"point"};
  for (const auto& f : s.factors) head.push_back(f.name);
  std::vector<std::vector<std::string>> rows;
  for (std::uint64_t p = 0; p < s.points(); ++p) {
    std::vector<std::string> r{std::to_string(p)};
    for (std::size_t i = 0; i < s.factors.size(); ++i)
      r.push_back(value_text(s.factors[i], s.design.points[p][i]));
    rows.push_back(std::move(r));
  }
  std::vector<std::size_t> w(head.size());
  for (std::size_t c = 0; c < head.size(); ++c) {
    w[c] = head[c].size();
    for (const auto& r : rows) w[c] = std::max(w[c], r[c].size());
  }
  std::ostringstream os;
  os << s.name << ": " << design_name(s.design.kind) << " design, " << s.points() << " points x "
     << s.replications << " replications = " << s.tasks() << " tasks\n";
  for (std::size_t c = 0; c < head.size(); ++c)
    os << (c ? "  " : "") << std::setw(static_cast<int>(w[c])) << head[c];
  os << "\n";
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < r.size(); ++c)
      os << (c ? "  " : "") << std::setw(static_cast<int>(w[c])) << r[c];
    os << "\n";
  }
  return os.str();
}

}  // namespace journeysim::sweep
