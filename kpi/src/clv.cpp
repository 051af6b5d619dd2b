// CLV models: likelihoods, fitting and predictions. See clv.hpp and docs/survival-and-clv.md.
#include "journeysim/kpi/clv.hpp"

#include <algorithm>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <tuple>

#include "journeysim/kpi/special.hpp"

namespace journeysim::kpi {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Rows with identical (x, t_x, T) merged, weights summed: the likelihood is evaluated once per
// distinct pattern.
struct Patterns {
  std::vector<double> x, t_x, T, w;
  double total = 0;
};
Patterns compress(const RfmData& d) {
  std::map<std::tuple<double, double, double>, double> m;
  for (std::size_t i = 0; i < d.size(); ++i) m[{d.x[i], d.t_x[i], d.T[i]}] += d.w(i);
  Patterns p;
  for (const auto& [k, w] : m) {
    if (w <= 0) continue;
    p.x.push_back(std::get<0>(k));
    p.t_x.push_back(std::get<1>(k));
    p.T.push_back(std::get<2>(k));
    p.w.push_back(w);
    p.total += w;
  }
  return p;
}

// Weighted sums of a counting model's per-customer log-likelihood log_likelihood(p, x, t_x, T)
// (found by argument-dependent lookup): over the customers, and over the compressed patterns.
template <class Params>
double summed_log_likelihood(const Params& p, const RfmData& d) {
  double ll = 0;
  for (std::size_t i = 0; i < d.size(); ++i)
    ll += d.w(i) * log_likelihood(p, d.x[i], d.t_x[i], d.T[i]);
  return ll;
}
template <class Params>
auto pattern_log_likelihood(const Patterns& pt) {
  return [&pt](const Params& p) {
    double s = 0;
    for (std::size_t i = 0; i < pt.x.size(); ++i)
      s += pt.w[i] * log_likelihood(p, pt.x[i], pt.t_x[i], pt.T[i]);
    return s;
  };
}

double mean_of(const std::vector<double>& v, const std::vector<double>& w) {
  double s = 0, sw = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    s += v[i] * w[i];
    sw += w[i];
  }
  return sw > 0 ? s / sw : 0.0;
}

// Fits positive parameters by minimizing the mean negative log-likelihood over log-parameters.
template <class Params, class ToParams, class LL>
FitResult<Params> fit_positive(std::size_t k, ToParams to_params, LL total_ll, double total_weight,
                               std::vector<std::vector<double>> starts, const FitOptions& options) {
  if (total_weight <= 0) throw std::runtime_error("fit: no data to fit");
  for (const auto& s : options.starts) starts.push_back(s);
  std::vector<std::vector<double>> log_starts;
  for (const auto& s : starts) {
    if (s.size() != k) throw std::runtime_error("fit: a starting point has the wrong size");
    std::vector<double> ls(k);
    for (std::size_t i = 0; i < k; ++i) {
      if (!(s[i] > 0)) throw std::runtime_error("fit: starting values must be positive");
      ls[i] = std::log(s[i]);
    }
    log_starts.push_back(ls);
  }
  auto objective = [&](std::span<const double> theta) {
    std::vector<double> v(k);
    for (std::size_t i = 0; i < k; ++i) {
      if (std::abs(theta[i]) > 30) return std::numeric_limits<double>::infinity();
      v[i] = std::exp(theta[i]);
    }
    try {
      return -total_ll(to_params(v)) / total_weight;
    } catch (const std::runtime_error&) {
      return std::numeric_limits<double>::infinity();
    }
  };
  NelderMeadOptions nm = options.optimizer;
  OptimizeResult r = minimize(objective, log_starts, nm);
  std::vector<double> v(k);
  for (std::size_t i = 0; i < k; ++i) v[i] = std::exp(r.x[i]);
  FitResult<Params> out;
  out.params = to_params(v);
  out.log_likelihood = total_ll(out.params);
  out.n = total_weight;
  out.evaluations = r.evaluations;
  out.converged = r.converged;
  return out;
}

void check_positive(std::initializer_list<double> values, const char* model) {
  for (double v : values)
    if (!(v > 0) || !std::isfinite(v))
      throw std::runtime_error(std::string(model) + ": parameters must be positive and finite");
}

