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

#include "journeysim/analysis/runner.hpp"
#include "journeysim/common/text.hpp"
#include "journeysim/kpi/score.hpp"
#include "journeysim/sim/horizon.hpp"
#include "journeysim/sim/rng.hpp"
#include "journeysim/version.hpp"

namespace journeysim::analysis {

namespace {

double t975(double df) {
  if (!(df > 0)) return NAN;
  return boost::math::quantile(boost::math::students_t(df), 0.975);
}
double two_sided_p(double t, double df) {
  if (!(df > 0) || std::isnan(t)) return NAN;
  return 2 * boost::math::cdf(boost::math::complement(boost::math::students_t(df), std::abs(t)));
}
double mean_of(const std::vector<double>& v) {
  return v.empty() ? NAN : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}
double var_of(const std::vector<double>& v) {  // sample variance
  if (v.size() < 2) return NAN;
  double m = mean_of(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / (v.size() - 1);
}
std::vector<double> finite(const std::vector<double>& v) {
  std::vector<double> out;
  for (double x : v)
    if (std::isfinite(x)) out.push_back(x);
  return out;
}
// p-value of a t statistic when the standard error may be exactly zero (common random numbers
// make a KPI the variant does not touch identical in every replication).
double p_value(double delta, double se, double df) {
  if (se == 0) return delta == 0 ? 1.0 : 0.0;
  return two_sided_p(delta / se, df);
}

}  // namespace

Estimate estimate(const std::vector<double>& values) {
  auto v = finite(values);
  Estimate e;
  e.n = static_cast<int>(v.size());
  if (v.empty()) return e;
  e.mean = mean_of(v);
  if (v.size() > 1) {
    e.se = std::sqrt(var_of(v) / v.size());
    double h = t975(v.size() - 1.0) * e.se;
    e.ci_low = e.mean - h;
    e.ci_high = e.mean + h;
  }
  return e;
}

Difference paired_difference(const std::vector<double>& base, const std::vector<double>& var) {
  Difference d;
  std::vector<double> diffs, b, v;
  for (std::size_t i = 0; i < std::min(base.size(), var.size()); ++i)
    if (std::isfinite(base[i]) && std::isfinite(var[i])) {
      diffs.push_back(var[i] - base[i]);
      b.push_back(base[i]);
      v.push_back(var[i]);
    }
  d.delta = estimate(diffs);
  if (d.delta.n == 0) {
    d.reason = "no replication in which both are available";
    return d;
  }
  d.available = true;
  if (d.delta.n < 2) return d;
  d.df = d.delta.n - 1.0;
  d.p = p_value(d.delta.mean, d.delta.se, d.df);
  double mb = mean_of(b);
  if (mb > 0) {  // a change relative to a zero or negative base is not meaningful
    // relative change r = mean(v)/mean(b) - 1, linearised: z_i = (v_i - (1 + r) b_i) / mean(b)
    d.relative = mean_of(v) / mb - 1;
    std::vector<double> z;
    for (std::size_t i = 0; i < b.size(); ++i) z.push_back((v[i] - (1 + d.relative) * b[i]) / mb);
    double se = std::sqrt(var_of(z) / z.size()), h = t975(d.df) * se;
    d.relative_ci_low = d.relative - h;
    d.relative_ci_high = d.relative + h;
  }
  return d;
}

Difference welch_difference(const std::vector<double>& base, const std::vector<double>& var) {
  Difference d;
  auto b = finite(base), v = finite(var);
  if (b.empty() || v.empty()) {
    d.reason = b.empty() ? "not available in the base" : "not available in the variant";
    return d;
  }
  d.available = true;
  d.delta.n = static_cast<int>(std::min(b.size(), v.size()));
  double mb = mean_of(b), mv = mean_of(v);
  d.delta.mean = mv - mb;
  if (b.size() < 2 || v.size() < 2) return d;
  double sb = var_of(b) / b.size(), sv = var_of(v) / v.size();
  d.delta.se = std::sqrt(sb + sv);
  // Welch-Satterthwaite degrees of freedom
  double den = sb * sb / (b.size() - 1.0) + sv * sv / (v.size() - 1.0);
  d.df = den > 0 ? (sb + sv) * (sb + sv) / den : b.size() + v.size() - 2.0;
  double h = t975(d.df) * d.delta.se;
  d.delta.ci_low = d.delta.mean - h;
  d.delta.ci_high = d.delta.mean + h;
  d.p = p_value(d.delta.mean, d.delta.se, d.df);
  if (mb > 0) {
    d.relative = mv / mb - 1;
    // delta method for mean(v)/mean(b) with independent samples
    double se = std::sqrt(sv + (1 + d.relative) * (1 + d.relative) * sb) / std::abs(mb);
    d.relative_ci_low = d.relative - t975(d.df) * se;
    d.relative_ci_high = d.relative + t975(d.df) * se;
  }
  return d;
}

Estimate paired_ratio(const std::vector<double>& nb, const std::vector<double>& nv,
                      const std::vector<double>& db, const std::vector<double>& dv) {
  std::vector<double> p, c;
  for (std::size_t i = 0; i < nb.size() && i < nv.size() && i < db.size() && i < dv.size(); ++i)
    if (std::isfinite(nb[i]) && std::isfinite(nv[i]) && std::isfinite(db[i]) &&
        std::isfinite(dv[i])) {
      p.push_back(nv[i] - nb[i]);
      c.push_back(dv[i] - db[i]);
    }
  Estimate e;
  e.n = static_cast<int>(p.size());
  double mc = mean_of(c);
  if (p.empty() || mc == 0 || !std::isfinite(mc)) return e;
  e.mean = mean_of(p) / mc;
  if (p.size() < 2) return e;
  std::vector<double> z;
  for (std::size_t i = 0; i < p.size(); ++i) z.push_back((p[i] - e.mean * c[i]) / mc);
  e.se = std::sqrt(var_of(z) / z.size());
  double h = t975(p.size() - 1.0) * e.se;
  e.ci_low = e.mean - h;
  e.ci_high = e.mean + h;
  return e;
}

std::vector<double> adjust_p(const std::vector<double>& p, const std::string& method) {
  std::vector<double> out = p;
  if (method == "none") return out;
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (std::isfinite(p[i])) idx.push_back(i);
  const double m = static_cast<double>(idx.size());
  if (method == "bonferroni") {
    for (std::size_t i : idx) out[i] = std::min(1.0, p[i] * m);
    return out;
  }
  if (method != "holm")
    throw std::runtime_error("--correction: expected holm, bonferroni or none, found '" + method +
                             "'");
  std::stable_sort(idx.begin(), idx.end(),
                   [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  double running = 0;
  for (std::size_t k = 0; k < idx.size(); ++k) {
    running = std::max(running, std::min(1.0, (m - k) * p[idx[k]]));
    out[idx[k]] = running;
  }
  return out;
}

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
};

const std::vector<std::string> kEconomics = {"revenue_collected", "total_cost", "net_contribution"};

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
  if (o.keep_rate && !o.days) throw std::runtime_error("--keep-rate goes with --days");
  bool customers_given = o.customers.has_value();
  for (const auto& a : o.sets) customers_given |= a.rfind("customers=", 0) == 0;

  CompareResult res;
  res.crn = !o.independent;
  res.correction = o.correction;
  res.alpha = o.alpha;
  const std::size_t S = o.scenarios.size();
  std::vector<Arm> arms(S);   // the chosen design
  std::vector<Arm> other(S);  // the other design for variants (variance_reduction)
  for (std::size_t i = 0; i < S; ++i) {
    std::vector<std::string> own = sets;  // --days (and --keep-rate) per scenario
    if (o.days) {
      auto h = sim::override_horizon(o.scenarios[i], sets, *o.days, o.keep_rate, customers_given);
      own.insert(own.begin(), h.sets.begin(), h.sets.end());
      if (!h.note.empty()) res.notes.push_back(h.note);
    }
    arms[i].scenario = sim::load_scenario(o.scenarios[i], own);
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
std::string pm(const Estimate& e) {
  std::string s = f(e.mean);
  if (std::isfinite(e.ci_high)) s += " +/- " + f(e.ci_high - e.mean);
  return s;
}
std::string pct(double v) {
  if (!std::isfinite(v)) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%+.1f%%", 100 * v);
  return b;
}

}  // namespace

std::string to_text(const CompareResult& r) {
  std::ostringstream o;
  o << "Comparison: base " << r.names[0] << " (" << r.paths[0] << ")";
  for (std::size_t i = 1; i < r.names.size(); ++i)
    o << "\n  variant " << r.names[i] << " (" << r.paths[i] << ")";
  o << "\n"
    << r.replications << " replications, "
    << (r.crn ? "common random numbers (paired t)" : "independent seeds (Welch t)")
    << "; value +/- 95% CI half-width; p adjusted by " << r.correction << " across variants; alpha "
    << r.alpha << "\n";
  for (const auto& n : r.notes) o << "note: " << n << "\n";
  for (std::size_t i = 1; i < r.names.size(); ++i) {
    o << "\n== " << r.names[i] << " vs " << r.names[0] << " ==\n";
    char line[512];
    std::snprintf(line, sizeof line, "  %-40s %20s %20s %22s %8s %8s  %s\n", "KPI", "base",
                  "variant", "difference (95% CI)", "change", "p adj", "verdict");
    o << line;
    for (const auto& k : r.kpis) {
      const kpi::KpiDef* def = kpi::find_kpi(k.id);
      const Difference& d = k.differences[i - 1];
      if (!d.available) {
        std::snprintf(line, sizeof line, "  %-40s n/a: %s\n", def->name.substr(0, 40).c_str(),
                      d.reason.c_str());
        o << line;
        continue;
      }
      std::string ci;
      if (!std::isfinite(d.delta.ci_low)) {
        ci = f(d.delta.mean);
      } else {
        ci += '[';
        ci += f(d.delta.ci_low);
        ci += ", ";
        ci += f(d.delta.ci_high);
        ci += ']';
      }
      std::snprintf(line, sizeof line, "  %-40s %20s %20s %22s %8s %8s  %s\n",
                    def->name.substr(0, 40).c_str(), pm(k.values[0]).c_str(),
                    pm(k.values[i]).c_str(), ci.c_str(), pct(d.relative).c_str(),
                    f(d.p_adjusted).c_str(), d.verdict.c_str());
      o << line;
    }
  }
  o << "\nPlaybook economics (variant - base, per run of the horizon; 95% CI)\n";
  for (const auto& e : r.economics) {
    auto ci = [](const Estimate& x) {
      return f(x.mean) + " [" + f(x.ci_low) + ", " + f(x.ci_high) + "]";
    };
    o << "  " << e.variant << ": revenue " << ci(e.revenue) << ", cost " << ci(e.cost)
      << ", profit " << ci(e.profit) << ", ROI " << ci(e.roi) << "\n";
    if (!e.note.empty()) o << "    note: " << e.note << "\n";
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
