#include "journeysim/sweep/analyse.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <iomanip>
#include <numeric>
#include <sstream>

#include "journeysim/kpi/kpis.hpp"
#include "journeysim/kpi/score.hpp"

namespace journeysim::sweep {

namespace {

PointEstimate estimate(const std::vector<double>& v) {
  PointEstimate e;
  std::vector<double> x;
  for (double d : v)
    if (std::isfinite(d)) x.push_back(d);
  e.n = static_cast<int>(x.size());
  if (x.empty()) return e;
  e.mean = std::accumulate(x.begin(), x.end(), 0.0) / x.size();
  if (x.size() > 1) {
    double ss = 0;
    for (double d : x) ss += (d - e.mean) * (d - e.mean);
    const double se = std::sqrt(ss / (x.size() - 1) / x.size());
    const double h = kpi::t_quantile_975(static_cast<int>(x.size()) - 1) * se;
    e.ci_low = e.mean - h;
    e.ci_high = e.mean + h;
  }
  return e;
}

// Two-sided p-value of the paired differences b - a (NaN pairs skipped; NaN when < 2 pairs).
double paired_p(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (std::isfinite(a[i]) && std::isfinite(b[i])) d.push_back(b[i] - a[i]);
  if (d.size() < 2) return NAN;
  const double m = std::accumulate(d.begin(), d.end(), 0.0) / d.size();
  double ss = 0;
  for (double x : d) ss += (x - m) * (x - m);
  const double se = std::sqrt(ss / (d.size() - 1) / d.size());
  if (se == 0) return m == 0 ? 1.0 : 0.0;
  namespace bm = boost::math;
  return 2 * bm::cdf(bm::complement(bm::students_t(d.size() - 1.0), std::abs(m / se)));
}

std::string num(double v) {
  if (!std::isfinite(v)) return "-";
  std::ostringstream os;
  const double a = std::abs(v);
  if (a != 0 && (a >= 1e6 || a < 1e-3))
    os << std::setprecision(3) << std::scientific << v;
  else
    os << std::setprecision(a >= 100 ? 0 : a >= 1 ? 3 : 4) << std::fixed << v;
  return os.str();
}

nlohmann::json jnum(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json jinterval(const Interval& i) {
  return {{"value", jnum(i.value)}, {"ci_low", jnum(i.low)}, {"ci_high", jnum(i.high)}};
}

}  // namespace

Analysis analyse(const SweepResults& r, const AnalyseOptions& o) {
  Analysis a;
  a.name = r.name;
  a.path = r.path;
  a.design = design_name(r.design.kind);
  a.replications = r.replications;
  a.factors = r.factors;
  for (auto s : r.status) a.failed_tasks += s != 0;
  const std::uint64_t P = r.points(), R = r.replications;
  for (std::uint64_t p = 0; p < P; ++p) {
    std::string label;
    for (std::size_t i = 0; i < r.factors.size(); ++i)
      label += (i ? ", " : "") + r.factors[i].name + "=" +
               value_text(r.factors[i], r.design.points[p][i]);
    a.point_labels.push_back(label);
  }
  std::vector<std::string> ids = o.kpis.empty() ? r.kpis : o.kpis;
  for (const std::string* extra : {&o.maximise, &o.minimise})
    if (!extra->empty() && std::find(ids.begin(), ids.end(), *extra) == ids.end())
      ids.push_back(*extra);
  for (const auto& id : ids)
    if (r.kpi_index(id) < 0) {
      std::string why = std::find(r.kpis_not_available.begin(), r.kpis_not_available.end(), id) !=
                                r.kpis_not_available.end()
                            ? " (no task of this sweep could compute it)"
                            : " (the file has: " +
                                  [&] {
                                    std::string s;
                                    for (const auto& k : r.kpis) s += (s.empty() ? "" : ", ") + k;
                                    return s;
                                  }() +
                                  ")";
      throw std::runtime_error(r.path + ": no KPI '" + id + "' in the results" + why);
    }
  auto replicate_values = [&](int k, std::uint64_t p) {
    return std::vector<double>(r.values[k].begin() + static_cast<std::ptrdiff_t>(p * R),
                               r.values[k].begin() + static_cast<std::ptrdiff_t>((p + 1) * R));
  };
  for (const auto& id : ids) {
    const int k = r.kpi_index(id);
    KpiAnalysis ka;
    ka.id = id;
    std::vector<double> y(P);
    std::uint64_t missing = 0;
    for (std::uint64_t p = 0; p < P; ++p) {
      ka.points.push_back(estimate(replicate_values(k, p)));
      y[p] = ka.points.back().mean;
      if (!std::isfinite(y[p])) ++missing;
    }
    ka.main_effects = main_effects(r.factors, r.design, y);
    const std::size_t K = r.factors.size();
    ka.importance_value.assign(K, NAN);
    if (missing > 0 && (r.design.kind == DesignKind::sobol || r.design.kind == DesignKind::morris ||
                        r.design.kind == DesignKind::full_factorial))
      ka.note = "not available at " + std::to_string(missing) + " of " + std::to_string(P) +
                " points: no " + a.design + " indices";
    else if (r.design.kind == DesignKind::sobol) {
      ka.sobol = sobol_indices(y, r.design.sobol_n, K, o.resamples, r.seed);
      ka.importance = "total Sobol index";
      for (std::size_t i = 0; i < K; ++i) ka.importance_value[i] = ka.sobol->total[i].value;
    } else if (r.design.kind == DesignKind::morris) {
      ka.morris = morris_indices(r.design, y, o.resamples, r.seed);
      ka.importance = "Morris mu*";
      ka.importance_value = ka.morris->mu_star;
    } else if (r.design.kind == DesignKind::full_factorial) {
      ka.anova = factorial_anova(r.factors, r.design, y);
      ka.importance = "share of variance (main effect)";
      ka.importance_value = ka.anova->main_share;
    }
    if (ka.importance.empty()) {
      ka.importance = "main effect (range of the level means)";
      for (std::size_t i = 0; i < K && i < ka.main_effects.size(); ++i)
        ka.importance_value[i] = ka.main_effects[i].effect;
    }
    ka.ranking.resize(K);
    std::iota(ka.ranking.begin(), ka.ranking.end(), 0);
    std::stable_sort(ka.ranking.begin(), ka.ranking.end(), [&](std::size_t x, std::size_t z) {
      const double vx = ka.importance_value[x], vz = ka.importance_value[z];
      if (std::isfinite(vx) != std::isfinite(vz)) return std::isfinite(vx);
      return std::abs(vx) > std::abs(vz);
    });
    a.kpis.push_back(std::move(ka));
  }
  const std::string& best_id = !o.maximise.empty() ? o.maximise : o.minimise;
  if (!best_id.empty()) {
    BestPoint b;
    b.kpi = best_id;
    b.maximise = !o.maximise.empty();
    const auto& ka = *std::find_if(a.kpis.begin(), a.kpis.end(),
                                   [&](const KpiAnalysis& x) { return x.id == best_id; });
    std::optional<std::uint64_t> best;
    for (std::uint64_t p = 0; p < P; ++p) {
      const double m = ka.points[p].mean;
      if (!std::isfinite(m)) continue;
      if (!best || (b.maximise ? m > ka.points[*best].mean : m < ka.points[*best].mean)) best = p;
    }
    if (!best) {
      b.note = "the KPI is not available at any point";
    } else {
      b.point = *best;
      b.estimate = ka.points[*best];
      const int k = r.kpi_index(best_id);
      const auto vb = replicate_values(k, *best);
      if (R < 2)
        b.note =
            "one replication per point: no test of the differences (give replications: 2 or more)";
      for (std::uint64_t p = 0; p < P; ++p) {
        if (p == *best) {
          b.indistinguishable.push_back(p);
          continue;
        }
        if (R < 2) continue;
        const double pv = paired_p(vb, replicate_values(k, p));
        if (std::isfinite(pv) && pv >= o.alpha) b.indistinguishable.push_back(p);
      }
    }
    a.best = b;
  }
  return a;
}

nlohmann::json to_json(const Analysis& a) {
  nlohmann::json j;
  j["sweep"] = a.name;
  j["results"] = a.path;
  j["design"] = a.design;
  j["replications"] = a.replications;
  j["failed_tasks"] = a.failed_tasks;
  for (const auto& f : a.factors) j["factors"].push_back({{"name", f.name}, {"path", f.path}});
  for (std::size_t p = 0; p < a.point_labels.size(); ++p) j["points"].push_back(a.point_labels[p]);
  for (const auto& k : a.kpis) {
    nlohmann::json jk;
    jk["id"] = k.id;
    for (const auto& e : k.points)
      jk["points"].push_back({{"mean", jnum(e.mean)},
                              {"ci_low", jnum(e.ci_low)},
                              {"ci_high", jnum(e.ci_high)},
                              {"n", e.n}});
    for (std::size_t i = 0; i < k.main_effects.size(); ++i) {
      const auto& m = k.main_effects[i];
      nlohmann::json jm{{"factor", a.factors[i].name}, {"effect", jnum(m.effect)}};
      for (std::size_t l = 0; l < m.labels.size(); ++l)
        jm["levels"].push_back(
            {{"level", m.labels[l]}, {"mean", jnum(m.mean[l])}, {"points", m.count[l]}});
      jk["main_effects"].push_back(jm);
    }
    if (k.sobol) {
      for (std::size_t i = 0; i < a.factors.size(); ++i)
        jk["sobol"].push_back({{"factor", a.factors[i].name},
                               {"first", jinterval(k.sobol->first[i])},
                               {"total", jinterval(k.sobol->total[i])}});
      jk["variance"] = jnum(k.sobol->variance);
    }
    if (k.morris)
      for (std::size_t i = 0; i < a.factors.size(); ++i)
        jk["morris"].push_back({{"factor", a.factors[i].name},
                                {"mu", jnum(k.morris->mu[i])},
                                {"mu_star", jinterval(k.morris->mu_star_ci[i])},
                                {"sigma", jnum(k.morris->sigma[i])}});
    if (k.anova) {
      for (std::size_t i = 0; i < a.factors.size(); ++i)
        jk["anova"]["main"].push_back(
            {{"factor", a.factors[i].name}, {"share", jnum(k.anova->main_share[i])}});
      for (std::size_t q = 0; q < k.anova->pairs.size(); ++q)
        jk["anova"]["interactions"].push_back(
            {{"factors",
              {a.factors[k.anova->pairs[q].first].name, a.factors[k.anova->pairs[q].second].name}},
             {"share", jnum(k.anova->interaction_share[q])}});
    }
    jk["importance"] = k.importance;
    for (auto i : k.ranking)
      jk["ranking"].push_back(
          {{"factor", a.factors[i].name}, {"value", jnum(k.importance_value[i])}});
    if (!k.note.empty()) jk["note"] = k.note;
    j["kpis"].push_back(jk);
  }
  if (a.best) {
    const auto& b = *a.best;
    j["best"] = {{"kpi", b.kpi},
                 {"goal", b.maximise ? "maximise" : "minimise"},
                 {"point", b.point},
                 {"label", b.point < a.point_labels.size() ? a.point_labels[b.point] : ""},
                 {"mean", jnum(b.estimate.mean)},
                 {"ci_low", jnum(b.estimate.ci_low)},
                 {"ci_high", jnum(b.estimate.ci_high)},
                 {"indistinguishable", b.indistinguishable},
                 {"note", b.note}};
  }
  return j;
}

std::string to_text(const Analysis& a) {
  std::ostringstream os;
  os << "sweep " << a.name << ": " << a.design << " design, " << a.point_labels.size()
     << " points x " << a.replications << " replications";
  if (a.failed_tasks) os << " (" << a.failed_tasks << " tasks failed)";
  os << "\n";
  std::size_t w = 6;
  for (const auto& f : a.factors) w = std::max(w, f.name.size());
  for (const auto& k : a.kpis) {
    os << "\n" << k.id;
    if (const auto* d = kpi::find_kpi(k.id))
      os << " (" << d->unit << ", " << kpi::direction_phrase(d->direction) << ")";
    os << "\n";
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& e : k.points)
      if (std::isfinite(e.mean)) {
        lo = std::min(lo, e.mean);
        hi = std::max(hi, e.mean);
      }
    os << "  point means from " << num(lo) << " to " << num(hi) << "\n";
    os << "  " << std::left << std::setw(static_cast<int>(w)) << "factor"
       << "  ";
    if (k.sobol)
      os << "first-order S (95% CI)      total ST (95% CI)\n";
    else if (k.morris)
      os << "mu* (95% CI)                    mu           sigma\n";
    else if (k.anova)
      os << "main effect share   main effect (range of level means)\n";
    else
      os << "main effect (range of level means)\n";
    for (std::size_t i : k.ranking) {
      os << "  " << std::left << std::setw(static_cast<int>(w)) << a.factors[i].name << "  "
         << std::right;
      auto iv = [&](const Interval& v) {
        return num(v.value) + " (" + num(v.low) + ", " + num(v.high) + ")";
      };
      if (k.sobol)
        os << std::left << std::setw(27) << iv(k.sobol->first[i]) << iv(k.sobol->total[i]);
      else if (k.morris)
        os << std::left << std::setw(32) << iv(k.morris->mu_star_ci[i]) << std::setw(13)
           << num(k.morris->mu[i]) << num(k.morris->sigma[i]);
      else if (k.anova)
        os << std::left << std::setw(20) << num(k.anova->main_share[i])
           << (i < k.main_effects.size() ? num(k.main_effects[i].effect) : "-");
      else
        os << (i < k.main_effects.size() ? num(k.main_effects[i].effect) : "-");
      os << "\n";
    }
    if (k.anova && !k.anova->pairs.empty()) {
      os << "  two-factor interactions (share of variance):";
      for (std::size_t q = 0; q < k.anova->pairs.size(); ++q)
        os << (q ? "," : "") << " " << a.factors[k.anova->pairs[q].first].name << " x "
           << a.factors[k.anova->pairs[q].second].name << " " << num(k.anova->interaction_share[q]);
      os << "\n";
    }
    for (std::size_t i = 0; i < k.main_effects.size() && i < a.factors.size(); ++i) {
      const auto& m = k.main_effects[i];
      os << "  " << a.factors[i].name << ":";
      for (std::size_t l = 0; l < m.labels.size(); ++l)
        os << "  " << m.labels[l] << " -> " << num(m.mean[l]);
      os << "\n";
    }
    if (!k.note.empty()) os << "  note: " << k.note << "\n";
  }
  if (a.best) {
    const auto& b = *a.best;
    os << "\nbest point for " << (b.maximise ? "maximising " : "minimising ") << b.kpi << ": ";
    if (!b.note.empty() && b.indistinguishable.empty())
      os << b.note << "\n";
    else {
      os << "point " << b.point << " (" << a.point_labels[b.point] << "): " << num(b.estimate.mean)
         << " (95% CI " << num(b.estimate.ci_low) << " to " << num(b.estimate.ci_high) << ")\n";
      if (!b.note.empty())
        os << "  " << b.note << "\n";
      else
        os << "  " << b.indistinguishable.size() - 1 << " other point"
           << (b.indistinguishable.size() == 2 ? " is" : "s are")
           << " statistically indistinguishable from it (paired t over replications, p >= alpha)\n";
    }
  }
  return os.str();
}

std::string to_csv(const Analysis& a) {
  std::ostringstream os;
  os << "kpi,point";
  for (const auto& f : a.factors) os << "," << f.name;
  os << ",mean,ci_low,ci_high,replications\n";
  for (const auto& k : a.kpis)
    for (std::size_t p = 0; p < k.points.size(); ++p) {
      os << k.id << "," << p;
      // the label is "name=value, name=value": the values in factor order
      std::string label = a.point_labels[p];
      std::size_t pos = 0;
      for (std::size_t i = 0; i < a.factors.size(); ++i) {
        auto eq = label.find('=', pos);
        auto end = label.find(", ", eq);
        os << ","
           << label.substr(eq + 1, end == std::string::npos ? std::string::npos : end - eq - 1);
        pos = end == std::string::npos ? label.size() : end + 2;
      }
      const auto& e = k.points[p];
      auto c = [](double v) {
        if (!std::isfinite(v)) return std::string();
        std::ostringstream s;
        s << std::setprecision(10) << v;
        return s.str();
      };
      os << "," << c(e.mean) << "," << c(e.ci_low) << "," << c(e.ci_high) << "," << e.n << "\n";
    }
  return os.str();
}

}  // namespace journeysim::sweep
