#include "journeysim/calibrate/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "journeysim/kpi/kpis.hpp"
#include "journeysim/version.hpp"
#include "svg.hpp"

namespace journeysim::calibrate {

namespace {

namespace svg = analysis::svg;
using nlohmann::json;
using svg::escape;
using svg::Format;

constexpr double kZ95 = 1.959963984540054;

// ---------------------------------------------------------------------------------------------
// Reading the JSON

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(
      "not a calibration fit (the JSON of `journeysim calibrate --report FIT.json`): " + what);
}

std::string type_of(const json& j) {
  return j.type_name();
}

// A number or null (NaN); a missing key is NaN unless required.
double number(const json& o, const char* key, const std::string& where, bool required = false) {
  auto it = o.find(key);
  if (it == o.end()) {
    if (required) fail(where + ": no \"" + key + "\"");
    return NAN;
  }
  if (it->is_null()) return NAN;
  if (!it->is_number())
    fail(where + "." + key + ": expected a number or null, found " + type_of(*it));
  return it->get<double>();
}
std::string text(const json& o, const char* key, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return "";
  if (!it->is_string()) fail(where + "." + key + ": expected a string, found " + type_of(*it));
  return it->get<std::string>();
}
bool flag(const json& o, const char* key, const std::string& where, bool def) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return def;
  if (!it->is_boolean())
    fail(where + "." + key + ": expected true or false, found " + type_of(*it));
  return it->get<bool>();
}
// A list (missing or null: empty; to_json leaves out the lists it has nothing for).
const json& list(const json& o, const char* key, const std::string& where) {
  static const json empty = json::array();
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return empty;
  if (!it->is_array()) fail(where + "." + key + ": expected a list, found " + type_of(*it));
  return *it;
}
// A list of numbers or nulls with n entries.
std::vector<double> numbers(const json& o, const char* key, const std::string& where,
                            std::size_t n) {
  const json& a = list(o, key, where);
  if (a.size() != n)
    fail(where + "." + key + ": " + std::to_string(a.size()) + " values for " + std::to_string(n) +
         " months");
  std::vector<double> v;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].is_null()) {
      v.push_back(NAN);
      continue;
    }
    if (!a[i].is_number())
      fail(where + "." + key + "[" + std::to_string(i) + "]: expected a number or null, found " +
           type_of(a[i]));
    v.push_back(a[i].get<double>());
  }
  return v;
}

struct Target {
  std::string name;
  double observed = NAN, se = NAN, simulated = NAN, lo = NAN, hi = NAN, z = NAN, weight = 1;
  bool unreachable = false;  // listed in unreachable_targets
};
struct Param {
  std::string name, path, warning;
  double start = NAN, value = NAN, se = NAN, lo = NAN, hi = NAN;
  bool identifiable = true, at_bound = false;
};
struct Curve {
  std::string by, group, sim_group;
  double customers = NAN, events = NAN;
  std::vector<double> months, observed, se, simulated, lo, hi;
};
struct FitData {
  std::string name, stop_reason;
  double distance = NAN, seconds = NAN, evaluations = NAN, replayed = NAN;
  std::vector<Target> targets;
  std::vector<Param> params;
  std::vector<std::vector<double>> correlation;
  std::vector<std::string> unreachable;
  std::vector<Curve> curves;
};