// Avoid the removable singularity at 1 of formulas with a (v - 1) denominator.
double away_from_one(double v) {
  return std::abs(v - 1.0) < 1e-9 ? 1.0 + 1e-9 : v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// BG/NBD (Fader, Hardie & Lee 2005)

double log_likelihood(const BgNbdParams& p, double x, double t_x, double T) {
  const auto [r, alpha, a, b] = p;
  const double a1 = std::lgamma(r + x) - std::lgamma(r) + r * std::log(alpha);
  const double a2 =
      std::lgamma(a + b) + std::lgamma(b + x) - std::lgamma(b) - std::lgamma(a + b + x);
  const double a3 = -(r + x) * std::log(alpha + T);
  const double a4 =
      x > 0 ? std::log(a) - std::log(b + x - 1) - (r + x) * std::log(alpha + t_x) : kNegInf;
  return a1 + a2 + log_add_exp(a3, a4);
}

double log_likelihood(const BgNbdParams& p, const RfmData& d) {
  check_positive({p.r, p.alpha, p.a, p.b}, "BG/NBD");
  return summed_log_likelihood(p, d);
}

// The summed BG/NBD log-likelihood of the patterns, with the terms that depend on x alone
// computed once per x (the patterns are sorted by x): the lgamma calls were most of a fit on
// many customers. Bit-identical to summing log_likelihood(p, x, t_x, T): the same operations
// in the same order.
auto bgnbd_pattern_log_likelihood(const Patterns& pt) {
  return [&pt](const BgNbdParams& p) {
    const auto [r, alpha, a, b] = p;
    const double lr = std::lgamma(r), ra = r * std::log(alpha), lab = std::lgamma(a + b),
                 lb = std::lgamma(b), la = std::log(a);
    double s = 0, cx = -1, a12 = 0, la_b = 0;
    for (std::size_t i = 0; i < pt.x.size(); ++i) {
      const double x = pt.x[i];
      if (x != cx) {
        cx = x;
        const double a1 = std::lgamma(r + x) - lr + ra;
        const double a2 = lab + std::lgamma(b + x) - lb - std::lgamma(a + b + x);
        a12 = a1 + a2;
        la_b = x > 0 ? la - std::log(b + x - 1) : 0;
      }
      const double a3 = -(r + x) * std::log(alpha + pt.T[i]);
      const double a4 = x > 0 ? la_b - (r + x) * std::log(alpha + pt.t_x[i]) : kNegInf;
      s += pt.w[i] * (a12 + log_add_exp(a3, a4));
    }
    return s;
  };
}

FitResult<BgNbdParams> fit_bgnbd(const RfmData& data, const FitOptions& options) {
  data.validate();
  const Patterns pt = compress(data);
  auto ll = bgnbd_pattern_log_likelihood(pt);
  const double mt = std::max(mean_of(pt.T, pt.w), 1e-3);
  return fit_positive<BgNbdParams>(
      4,
      [](const std::vector<double>& v) {
        return BgNbdParams{v[0], v[1], v[2], v[3]};
      },
      ll, pt.total, {{1, 1, 1, 1}, {1, 3, 1, 3}, {0.5, mt / 4, 0.5, 2}}, options);
}

double p_alive(const BgNbdParams& p, double x, double t_x, double T) {
  if (x <= 0) return 1.0;
  const double log_ratio = std::log(p.a) - std::log(p.b + x - 1) +
                           (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + t_x));
  return 1.0 / (1.0 + std::exp(log_ratio));
}

// Both expectations contain w^(r+x) 2F1(r+x, b+x; a+b+x-1; z) with w = 1 - z. Euler's
// transformation 2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z) turns this into
// w^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z): the large powers of w (and the large terms of the
// series when x is large) cancel analytically.
double expected_purchases(const BgNbdParams& p, double t) {
  if (t <= 0) return 0.0;
  const double a = away_from_one(p.a);
  const double w = p.alpha / (p.alpha + t), z = t / (p.alpha + t);
  const double f = hyp2f1(a + p.b - 1 - p.r, a - 1, a + p.b - 1, z);
  return (a + p.b - 1) / (a - 1) * (1.0 - std::pow(w, a - 1) * f);
}

