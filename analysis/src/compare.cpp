#include "journeysim/analysis/compare.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "journeysim/analysis/decision.hpp"
#include "journeysim/analysis/runner.hpp"
#include "journeysim/common/text.hpp"
#include "journeysim/kpi/cash_flow.hpp"
#include "journeysim/kpi/score.hpp"
#include "journeysim/sim/rng.hpp"
#include "journeysim/sim/size_options.hpp"
#include "journeysim/version.hpp"
#include "svg.hpp"

namespace journeysim::analysis {

namespace {

std::string fmt_num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// The replication values of one scenario run under one design: KPI id -> values per replication.
using Values = std::map<std::string, std::vector<double>>;

struct Arm {
  sim::Scenario scenario;
  Values values;
  std::map<std::string, std::string> reasons;
  std::vector<RunMoney> money;  // per replication: monthly net cash, MRR at the end, churn
};

// the KPIs the economics are built on (scored even when --kpi names others)
const std::vector<std::string> kEconomics = {"revenue_collected", "total_cost", "net_contribution",
                                             "mrr", "monthly_churn_rate"};

void run_batch(Arm& arm, int first, int count, const CompareOptions& o, const std::string& tag,
               const std::vector<std::string>& kpis) {
  SimulateOptions so;
  so.first_replication = static_cast<std::uint16_t>(first);
  so.replications = static_cast<std::uint16_t>(count);
  so.threads = o.threads;
  so.command_line = o.command_line;
  so.progress = o.progress;
  if (!o.keep_logs.empty()) {
    std::filesystem::create_directories(o.keep_logs);
    so.keep_path =
        (std::filesystem::path(o.keep_logs) /
         (tag + "_r" + std::to_string(first) + "-" + std::to_string(first + count - 1) + ".h5"))
            .string();
  }
  kpi::Log log = simulate_to_log(arm.scenario, so);
  kpi::ScoreOptions opt;
  opt.kpis = kpis;
  opt.params = o.params;
  kpi::ScoreReport rep = kpi::score(log, opt);
  for (const auto& s : rep.scores) {
    auto& v = arm.values[s.id];
    v.insert(v.end(), s.values.begin(), s.values.end());
    if (s.replications == 0 && !arm.reasons.count(s.id)) arm.reasons[s.id] = s.result.reason;
  }
  // the money month by month, for the value past the horizon
  auto value_at = [&](const std::string& id, int r) {
    for (const auto& s : rep.scores)
      if (s.id == id && r < static_cast<int>(s.values.size()) && std::isfinite(s.values[r]))
        return s.values[r];
    return 0.0;  // no recurring revenue, or no churn observed
  };
  auto flows = kpi::monthly_cash_flows(log);
  for (std::size_t r = 0; r < flows.size(); ++r) {
    RunMoney m;
    for (std::size_t k = 0; k < flows[r].revenue.size(); ++k)
      m.net.push_back(flows[r].revenue[k] - flows[r].cost[k]);
    m.mrr_end = value_at("mrr", static_cast<int>(r));
    m.monthly_churn = value_at("monthly_churn_rate", static_cast<int>(r));
    arm.money.push_back(std::move(m));
  }
}

std::string verdict(const Difference& d, kpi::Direction dir) {
  if (!d.significant) return "no difference";
  if (dir == kpi::Direction::neutral) return "changed";
  bool up = d.delta.mean > 0;
  return up == (dir == kpi::Direction::higher_is_better) ? "better" : "worse";
}

bool tty() {
  return isatty(STDERR_FILENO);
}

}  // namespace

CompareResult compare(const CompareOptions& o) {
  if (o.scenarios.size() < 2)
    throw std::runtime_error("compare: give a base scenario and at least one variant");
  if (o.replications < 2)
    throw std::runtime_error("compare: --replications must be at least 2 (a CI needs two)");
  if (!o.precision_kpi.empty() && !(o.precision_half_width > 0))
    throw std::runtime_error("--until-precision: the half-width must be a positive number");
  if (o.max_replications < o.replications || o.max_replications > 65536)
    throw std::runtime_error("--max-replications must be between --replications and 65536");
  adjust_p({}, o.correction);  // validates the method name
  if (!(o.economics.discount_rate >= 0 && o.economics.discount_rate <= 1))
    throw std::runtime_error("--discount-rate: expected an annual rate from 0 to 1 (0.1 = 10%)");
  if (o.economics.projection_months < 0 || o.economics.projection_months > 1200)
    throw std::runtime_error("--projection-months: expected 0 to 1200 months");
  if (!(o.economics.margin >= 0 && o.economics.margin <= 1))
    throw std::runtime_error("--margin: expected a share from 0 to 1");
  std::vector<std::string> kpis = o.kpis;
  std::vector<std::string> known_ids;
  for (const auto& d : kpi::registry()) known_ids.push_back(d.id);
  for (const auto& id : kpis)
    if (!kpi::find_kpi(id))
      throw std::runtime_error("unknown KPI '" + id + "'" + common::did_you_mean(id, known_ids) +
                               " (see `journeysim kpis`)");
  if (!o.precision_kpi.empty() && !kpi::find_kpi(o.precision_kpi))
    throw std::runtime_error("--until-precision: unknown KPI '" + o.precision_kpi + "'" +
                             common::did_you_mean(o.precision_kpi, known_ids) +
                             " (see `journeysim kpis`)");
  if (!kpis.empty()) {  // the economics and the precision target need their KPIs scored too
    auto add = [&](const std::string& id) {
      if (std::find(kpis.begin(), kpis.end(), id) == kpis.end()) kpis.push_back(id);
    };
    for (const auto& id : kEconomics) add(id);
    if (!o.precision_kpi.empty()) add(o.precision_kpi);
  }
  std::vector<std::string> sets;
  if (o.customers) sets.push_back("customers=" + fmt_num(*o.customers));
  sets.insert(sets.end(), o.sets.begin(), o.sets.end());

  CompareResult res;
  res.crn = !o.independent;
  res.correction = o.correction;
  res.alpha = o.alpha;
  const std::size_t S = o.scenarios.size();
  std::vector<Arm> arms(S);   // the chosen design
  std::vector<Arm> other(S);  // the other design for variants (variance_reduction)
  for (std::size_t i = 0; i < S; ++i) {
    // --days, --keep-rate and --scale-teams per scenario
    const auto sized =
        sim::apply_size_options(o.scenarios[i], sets, {o.days, o.keep_rate, o.scale_teams});
    res.notes.insert(res.notes.end(), sized.notes.begin(), sized.notes.end());
    arms[i].scenario = sim::load_scenario(o.scenarios[i], sized.sets);
    res.names.push_back(arms[i].scenario.name);
    res.paths.push_back(o.scenarios[i]);
  }
  const sim::Scenario& base = arms[0].scenario;
  for (std::size_t i = 1; i < S; ++i) {
    const sim::Scenario& v = arms[i].scenario;
    if (v.horizon_days != base.horizon_days)
      throw std::runtime_error("compare: " + o.scenarios[i] + " has horizon_days " +
                               fmt_num(v.horizon_days) + " but the base " + o.scenarios[0] +
                               " has " + fmt_num(base.horizon_days) +
                               ": KPIs over different windows are not comparable (give --days to "
                               "use one horizon for all)");
    if (v.start_time != base.start_time)
      throw std::runtime_error("compare: " + o.scenarios[i] + " starts on " + v.start_date +
                               " but the base " + o.scenarios[0] + " on " + base.start_date +
                               ": KPIs over different calendar windows are not comparable (set "
                               "start_date alike)");
  }
  // Seeds: common random numbers give every scenario the base seed; the independent design
  // derives a distinct seed per scenario.
  const std::uint64_t seed = o.seed.value_or(base.seed);
  auto independent_seed = [&](std::size_t i) {
    return i == 0 ? seed : sim::mix(seed, 0x5eed0000u + i);
  };
  for (std::size_t i = 0; i < S; ++i) {
    arms[i].scenario.seed = o.independent ? independent_seed(i) : seed;
    res.seeds.push_back(arms[i].scenario.seed);
    if (o.variance_reduction && i > 0) {
      other[i].scenario = arms[i].scenario;
      other[i].scenario.seed = o.independent ? seed : independent_seed(i);
    }
  }
  res.horizon_days = base.horizon_days;
  res.customers = base.customers;
  res.kind = scenario_kind(base).id;
  res.all = o.all;

  auto differences = [&](const std::string& id, const std::vector<Arm>& a, std::size_t i,
                         bool crn) {
    return crn ? paired_difference(a[0].values.at(id), a[i].values.at(id))
               : welch_difference(a[0].values.at(id), a[i].values.at(id));
  };
  int done = 0;
  int batch = o.replications;
  for (;;) {
    for (std::size_t i = 0; i < S; ++i) {
      if (o.progress && tty())
        std::fprintf(stderr, "\rcompare: %s, replications %d-%d%*s\n", res.names[i].c_str(), done,
                     done + batch - 1, 20, "");
      run_batch(arms[i], done, batch, o, "s" + std::to_string(i) + "_" + res.names[i], kpis);
      if (o.variance_reduction && i > 0)
        run_batch(other[i], done, batch, o,
                  "s" + std::to_string(i) + "_" + res.names[i] +
                      (o.independent ? "_crn" : "_independent"),
                  kpis);
    }
    done += batch;
    if (o.precision_kpi.empty()) break;
    // the worst variant's half-width, and the replications it would need (h ~ 1/sqrt(n))
    double worst = 0;
    res.precision_achieved.clear();
    for (std::size_t i = 1; i < S; ++i) {
      Difference d = differences(o.precision_kpi, arms, i, !o.independent);
      double h = d.delta.ci_high - d.delta.mean;
      if (d.delta.se == 0) h = 0;
      res.precision_achieved.push_back(h);
      worst = std::max(worst, std::isfinite(h) ? h : INFINITY);
    }
    res.precision_reached = worst <= o.precision_half_width;
    if (res.precision_reached || done >= o.max_replications) break;
    double need = std::isfinite(worst) ? std::ceil(done * (worst / o.precision_half_width) *
                                                   (worst / o.precision_half_width) * 1.1)
                                       : 2.0 * done;
    batch = static_cast<int>(std::clamp(need - done, 2.0, double(o.max_replications - done)));
  }
  res.replications = done;
  res.precision_kpi = o.precision_kpi;
  res.precision_target = o.precision_half_width;

  // per-KPI comparison, in registry order of the scored ids
  std::vector<std::string> ids;
  if (o.kpis.empty()) {
    for (const auto& d : kpi::registry()) ids.push_back(d.id);
  } else {
    ids = o.kpis;
  }
  for (const auto& id : ids) {
    KpiComparison k;
    k.id = id;
    const kpi::KpiDef* def = kpi::find_kpi(id);
    for (std::size_t i = 0; i < S; ++i) {
      k.values.push_back(estimate(arms[i].values.at(id)));
      k.reasons.push_back(k.values.back().n == 0 ? arms[i].reasons[id] : "");
    }
    std::vector<double> ps;
    for (std::size_t i = 1; i < S; ++i) {
      Difference d;
      if (k.values[0].n == 0 || k.values[i].n == 0) {
        std::size_t which = k.values[0].n == 0 ? 0 : i;
        d.reason = "not available in " + res.names[which] + ": " + k.reasons[which];
      } else {
        d = differences(id, arms, i, !o.independent);
      }
      d.variant = res.names[i];
      if (o.variance_reduction && d.available) {
        // the other design: the same base run against the variant run with the other seeding
        std::vector<Arm> pair(2);
        pair[0].values[id] = arms[0].values.at(id);
        pair[1].values[id] = other[i].values.at(id);
        Difference alt = differences(id, pair, 1, o.independent);
        d.se_paired = o.independent ? alt.delta.se : d.delta.se;
        d.se_independent = o.independent ? d.delta.se : alt.delta.se;
      }
      ps.push_back(d.p);
      k.differences.push_back(d);
    }
    auto adj = adjust_p(ps, o.correction);
    for (std::size_t j = 0; j < k.differences.size(); ++j) {
      auto& d = k.differences[j];
      d.p_adjusted = adj[j];
      d.significant = d.available && std::isfinite(d.p_adjusted) && d.p_adjusted < o.alpha;
      d.verdict = d.available ? verdict(d, def->direction) : "";
    }
    res.kpis.push_back(std::move(k));
  }
  // playbook economics
  for (std::size_t i = 1; i < S; ++i) {
    Economics e;
    e.variant = res.names[i];
    const auto& b = arms[0].values;
    const auto& v = arms[i].values;
    auto diff = [&](const std::string& id) {
      return (o.independent ? welch_difference(b.at(id), v.at(id))
                            : paired_difference(b.at(id), v.at(id)))
          .delta;
    };
    e.revenue = diff("revenue_collected");
    e.cost = diff("total_cost");
    e.profit = diff("net_contribution");
    e.roi = paired_ratio(b.at("net_contribution"), v.at("net_contribution"), b.at("total_cost"),
                         v.at("total_cost"));
    if (e.cost.n == 0)
      e.note = "costs are not available (the logs have no channel table)";
    else if (!std::isfinite(e.roi.mean))
      e.note = "no incremental cost: ROI is not defined";
    else if (e.cost.mean < 0)
      e.note =
          "the variant costs less than the base: ROI is profit per unit of cost saved "
          "(negative cost change), read the profit instead";
    const double window = base.horizon_days / (365.25 / 12);
    e.past = past_horizon(arms[0].money, arms[i].money, window, o.economics, !o.independent);
    bool recurring = false;
    for (const auto* a : {&arms[0], &arms[i]})
      for (const auto& m : a->money) recurring = recurring || m.mrr_end > 0;
    if (!recurring)
      e.past.note =
          "no recurring revenue at the horizon: nothing is valued past it (the NPV is the "
          "window's discounted profit)";
    res.economics.push_back(e);
  }
  return res;
}

namespace {

nlohmann::json num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}
nlohmann::json est_json(const Estimate& e) {
  return {{"mean", num(e.mean)},
          {"se", num(e.se)},
          {"ci", {num(e.ci_low), num(e.ci_high)}},
          {"replications", e.n}};
}

}  // namespace

