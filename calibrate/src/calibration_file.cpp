#include "journeysim/calibrate/calibration_file.hpp"

#include <algorithm>
#include <boost/random/mersenne_twister.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "journeysim/common/text.hpp"
#include "journeysim/kpi/import.hpp"
#include "journeysim/kpi/kpis.hpp"
#include "journeysim/kpi/score.hpp"
#include "journeysim/kpi/survival.hpp"
#include "journeysim/sweep/file_keys.hpp"
#include "journeysim/version.hpp"

namespace journeysim::calibrate {

namespace {

using sim::ConfigNode;
using sim::ScenarioError;
using sim::SourcePos;
using namespace sweep::keys;

constexpr double kMonthDays = 30.4375;

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

Parameter read_parameter(const ConfigNode& n, const std::string& key) {
  Keys k(n, key);
  Parameter p;
  p.line = n.pos.line;
  p.column = n.pos.column;
  p.path = scalar_text(k.need("path"), k.key("path"), "a scenario key path");
  p.name = p.path;
  if (const ConfigNode* nm = k.get("name")) p.name = scalar_text(*nm, k.key("name"), "a name");
  const ConfigNode& b = k.need("bounds");
  auto bounds = number_list(b, k.key("bounds"), -1e300, 1e300);
  if (bounds.size() != 2 || !(bounds[0] < bounds[1]))
    throw ScenarioError(b.pos, k.key("bounds"), "expected [lo, hi] with lo < hi");
  p.lo = bounds[0];
  p.hi = bounds[1];
  if (const ConfigNode* s = k.get("scale")) {
    const std::string v = scalar_text(*s, k.key("scale"), "linear or log");
    if (v == "log")
      p.log_scale = true;
    else if (v != "linear")
      throw ScenarioError(
          s->pos, k.key("scale"),
          "expected linear or log, found '" + v + "'" + common::did_you_mean(v, {"linear", "log"}));
    if (p.log_scale && !(p.lo > 0))
      throw ScenarioError(b.pos, k.key("bounds"), "a log scale needs lo > 0");
  }
  p.start = p.value(0.5);
  if (const ConfigNode* s = k.get("start")) p.start = number(*s, k.key("start"), p.lo, p.hi);
  k.done();
  return p;
}

// The Kaplan-Meier survival of the log's group at the target's months.
void observe_survival(SurvivalTarget& t, const std::string& where) {
  kpi::ImportMapping mapping;
  try {
    mapping = kpi::load_mapping(t.mapping);
  } catch (const std::exception& e) {
    throw std::runtime_error(where + ": mapping: " + e.what());
  }
  const kpi::ImportResult imported = kpi::import_csv(t.log_path, mapping);
  const kpi::Lifetimes life = kpi::lifetimes(imported.log, t.group.empty() ? "" : t.by);
  std::vector<double> time;
  std::vector<std::uint8_t> event;
  std::vector<std::string> groups;
  for (std::size_t i = 0; i < life.days.size(); ++i) {
    if (!t.group.empty() && life.group[i] != t.group) {
      if (std::find(groups.begin(), groups.end(), life.group[i]) == groups.end())
        groups.push_back(life.group[i]);
      continue;
    }
    time.push_back(life.days[i]);
    event.push_back(life.churned[i]);
  }
  if (time.empty())
    throw std::runtime_error("no converted customer of group '" + t.group + "' (by " + t.by +
                             ") in " + t.log_path + common::did_you_mean(t.group, groups) +
                             "; groups: " + common::join(groups));
  const kpi::KmCurve km = kpi::kaplan_meier(time, event);
  t.customers = km.n;
  t.events = km.events;
  for (double m : t.months) {
    const double d = m * kMonthDays;
    t.observed.push_back(km.survival_at(d));
    // Greenwood standard error at d: the last point at or before d
    double se = 0;
    for (const auto& p : km.points)
      if (p.t <= d) se = p.std_err;
    // no event yet: Greenwood's SE is 0, but S is known to no better than one customer in n
    t.se.push_back(std::max(se, 1.0 / static_cast<double>(km.n)));
  }
}

// The KPI target on its real log: the value(s) on the whole log, and standard errors from a
// bootstrap over the log's customers (resampled with replacement, `resamples` times, from a
// generator seeded by the calibration's seed: deterministic).
void observe_kpi(KpiTarget& t, std::uint64_t seed) {
  kpi::ImportMapping mapping = kpi::load_mapping(t.mapping);
  const kpi::ImportResult imported = kpi::import_csv(t.log_path, mapping);
  const kpi::Log& log = imported.log;
  t.values = kpi_target_values(t, log, t.group);
  for (std::size_t i = 0; i < t.values.size(); ++i)
    if (!std::isfinite(t.values[i])) {
      std::string what = t.kpi;
      if (!t.months.empty()) what += " at month " + fmt(t.months[i]);
      if (!t.group.empty()) what += " for " + t.by + " '" + t.group + "'";
      throw std::runtime_error(what + " is not available on " + t.log_path +
                               " (the log lacks the events it needs, or the group or month)");
    }
  std::vector<std::vector<double>> boot(t.values.size());
  boost::random::mt19937_64 gen(seed);
  const std::uint64_t n = log.customers.size();
  if (n == 0) throw std::runtime_error(t.log_path + ": no customers to resample");
  std::vector<std::uint32_t> picks(n);
  for (int b = 0; b < t.resamples; ++b) {
    for (auto& p : picks) p = static_cast<std::uint32_t>(gen() % n);  // n << 2^64: bias nil
    const kpi::Log rs = kpi::resample_customers(log, picks);
    const auto v = kpi_target_values(t, rs, t.group);
    for (std::size_t i = 0; i < v.size(); ++i)
      if (std::isfinite(v[i])) boot[i].push_back(v[i]);
  }
  t.se.clear();
  for (const auto& b : boot) {
    double m = 0, q = 0;
    for (double v : b) m += v;
    m /= std::max<std::size_t>(1, b.size());
    for (double v : b) q += (v - m) * (v - m);
    t.se.push_back(b.size() > 1 ? std::sqrt(q / static_cast<double>(b.size() - 1)) : 0.0);
  }
  // a statistic that does not vary over the resamples is still known only to about one customer
  // in n: its se is floored at |value| / n (and 1e-12)
  for (std::size_t i = 0; i < t.se.size(); ++i)
    t.se[i] = std::max({t.se[i],
                        std::abs(t.values[i]) / static_cast<double>(std::max<std::uint64_t>(n, 1)),
                        1e-12});
}
}  // namespace

double Parameter::value(double u) const {
  u = std::clamp(u, 0.0, 1.0);
  return log_scale ? std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)))
                   : lo + u * (hi - lo);
}
double Parameter::unit(double v) const {
  const double u = log_scale ? (std::log(v) - std::log(lo)) / (std::log(hi) - std::log(lo))
                             : (v - lo) / (hi - lo);
  return std::clamp(u, 0.0, 1.0);
}
double Parameter::dvalue_du(double u) const {
  return log_scale ? value(u) * (std::log(hi) - std::log(lo)) : hi - lo;
}