double conditional_expected_purchases(const BgNbdParams& p, double t, double x, double t_x,
                                      double T) {
  if (t <= 0) return 0.0;
  const double a = away_from_one(p.a);
  const double rx = p.r + x;
  const double w = (p.alpha + T) / (p.alpha + T + t), z = t / (p.alpha + T + t);
  const double f = hyp2f1(a + p.b - 1 - p.r, a - 1, a + p.b + x - 1, z);
  const double num = (a + p.b + x - 1) / (a - 1) * (1.0 - std::pow(w, a - 1) * f);
  double den = 1.0;
  if (x > 0)
    den += std::exp(std::log(a) - std::log(p.b + x - 1) +
                    rx * (std::log(p.alpha + T) - std::log(p.alpha + t_x)));
  return num / den;
}

// ---------------------------------------------------------------------------------------------
// Pareto/NBD (Fader & Hardie 2005, "A Note on Deriving the Pareto/NBD Model and Related
// Expressions", eq. 22-24)

namespace {

// log of the integral I = int_{t_x}^{T} (alpha+u)^-(r+x) (beta+u)^-(s+1) du, by adaptive
// Gauss-Kronrod on v = log(min(alpha,beta) + u), scaled by the integrand's value at t_x.
double log_pnbd_integral(const ParetoNbdParams& p, double x, double t_x, double T) {
  if (T <= t_x) return kNegInf;
  const double m = std::min(p.alpha, p.beta);
  auto log_g = [&](double v) {
    const double u = std::exp(v) - m;
    return -(p.r + x) * std::log(p.alpha + u) - (p.s + 1) * std::log(p.beta + u) + v;
  };
  const double v0 = std::log(m + t_x), v1 = std::log(m + T);
  const double scale = log_g(v0);
  auto g = [&](double v) { return std::exp(log_g(v) - scale); };
  double err = 0;
  const double val =
      boost::math::quadrature::gauss_kronrod<double, 31>::integrate(g, v0, v1, 15, 1e-13, &err);
  return std::log(val) + scale;
}

// log A0 of the note (eq. 23/24) with the alpha >= beta / alpha < beta switch.
double log_a0(const ParetoNbdParams& p, double x, double t_x, double T) {
  if (T <= t_x) return kNegInf;
  const double rsx = p.r + p.s + x;
  double m, k;
  if (p.alpha >= p.beta) {
    m = p.alpha;
    k = p.s + 1;
  } else {
    m = p.beta;
    k = p.r + x;
  }
  const double diff = std::abs(p.alpha - p.beta);
  const double z1 = diff / (m + t_x), z2 = diff / (m + T);
  // log 2F1(rsx, k; rsx+1; z) through Euler's transformation,
  //   2F1(rsx, k; rsx+1; z) = (1-z)^(1-k) 2F1(1, rsx+1-k; rsx+1; z),
  // whose series has positive terms with ratios below z: no overflow for large x.
  auto log_f = [&](double z) {
    return (1 - k) * std::log1p(-z) + std::log(hyp2f1(1.0, rsx + 1 - k, rsx + 1, z));
  };
  try {
    const double l1 = log_f(z1) - rsx * std::log(m + t_x);
    const double l2 = log_f(z2) - rsx * std::log(m + T);
    if (std::isfinite(l1) && std::isfinite(l2) && l2 < l1) return l1 + log1m_exp(l2 - l1);
  } catch (const std::runtime_error&) {
    // fall through to the integral form
  }
  // A0 = (r + s + x) * I.
  return std::log(rsx) + log_pnbd_integral(p, x, t_x, T);
}

double pnbd_ll(const ParetoNbdParams& p, double x, double T, double log_a0_value) {
  const double rsx = p.r + p.s + x;
  const double a1 =
      std::lgamma(p.r + x) - std::lgamma(p.r) + p.r * std::log(p.alpha) + p.s * std::log(p.beta);
  const double first = -(p.r + x) * std::log(p.alpha + T) - p.s * std::log(p.beta + T);
  const double second = std::log(p.s) - std::log(rsx) + log_a0_value;
  return a1 + log_add_exp(first, second);
}

}  // namespace

