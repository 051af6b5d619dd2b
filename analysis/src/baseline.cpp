#include "journeysim/analysis/baseline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "journeysim/common/text.hpp"
#include "journeysim/version.hpp"
#include "svg.hpp"

namespace journeysim::analysis {

namespace {

using sim::ConfigNode;
using sim::ScenarioError;

using common::edit_distance;
using common::join;
const auto& suggest = common::did_you_mean;

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A map being read: the keys asked for become known; done() rejects the others with a
// suggestion, like the scenario parser does.
class Reader {
 public:
  Reader(const ConfigNode& n, std::string path) : n_(n), path_(std::move(path)) {
    if (n.kind != ConfigNode::Kind::Map)
      throw ScenarioError(n.pos, path_, "expected a map of keys, found " + n.kind_name());
  }
  std::string key(const std::string& k) const { return path_.empty() ? k : path_ + "." + k; }
  const ConfigNode& node() const { return n_; }

  // The key's value, or nullptr when absent or null.
  const ConfigNode* get(const std::string& k) {
    if (std::find(known_.begin(), known_.end(), k) == known_.end()) known_.push_back(k);
    const ConfigNode* c = n_.find(k);
    return c && c->kind != ConfigNode::Kind::Null ? c : nullptr;
  }
  // A required key. When it is missing but a key a typo away is there, the error points at that.
  const ConfigNode& need(const std::string& k, const std::string& expected) {
    if (const ConfigNode* c = get(k)) return *c;
    std::string m = "required key is missing: expected " + expected;
    sim::SourcePos where = n_.pos;
    for (const auto& [other, v] : n_.map)
      if (other != k && edit_distance(other, k) <= 2) {
        m += " (found '" + other + "' here: a typo for '" + k + "'?)";
        where = v.key_pos;
        break;
      }
    throw ScenarioError(where, key(k), m);
  }
  // A string; `required` says what is expected when the key is missing (nullptr: optional, "").
  std::string str(const std::string& k, const char* required = nullptr) {
    const ConfigNode* c = required ? &need(k, required) : get(k);
    if (!c) return "";
    // folded and literal blocks (`>`, `|`) end in a newline: not part of the text
    std::string s = c->kind == ConfigNode::Kind::Scalar ? c->scalar : "";
    s.erase(s.find_last_not_of(" \n") + 1);
    if (s.empty())
      throw ScenarioError(c->pos, key(k), "expected a string, found " + c->kind_name());
    return s;
  }
  double num(const std::string& k, const std::string& unit = "") {
    return number(need(k, "a number"), key(k), unit);
  }
  static double number(const ConfigNode& c, const std::string& key_path,
                       const std::string& unit = "") {
    const std::string expected = unit.empty() ? "a number" : "a number (" + unit + ")";
    double v = 0;
    std::size_t used = 0;
    if (c.kind == ConfigNode::Kind::Scalar && !c.quoted) {
      try {
        v = std::stod(c.scalar, &used);
      } catch (...) {
        used = 0;
      }
    }
    if (used == 0 || used != c.scalar.size() || !std::isfinite(v))
      throw ScenarioError(c.pos, key_path, "expected " + expected + ", found " + c.kind_name());
    return v;
  }
  void done() const {
    for (const auto& [k, v] : n_.map)
      if (std::find(known_.begin(), known_.end(), k) == known_.end())
        throw ScenarioError(
            v.key_pos, key(k),
            "unknown key" + suggest(k, known_) + "; known keys here: " + join(known_));
  }

