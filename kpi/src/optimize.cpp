#include "journeysim/kpi/optimize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace journeysim::kpi {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double safe_eval(const Objective& f, std::span<const double> x, int& evals) {
  ++evals;
  double v = f(x);
  return std::isfinite(v) ? v : kInf;
}

}  // namespace

OptimizeResult nelder_mead(const Objective& f, std::vector<double> x0,
                           const NelderMeadOptions& opt) {
  const std::size_t n = x0.size();
  if (n == 0) throw std::runtime_error("nelder_mead: empty parameter vector");
  const double dn = static_cast<double>(n);
  // Gao & Han (2012) adaptive coefficients.
  const double alpha = 1.0, beta = 1.0 + 2.0 / dn, gamma = 0.75 - 1.0 / (2.0 * dn),
               delta = 1.0 - 1.0 / dn;
  OptimizeResult res;
  std::vector<std::vector<double>> simplex(n + 1, x0);
  for (std::size_t i = 0; i < n; ++i) simplex[i + 1][i] += opt.initial_step;
  std::vector<double> fv(n + 1);
  for (std::size_t i = 0; i <= n; ++i) fv[i] = safe_eval(f, simplex[i], res.evaluations);

  std::vector<std::size_t> order(n + 1);
  std::vector<double> centroid(n), xr(n), xe(n), xc(n);
  auto point = [&](double t, std::vector<double>& out, std::size_t worst) {
    for (std::size_t j = 0; j < n; ++j)
      out[j] = centroid[j] + t * (simplex[worst][j] - centroid[j]);
  };
  while (true) {
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return fv[a] < fv[b]; });
    const std::size_t best = order[0], worst = order[n], second = order[n - 1];
    // Convergence test.
    double xspread = 0.0;
    for (std::size_t i = 0; i <= n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        xspread = std::max(xspread, std::abs(simplex[i][j] - simplex[best][j]));
    const double fspread = fv[worst] - fv[best];
    if (std::isfinite(fv[best]) && fspread <= opt.f_tol && xspread <= opt.x_tol) {
      res.converged = true;
      break;
    }
    if (res.evaluations >= opt.max_evaluations) break;

    std::fill(centroid.begin(), centroid.end(), 0.0);
    for (std::size_t i = 0; i <= n; ++i)
      if (i != worst)
        for (std::size_t j = 0; j < n; ++j) centroid[j] += simplex[i][j] / dn;

    point(-alpha, xr, worst);
    const double fr = safe_eval(f, xr, res.evaluations);
    if (fr < fv[best]) {
      point(-alpha * beta, xe, worst);
      const double fe = safe_eval(f, xe, res.evaluations);
      if (fe < fr) {
        simplex[worst] = xe;
        fv[worst] = fe;
      } else {
        simplex[worst] = xr;
        fv[worst] = fr;
      }
      continue;
    }
    if (fr < fv[second]) {
      simplex[worst] = xr;
      fv[worst] = fr;
      continue;
    }
    // Contraction: outside if the reflected point is better than the worst, else inside.
    const bool outside = fr < fv[worst];
    point(outside ? -alpha * gamma : gamma, xc, worst);
    const double fc = safe_eval(f, xc, res.evaluations);
    if (fc < (outside ? fr : fv[worst])) {
      simplex[worst] = xc;
      fv[worst] = fc;
      continue;
    }
    // Shrink towards the best vertex.
    for (std::size_t i = 0; i <= n; ++i) {
      if (i == best) continue;
      for (std::size_t j = 0; j < n; ++j)
        simplex[i][j] = simplex[best][j] + delta * (simplex[i][j] - simplex[best][j]);
      fv[i] = safe_eval(f, simplex[i], res.evaluations);
    }
  }
  const std::size_t best =
      static_cast<std::size_t>(std::min_element(fv.begin(), fv.end()) - fv.begin());
  res.x = simplex[best];
  res.f = fv[best];
  return res;
}

OptimizeResult minimize(const Objective& f, const std::vector<std::vector<double>>& starts,
                        const NelderMeadOptions& opt) {
  if (starts.empty()) throw std::runtime_error("minimize: no starting point");
  OptimizeResult best;
  best.f = kInf;
  int total_evals = 0;
  for (const auto& x0 : starts) {
    NelderMeadOptions o = opt;
    OptimizeResult cur = nelder_mead(f, x0, o);
    int evals = cur.evaluations;
    int restarts = 0;
    // Restart from the best point with a fresh (smaller) simplex until no real improvement.
    double step = opt.initial_step;
    while (restarts < opt.max_restarts && evals < opt.max_evaluations) {
      step = std::max(step * 0.5, 1e-3);
      o.initial_step = step;
      o.max_evaluations = opt.max_evaluations - evals;
      OptimizeResult next = nelder_mead(f, cur.x, o);
      evals += next.evaluations;
      ++restarts;
      const bool improved = next.f < cur.f - opt.f_tol;
      if (next.f <= cur.f) {
        const bool conv = next.converged;
        cur = std::move(next);
        cur.converged = conv;
      }
      if (!improved) break;
    }
    cur.evaluations = evals;
    cur.restarts = restarts;
    total_evals += evals;
    if (cur.f < best.f || best.x.empty()) best = cur;
  }
  best.evaluations = total_evals;
  if (!std::isfinite(best.f))
    throw std::runtime_error("optimizer: the objective is not finite at any point tried");
  return best;
}

}  // namespace journeysim::kpi