double log_likelihood(const ParetoNbdParams& p, double x, double t_x, double T) {
  return pnbd_ll(p, x, T, log_a0(p, x, t_x, T));
}

double log_likelihood_by_quadrature(const ParetoNbdParams& p, double x, double t_x, double T) {
  return pnbd_ll(p, x, T, std::log(p.r + p.s + x) + log_pnbd_integral(p, x, t_x, T));
}

double log_likelihood(const ParetoNbdParams& p, const RfmData& d) {
  check_positive({p.r, p.alpha, p.s, p.beta}, "Pareto/NBD");
  return summed_log_likelihood(p, d);
}

FitResult<ParetoNbdParams> fit_pareto_nbd(const RfmData& data, const FitOptions& options) {
  data.validate();
  const Patterns pt = compress(data);
  auto ll = pattern_log_likelihood<ParetoNbdParams>(pt);
  const double mt = std::max(mean_of(pt.T, pt.w), 1e-3);
  return fit_positive<ParetoNbdParams>(
      4,
      [](const std::vector<double>& v) {
        return ParetoNbdParams{v[0], v[1], v[2], v[3]};
      },
      ll, pt.total, {{0.5, 1, 0.5, 1}, {1, 1, 1, 1}, {1, mt / 4, 1, mt / 4}}, options);
}

double p_alive(const ParetoNbdParams& p, double x, double t_x, double T) {
  const double rsx = p.r + p.s + x;
  const double la0 = log_a0(p, x, t_x, T);
  if (la0 == kNegInf) return 1.0;
  const double l = std::log(p.s) - std::log(rsx) + la0 + (p.r + x) * std::log(p.alpha + T) +
                   p.s * std::log(p.beta + T);
  return 1.0 / (1.0 + std::exp(l));
}

double expected_purchases(const ParetoNbdParams& p, double t) {
  if (t <= 0) return 0.0;
  const double s = p.s;
  if (std::abs(s - 1.0) < 1e-9) return p.r * p.beta / p.alpha * std::log1p(t / p.beta);
  return p.r * p.beta / (p.alpha * (s - 1)) *
         (1.0 - std::exp((s - 1) * std::log(p.beta / (p.beta + t))));
}

double conditional_expected_purchases(const ParetoNbdParams& p, double t, double x, double t_x,
                                      double T) {
  if (t <= 0) return 0.0;
  const double pa = p_alive(p, x, t_x, T);
  const double s = p.s;
  const double lead = (p.r + x) * (p.beta + T) / (p.alpha + T);
  double body;
  if (std::abs(s - 1.0) < 1e-9)
    body = std::log1p(t / (p.beta + T));
  else
    body = (1.0 - std::exp((s - 1) * std::log((p.beta + T) / (p.beta + T + t)))) / (s - 1);
  return lead * body * pa;
}

// ---------------------------------------------------------------------------------------------
// Gamma-Gamma (Fader, Hardie & Lee 2005 "RFM and CLV"; Fader & Hardie note 025)

double log_likelihood(const GammaGammaParams& g, double x, double zbar) {
  const double px = g.p * x;
  return std::lgamma(px + g.q) - std::lgamma(px) - std::lgamma(g.q) + g.q * std::log(g.gamma) +
         (px - 1) * std::log(zbar) + px * std::log(x) - (px + g.q) * std::log(g.gamma + x * zbar);
}

double log_likelihood(const GammaGammaParams& g, const RfmData& d) {
  check_positive({g.p, g.q, g.gamma}, "Gamma-Gamma");
  if (d.monetary.size() != d.size())
    throw std::runtime_error("Gamma-Gamma: the data have no monetary values");
  double ll = 0;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (d.x[i] > 0) ll += d.w(i) * log_likelihood(g, d.x[i], d.monetary[i]);
  return ll;
}