 private:
  const ConfigNode& n_;
  std::string path_;
  std::vector<std::string> known_;
};

const std::vector<std::string> kKinds = {"range", "quantiles", "threshold", "point", "average"};
const std::vector<std::string> kQuantiles = {"p10", "p25", "median", "p75", "p90"};

// Checks a benchmark number against the KPI's unit: shares are fractions, NPS is -100..100.
double kpi_number(const ConfigNode& c, const std::string& key_path, const kpi::KpiDef& def) {
  double v = Reader::number(c, key_path, def.unit);
  if (def.unit.rfind("share", 0) == 0 && (v < 0 || v > 2))
    throw ScenarioError(c.pos, key_path,
                        "expected a fraction (" + def.id + " is a " + def.unit +
                            ": 0.03 for 3%), found " + c.scalar);
  if (def.unit == "points" && (v < -100 || v > 100))
    throw ScenarioError(c.pos, key_path,
                        "expected a number in [-100, 100] (points), found " + c.scalar);
  return v;
}

// Reads the one benchmark key of a figure (range, quantiles, threshold, point or average).
void parse_benchmark(Reader& r, Figure& f, const kpi::KpiDef& def) {
  std::string kind;
  for (const auto& k : kKinds) {
    if (!r.get(k)) continue;
    if (!kind.empty())
      throw ScenarioError(r.node().find(k)->key_pos, r.key(k),
                          "give one benchmark per figure: " + kind + " or " + k + ", not both");
    kind = k;
  }
  if (kind.empty())
    throw ScenarioError(r.node().pos, r.key("range"),
                        "required key is missing: expected the benchmark, one of " + join(kKinds));
  const ConfigNode& c = *r.get(kind);
  const std::string path = r.key(kind);
  if (kind == "average") {
    f.kind = FigureKind::average;
    f.value = f.low = f.high = kpi_number(c, path, def);
    return;
  }
  Reader m(c, path);
  if (kind == "range") {
    f.kind = FigureKind::range;
    f.low = kpi_number(m.need("low", "a number"), m.key("low"), def);
    f.high = kpi_number(m.need("high", "a number"), m.key("high"), def);
    if (f.low > f.high)
      throw ScenarioError(m.get("high")->pos, m.key("high"),
                          "expected a number >= low (" + fmt(f.low) + "), found " + fmt(f.high));
  } else if (kind == "quantiles") {
    f.kind = FigureKind::quantiles;
    for (const auto& q : kQuantiles) {
      const ConfigNode* v = m.get(q);
      if (!v) continue;
      double x = kpi_number(*v, m.key(q), def);
      if (!f.quantiles.empty() && x < f.quantiles.back().second)
        throw ScenarioError(v->pos, m.key(q),
                            "expected a number >= " + f.quantiles.back().first + " (" +
                                fmt(f.quantiles.back().second) + "), found " + v->scalar);
      f.quantiles.emplace_back(q, x);
    }
    m.done();
    if (f.quantiles.empty())
      throw ScenarioError(c.pos, path, "expected at least one of " + join(kQuantiles));
    f.low = f.quantiles.front().second;
    f.high = f.quantiles.back().second;
  } else if (kind == "threshold") {
    const ConfigNode* mn = m.get("min");
    const ConfigNode* mx = m.get("max");
    if ((mn != nullptr) == (mx != nullptr))
      throw ScenarioError(c.pos, path, "expected exactly one of min or max");
    // A minimum only makes sense where higher is better (and a maximum where lower is).
    const bool is_min = mn != nullptr;
    const kpi::Direction wrong =
        is_min ? kpi::Direction::lower_is_better : kpi::Direction::higher_is_better;
    if (def.direction == wrong)
      throw ScenarioError((is_min ? mn : mx)->key_pos, m.key(is_min ? "min" : "max"),
                          std::string("a ") + (is_min ? "minimum" : "maximum") + " on " + def.id +
                              " (" + std::string(kpi::direction_phrase(def.direction)) +
                              ") would call the bad side " + "good: use " +
                              (is_min ? "max" : "min") + ", or a range");
    f.kind = is_min ? FigureKind::threshold_min : FigureKind::threshold_max;
    f.value = kpi_number(*(is_min ? mn : mx), m.key(is_min ? "min" : "max"), def);
    f.low = is_min ? f.value : -INFINITY;
    f.high = is_min ? INFINITY : f.value;
  } else {  // point
    f.kind = FigureKind::point;
    f.value = kpi_number(m.need("value", "a number"), m.key("value"), def);
    const ConfigNode& t =
        m.need("tolerance", "the tolerance the source gives (without one, use average)");
    f.tolerance = Reader::number(t, m.key("tolerance"), def.unit);
    if (f.tolerance <= 0)
      throw ScenarioError(t.pos, m.key("tolerance"), "expected a number > 0, found " + t.scalar);
    f.low = f.value - f.tolerance;
    f.high = f.value + f.tolerance;
  }
  m.done();
}

std::vector<std::string> kpi_ids() {
  std::vector<std::string> ids;
  for (const auto& d : kpi::registry()) ids.push_back(d.id);
  return ids;
}

Figure parse_figure(const ConfigNode& n, const std::string& path) {
  Reader r(n, path);
  Figure f;
  f.pos = n.pos;
  const ConfigNode& id = r.need("kpi", "a KPI id (see `journeysim kpis`)");
  f.kpi = r.str("kpi");
  const kpi::KpiDef* def = kpi::find_kpi(f.kpi);
  if (!def)
    throw ScenarioError(id.pos, r.key("kpi"),
                        "unknown KPI id '" + f.kpi + "'" + suggest(f.kpi, kpi_ids()) +
                            "; `journeysim kpis` lists them");
  f.segment = r.str("segment", "the segment the figure describes");
  parse_benchmark(r, f, *def);
  const ConfigNode& year = r.need("year", "a year (e.g. 2023) or 'undated'");
  if (year.kind == ConfigNode::Kind::Scalar && year.scalar == "undated") {
    f.year = 0;
  } else {
    double y = Reader::number(year, r.key("year"), "a year, or 'undated'");
    if (y != std::floor(y) || y < 1900 || y > 2100)
      throw ScenarioError(year.pos, r.key("year"),
                          "expected a year in [1900, 2100] or 'undated', found " + year.scalar);
    f.year = static_cast<int>(y);
  }
  f.source = r.str("source", "the citation (a figure without a source does not ship)");
  f.confidence = r.str("confidence", "high, medium or low");
  const std::vector<std::string> levels = {"high", "medium", "low"};
  if (std::find(levels.begin(), levels.end(), f.confidence) == levels.end())
    throw ScenarioError(r.get("confidence")->pos, r.key("confidence"),
                        "expected one of high, medium, low, found '" + f.confidence + "'" +
                            suggest(f.confidence, levels));
  f.note = r.str("note");
  r.done();
  return f;
}

Baseline parse_baseline(const ConfigNode& root, const std::string& file) {
  Reader r(root, "");
  Baseline b;
  b.file = file;
  const ConfigNode& version = r.need("format_version", "1");
  if (Reader::number(version, "format_version") != 1)
    throw ScenarioError(version.pos, "format_version",
                        "unsupported format_version " + version.scalar + " (this build reads 1)");
  b.name = r.str("name", "the pack's name");
  b.title = r.str("title");
  if (b.title.empty()) b.title = b.name;
  b.description = r.str("description");
  const ConfigNode& figs = r.need("figures", "a list of figures");
  if (figs.kind != ConfigNode::Kind::Seq || figs.seq.empty())
    throw ScenarioError(figs.pos, "figures",
                        "expected a non-empty list of figures, found " + figs.kind_name());
  for (std::size_t i = 0; i < figs.seq.size(); ++i)
    b.figures.push_back(parse_figure(figs.seq[i], "figures[" + std::to_string(i) + "]"));
  r.done();
  return b;
}

bool is_path(const std::string& s) {
  const auto ext = std::filesystem::path(s).extension();
  return s.find('/') != std::string::npos || ext == ".yaml" || ext == ".yml";
}

}  // namespace

std::vector<std::string> Baseline::kpis() const {
  std::vector<std::string> ids;
  for (const auto& f : figures)
    if (std::find(ids.begin(), ids.end(), f.kpi) == ids.end()) ids.push_back(f.kpi);
  return ids;
}

std::vector<std::string> shipped_baselines() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(JOURNEYSIM_BASELINES_DIR, ec))
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