nlohmann::json to_json(const CompareResult& r) {
  nlohmann::json j;
  j["tool"] = "journeysim compare";
  j["version"] = kVersion;
  j["scenarios"] = nlohmann::json::array();
  for (std::size_t i = 0; i < r.names.size(); ++i)
    j["scenarios"].push_back({{"name", r.names[i]},
                              {"path", r.paths[i]},
                              {"seed", r.seeds[i]},
                              {"role", i == 0 ? "base" : "variant"}});
  j["replications"] = r.replications;
  if (!r.notes.empty()) j["notes"] = r.notes;
  j["crn"] = r.crn;
  j["design"] = r.crn ? "paired (common random numbers), Student t with R-1 df"
                      : "independent seeds, Welch t";
  j["correction"] = r.correction;
  j["correction_scope"] = "across variants, within each KPI";
  j["alpha"] = r.alpha;
  j["horizon_days"] = r.horizon_days;
  j["customers"] = r.customers;
  const ScenarioKind kind = scenario_kind(r.kind);
  j["kind"] = {{"id", kind.id}, {"label", kind.label}};
  j["all"] = r.all;
  j["summary"] = nlohmann::json::array();
  for (const auto& s : summarise(r))
    j["summary"].push_back({{"variant", s.variant},
                            {"pays", s.pays},
                            {"lines", s.lines},
                            {"headline", s.headline_order},
                            {"changed", s.changed},
                            {"unchanged", s.unchanged},
                            {"knock_on", s.knock_on},
                            {"other_changed", s.other_changed}});
  j["kpis"] = nlohmann::json::array();
  for (const auto& k : r.kpis) {
    const kpi::KpiDef* def = kpi::find_kpi(k.id);
    nlohmann::json kj;
    kj["id"] = k.id;
    kj["name"] = def->name;
    kj["unit"] = def->unit;
    kj["direction"] = kpi::direction_id(def->direction);
    bool any = false;
    kj["values"] = nlohmann::json::array();
    for (std::size_t i = 0; i < k.values.size(); ++i) {
      nlohmann::json v = est_json(k.values[i]);
      v["scenario"] = r.names[i];
      v["available"] = k.values[i].n > 0;
      if (k.values[i].n == 0) v["reason"] = k.reasons[i];
      any = any || k.values[i].n > 0;
      kj["values"].push_back(v);
    }
    kj["available"] = any;
    kj["differences"] = nlohmann::json::array();
    for (const auto& d : k.differences) {
      nlohmann::json dj;
      dj["variant"] = d.variant;
      dj["available"] = d.available;
      if (!d.available) {
        dj["reason"] = d.reason;
      } else {
        dj["delta"] = num(d.delta.mean);
        dj["se"] = num(d.delta.se);
        dj["ci"] = {num(d.delta.ci_low), num(d.delta.ci_high)};
        dj["df"] = num(d.df);
        dj["relative"] = num(d.relative);
        dj["relative_ci"] = {num(d.relative_ci_low), num(d.relative_ci_high)};
        dj["p"] = num(d.p);
        dj["p_adjusted"] = num(d.p_adjusted);
        dj["significant"] = d.significant;
        dj["verdict"] = d.verdict;
        Change ch = change_of(def->unit, d);
        dj["change"] = {{"value", num(ch.value)},
                        {"ci", {num(ch.ci_low), num(ch.ci_high)}},
                        {"unit", ch.unit},
                        {"relative_shown", ch.relative_shown},
                        {"text", change_text(def->unit, d, false)}};
        dj["effect_size"] = num(effect_size(def->unit, d, k.values[0].mean));
        if (std::isfinite(d.se_paired) || std::isfinite(d.se_independent)) {
          dj["se_paired"] = num(d.se_paired);
          dj["se_independent"] = num(d.se_independent);
          dj["variance_reduction"] =
              d.se_paired > 0
                  ? num(d.se_independent * d.se_independent / (d.se_paired * d.se_paired))
                  : nlohmann::json(nullptr);
        }
      }
      kj["differences"].push_back(dj);
    }
    j["kpis"].push_back(kj);
  }
  j["economics"] = nlohmann::json::array();
  for (const auto& e : r.economics) {
    auto diff = [](const Estimate& x) {
      return nlohmann::json{
          {"delta", num(x.mean)}, {"se", num(x.se)}, {"ci", {num(x.ci_low), num(x.ci_high)}}};
    };
    nlohmann::json ej{{"variant", e.variant},
                      {"incremental_revenue", diff(e.revenue)},
                      {"incremental_cost", diff(e.cost)},
                      {"incremental_profit", diff(e.profit)},
                      {"roi",
                       {{"value", num(e.roi.mean)},
                        {"se", num(e.roi.se)},
                        {"ci", {num(e.roi.ci_low), num(e.roi.ci_high)}}}}};
    if (!e.note.empty()) ej["note"] = e.note;
    const PastHorizon& p = e.past;
    nlohmann::json months = nlohmann::json::array(), mean = nlohmann::json::array(),
                   lo = nlohmann::json::array(), hi = nlohmann::json::array();
    for (std::size_t k = 0; k < p.month_end.size(); ++k) {
      months.push_back(p.month_end[k]);
      mean.push_back(num(p.cumulative[k].mean));
      lo.push_back(num(p.cumulative[k].ci_low));
      hi.push_back(num(p.cumulative[k].ci_high));
    }
    ej["past_horizon"] = {
        {"discount_rate", p.options.discount_rate},
        {"projection_months", p.options.projection_months},
        {"margin", p.options.margin},
        {"window_months", p.window_months},
        {"residual_value", diff(p.residual)},
        {"npv", diff(p.npv)},
        {"break_even_month",
         std::isfinite(p.break_even) ? nlohmann::json(month_number(p.break_even)) : nullptr},
        {"break_even_month_confident", std::isfinite(p.break_even_confident)
                                           ? nlohmann::json(month_number(p.break_even_confident))
                                           : nullptr},
        {"cumulative_profit",
         {{"month_end", months}, {"delta", mean}, {"ci_low", lo}, {"ci_high", hi}}}};
    if (!p.note.empty()) ej["past_horizon"]["note"] = p.note;
    j["economics"].push_back(ej);
  }
  if (!r.precision_kpi.empty()) {
    nlohmann::json pa = nlohmann::json::array();
    for (double h : r.precision_achieved) pa.push_back(num(h));
    j["precision"] = {{"kpi", r.precision_kpi},
                      {"target_half_width", r.precision_target},
                      {"achieved_half_width", pa},
                      {"reached", r.precision_reached},
                      {"replications", r.replications}};
  }
  return j;
}