FitResult<GammaGammaParams> fit_gamma_gamma(const RfmData& data, const FitOptions& options) {
  data.validate();
  if (data.monetary.size() != data.size())
    throw std::runtime_error("Gamma-Gamma: the data have no monetary values");
  std::map<std::pair<double, double>, double> m;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data.x[i] <= 0) continue;
    if (!(data.monetary[i] > 0))
      throw std::runtime_error(
          "Gamma-Gamma: customer " +
          (i < data.id.size() ? "'" + data.id[i] + "' (row " + std::to_string(i + 1) + ")"
                              : "#" + std::to_string(i + 1)) +
          " has repeat purchases but a mean spend of " + std::to_string(data.monetary[i]) +
          " (Gamma-Gamma needs positive spends)");
    m[{data.x[i], data.monetary[i]}] += data.w(i);
  }
  std::vector<double> xs, zs, ws;
  double total = 0;
  for (const auto& [k, w] : m) {
    xs.push_back(k.first);
    zs.push_back(k.second);
    ws.push_back(w);
    total += w;
  }
  if (total <= 0) throw std::runtime_error("Gamma-Gamma: no customer with repeat purchases");
  // log(zbar) and log(x) once per row, the lgamma terms once per x (the rows are sorted by x):
  // the same operations in the same order as log_likelihood(g, x, zbar), bit-identical, and a
  // fit on 100,000 customers several times faster
  std::vector<double> log_z(xs.size()), log_x(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    log_z[i] = std::log(zs[i]);
    log_x[i] = std::log(xs[i]);
  }
  auto ll = [&](const GammaGammaParams& g) {
    const double lq = std::lgamma(g.q), ql = g.q * std::log(g.gamma);
    double s = 0, cx = -1, head = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double px = g.p * xs[i];
      if (xs[i] != cx) {
        cx = xs[i];
        head = std::lgamma(px + g.q) - std::lgamma(px) - lq + ql;
      }
      s += ws[i] * (head + (px - 1) * log_z[i] + px * log_x[i] -
                    (px + g.q) * std::log(g.gamma + xs[i] * zs[i]));
    }
    return s;
  };
  const double mz = mean_of(zs, ws);
  return fit_positive<GammaGammaParams>(
      3,
      [](const std::vector<double>& v) {
        return GammaGammaParams{v[0], v[1], v[2]};
      },
      ll, total, {{1, 1, 1}, {2, 3, mz}, {5, 4, 2 * mz}}, options);
}

double conditional_expected_spend(const GammaGammaParams& g, double x, double zbar) {
  if (x <= 0) return expected_spend(g);
  return (g.gamma + x * zbar) * g.p / (g.p * x + g.q - 1);
}

double expected_spend(const GammaGammaParams& g) {
  if (!(g.q > 1)) return std::numeric_limits<double>::infinity();
  return g.p * g.gamma / (g.q - 1);
}

// ---------------------------------------------------------------------------------------------
// BG/BB (Fader, Hardie & Shang 2010)

double log_likelihood(const BgBbParams& p, double x, double t_x, double n) {
  const double lab = log_beta(p.alpha, p.beta), lgd = log_beta(p.gamma, p.delta);
  double ll = log_beta(p.alpha + x, p.beta + n - x) - lab + log_beta(p.gamma, p.delta + n) - lgd;
  const long last = static_cast<long>(std::llround(n - t_x)) - 1;
  for (long i = 0; i <= last; ++i) {
    const double di = static_cast<double>(i);
    ll = log_add_exp(ll, log_beta(p.alpha + x, p.beta + t_x - x + di) - lab +
                             log_beta(p.gamma + 1, p.delta + t_x + di) - lgd);
  }
  return ll;
}

double log_likelihood(const BgBbParams& p, const RfmData& d) {
  check_positive({p.alpha, p.beta, p.gamma, p.delta}, "BG/BB");
  return summed_log_likelihood(p, d);
}

FitResult<BgBbParams> fit_bgbb(const RfmData& data, const FitOptions& options) {
  data.validate(/*discrete=*/true);
  const Patterns pt = compress(data);
  auto ll = pattern_log_likelihood<BgBbParams>(pt);
  return fit_positive<BgBbParams>(
      4,
      [](const std::vector<double>& v) {
        return BgBbParams{v[0], v[1], v[2], v[3]};
      },
      ll, pt.total, {{1, 1, 1, 1}, {0.5, 0.5, 0.5, 2}, {2, 1, 1, 4}}, options);
}