Baseline load_baseline(const std::string& name_or_path) {
  std::string path = name_or_path;
  if (!is_path(name_or_path)) {
    path = std::string(JOURNEYSIM_BASELINES_DIR) + "/" + name_or_path + ".yaml";
    if (!std::filesystem::exists(path)) {
      const auto names = shipped_baselines();
      throw ScenarioError({"--baseline " + name_or_path, 0, 0}, "",
                          "no baseline pack named '" + name_or_path + "'" +
                              suggest(name_or_path, names) + "; shipped: " + join(names) +
                              " (or give the path of a pack file)");
    }
  }
  if (!std::filesystem::exists(path))
    throw ScenarioError({path, 0, 0}, "", "cannot open baseline pack (no such file)");
  sim::ConfigNode root = sim::parse_yaml_file(path);
  if (root.kind != ConfigNode::Kind::Map)
    throw ScenarioError(
        root.pos, "",
        "expected a map of baseline keys at the top level, found " + root.kind_name());
  return parse_baseline(root, path);
}

bool is_baseline_file(const std::string& path) {
  if (std::filesystem::absolute(path).parent_path().filename() == "baselines") return true;
  const sim::ConfigNode root = sim::parse_yaml_file(path);
  return root.kind == ConfigNode::Kind::Map && root.find("figures") != nullptr;
}

std::string to_string(FigureKind k) {
  switch (k) {
    case FigureKind::range:
      return "range";
    case FigureKind::quantiles:
      return "quantiles";
    case FigureKind::threshold_min:
    case FigureKind::threshold_max:
      return "threshold";
    case FigureKind::point:
      return "point";
    case FigureKind::average:
      return "average";
  }
  return "?";
}
std::string to_string(Position p) {
  switch (p) {
    case Position::below:
      return "below";
    case Position::within:
      return "within";
    case Position::above:
      return "above";
    case Position::unavailable:
      return "unavailable";
  }
  return "?";
}
std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::better:
      return "better";
    case Verdict::typical:
      return "typical";
    case Verdict::worse:
      return "worse";
    case Verdict::meets:
      return "meets";
    case Verdict::misses:
      return "misses";
    case Verdict::differs:
      return "differs";
    case Verdict::unavailable:
      return "unavailable";
  }
  return "?";
}

int Assessment::count(Verdict v) const {
  return static_cast<int>(
      std::count_if(figures.begin(), figures.end(), [v](const auto& f) { return f.verdict == v; }));
}