FitData read_fit(const json& j) {
  if (!j.is_object()) fail("expected a JSON object, found " + type_of(j));
  if (!j.contains("format")) {
    if (j.contains("tool"))
      fail("no \"format\" key; this looks like the output of `" + text(j, "tool", "") +
           "` (\"tool\")");
    fail("no \"format\" key (a fit says \"format\": \"" + std::string(kFitFormat) + "\")");
  }
  if (!j["format"].is_string())
    fail("\"format\" is " + type_of(j["format"]) + ", expected \"" + kFitFormat + "\"");
  if (j["format"].get<std::string>() != kFitFormat)
    fail("\"format\" is '" + j["format"].get<std::string>() + "', expected '" + kFitFormat + "'");
  const double version = number(j, "format_version", "fit", true);
  if (version != kFitFormatVersion)
    fail("format_version " + svg::format_value(version, Format::number) + ", this journeysim (" +
         kVersion + ") reads version " + std::to_string(kFitFormatVersion));
  FitData f;
  f.name = text(j, "calibration", "fit");
  f.stop_reason = text(j, "stop_reason", "fit");
  f.distance = number(j, "distance", "fit", true);
  f.seconds = number(j, "seconds", "fit");
  f.evaluations = number(j, "evaluations", "fit");
  f.replayed = number(j, "replayed_from_journal", "fit");
  for (const auto& u : list(j, "unreachable_targets", "fit")) {
    if (!u.is_string()) fail("unreachable_targets: expected names, found " + type_of(u));
    f.unreachable.push_back(u.get<std::string>());
  }
  const json& targets = list(j, "targets", "fit");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const json& t = targets[i];
    const std::string where = "targets[" + std::to_string(i) + "]";
    if (!t.is_object()) fail(where + ": expected an object, found " + type_of(t));
    Target x;
    x.name = text(t, "target", where);
    if (x.name.empty()) fail(where + ": no \"target\" name");
    x.observed = number(t, "observed", where, true);
    x.se = number(t, "observed_se", where);
    x.simulated = number(t, "simulated", where, true);
    x.lo = number(t, "simulated_ci_low", where);
    x.hi = number(t, "simulated_ci_high", where);
    x.z = number(t, "z", where);
    x.weight = number(t, "weight", where);
    if (!std::isfinite(x.weight)) x.weight = 1;
    x.unreachable =
        std::find(f.unreachable.begin(), f.unreachable.end(), x.name) != f.unreachable.end();
    f.targets.push_back(x);
  }
  const json& params = list(j, "parameters", "fit");
  for (std::size_t i = 0; i < params.size(); ++i) {
    const json& p = params[i];
    const std::string where = "parameters[" + std::to_string(i) + "]";
    if (!p.is_object()) fail(where + ": expected an object, found " + type_of(p));
    Param x;
    x.name = text(p, "name", where);
    x.path = text(p, "path", where);
    if (x.name.empty()) x.name = x.path;
    if (x.name.empty()) fail(where + ": no \"name\" or \"path\"");
    x.start = number(p, "start", where);
    x.value = number(p, "value", where, true);
    x.se = number(p, "se", where);
    const json& b = list(p, "bounds", where);
    if (b.size() != 2 || !b[0].is_number() || !b[1].is_number())
      fail(where + ".bounds: expected [low, high]");
    x.lo = b[0].get<double>();
    x.hi = b[1].get<double>();
    x.identifiable = flag(p, "identifiable", where, std::isfinite(x.se));
    x.at_bound = flag(p, "at_bound", where, false);
    x.warning = text(p, "warning", where);
    f.params.push_back(x);
  }
  const json& corr = list(j, "correlation", "fit");
  for (std::size_t r = 0; r < corr.size(); ++r) {
    const std::string where = "correlation[" + std::to_string(r) + "]";
    if (!corr[r].is_array()) fail(where + ": expected a row (list), found " + type_of(corr[r]));
    if (corr[r].size() != corr.size())
      fail(where + ": " + std::to_string(corr[r].size()) + " values in a " +
           std::to_string(corr.size()) + " x " + std::to_string(corr.size()) + " matrix");
    std::vector<double> row;
    for (const auto& v : corr[r]) {
      if (!v.is_null() && !v.is_number())
        fail(where + ": expected numbers or null, found " + type_of(v));
      row.push_back(v.is_number() ? v.get<double>() : NAN);
    }
    f.correlation.push_back(row);
  }
  if (!f.correlation.empty() && f.correlation.size() != f.params.size())
    fail("correlation: a " + std::to_string(f.correlation.size()) + " x " +
         std::to_string(f.correlation.size()) + " matrix for " + std::to_string(f.params.size()) +
         " parameters");
  const json& curves = list(j, "curves", "fit");
  for (std::size_t i = 0; i < curves.size(); ++i) {
    const json& c = curves[i];
    const std::string where = "curves[" + std::to_string(i) + "]";
    if (!c.is_object()) fail(where + ": expected an object, found " + type_of(c));
    const std::string kind = text(c, "kind", where);
    if (kind != "survival")
      fail(where + ".kind: '" + kind + "', this journeysim draws 'survival' curves");
    Curve x;
    x.by = text(c, "by", where);
    x.group = text(c, "group", where);
    x.sim_group = text(c, "simulated_group", where);
    x.customers = number(c, "customers", where);
    x.events = number(c, "events", where);
    const std::size_t n = list(c, "months", where).size();
    x.months = numbers(c, "months", where, n);
    x.observed = numbers(c, "observed", where, n);
    x.se = numbers(c, "observed_se", where, n);
    x.simulated = numbers(c, "simulated", where, n);
    x.lo = numbers(c, "simulated_ci_low", where, n);
    x.hi = numbers(c, "simulated_ci_high", where, n);
    f.curves.push_back(x);
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// Numbers

// `digits` significant digits; whole numbers with thousands separators from 10,000; "–" when not
// finite.
std::string sig(double v, int digits) {
  if (!std::isfinite(v)) return "–";
  if (std::abs(v) >= 1e4) return svg::format_value(v, Format::integer);
  char b[48];
  std::snprintf(b, sizeof b, "%.*g", digits, v == 0 ? 0.0 : v);
  return b;
}
// A share as a percentage with two decimals (90.19%).
std::string pct(double v) {
  if (!std::isfinite(v)) return "–";
  char b[48];
  std::snprintf(b, sizeof b, "%.2f%%", v * 100 == 0 ? 0.0 : v * 100);
  return b;
}
// A standard error of a share, in percentage points with 2 significant digits (0.48%; whole
// numbers from 100%).
std::string pct_se(double v) {
  if (!std::isfinite(v)) return "–";
  char b[48];
  std::snprintf(b, sizeof b, std::abs(v) >= 1 ? "%.0f%%" : "%.2g%%", v * 100);
  return b;
}
std::string signed2(double v) {
  if (!std::isfinite(v)) return "–";
  char b[48];
  std::snprintf(b, sizeof b, "%+.2f", v);
  return b;
}
std::string count(double v) {
  return svg::format_value(v, Format::integer);
}

// How a target's values are written: shares (survival, KPIs in "share" units) as percentages,
// others as numbers with their KPI's unit.
struct TargetUnit {
  bool share = false;
  std::string unit;
};
TargetUnit unit_of(const std::string& target) {
  if (target.rfind("survival", 0) == 0) return {true, "share"};
  if (const kpi::KpiDef* d = kpi::find_kpi(target))
    return {std::string(d->unit).rfind("share", 0) == 0, d->unit};
  return {};
}
std::string value_text(double v, const TargetUnit& u) {
  return u.share ? pct(v) : sig(v, 4);
}
std::string se_text(double v, const TargetUnit& u) {
  return u.share ? pct_se(v) : sig(v, 2);
}

// The colour and words of a z-score.
const char* kGood = "#4e79a7";
const char* kNear = "#f28e2b";
const char* kBad = "#e15759";
std::string z_color(double z) {
  return std::abs(z) <= 2 ? kGood : std::abs(z) <= 3 ? kNear : kBad;
}

// ---------------------------------------------------------------------------------------------
// Sections

std::string badge(const std::string& cls, const std::string& words) {
  return "<span class=\"badge " + cls + "\">" + escape(words) + "</span>";
}

std::string target_status(const Target& t) {
  if (!std::isfinite(t.simulated)) return badge("bad", "not simulated");
  if (!std::isfinite(t.z)) return badge("same", "no z");
  if (std::abs(t.z) > 3 || t.unreachable) return badge("bad", "⚠ not reached");
  if (std::abs(t.z) > 2) return badge("info", "within 3 se");
  return badge("good", "within 2 se");
}

std::string targets_table(const FitData& f) {
  std::string s =
      "<div class=\"table-wrap\">\n<table class=\"targets\">\n<thead><tr><th>target</th>"
      "<th class=\"num\">observed<br/><small>± se</small></th>"
      "<th class=\"num\">simulated<br/><small>mean [95% CI]</small></th>"
      "<th class=\"num\">z</th><th class=\"num\">weight</th><th>fit</th></tr></thead>\n<tbody>\n";
  for (const auto& t : f.targets) {
    const TargetUnit u = unit_of(t.name);
    const bool bad =
        !std::isfinite(t.simulated) || (std::isfinite(t.z) && std::abs(t.z) > 3) || t.unreachable;
    s += "<tr" + std::string(bad ? " class=\"not-reached\"" : "") + " data-target=\"" +
         escape(t.name) + "\"><td>" + escape(t.name);
    if (!u.share && !u.unit.empty()) s += "<br/><small>" + escape(u.unit) + "</small>";
    s += "</td><td class=\"num\">" + escape(value_text(t.observed, u)) + "<br/><small>± " +
         escape(se_text(t.se, u)) + "</small></td>";
    s += "<td class=\"num\">" + escape(value_text(t.simulated, u));
    if (std::isfinite(t.lo) && std::isfinite(t.hi))
      s += "<br/><small>[" + escape(value_text(t.lo, u)) + ", " + escape(value_text(t.hi, u)) +
           "]</small>";
    s += "</td><td class=\"num\">" + signed2(t.z) + "</td><td class=\"num\">" + sig(t.weight, 3) +
         "</td><td>" + target_status(t) + "</td></tr>\n";
  }
  return s + "</tbody>\n</table>\n</div>\n";
}

std::string z_chart(const FitData& f) {
  svg::HBarChart ch;
  ch.title = "z-score of each target at the fitted parameters";
  ch.subtitle = "z = (simulated − observed) / √(se observed² + se simulated²); dashed: ±2 and ±3";
  double biggest = 0;
  std::size_t drawn = 0;
  for (const auto& t : f.targets) {
    const TargetUnit u = unit_of(t.name);
    svg::HBar b;
    b.label = t.name;
    b.value = t.z;
    b.color = std::isfinite(t.z) ? z_color(t.z) : "";
    b.note = std::isfinite(t.z) ? "z = " + signed2(t.z) : "no z";
    b.tooltip = t.name + ": observed " + value_text(t.observed, u) + " ± " + se_text(t.se, u) +
                ", simulated " + value_text(t.simulated, u) + " [" + value_text(t.lo, u) + ", " +
                value_text(t.hi, u) + "], z = " + signed2(t.z);
    if (std::isfinite(t.z)) {
      biggest = std::max(biggest, std::abs(t.z));
      ++drawn;
    }
    ch.bars.push_back(b);
  }
  // a symmetric axis that shows ±3 and every bar, up to ±20 (larger z-scores are cut)
  const double lim = std::min(std::max(4.0, biggest * 1.05), 20.0);
  const svg::Ticks t = svg::nice_ticks(-lim, lim, 8);
  ch.x = {"z-score", Format::number, t.lo, t.hi};
  ch.reference_lines = {{-3, "−3"}, {-2, "−2"}, {2, "+2"}, {3, "+3"}};
  ch.legend = {{"|z| ≤ 2", kGood}, {"2 < |z| ≤ 3", kNear}, {"|z| > 3: not reached", kBad}};
  std::string caption =
      "One bar per target: how many standard errors of the difference separate the simulated "
      "mean from the observed value at the fitted parameters (D is the weighted sum of their "
      "squares). Beyond ±3 the model does not reach the target with these parameters.";
  if (biggest > 20) caption += " Bars beyond ±20 are cut (arrow heads); the note gives the value.";
  return svg::figure("z-scores", svg::render(ch), caption,
                     " data-bars=\"" + std::to_string(drawn) + "\"");
}

std::string param_status(const Param& p) {
  std::string s;
  if (p.at_bound) {
    const bool low = std::abs(p.value - p.lo) <= std::abs(p.value - p.hi);
    s += badge("bad", low ? "⚠ at the lower bound" : "⚠ at the upper bound") + " ";
  }
  if (!p.identifiable) s += badge("bad", "⚠ not identifiable") + " ";
  if (s.empty()) s = badge("good", "ok") + " ";
  if (!p.warning.empty()) s += "<br/><small>" + escape(p.warning) + "</small>";
  return s;
}

std::string parameters_table(const FitData& f) {
  std::string s =
      "<div class=\"table-wrap\">\n<table class=\"parameters\">\n<thead><tr><th>parameter<br/>"
      "<small>scenario key</small></th><th class=\"num\">start</th><th class=\"num\">fitted</th>"
      "<th class=\"num\">± se<br/><small>relative</small></th><th class=\"num\">bounds</th>"
      "<th>status and warnings</th></tr></thead>\n<tbody>\n";
  for (const auto& p : f.params) {
    std::string cls;
    if (p.at_bound) cls += " at-bound";
    if (!p.identifiable) cls += " not-identifiable";
    s += "<tr" + (cls.empty() ? std::string() : " class=\"" + cls.substr(1) + "\"") +
         " data-parameter=\"" + escape(p.name) + "\"><td>" + escape(p.name) + "<br/><code>" +
         escape(p.path) + "</code></td>";
    s += "<td class=\"num\">" + sig(p.start, 4) + "</td><td class=\"num\"><strong>" +
         sig(p.value, 4) + "</strong></td>";
    if (!p.identifiable || !std::isfinite(p.se)) {
      s += "<td class=\"num\"><span class=\"warn\">⚠ none</span><br/><small>not "
           "identifiable</small></td>";
    } else {
      s += "<td class=\"num\">± " + sig(p.se, 2);
      if (p.value != 0) s += "<br/><small>" + pct_se(std::abs(p.se / p.value)) + "</small>";
      s += "</td>";
    }
    s += "<td class=\"num\">[" + sig(p.lo, 4) + ", " + sig(p.hi, 4) + "]</td><td>" +
         param_status(p) + "</td></tr>\n";
  }
  return s + "</tbody>\n</table>\n</div>\n";
}

std::string correlation_chart(const FitData& f) {
  svg::Heatmap h;
  h.title = "Correlation of the parameter estimates";
  h.subtitle = "from the curvature of D at the optimum";
  h.x_label = h.y_label = "parameter";
  h.value_label = "r";
  h.format = Format::number;
  h.min = -1;
  h.max = 1;
  h.diverging = true;
  double label_w = 0;
  for (const auto& p : f.params) {
    h.rows.push_back(p.name);
    h.columns.push_back(p.name);
    label_w = std::max(label_w, svg::text_width(p.name, 11));
  }
  const std::size_t n = f.params.size();
  // about 110 px a column, at least wide enough for the column labels
  const double col = std::max(110.0, label_w + 12);
  h.width = static_cast<int>(std::min(1180.0, 30 + label_w + 8 + col * n + 80));
  std::size_t cells = 0, blank = 0;
  for (std::size_t r = 0; r < n; ++r) {
    std::vector<double> row;
    std::vector<std::string> labels;
    for (std::size_t k = 0; k < n; ++k) {
      const double v = f.correlation[r][k];
      row.push_back(v);
      if (std::isfinite(v)) {
        char b[16];
        std::snprintf(b, sizeof b, "%+.2f", v);
        labels.push_back(k == r ? std::string("1") : std::string(b));
        ++cells;
      } else {
        labels.emplace_back();
        ++blank;
      }
    }
    h.cells.push_back(row);
    h.cell_labels.push_back(labels);
  }
  std::string caption =
      "Correlation between the fitted parameters' estimates (blue: positive, red: negative). "
      "Near ±1, the targets determine only a combination of the two parameters, not each.";
  if (blank) caption += " Blank cells: a parameter that is not identifiable has no correlation.";
  return svg::figure("correlation", svg::render(h), caption,
                     " data-cells=\"" + std::to_string(cells) + "\"");
}

// One series of a curve chart: the finite points, with a band when it has some width.
struct CurveSeries {
  svg::Series series;
  std::size_t dropped = 0;  // months without a value
  bool band = false;
};
CurveSeries curve_series(const std::string& name, const std::string& color,
                         const std::vector<double>& months, const std::vector<double>& y,
                         const std::vector<double>& lo, const std::vector<double>& hi) {
  CurveSeries c;
  c.series.name = name;
  c.series.color = color;
  c.series.markers = true;
  bool band_ok = true;
  double widest = 0;
  for (std::size_t i = 0; i < months.size(); ++i) {
    if (!std::isfinite(months[i]) || !std::isfinite(y[i])) {
      ++c.dropped;
      continue;
    }
    c.series.x.push_back(months[i]);
    c.series.y.push_back(std::clamp(y[i], 0.0, 1.0));
    const double l = std::clamp(lo[i], 0.0, 1.0), h = std::clamp(hi[i], 0.0, 1.0);
    if (!std::isfinite(lo[i]) || !std::isfinite(hi[i])) band_ok = false;
    c.series.lo.push_back(l);
    c.series.hi.push_back(h);
    widest = std::max(widest, h - l);
  }
  // a band narrower than about half a pixel everywhere (zero se) is not drawn
  c.band = band_ok && widest >= 0.002 && c.series.x.size() >= 2;
  if (!c.band) c.series.lo.clear(), c.series.hi.clear();
  return c;
}

std::string curve_chart(const Curve& cv, std::size_t index) {
  const std::string group = cv.group.empty() ? "all customers" : cv.group;
  const std::string sim_group = cv.sim_group.empty() ? group : cv.sim_group;
  std::vector<double> obs_lo, obs_hi;
  for (std::size_t i = 0; i < cv.months.size(); ++i) {
    obs_lo.push_back(cv.observed[i] - kZ95 * cv.se[i]);
    obs_hi.push_back(cv.observed[i] + kZ95 * cv.se[i]);
  }
  CurveSeries obs =
      curve_series("observed: " + group, svg::palette(0), cv.months, cv.observed, obs_lo, obs_hi);
  CurveSeries sim = curve_series("simulated: " + sim_group, svg::palette(1), cv.months,
                                 cv.simulated, cv.lo, cv.hi);
  svg::LineChart ch;
  ch.width = 600;
  ch.title = svg::truncate("Survival: " + group, ch.width - 16, 14);
  std::string sub = (cv.by.empty() ? std::string("group") : cv.by) + " " + group;
  if (std::isfinite(cv.customers))
    sub += " (" + count(cv.customers) + " customers, " + count(cv.events) + " churned)";
  sub += " vs simulated " + sim_group;
  ch.subtitle = svg::truncate(sub, ch.width - 16, 11);
  double last = 0;
  for (double m : cv.months)
    if (std::isfinite(m)) last = std::max(last, m);
  ch.x = {"months since conversion", Format::number, 0.0,
          last > 0 ? std::optional<double>(last) : std::nullopt};
  ch.y = {"share still paying (survival)", Format::percent, 0.0, 1.0};
  ch.band_label = "95% bands (shaded, in each curve's colour)";
  ch.series = {obs.series, sim.series};
  // the largest gap between the curves at a target month
  double gap = -1, at = NAN, gap_obs = NAN, gap_sim = NAN;
  for (std::size_t i = 0; i < cv.months.size(); ++i) {
    const double g = std::abs(cv.simulated[i] - cv.observed[i]);
    if (std::isfinite(g) && g > gap) {
      gap = g;
      at = cv.months[i];
      gap_obs = cv.observed[i];
      gap_sim = cv.simulated[i];
    }
  }
  std::string gap_text = gap < 0 ? "no month with both curves"
                                 : svg::format_value(gap * 100, Format::number) +
                                       " percentage points at " + sig(at, 4) +
                                       (at == 1 ? " month" : " months") + " (observed " +
                                       pct(gap_obs) + ", simulated " + pct(gap_sim) + ")";
  std::string caption = "<strong>Largest gap |simulated − observed|: " + escape(gap_text) +
                        ".</strong><br/>Observed: the Kaplan-Meier survival of the log's " +
                        escape(cv.by.empty() ? "group" : cv.by) + " <em>" + escape(group) + "</em>";
  if (std::isfinite(cv.customers))
    caption += " (" + count(cv.customers) + " customers, " + count(cv.events) + " churned)";
  caption +=
      " at the target months, band ±1.96 Greenwood se. Simulated: the mean over the "
      "replications of the simulated <em>" +
      escape(sim_group) +
      "</em> customers at the fitted parameters, band its 95% CI. Lines join the target "
      "months (values between them are not targets).";
  if (!obs.band || !sim.band)
    caption += std::string(" No band for the ") +
               (!obs.band && !sim.band ? "two curves"
                : !obs.band            ? "observed curve"
                                       : "simulated curve") +
               ": its width is zero (or unknown) at every month.";
  if (obs.dropped || sim.dropped)
    caption += " Months without a value are left out (observed " + std::to_string(obs.dropped) +
               ", simulated " + std::to_string(sim.dropped) + ").";
  auto lines = [](const CurveSeries& c) { return c.series.x.size() >= 2 ? 1 : 0; };
  const std::string attrs =
      " data-points=\"" + std::to_string(obs.series.x.size() + sim.series.x.size()) +
      "\" data-lines=\"" + std::to_string(lines(obs) + lines(sim)) + "\" data-bands=\"" +
      std::to_string(int(obs.band) + int(sim.band)) + "\"";
  return svg::figure("curve-" + std::to_string(index), svg::render(ch), caption, attrs);
}

const char* kFitCss = R"CSS(
tr.not-reached td { background: #fff5f5; }
tr.at-bound td, tr.not-identifiable td { background: #fff8e6; }
.warn { color: #cf222e; font-weight: 600; }
.callout { border-left: 4px solid #cf222e; background: #fff5f5; padding: 8px 12px; margin: 8px 0;
           border-radius: 4px; }
)CSS";

}  // namespace

bool is_fit_json(const json& j) {
  return j.is_object() && j.contains("format") && j["format"].is_string() &&
         j["format"].get<std::string>() == kFitFormat;
}

std::string fit_report_html(const json& fit, const std::string& title_in) {
  const FitData f = read_fit(fit);
  const std::string name = f.name.empty() ? std::string("(unnamed)") : f.name;
  const std::string title = title_in.empty() ? "Calibration fit: " + name : title_in;
  const std::size_t n = f.targets.size(), p = f.params.size();
  std::size_t not_reached = 0, flagged_params = 0;
  for (const auto& t : f.targets)
    if (!std::isfinite(t.simulated) || (std::isfinite(t.z) && std::abs(t.z) > 3) || t.unreachable)
      ++not_reached;
  for (const auto& q : f.params)
    if (q.at_bound || !q.identifiable || !q.warning.empty()) ++flagged_params;

  // header: what was fitted, how far it got, how it stopped
  std::string header = "<h1>" + escape(title) + "</h1>\n";
  header += "<p class=\"meta\">Calibration <strong>" + escape(name) +
            "</strong> · distance D = " + sig(f.distance, 4) + " over " + std::to_string(n) +
            (n == 1 ? " target" : " targets") + " · " + count(f.evaluations) + " evaluations";
  if (std::isfinite(f.replayed) && f.replayed > 0)
    header += " (" + count(f.replayed) + " replayed from the journal)";
  header += " · stopped: " + escape(f.stop_reason.empty() ? "–" : f.stop_reason) + " · " +
            sig(f.seconds, 3) + " s</p>\n";
  bool unit_weights = true;
  for (const auto& t : f.targets) unit_weights = unit_weights && t.weight == 1;
  std::string per_df;
  if (unit_weights && n > p && std::isfinite(f.distance))
    per_df = "D / (targets − parameters) = " + sig(f.distance / (n - p), 3) +
             " (about 1 when the misfit is at the level of the noise)";
  header += "<div class=\"cards\">\n";
  auto card = [](const std::string& k, const std::string& v, const std::string& c) {
    return "<div class=\"card\"><div class=\"k\">" + k + "</div><div class=\"v\">" + v +
           "</div><div class=\"c\">" + c + "</div></div>\n";
  };
  header += card("distance D", sig(f.distance, 4),
                 "Σ weight · z² over " + std::to_string(n) + (n == 1 ? " target" : " targets"));
  header += card("targets not reached", std::to_string(not_reached) + " of " + std::to_string(n),
                 "|z| &gt; 3 at the optimum");
  header +=
      card("parameters", std::to_string(p),
           flagged_params ? std::to_string(flagged_params) + " with a warning" : "no warning");
  header += card("evaluations", count(f.evaluations), escape(f.stop_reason));
  header += "</div>\n";
  if (!per_df.empty()) header += "<p class=\"meta\">" + escape(per_df) + "</p>\n";

  std::string body;
  // targets
  body += "<section id=\"targets\">\n<h2>Targets</h2>\n";
  if (!f.unreachable.empty() || not_reached) {
    std::string names;
    for (const auto& t : f.targets)
      if (!std::isfinite(t.simulated) || (std::isfinite(t.z) && std::abs(t.z) > 3) || t.unreachable)
        names += (names.empty() ? "" : ", ") + escape(t.name);
    body += "<div class=\"callout\"><strong>The model does not reach " +
            std::to_string(not_reached) + (not_reached == 1 ? " target" : " targets") +
            "</strong> at the fitted parameters (|z| &gt; 3): " + names + ".</div>\n";
  }
  body +=
      "<p class=\"meta\">Observed: the target's value and standard error. Simulated: the mean "
      "over the replications at the fitted parameters and the 95% CI of that mean. z: the "
      "difference in standard errors of the difference.</p>\n";
  body += f.targets.empty() ? "<p class=\"meta\">No targets in this fit.</p>\n" : targets_table(f);
  body += "</section>\n";
  if (!f.targets.empty())
    body += "<section id=\"z-scores\">\n<h2>z-scores</h2>\n" + z_chart(f) + "</section>\n";
  // parameters
  body += "<section id=\"parameters\">\n<h2>Parameters</h2>\n";
  body +=
      "<p class=\"meta\">Fitted value ± its standard error from the curvature of D at the "
      "optimum; a parameter whose se cannot be estimated (D flat in it, or a singular curvature) "
      "is <em>not identifiable</em>: the targets do not determine it. A value at a bound may "
      "want a wider box.</p>\n";
  body +=
      f.params.empty() ? "<p class=\"meta\">No parameters in this fit.</p>\n" : parameters_table(f);
  if (p >= 2 && f.correlation.size() == p)
    body += correlation_chart(f);
  else if (p >= 2)
    body +=
        "<div class=\"missing\" data-chart-missing=\"correlation\"><strong>Correlation "
        "matrix</strong>: not in this fit.</div>\n";
  body += "</section>\n";
  // survival curves
  if (!f.curves.empty()) {
    body += "<section id=\"curves\">\n<h2>Survival curves</h2>\n<div class=\"grid2\">\n";
    for (std::size_t i = 0; i < f.curves.size(); ++i) body += curve_chart(f.curves[i], i);
    body += "</div>\n</section>\n";
  }
  std::string nav = "<a href=\"#targets\">Targets</a>";
  if (!f.targets.empty()) nav += "<a href=\"#z-scores\">z-scores</a>";
  nav += "<a href=\"#parameters\">Parameters</a>";
  if (!f.curves.empty()) nav += "<a href=\"#curves\">Survival curves</a>";
  nav += "\n";
  const std::string footer =
      std::string("<p>Generated by journeysim ") + kVersion +
      " (<code>journeysim report</code>) from a calibration fit (<code>journeysim calibrate "
      "--report</code>). Self-contained: inline SVG and CSS, no scripts, no network access "
      "needed. Hover a chart element for its value.</p>\n";
  return svg::page(title, header, nav, body, footer, kFitCss);
}

}  // namespace journeysim::calibrate