double p_alive(const BgBbParams& p, double x, double t_x, double n) {
  const double l = log_beta(p.alpha + x, p.beta + n - x) - log_beta(p.alpha, p.beta) +
                   log_beta(p.gamma, p.delta + n + 1) - log_beta(p.gamma, p.delta);
  return std::exp(l - log_likelihood(p, x, t_x, n));
}

double expected_transactions(const BgBbParams& p, double n) {
  if (n <= 0) return 0.0;
  const double g = away_from_one(p.gamma), d = p.delta;
  const double ratio = std::exp(std::lgamma(g + d) - std::lgamma(g + d + n) +
                                std::lgamma(1 + d + n) - std::lgamma(1 + d));
  return p.alpha / (p.alpha + p.beta) * d / (g - 1) * (1.0 - ratio);
}

double probability_of_transactions(const BgBbParams& p, double x, double n) {
  if (x < 0 || x > n) return 0.0;
  const double lab = log_beta(p.alpha, p.beta), lgd = log_beta(p.gamma, p.delta);
  auto log_choose = [](double a, double b) {
    return std::lgamma(a + 1) - std::lgamma(b + 1) - std::lgamma(a - b + 1);
  };
  double l = log_choose(n, x) + log_beta(p.alpha + x, p.beta + n - x) - lab +
             log_beta(p.gamma, p.delta + n) - lgd;
  for (double i = x; i <= n - 1; i += 1.0)
    l = log_add_exp(l, log_choose(i, x) + log_beta(p.alpha + x, p.beta + i - x) - lab +
                           log_beta(p.gamma + 1, p.delta + i) - lgd);
  return std::exp(l);
}

double conditional_expected_transactions(const BgBbParams& p, double n_star, double x, double t_x,
                                         double n) {
  if (n_star <= 0) return 0.0;
  const double g = away_from_one(p.gamma), d = p.delta;
  const double lead = std::exp(log_beta(p.alpha + x + 1, p.beta + n - x) -
                               log_beta(p.alpha, p.beta) - log_likelihood(p, x, t_x, n));
  const double k = d / (g - 1) * std::exp(std::lgamma(g + d) - std::lgamma(1 + d));
  const double diff = std::exp(std::lgamma(1 + d + n) - std::lgamma(g + d + n)) -
                      std::exp(std::lgamma(1 + d + n + n_star) - std::lgamma(g + d + n + n_star));
  return lead * k * diff;
}

// ---------------------------------------------------------------------------------------------
// shifted-beta-geometric (Fader & Hardie 2007)

double sbg_survival(const SbgParams& p, double t) {
  if (t <= 0) return 1.0;
  return std::exp(log_beta(p.alpha, p.beta + t) - log_beta(p.alpha, p.beta));
}

double sbg_churn_probability(const SbgParams& p, double t) {
  if (t < 1) return 0.0;
  return std::exp(log_beta(p.alpha + 1, p.beta + t - 1) - log_beta(p.alpha, p.beta));
}

double sbg_retention(const SbgParams& p, double t) {
  return (p.beta + t - 1) / (p.alpha + p.beta + t - 1);
}

double sbg_discounted_expected_lifetime(const SbgParams& p, double d) {
  if (d < 0) throw std::runtime_error("sBG: the discount rate must be >= 0");
  if (d == 0)
    return p.alpha > 1 ? (p.alpha + p.beta - 1) / (p.alpha - 1)
                       : std::numeric_limits<double>::infinity();
  return hyp2f1(1.0, p.beta, p.alpha + p.beta, 1.0 / (1.0 + d));
}

namespace {
void check_cohort(std::span<const double> alive) {
  if (alive.size() < 2)
    throw std::runtime_error("sBG: need the cohort size and at least one later count");
  for (std::size_t t = 0; t < alive.size(); ++t) {
    if (!(alive[t] >= 0) || !std::isfinite(alive[t]))
      throw std::runtime_error("sBG: alive count at period " + std::to_string(t) +
                               " must be a non-negative number");
    if (t > 0 && alive[t] > alive[t - 1])
      throw std::runtime_error("sBG: alive count increases at period " + std::to_string(t) + " (" +
                               std::to_string(alive[t - 1]) + " -> " + std::to_string(alive[t]) +
                               "); counts must not increase");
  }
  if (!(alive[0] > 0)) throw std::runtime_error("sBG: the cohort is empty");
}
}  // namespace