namespace {

Position position_of(const Figure& f, double x) {
  return x < f.low ? Position::below : x > f.high ? Position::above : Position::within;
}

// The band of `x` among the figure's quantiles or interval, in words.
std::string band_of(const Figure& f, double x, Position pos) {
  switch (f.kind) {
    case FigureKind::threshold_min:
      return (pos == Position::below ? "below min " : "meets >= ") + fmt(f.value);
    case FigureKind::threshold_max:
      return (pos == Position::above ? "above max " : "meets <= ") + fmt(f.value);
    case FigureKind::average:
      return pos == Position::below   ? "below average"
             : pos == Position::above ? "above average"
                                      : "at average";
    case FigureKind::range:
    case FigureKind::point:
      return pos == Position::below   ? "below range"
             : pos == Position::above ? "above range"
                                      : "in range";
    case FigureKind::quantiles: {
      const auto& q = f.quantiles;
      if (pos == Position::below) return "below " + q.front().first;
      if (pos == Position::above) return "above " + q.back().first;
      if (q.size() == 1) return "at " + q.front().first;
      std::size_t i = 0;
      while (i + 2 < q.size() && x > q[i + 1].second) ++i;
      return q[i].first + "-" + q[i + 1].first;
    }
  }
  return "";
}

double distance_of(const Figure& f, double x, Position pos) {
  if (pos == Position::within) return 0;
  const double edge = pos == Position::below ? f.low : f.high;
  const double width = f.high - f.low;
  const double scale = edge != 0 ? std::fabs(edge) : std::isfinite(width) && width > 0 ? width : 1;
  return std::fabs(x - edge) / scale;
}

Verdict verdict_of(const Figure& f, Position pos, kpi::Direction dir) {
  if (f.kind == FigureKind::threshold_min || f.kind == FigureKind::threshold_max)
    return pos == Position::within ? Verdict::meets : Verdict::misses;
  if (pos == Position::within) return Verdict::typical;
  if (dir == kpi::Direction::neutral) return Verdict::differs;
  const bool good_side = (pos == Position::above) == (dir == kpi::Direction::higher_is_better);
  return good_side ? Verdict::better : Verdict::worse;
}

// Where the value falls against the figure's interval: band, verdict, distance, CI overlap.
void place(FigureAssessment& fa) {
  const Figure& f = fa.figure;
  const Position pos = position_of(f, fa.value);
  fa.band = band_of(f, fa.value, pos);
  fa.verdict = verdict_of(f, pos, fa.direction);
  fa.distance = distance_of(f, fa.value, pos);
  fa.uncertain = std::isfinite(fa.ci_low) && std::isfinite(fa.ci_high) &&
                 position_of(f, fa.ci_low) != position_of(f, fa.ci_high);
  // A threshold's interval is its acceptable side, [min, inf) or (-inf, max]: a value on it is
  // reported as above the min or below the max rather than "within".
  fa.position = pos;
  if (pos == Position::within && f.kind == FigureKind::threshold_min) fa.position = Position::above;
  if (pos == Position::within && f.kind == FigureKind::threshold_max) fa.position = Position::below;
  // a factor of 3 beyond the benchmark's edges (ranges and quantiles; a threshold has one side)
  constexpr double kFactor = 3;
  if (f.kind != FigureKind::threshold_min && f.kind != FigureKind::threshold_max) {
    auto text = [&](double v) { return fmt(v); };
    if (pos == Position::above && f.high > 0 && std::isfinite(f.high) &&
        fa.value > kFactor * f.high) {
      fa.implausible = true;
      fa.plausibility = text(fa.value) + " is more than 3x the benchmark's upper edge " +
                        text(f.high) + ": the scenario is probably miscalibrated";
    } else if (pos == Position::below && f.low > 0 && fa.value < f.low / kFactor) {
      fa.implausible = true;
      fa.plausibility = text(fa.value) + " is under a third of the benchmark's lower edge " +
                        text(f.low) + ": the scenario is probably miscalibrated";
    }
  }
}

}  // namespace

Assessment assess(const kpi::ScoreReport& report, const Baseline& baseline) {
  Assessment a;
  a.baseline = baseline.name;
  a.title = baseline.title;
  a.file = baseline.file;
  a.source = report.source;
  a.scenario = report.scenario;
  a.replications = report.replications;
  const std::string group = report.groups.empty() ? "all" : report.groups.front();
  for (const auto& f : baseline.figures) {
    FigureAssessment fa;
    fa.figure = f;
    if (const kpi::KpiDef* def = kpi::find_kpi(f.kpi)) {
      fa.name = def->name;
      fa.unit = def->unit;
      fa.direction = def->direction;
    }
    auto it = std::find_if(report.scores.begin(), report.scores.end(),
                           [&](const auto& s) { return s.id == f.kpi && s.group == group; });
    if (it == report.scores.end()) {
      fa.reason = "not scored";
    } else if (it->replications == 0) {
      fa.reason = it->result.reason.empty() ? "not available" : it->result.reason;
    } else {
      fa.available = true;
      fa.value = it->mean;
      fa.se = it->se;
      fa.ci_low = it->ci_low;
      fa.ci_high = it->ci_high;
      fa.replications = it->replications;
      place(fa);
    }
    a.figures.push_back(std::move(fa));
  }
  for (std::size_t i = 0; i < a.figures.size(); ++i) {
    if (!a.figures[i].available)
      a.unavailable.push_back(i);
    else if (a.figures[i].distance > 0)
      a.furthest.push_back(i);
  }
  std::stable_sort(a.furthest.begin(), a.furthest.end(), [&](std::size_t x, std::size_t y) {
    return a.figures[x].distance > a.figures[y].distance;
  });
  return a;
}