namespace {

std::string f(double v) {
  if (!std::isfinite(v)) return "-";
  char b[64];
  double a = std::abs(v);
  if (a != 0 && (a < 0.001 || a >= 1e7))
    std::snprintf(b, sizeof b, "%.3g", v);
  else if (a >= 1000)
    std::snprintf(b, sizeof b, "%.0f", v);
  else
    std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}
}  // namespace

namespace {

// Words wrapped at `width` columns, continuation lines indented by `indent` spaces.
std::string wrap(const std::string& text, std::size_t width, std::size_t indent) {
  std::string out, line = std::string(indent > 2 ? indent - 2 : 0, ' ');
  bool first = true;  // the line's first word
  std::istringstream words(text);
  for (std::string w; words >> w;) {
    if (!first && line.size() + 1 + w.size() > width) {
      out += line + "\n";
      line = std::string(indent, ' ');
      first = true;
    }
    if (!first) line += ' ';
    line += w;
    first = false;
  }
  return out + line + "\n";
}
// A KPI value as the table shows it: shares as percentages.
std::string value_text(double v, const std::string& unit) {
  if (!std::isfinite(v)) return "-";
  if (unit.rfind("share", 0) == 0) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f%%", 100 * v);
    return b;
  }
  return svg::format_value(v, svg::Format::number);
}
std::string pct(double v) {
  if (!std::isfinite(v)) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%+.1f%%", 100 * v);
  return b;
}
std::string p_text(double p) {
  if (!std::isfinite(p)) return "-";
  if (p < 0.001) return "<0.001";
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", p);
  return b;
}

}  // namespace