std::vector<double> kpi_target_values(const KpiTarget& t, const kpi::Log& log,
                                      const std::string& group) {
  kpi::ScoreOptions so;
  so.kpis = {t.kpi};
  so.by = group.empty() ? "" : t.by;
  const kpi::ScoreReport rep = kpi::score(log, so);
  const std::size_t n = t.months.empty() ? 1 : t.months.size();
  std::vector<double> out(n, NAN);
  for (const auto& s : rep.scores) {
    if (s.id != t.kpi || (!group.empty() && s.group != group)) continue;
    if (t.months.empty()) {
      if (!s.values.empty()) out[0] = s.values[0];
      break;
    }
    if (!s.result.available || s.result.tables.empty()) break;
    const kpi::ResultTable& table = s.result.tables[0];
    std::size_t col = 0;
    if (!t.table_column.empty()) {
      auto it = std::find(table.columns.begin(), table.columns.end(), t.table_column);
      if (it == table.columns.end())
        throw std::runtime_error("the monthly table of " + t.kpi + " has no column '" +
                                 t.table_column + "'" +
                                 common::did_you_mean(t.table_column, table.columns) +
                                 "; its columns: " + common::join(table.columns));
      col = static_cast<std::size_t>(it - table.columns.begin());
    }
    for (std::size_t i = 0; i < n; ++i) {
      const auto row = static_cast<std::size_t>(t.months[i]) - 1;
      if (row < table.cells.size() && col < table.cells[row].size()) out[i] = table.cells[row][col];
    }
    break;
  }
  return out;
}