namespace {

nlohmann::json num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json benchmark_json(const Figure& f) {
  switch (f.kind) {
    case FigureKind::range:
      return {{"low", f.low}, {"high", f.high}};
    case FigureKind::quantiles: {
      nlohmann::json q = nlohmann::json::object();
      for (const auto& [name, v] : f.quantiles) q[name] = v;
      return q;
    }
    case FigureKind::threshold_min:
      return {{"min", f.value}};
    case FigureKind::threshold_max:
      return {{"max", f.value}};
    case FigureKind::point:
      return {{"value", f.value}, {"tolerance", f.tolerance}};
    case FigureKind::average:
      return {{"value", f.value}};
  }
  return nullptr;
}

std::string year_text(int year) {
  return year ? std::to_string(year) : "undated";
}

// A KPI value in its unit: shares as percentages, the rest with 4 significant digits.
std::string show(double v, const std::string& unit) {
  if (!std::isfinite(v)) return v > 0 ? "inf" : v < 0 ? "-inf" : "-";
  char buf[48];
  if (unit.rfind("share", 0) == 0)
    std::snprintf(buf, sizeof buf, "%.4g%%", v * 100);
  else
    std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string benchmark_text(const Figure& f, const std::string& unit) {
  switch (f.kind) {
    case FigureKind::range:
      return show(f.low, unit) + " to " + show(f.high, unit);
    case FigureKind::quantiles: {
      std::string s;
      for (const auto& [name, v] : f.quantiles) {
        if (!s.empty()) s += " | ";
        s += name + " " + show(v, unit);
      }
      return s;
    }
    case FigureKind::threshold_min:
      return ">= " + show(f.value, unit);
    case FigureKind::threshold_max:
      return "<= " + show(f.value, unit);
    case FigureKind::point:
      return show(f.value, unit) + " +- " + show(f.tolerance, unit);
    case FigureKind::average:
      return "average " + show(f.value, unit);
  }
  return "";
}

std::string value_text(const FigureAssessment& fa) {
  if (!fa.available) return "not available";
  std::string s = show(fa.value, fa.unit);
  if (std::isfinite(fa.ci_low))
    s += " [" + show(fa.ci_low, fa.unit) + ", " + show(fa.ci_high, fa.unit) + "]";
  return s;
}

std::string distance_text(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", d);
  return buf;
}

std::string counts_text(const Assessment& a) {
  std::string s;
  for (Verdict v : {Verdict::better, Verdict::typical, Verdict::worse, Verdict::meets,
                    Verdict::misses, Verdict::differs}) {
    if (int n = a.count(v)) {
      if (!s.empty()) s += ", ";
      s += std::to_string(n) + " " + to_string(v);
    }
  }
  return s.empty() ? "none" : s;
}

const char* kDistanceDoc =
    "relative distance to the nearest edge of the benchmark interval: 0 inside it, else "
    "|value - edge| / |edge| (docs/baselines.md)";
const char* kDistanceShort = "relative distance to the nearest edge, docs/baselines.md";

std::string html_escape(const std::string& s) {
  return svg::escape(s);
}

}  // namespace

nlohmann::json to_json(const Assessment& a) {
  nlohmann::json figs = nlohmann::json::array();
  for (std::size_t i = 0; i < a.figures.size(); ++i) {
    const auto& fa = a.figures[i];
    const Figure& f = fa.figure;
    nlohmann::json j = {{"index", i},
                        {"kpi", f.kpi},
                        {"name", fa.name},
                        {"unit", fa.unit},
                        {"direction", kpi::direction_phrase(fa.direction)},
                        {"segment", f.segment},
                        {"kind", to_string(f.kind)},
                        {"benchmark", benchmark_json(f)},
                        {"interval", {num(f.low), num(f.high)}},
                        {"year", f.year ? nlohmann::json(f.year) : nlohmann::json(nullptr)},
                        {"source", f.source},
                        {"confidence", f.confidence},
                        {"note", f.note},
                        {"line", f.pos.line},
                        {"available", fa.available}};
    if (fa.available) {
      j["value"] = fa.value;
      j["se"] = num(fa.se);
      j["ci"] = {num(fa.ci_low), num(fa.ci_high)};
      j["replications"] = fa.replications;
      j["position"] = to_string(fa.position);
      j["band"] = fa.band;
      j["verdict"] = to_string(fa.verdict);
      j["distance"] = fa.distance;
      j["uncertain"] = fa.uncertain;
      j["implausible"] = fa.implausible;
      if (fa.implausible) j["plausibility"] = fa.plausibility;
    } else {
      j["reason"] = fa.reason;
      j["verdict"] = to_string(fa.verdict);
    }
    figs.push_back(std::move(j));
  }
  nlohmann::json counts = nlohmann::json::object();
  for (Verdict v : {Verdict::better, Verdict::typical, Verdict::worse, Verdict::meets,
                    Verdict::misses, Verdict::differs, Verdict::unavailable})
    counts[to_string(v)] = a.count(v);
  nlohmann::json furthest = nlohmann::json::array();
  for (std::size_t i : a.furthest)
    furthest.push_back({{"index", i},
                        {"kpi", a.figures[i].figure.kpi},
                        {"distance", a.figures[i].distance},
                        {"band", a.figures[i].band},
                        {"verdict", to_string(a.figures[i].verdict)}});
  nlohmann::json implausible = nlohmann::json::array();
  for (std::size_t i = 0; i < a.figures.size(); ++i)
    if (a.figures[i].implausible)
      implausible.push_back(
          {{"index", i}, {"kpi", a.figures[i].figure.kpi}, {"why", a.figures[i].plausibility}});
  nlohmann::json unavailable = nlohmann::json::array();
  for (std::size_t i : a.unavailable)
    unavailable.push_back(
        {{"index", i}, {"kpi", a.figures[i].figure.kpi}, {"reason", a.figures[i].reason}});
  return {
      {"baseline", {{"name", a.baseline}, {"title", a.title}, {"file", a.file}}},
      {"run", {{"source", a.source}, {"scenario", a.scenario}, {"replications", a.replications}}},
      {"distance", kDistanceDoc},
      {"figures", figs},
      {"summary",
       {{"figures", a.figures.size()},
        {"assessed", a.figures.size() - a.unavailable.size()},
        {"counts", counts},
        {"furthest", furthest},
        {"implausible", implausible},
        {"unavailable", unavailable}}}};
}

std::string to_text(const Assessment& a) {
  std::vector<std::vector<std::string>> rows = {
      {"#", "KPI", "value [95% CI]", "benchmark", "where", "verdict", "distance"}};
  for (std::size_t i = 0; i < a.figures.size(); ++i) {
    const auto& fa = a.figures[i];
    rows.push_back({std::to_string(i + 1), fa.figure.kpi, value_text(fa),
                    benchmark_text(fa.figure, fa.unit),
                    fa.available ? fa.band + (fa.uncertain ? " (CI crosses)" : "") : "-",
                    to_string(fa.verdict) + (fa.implausible ? " (implausible)" : ""),
                    fa.available ? distance_text(fa.distance) : "-"});
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  std::string o = "Benchmark against " + a.baseline;
  if (a.title != a.baseline) o += " (" + a.title + ")";
  o += ", " + a.file + "\nRun: " + (a.scenario.empty() ? "?" : a.scenario) + " from " + a.source +
       ", " + std::to_string(a.replications) +
       (a.replications == 1 ? " replication\n\n" : " replications (mean, 95% CI)\n\n");
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
    }
    o += line + "\n";
  }
  o += "\nSummary: " + std::to_string(a.figures.size() - a.unavailable.size()) + " of " +
       std::to_string(a.figures.size()) + " figures assessed: " + counts_text(a) + ".\n";
  if (a.furthest.empty()) {
    o += "No KPI lies outside its benchmark.\n";
  } else {
    o += "Furthest from the benchmark (";
    o += kDistanceShort;
    o += "):\n";
    for (std::size_t k = 0; k < a.furthest.size() && k < 5; ++k) {
      const auto& fa = a.figures[a.furthest[k]];
      o += "  " + fa.figure.kpi + "  " + distance_text(fa.distance) + "  " + fa.band + " (" +
           to_string(fa.verdict) + ", #" + std::to_string(a.furthest[k] + 1) + ")\n";
    }
  }
  bool any_implausible = false;
  for (std::size_t i = 0; i < a.figures.size(); ++i)
    if (a.figures[i].implausible) {
      if (!any_implausible) o += "Implausible (far outside the benchmark, either side):\n";
      any_implausible = true;
      o += "  " + a.figures[i].figure.kpi + ": " + a.figures[i].plausibility + " (#" +
           std::to_string(i + 1) + ")\n";
    }
  if (!a.unavailable.empty()) {
    o += "In the pack but not computable from this run:\n";
    for (std::size_t i : a.unavailable)
      o += "  " + a.figures[i].figure.kpi + ": " + a.figures[i].reason + "\n";
  }
  o += "\nFigures (segment; source, year, confidence; note):\n";
  for (std::size_t i = 0; i < a.figures.size(); ++i) {
    const Figure& f = a.figures[i].figure;
    o += "  #" + std::to_string(i + 1) + " " + f.segment + "; " + f.source + ", " +
         year_text(f.year) + ", " + f.confidence;
    if (!f.note.empty()) o += "; " + f.note;
    o += "\n";
  }
  return o;
}