std::string to_text(const CompareResult& r) {
  std::ostringstream o;
  o << "Comparison: base " << r.names[0] << " (" << r.paths[0] << ")";
  for (std::size_t i = 1; i < r.names.size(); ++i)
    o << "\n  variant " << r.names[i] << " (" << r.paths[i] << ")";
  const ScenarioKind kind = scenario_kind(r.kind);
  o << "\n"
    << r.replications << " replications, "
    << (r.crn ? "common random numbers (paired t)" : "independent seeds (Welch t)")
    << "; 95% CIs; p adjusted by " << r.correction << " across variants; alpha " << r.alpha
    << "\nScenario kind: " << kind.label
    << (r.all ? "; every KPI" : "; headline KPIs (--all for every KPI)") << "\n";
  for (const auto& n : r.notes) o << "note: " << n << "\n";
  const auto summaries = summarise(r);
  for (std::size_t i = 1; i < r.names.size(); ++i) {
    const VariantSummary& s = summaries[i - 1];
    o << "\n== " << r.names[i] << " vs " << r.names[0] << " ==\n";
    for (const auto& l : s.lines) o << wrap("- " + l, 100, 4);
    // the table: the headline KPIs (significant first, by effect size), or every KPI
    std::vector<const KpiComparison*> rows;
    auto by_id = [&](const std::string& id) -> const KpiComparison* {
      for (const auto& k : r.kpis)
        if (k.id == id) return &k;
      return nullptr;
    };
    if (r.all) {
      std::vector<const KpiComparison*> sig, rest, na;
      for (const auto& k : r.kpis) {
        const Difference& d = k.differences[i - 1];
        (!d.available ? na : d.significant ? sig : rest).push_back(&k);
      }
      for (auto* v : {&sig, &rest})
        std::stable_sort(v->begin(), v->end(), [&](const KpiComparison* a, const KpiComparison* b) {
          return effect_size(kpi::find_kpi(a->id)->unit, a->differences[i - 1], a->values[0].mean) >
                 effect_size(kpi::find_kpi(b->id)->unit, b->differences[i - 1], b->values[0].mean);
        });
      for (auto* v : {&sig, &rest, &na}) rows.insert(rows.end(), v->begin(), v->end());
    } else {
      for (const auto& id : s.headline_order)
        if (const KpiComparison* k = by_id(id)) rows.push_back(k);
    }
    char line[640];
    std::snprintf(line, sizeof line, "\n  %-36s %-15s %10s %10s %13s %-24s %8s %7s  %s\n", "KPI",
                  "unit", "base", "variant", "change", "95% CI", "relative", "p adj", "verdict");
    o << line;
    for (const KpiComparison* k : rows) {
      const kpi::KpiDef* def = kpi::find_kpi(k->id);
      const Difference& d = k->differences[i - 1];
      std::string name = def->name.substr(0, 36);
      if (!d.available) {
        std::snprintf(line, sizeof line, "  %-36s n/a: %s\n", name.c_str(), d.reason.c_str());
        o << line;
        continue;
      }
      Change ch = change_of(def->unit, d);
      std::string u = ch.unit == "pp" || ch.unit == "points" ? " " + ch.unit : "";
      std::string ci = std::isfinite(ch.ci_low) ? "[" + change_number(ch, ch.ci_low) + ", " +
                                                      change_number(ch, ch.ci_high) + "]"
                                                : "";
      std::string rel = ch.relative_shown ? pct(d.relative) : "-";
      std::snprintf(line, sizeof line, "  %-36s %-15s %10s %10s %13s %-24s %8s %7s  %s\n",
                    name.c_str(), def->unit.substr(0, 15).c_str(),
                    value_text(k->values[0].mean, def->unit).c_str(),
                    value_text(k->values[i].mean, def->unit).c_str(),
                    (change_number(ch, ch.value) + u).c_str(), ci.c_str(), rel.c_str(),
                    p_text(d.p_adjusted).c_str(), d.verdict.c_str());
      o << line;
    }
    if (!r.all) {
      std::size_t others = r.kpis.size() - rows.size();
      if (others > 0)
        o << "  (" << others << " other KPIs, " << s.other_changed
          << " of them with a significant change: --all lists every KPI)\n";
    }
  }
  o << "\nPlaybook economics (variant - base, per run of the horizon; 95% CI)\n";
  for (const auto& e : r.economics) {
    auto ci = [](const Estimate& x) {
      auto g = [](double v) {
        return std::isfinite(v) ? svg::format_value(v, svg::Format::number) : std::string("-");
      };
      return g(x.mean) + " [" + g(x.ci_low) + ", " + g(x.ci_high) + "]";
    };
    o << "  " << e.variant << ": revenue " << ci(e.revenue) << ", cost " << ci(e.cost)
      << ", profit " << ci(e.profit) << ", ROI " << ci(e.roi) << "\n";
    if (!e.note.empty()) o << "    note: " << e.note << "\n";
    const PastHorizon& p = e.past;
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g%%", 100 * p.options.discount_rate);
    o << "    past the horizon (" << p.options.projection_months
      << " months of the MRR still running, "
      << "margin " << p.options.margin << ", discounted at " << rate << " a year): residual value "
      << ci(p.residual) << ", NPV " << ci(p.npv) << ", break-even "
      << (std::isfinite(p.break_even) ? "month " + std::to_string(month_number(p.break_even))
                                      : std::string("none"))
      << " (lower 95% bound: "
      << (std::isfinite(p.break_even_confident)
              ? "month " + std::to_string(month_number(p.break_even_confident))
              : std::string("none"))
      << ")\n";
    if (!p.note.empty()) o << "    note: " << p.note << "\n";
  }
  if (!r.precision_kpi.empty()) {
    o << "\nPrecision target " << r.precision_kpi << " half-width <= " << f(r.precision_target)
      << ": " << (r.precision_reached ? "reached" : "NOT reached (cap)") << " after "
      << r.replications << " replications; achieved";
    for (double h : r.precision_achieved) o << " " << f(h);
    o << "\n";
  }
  return o.str();
}

}  // namespace journeysim::analysis