double log_likelihood(const SbgParams& p, std::span<const double> alive) {
  check_cohort(alive);
  check_positive({p.alpha, p.beta}, "sBG");
  const double lab = log_beta(p.alpha, p.beta);
  double ll = 0;
  const std::size_t last = alive.size() - 1;
  for (std::size_t t = 1; t <= last; ++t) {
    const double lost = alive[t - 1] - alive[t];
    const double dt = static_cast<double>(t);
    if (lost > 0) ll += lost * (log_beta(p.alpha + 1, p.beta + dt - 1) - lab);
  }
  if (alive[last] > 0)
    ll += alive[last] * (log_beta(p.alpha, p.beta + static_cast<double>(last)) - lab);
  return ll;
}

FitResult<SbgParams> fit_sbg(std::span<const double> alive, const FitOptions& options) {
  check_cohort(alive);
  std::vector<double> a(alive.begin(), alive.end());
  auto ll = [a](const SbgParams& p) { return log_likelihood(p, a); };
  return fit_positive<SbgParams>(
      2,
      [](const std::vector<double>& v) {
        return SbgParams{v[0], v[1]};
      },
      ll, a[0], {{1, 1}, {0.5, 2}, {2, 5}}, options);
}

// ---------------------------------------------------------------------------------------------
// CLV helpers

double discounted_purchase_value(const std::function<double(double)>& cumulative, double horizon,
                                 double discount_rate, double value_per_purchase, double step) {
  if (!(step > 0)) throw std::runtime_error("CLV: the discounting step must be positive");
  if (discount_rate <= -1) throw std::runtime_error("CLV: the discount rate must be > -1");
  if (horizon <= 0) return 0.0;
  double total = 0, prev = 0, factor = 1;
  const long steps = static_cast<long>(std::ceil(horizon / step - 1e-12));
  for (long k = 1; k <= steps; ++k) {
    const double t = std::min(static_cast<double>(k) * step, horizon);
    const double f = cumulative(t);
    factor /= (1.0 + discount_rate);
    total += (f - prev) * factor;
    prev = f;
  }
  return total * value_per_purchase;
}

double subscription_clv(double arpa, double margin, double churn_rate, double discount_rate) {
  if (!(churn_rate > 0 && churn_rate <= 1))
    throw std::runtime_error("subscription CLV: the churn rate must be in (0, 1]");
  if (discount_rate < 0) throw std::runtime_error("subscription CLV: discount rate must be >= 0");
  return arpa * margin * (1.0 + discount_rate) / (churn_rate + discount_rate);
}

double survival_clv(std::span<const double> s, double arpa, double margin, double discount_rate) {
  if (discount_rate <= -1) throw std::runtime_error("survival CLV: discount rate must be > -1");
  double total = 0, factor = 1;
  for (double v : s) {
    total += v * factor;
    factor /= (1.0 + discount_rate);
  }
  return arpa * margin * total;
}

double expected_lifetime(std::span<const double> s) {
  return survival_clv(s, 1.0, 1.0, 0.0);
}

// ---------------------------------------------------------------------------------------------

nlohmann::json to_json(const BgNbdParams& p) {
  return {{"r", p.r}, {"alpha", p.alpha}, {"a", p.a}, {"b", p.b}};
}
nlohmann::json to_json(const ParetoNbdParams& p) {
  return {{"r", p.r}, {"alpha", p.alpha}, {"s", p.s}, {"beta", p.beta}};
}
nlohmann::json to_json(const GammaGammaParams& p) {
  return {{"p", p.p}, {"q", p.q}, {"gamma", p.gamma}};
}
nlohmann::json to_json(const BgBbParams& p) {
  return {{"alpha", p.alpha}, {"beta", p.beta}, {"gamma", p.gamma}, {"delta", p.delta}};
}
nlohmann::json to_json(const SbgParams& p) {
  return {{"alpha", p.alpha}, {"beta", p.beta}};
}

}  // namespace journeysim::kpi