std::string to_html_fragment(const Assessment& a) {
  std::string o = "<section class=\"journeysim-benchmark\">\n<table>\n<caption>Benchmark against " +
                  html_escape(a.title) + " (" + html_escape(a.baseline) + ")</caption>\n";
  o += "<thead><tr><th>KPI</th><th>segment</th><th>value [95% CI]</th><th>benchmark</th>"
       "<th>where</th><th>verdict</th><th>distance</th><th>source</th></tr></thead>\n<tbody>\n";
  for (const auto& fa : a.figures) {
    const Figure& f = fa.figure;
    const std::string cls = "verdict-" + to_string(fa.verdict);
    o += "<tr class=\"" + cls + "\"><td title=\"" + html_escape(fa.name) + "\">" +
         html_escape(f.kpi) + "</td><td>" + html_escape(f.segment) + "</td><td>" +
         html_escape(fa.available ? value_text(fa) : fa.reason) + "</td><td>" +
         html_escape(benchmark_text(f, fa.unit)) + "</td><td>" +
         html_escape(fa.available ? fa.band + (fa.uncertain ? " (CI crosses)" : "") : "-") +
         "</td><td class=\"verdict " + cls + "\"" +
         (fa.implausible ? " title=\"" + html_escape(fa.plausibility) + "\"" : std::string()) +
         ">" + to_string(fa.verdict) + (fa.implausible ? " <strong>(implausible)</strong>" : "") +
         "</td><td>" + (fa.available ? distance_text(fa.distance) : "-") + "</td><td title=\"" +
         html_escape(f.note) + "\">" + html_escape(f.source) + " (" + year_text(f.year) + ", " +
         html_escape(f.confidence) + ")</td></tr>\n";
  }
  o += "</tbody>\n</table>\n<p class=\"benchmark-summary\">" +
       std::to_string(a.figures.size() - a.unavailable.size()) + " of " +
       std::to_string(a.figures.size()) + " figures assessed: " + counts_text(a) + ".";
  if (!a.furthest.empty()) {
    o += " Furthest from the benchmark: ";
    for (std::size_t k = 0; k < a.furthest.size() && k < 5; ++k) {
      const auto& fa = a.figures[a.furthest[k]];
      if (k) o += ", ";
      o += html_escape(fa.figure.kpi) + " (" + distance_text(fa.distance) + ", " +
           to_string(fa.verdict) + ")";
    }
    o += ".";
  }
  o += "</p>\n";
  for (const auto& fa : a.figures)
    if (fa.implausible)
      o += "<p class=\"benchmark-implausible\"><strong>Implausible:</strong> " +
           html_escape(fa.figure.kpi) + ": " + html_escape(fa.plausibility) + ".</p>\n";
  if (!a.unavailable.empty()) {
    o += "<p class=\"benchmark-unavailable\">Not computable from this run: ";
    for (std::size_t k = 0; k < a.unavailable.size(); ++k) {
      const auto& fa = a.figures[a.unavailable[k]];
      if (k) o += "; ";
      o += html_escape(fa.figure.kpi) + " (" + html_escape(fa.reason) + ")";
    }
    o += ".</p>\n";
  }
  return o + "</section>\n";
}

