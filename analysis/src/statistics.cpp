#include "journeysim/analysis/statistics.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <numeric>
#include <stdexcept>

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

}  // namespace journeysim::analysis