std::vector<Moment> CalSpec::moments() const {
  std::vector<Moment> out;
  for (const auto& t : kpi_targets) {
    std::string name = t.kpi;
    if (!t.table_column.empty()) name += "." + t.table_column;
    if (!t.sim_group.empty()) name += "[" + (t.group.empty() ? t.sim_group : t.group) + "]";
    for (std::size_t i = 0; i < t.values.size(); ++i) {
      std::ostringstream os;
      os << name;
      if (!t.months.empty()) os << "(month " << t.months[i] << ")";
      out.push_back({os.str(), t.values[i], t.se[i], t.weight});
    }
  }
  for (const auto& t : survival_targets)
    for (std::size_t i = 0; i < t.months.size(); ++i) {
      std::ostringstream name;
      name << "survival[" << (t.group.empty() ? "all" : t.group) << "](" << t.months[i] << " mo)";
      out.push_back({name.str(), t.observed[i], t.se[i], t.weight});
    }
  return out;
}

std::vector<std::string> CalSpec::kpis() const {
  std::vector<std::string> out;
  for (const auto& t : kpi_targets)
    if (std::find(out.begin(), out.end(), t.kpi) == out.end()) out.push_back(t.kpi);
  return out;
}

CalSpec load_calibration(const std::string& path) {
  CalSpec s;
  s.path = path;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ScenarioError({path, 0, 0}, "", "cannot open the calibration file");
    std::stringstream ss;
    ss << in.rdbuf();
    s.text = ss.str();
  }
  const ConfigNode root = sim::parse_yaml_string(s.text, path);
  Keys k(root, "");
  refuse_scenario_file(root, "calibration file", "docs/calibration.md");
  const ConfigNode& fv = k.need("format_version");
  if (whole(fv, "format_version", 0, 1e9) != kCalibrationFormatVersion)
    throw ScenarioError(fv.pos, "format_version",
                        "this journeysim reads calibration format_version " +
                            std::to_string(kCalibrationFormatVersion) + ", found " + fv.scalar);
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  s.name = std::filesystem::path(path).stem().string();
  if (const ConfigNode* n = k.get("name")) s.name = scalar_text(*n, "name", "a name");
  if (const ConfigNode* n = k.get("description"))
    s.description = scalar_text(*n, "description", "a text");
  const ConfigNode& sc = k.need("scenario");
  s.scenario_path = (dir / scalar_text(sc, "scenario", "the path of a scenario file")).string();
  if (!std::filesystem::is_regular_file(s.scenario_path))
    throw ScenarioError(sc.pos, "scenario",
                        "scenario file '" + s.scenario_path +
                            "' does not exist (a relative path is taken from the file's folder)");
  const ConfigNode* seed = k.get("seed");
  if (const ConfigNode* n = k.get("replications"))
    s.replications = static_cast<std::uint32_t>(whole(*n, "replications", 2, 10000));
  if (const ConfigNode* n = k.get("markets"))
    s.markets = static_cast<std::uint32_t>(whole(*n, "markets", 1, 1e6));
  if (const ConfigNode* n = k.get("customers")) s.customers = number(*n, "customers", 1, 1e12);
  if (const ConfigNode* n = k.get("days")) s.days = number(*n, "days", 1, 36500);
  if (const ConfigNode* n = k.get("set")) s.sets = string_list(*n, "set");

  const ConfigNode& params = k.need("parameters");
  if (params.kind != ConfigNode::Kind::Seq || params.seq.empty())
    throw ScenarioError(params.pos, "parameters",
                        "expected a non-empty list of parameters, found " + params.kind_name());
  for (std::size_t i = 0; i < params.seq.size(); ++i) {
    s.parameters.push_back(read_parameter(params.seq[i], "parameters[" + std::to_string(i) + "]"));
    for (std::size_t j = 0; j + 1 < s.parameters.size(); ++j)
      if (s.parameters[j].path == s.parameters.back().path ||
          s.parameters[j].name == s.parameters.back().name)
        throw ScenarioError(params.seq[i].pos, "parameters[" + std::to_string(i) + "]",
                            "parameter '" + s.parameters.back().name + "' is given twice");
  }

  const ConfigNode& targets = k.need("targets");
  if (targets.kind != ConfigNode::Kind::Seq || targets.seq.empty())
    throw ScenarioError(targets.pos, "targets",
                        "expected a non-empty list of targets, found " + targets.kind_name());
  std::vector<std::string> ids;
  for (const auto& d : kpi::registry()) ids.push_back(d.id);
  // targets measured on a log wait for the seed (their bootstrap draws from it)
  struct Deferred {
    std::size_t target;
    SourcePos pos;
    std::string key;
    std::size_t index;
  };
  std::vector<Deferred> deferred;
  for (std::size_t i = 0; i < targets.seq.size(); ++i) {
    const ConfigNode& t = targets.seq[i];
    const std::string key = "targets[" + std::to_string(i) + "]";
    Keys tk(t, key);
    const ConfigNode* kpi_node = tk.get("kpi");
    const ConfigNode* surv = tk.get("survival");
    if ((kpi_node != nullptr) == (surv != nullptr))
      throw ScenarioError(t.pos, key,
                          "a target is either kpi: ID (with value and se or "
                          "tolerance) or survival: {log, mapping, group, months}");
    double weight = 1;
    if (const ConfigNode* w = tk.get("weight")) weight = number(*w, tk.key("weight"), 0, 1e6);
    if (kpi_node) {
      KpiTarget kt;
      kt.line = t.pos.line;
      kt.column = t.pos.column;
      kt.weight = weight;
      kt.kpi = scalar_text(*kpi_node, tk.key("kpi"), "a KPI id");
      if (!kpi::find_kpi(kt.kpi))
        throw ScenarioError(kpi_node->pos, tk.key("kpi"),
                            "unknown KPI '" + kt.kpi + "'" + common::did_you_mean(kt.kpi, ids) +
                                " (see `journeysim kpis`)");
      if (const ConfigNode* m = tk.get("months"))
        kt.months = number_list(*m, tk.key("months"), 1, 1200);
      if (const ConfigNode* c = tk.get("column"))
        kt.table_column = scalar_text(*c, tk.key("column"), "a column of the KPI's monthly table");
      if (!kt.table_column.empty() && kt.months.empty())
        throw ScenarioError(t.pos, key, "column applies to a monthly series (give months:)");
      if (const ConfigNode* b = tk.get("by")) {
        kt.by = scalar_text(*b, tk.key("by"), "segment, plan or channel");
        if (kt.by != "segment" && kt.by != "plan" && kt.by != "channel")
          throw ScenarioError(b->pos, tk.key("by"),
                              "expected segment, plan or channel, found '" + kt.by + "'");
      }
      if (const ConfigNode* g = tk.get("simulated_group"))
        kt.sim_group = scalar_text(*g, tk.key("simulated_group"), "a group of the scenario");
      const ConfigNode* value = tk.get("value");
      const ConfigNode* values = tk.get("values");
      const ConfigNode* se = tk.get("se");
      const ConfigNode* tol = tk.get("tolerance");
      const ConfigNode* from = tk.get("from_log");
      if (from) {
        if (value || values || se || tol)
          throw ScenarioError(from->pos, tk.key("from_log"),
                              "a target measured on a log takes no value, values, se or tolerance "
                              "(they come from the log, with a bootstrap over its customers)");
        Keys fk(*from, tk.key("from_log"));
        const ConfigNode& log = fk.need("log");
        kt.log_path = (dir / scalar_text(log, fk.key("log"), "the path of a CSV file")).string();
        if (!std::filesystem::is_regular_file(kt.log_path))
          throw ScenarioError(log.pos, fk.key("log"), "file '" + kt.log_path + "' does not exist");
        kt.mapping = scalar_text(fk.need("mapping"), fk.key("mapping"), "a mapping name or file");
        if (kt.mapping.find('/') != std::string::npos || kt.mapping.ends_with(".yaml"))
          kt.mapping = (dir / kt.mapping).string();
        if (const ConfigNode* g = fk.get("group")) {
          kt.group = scalar_text(*g, fk.key("group"), "a group of the log");
          if (kt.by.empty()) kt.by = "segment";
        }
        kt.resamples = 200;
        if (const ConfigNode* r = fk.get("resamples"))
          kt.resamples = static_cast<int>(whole(*r, fk.key("resamples"), 20, 100000));
        fk.done();
        if (kt.sim_group.empty()) kt.sim_group = kt.group;
      } else {
        if (kt.months.empty()) {
          if (values)
            throw ScenarioError(values->pos, tk.key("values"), "values: goes with months:");
          kt.values = {number(tk.need("value"), tk.key("value"), -1e300, 1e300)};
        } else {
          if (value)
            throw ScenarioError(value->pos, tk.key("value"), "a series takes values: [...]");
          kt.values = number_list(tk.need("values"), tk.key("values"), -1e300, 1e300);
          if (kt.values.size() != kt.months.size())
            throw ScenarioError(values->pos, tk.key("values"),
                                "expected " + std::to_string(kt.months.size()) +
                                    " values (one per month), found " +
                                    std::to_string(kt.values.size()));
        }
        if ((se != nullptr) == (tol != nullptr))
          throw ScenarioError(t.pos, key,
                              "give the target's standard error (se: ...) or the half-width of "
                              "its 95% interval (tolerance: ...), one of them");
        const ConfigNode* e = se ? se : tol;
        const double scale = se ? 1.0 : 1 / 1.959963984540054;
        if (e->kind == ConfigNode::Kind::Seq) {
          for (double v : number_list(*e, tk.key(se ? "se" : "tolerance"), 1e-300, 1e300))
            kt.se.push_back(v * scale);
          if (kt.se.size() != kt.values.size())
            throw ScenarioError(e->pos, tk.key(se ? "se" : "tolerance"),
                                "expected one per value (" + std::to_string(kt.values.size()) +
                                    "), found " + std::to_string(kt.se.size()));
        } else {
          kt.se.assign(kt.values.size(),
                       number(*e, tk.key(se ? "se" : "tolerance"), 1e-300, 1e300) * scale);
        }
        if (!kt.sim_group.empty() && kt.by.empty()) kt.by = "segment";
      }
      tk.done();
      if (from) deferred.push_back({s.kpi_targets.size(), from->pos, key + ".from_log", i});
      s.kpi_targets.push_back(kt);
    } else {
      tk.done();
      Keys sk(*surv, key + ".survival");
      SurvivalTarget st;
      st.line = surv->pos.line;
      st.column = surv->pos.column;
      st.weight = weight;
      const ConfigNode& log = sk.need("log");
      st.log_path = (dir / scalar_text(log, sk.key("log"), "the path of a CSV file")).string();
      if (!std::filesystem::is_regular_file(st.log_path))
        throw ScenarioError(log.pos, sk.key("log"), "file '" + st.log_path + "' does not exist");
      st.mapping = scalar_text(sk.need("mapping"), sk.key("mapping"), "a mapping name or file");
      if (st.mapping.find('/') != std::string::npos || st.mapping.ends_with(".yaml"))
        st.mapping = (dir / st.mapping).string();
      if (const ConfigNode* by = sk.get("by")) {
        st.by = scalar_text(*by, sk.key("by"), "segment, plan or channel");
        if (st.by != "segment" && st.by != "plan" && st.by != "channel")
          throw ScenarioError(by->pos, sk.key("by"),
                              "expected segment, plan or channel, found '" + st.by + "'");
      }
      if (const ConfigNode* g = sk.get("group"))
        st.group = scalar_text(*g, sk.key("group"), "a group");
      st.sim_group = st.group;
      if (const ConfigNode* g = sk.get("simulated_group"))
        st.sim_group = scalar_text(*g, sk.key("simulated_group"), "a group of the scenario");
      st.months = number_list(sk.need("months"), sk.key("months"), 0, 1200);
      sk.done();
      try {
        observe_survival(st, "the target log");
      } catch (const ScenarioError&) {
        throw;
      } catch (const std::exception& e) {
        throw ScenarioError(surv->pos, key + ".survival", e.what());
      }
      s.survival_targets.push_back(st);
    }
  }

  if (const ConfigNode* o = k.get("optimiser")) {
    Keys ok(*o, "optimiser");
    if (const ConfigNode* m = ok.get("method")) {
      s.optimiser.method = scalar_text(*m, "optimiser.method", "a method");
      const auto methods = optimise_methods();
      if (std::find(methods.begin(), methods.end(), s.optimiser.method) == methods.end())
        throw ScenarioError(m->pos, "optimiser.method",
                            "expected one of " + common::join(methods) + ", found '" +
                                s.optimiser.method + "'" +
                                common::did_you_mean(s.optimiser.method, methods));
    }
    if (const ConfigNode* n = ok.get("max_evaluations"))
      s.optimiser.max_evaluations = whole(*n, "optimiser.max_evaluations", 1, 1e7);
    if (const ConfigNode* n = ok.get("max_seconds"))
      s.optimiser.max_seconds = number(*n, "optimiser.max_seconds", 0, 1e9);
    if (const ConfigNode* n = ok.get("xtol_rel"))
      s.optimiser.xtol_rel = number(*n, "optimiser.xtol_rel", 0, 1);
    if (const ConfigNode* n = ok.get("ftol_abs"))
      s.optimiser.ftol_abs = number(*n, "optimiser.ftol_abs", 0, 1e9);
    if (const ConfigNode* n = ok.get("initial_step"))
      s.optimiser.initial_step = number(*n, "optimiser.initial_step", 1e-6, 0.5);
    if (const ConfigNode* g = ok.get("global")) {
      s.global = scalar_text(*g, "optimiser.global", "direct or none");
      if (s.global != "direct" && s.global != "none")
        throw ScenarioError(g->pos, "optimiser.global",
                            "expected direct or none, found '" + s.global + "'" +
                                common::did_you_mean(s.global, {"direct", "none"}));
    }
    if (const ConfigNode* n = ok.get("global_evaluations"))
      s.global_evaluations = whole(*n, "optimiser.global_evaluations", 0, 1e7);
    if (const ConfigNode* n = ok.get("hessian_step"))
      s.hessian_step = number(*n, "optimiser.hessian_step", 1e-4, 0.25);
    ok.done();
    if (s.optimiser.method == "direct")
      throw ScenarioError(o->pos, "optimiser.method",
                          "direct is the global phase (optimiser.global: direct); the method is "
                          "the local search: sbplx, bobyqa, neldermead or cobyla");
  }
  if (s.global == "none")
    s.global_evaluations = 0;
  else if (s.global_evaluations == 0)
    s.global_evaluations = std::max<std::uint64_t>(1, s.optimiser.max_evaluations * 2 / 5);
  if (s.global_evaluations >= s.optimiser.max_evaluations)
    throw ScenarioError(root.find("optimiser") ? root.find("optimiser")->pos : root.pos,
                        "optimiser.global_evaluations",
                        "the global phase (" + std::to_string(s.global_evaluations) +
                            " evaluations) must leave some of max_evaluations (" +
                            std::to_string(s.optimiser.max_evaluations) + ") to the local search");
  k.done();

  // the base scenario, then every parameter path at both bounds
  const ConfigNode* set_node = root.find("set");
  BaseScenario b = load_base_scenario(s.scenario_path, s.customers, s.days, s.sets,
                                      set_node ? set_node->pos : sc.pos);
  s.base = std::move(b.tree);
  s.base_text = std::move(b.text);
  const sim::Scenario& base = b.scenario;
  s.seed = seed ? whole(*seed, "seed", 0, 9007199254740992.0) : base.seed;
  for (const auto& d : deferred) {
    try {
      observe_kpi(s.kpi_targets[d.target], s.seed ^ (0x9e3779b97f4a7c15ull * (d.index + 1)));
    } catch (const ScenarioError&) {
      throw;
    } catch (const std::exception& e) {
      throw ScenarioError(d.pos, d.key, e.what());
    }
  }
  // a parameter the scenario takes in whole numbers only (a team's agents) is rounded (found by
  // offering it a fraction, as sweeps do)
  for (auto& p : s.parameters) p.integer = takes_whole_numbers(s.base, p.path, p.lo, p.hi);
  for (std::size_t i = 0; i < s.parameters.size(); ++i) {
    const Parameter& p = s.parameters[i];
    for (double v : {p.lo, p.hi, p.start}) {
      try {
        ConfigNode t = s.base;
        sim::apply_override(t, p.path + "=" + fmt(v));
        sim::parse_scenario(t);
      } catch (const ScenarioError& e) {
        throw ScenarioError(
            {path, p.line, p.column}, "parameters[" + std::to_string(i) + "] (" + p.name + ")",
            "the scenario refuses " + p.path + " = " + fmt(v) + ": " + bare_message(e));
      }
    }
  }
  for (const auto& t : s.survival_targets) {
    // the simulated group must be a name the scenario defines
    const std::string ns = t.by == "segment" ? "segments" : t.by == "plan" ? "plans" : "channels";
    std::vector<std::string> names;
    if (const ConfigNode* list = s.base.find(ns))
      for (const auto& item : list->seq)
        if (const ConfigNode* nm = item.find("name")) names.push_back(nm->scalar);
    if (!t.sim_group.empty() && std::find(names.begin(), names.end(), t.sim_group) == names.end())
      throw ScenarioError({path, t.line, t.column}, "survival.simulated_group",
                          "the scenario has no " + t.by + " '" + t.sim_group + "'" +
                              common::did_you_mean(t.sim_group, names) + "; its " + ns + ": " +
                              common::join(names) +
                              " (give simulated_group: when the names differ from the log's)");
  }
  std::uint64_t h = kFnvBasis;
  h = fnv1a(h, "journeysim calibration v" + std::to_string(kCalibrationFormatVersion));
  h = fnv1a(h, kVersion);
  h = fnv1a(h, kGitCommit);
  h = fnv1a(h, s.text);
  h = fnv1a(h, s.base_text);
  h = fnv1a(h, std::to_string(s.seed));
  for (const auto& m : s.moments()) h = fnv1a(h, m.name + "=" + fmt(m.observed) + "+-" + fmt(m.se));
  s.fingerprint = h;
  return s;
}

}  // namespace journeysim::calibrate