// The benchmark as a page in the reports' look (svg::page): the summary with any implausible
// value called out, a chart of how far each figure lies outside its benchmark (signed: right is
// the KPI's good side), and the table with verdict badges.
std::string benchmark_report_html(const Assessment& a) {
  using svg::escape;
  auto badge = [](Verdict v) {
    return "<span class=\"badge " + svg::verdict_class(to_string(v)) + "\">" +
           escape(to_string(v)) + "</span>";
  };
  const std::string title =
      "Benchmark: " + (a.scenario.empty() ? a.source : a.scenario) + " against " + a.title;
  std::string header = "<h1>" + escape(title) + "</h1>\n<p class=\"meta\">Run <code>" +
                       escape(a.source) + "</code> · " + std::to_string(a.replications) +
                       " replication" + (a.replications == 1 ? "" : "s") + " · pack <code>" +
                       escape(a.baseline) + "</code>" +
                       (a.file.empty() ? "" : " (<code>" + escape(a.file) + "</code>)") + "</p>\n";
  std::string body = "<section id=\"summary\">\n<h2>Summary</h2>\n<p>" +
                     std::to_string(a.figures.size() - a.unavailable.size()) + " of " +
                     std::to_string(a.figures.size()) +
                     " figures assessed: " + escape(counts_text(a)) + ".</p>\n";
  for (const auto& fa : a.figures)
    if (fa.implausible)
      body += "<p class=\"warn\"><strong>Implausible:</strong> " + escape(fa.name) + " (" +
              escape(fa.figure.kpi) + "): " + escape(fa.plausibility) + ".</p>\n";
  if (!a.unavailable.empty()) {
    body += "<p class=\"meta\">Not computable from this run: ";
    for (std::size_t k = 0; k < a.unavailable.size(); ++k) {
      const auto& fa = a.figures[a.unavailable[k]];
      body += (k ? "; " : "") + escape(fa.figure.kpi) + " (" + escape(fa.reason) + ")";
    }
    body += ".</p>\n";
  }
  body += "</section>\n";
  // the chart: signed distance of each figure outside its interval
  svg::HBarChart ch;
  ch.title = "Distance from the benchmark";
  ch.subtitle =
      "0: inside the benchmark's interval; right: on the KPI's good side, left: on its "
      "bad side (relative to the nearest edge)";
  ch.x = {"distance outside the interval (relative to its edge)", svg::Format::number, {}, {}};
  for (const auto& fa : a.figures) {
    if (!fa.available) continue;
    svg::HBar b;
    b.label = fa.figure.kpi + (fa.figure.segment.empty() ? "" : " · " + fa.figure.segment);
    const bool bad = fa.verdict == Verdict::worse || fa.verdict == Verdict::misses;
    b.value = bad ? -fa.distance : fa.distance;
    b.color = svg::verdict_color(to_string(fa.verdict));
    b.note = to_string(fa.verdict) + (fa.implausible ? " (implausible)" : "");
    b.tooltip = fa.name + ": " + value_text(fa) + " against " + benchmark_text(fa.figure, fa.unit) +
                " (" + fa.band + ")";
    ch.bars.push_back(b);
  }
  ch.reference_lines.emplace_back(0, "benchmark");
  ch.legend = {{"better / meets", svg::verdict_color("better")},
               {"typical", svg::verdict_color("typical")},
               {"worse / misses", svg::verdict_color("worse")},
               {"differs (neutral KPI)", svg::verdict_color("differs")}};
  body += "<section id=\"chart\">\n<h2>Where the run lies</h2>\n";
  body += ch.bars.empty()
              ? std::string("<p class=\"meta\">No figure could be assessed.</p>\n")
              : svg::figure("distance", svg::render(ch),
                            "One bar per assessed figure: how far the run's mean lies outside the "
                            "benchmark's interval, as a share of the nearest edge (0 inside it).");
  body += "</section>\n";
  body +=
      "<section id=\"figures\">\n<h2>Figures</h2>\n<div class=\"table-wrap\">\n<table "
      "class=\"kpis\">\n<thead><tr><th>KPI</th><th>segment</th><th class=\"num\">value<br/>"
      "<small>[95% CI]</small></th><th>benchmark</th><th>where</th><th>verdict</th><th "
      "class=\"num\">distance</th><th>source</th></tr></thead>\n<tbody>\n";
  for (const auto& fa : a.figures) {
    const Figure& f = fa.figure;
    body += "<tr data-kpi=\"" + escape(f.kpi) + "\"><td>" + escape(fa.name) + " <code>" +
            escape(f.kpi) + "</code></td><td>" + escape(f.segment) + "</td><td class=\"num\">" +
            escape(fa.available ? value_text(fa) : fa.reason) + "</td><td>" +
            escape(benchmark_text(f, fa.unit)) + "</td><td>" +
            escape(fa.available ? fa.band + (fa.uncertain ? " (CI crosses an edge)" : "") : "–") +
            "</td><td>" + badge(fa.verdict) +
            (fa.implausible ? " <span class=\"badge bad\" title=\"" + escape(fa.plausibility) +
                                  "\">implausible</span>"
                            : std::string()) +
            "</td><td class=\"num\">" + (fa.available ? distance_text(fa.distance) : "–") +
            "</td><td title=\"" + escape(f.note) + "\">" + escape(f.source) + " (" +
            year_text(f.year) + ", " + escape(f.confidence) + ")</td></tr>\n";
  }
  body += "</tbody>\n</table>\n</div>\n</section>\n";
  std::string nav =
      "<a href=\"#summary\">Summary</a><a href=\"#chart\">Chart</a><a "
      "href=\"#figures\">Figures</a>\n";
  std::string footer = std::string("<p>Generated by journeysim ") + kVersion +
                       " (<code>journeysim benchmark</code>). Self-contained: inline SVG and CSS, "
                       "no scripts, no network access needed.</p>\n";
  return svg::page(title, header, nav, body, footer, ".warn { color: #cf222e; }\n");
}

}  // namespace journeysim::analysis
