// Minimisation through NLopt's local derivative-free methods, finite-difference Hessian and the
// uncertainty of a chi-square minimiser (optimise.hpp).
#include "journeysim/calibrate/optimise.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <map>
#include <nlopt.hpp>
#include <stdexcept>
#include <utility>

namespace journeysim::calibrate {
namespace {

using Objective = std::function<double(const std::vector<double>&)>;
using Observer = std::function<void(std::uint64_t, const std::vector<double>&, double, double)>;
using Matrix = std::vector<std::vector<double>>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Method {
  const char* name;
  nlopt::algorithm algorithm;
};
constexpr Method kMethods[] = {{"bobyqa", nlopt::LN_BOBYQA},
                               {"neldermead", nlopt::LN_NELDERMEAD},
                               {"cobyla", nlopt::LN_COBYLA},
                               {"sbplx", nlopt::LN_SBPLX},
                               // global, deterministic: DIRECT-L (Gablonsky and Kelley's locally
                               // biased DIRECT) divides the box, no start point needed
                               {"direct", nlopt::GN_DIRECT_L}};

nlopt::algorithm algorithm_for(const std::string& method) {
  for (const Method& m : kMethods) {
    if (method == m.name) return m.algorithm;
  }
  std::string known;
  for (const Method& m : kMethods) known += std::string(known.empty() ? "" : ", ") + m.name;
  throw std::invalid_argument("minimise: unknown method '" + method + "' (expected " + known + ")");
}

std::string reason_for(nlopt::result result) {
  switch (result) {
    case nlopt::SUCCESS:
      return "success";
    case nlopt::STOPVAL_REACHED:
      return "stopval reached";
    case nlopt::FTOL_REACHED:
      return "ftol reached";
    case nlopt::XTOL_REACHED:
      return "xtol reached";
    case nlopt::MAXEVAL_REACHED:
      return "max evaluations";
    case nlopt::MAXTIME_REACHED:
      return "max time";
    case nlopt::ROUNDOFF_LIMITED:
      return "roundoff limited";
    case nlopt::FORCED_STOP:
      return "forced stop";
    default:
      return "failure";
  }
}

// What the NLopt objective needs; NLopt calls it through a plain function pointer.
struct State {
  nlopt::opt* opt = nullptr;
  const Objective* f = nullptr;
  const Observer* on_evaluation = nullptr;
  OptimiseResult* progress = nullptr;
  std::uint64_t max_evaluations = 0;
  OptimiseResult best;
  std::vector<double> x;
  std::exception_ptr error;  // from f or on_evaluation, rethrown once NLopt has returned
  bool cap_reached = false;  // our own max_evaluations guard stopped NLopt
  bool stopping = false;
};

double objective(unsigned n, const double* x, double* /*grad*/, void* data) {
  auto& s = *static_cast<State*>(data);
  // After a stop NLopt may still ask for a point: f must not see it.
  if (s.stopping) return HUGE_VAL;
  // NLopt's own maxeval should stop first; this makes "never more than max_evaluations" hold
  // whatever the method does.
  if (s.max_evaluations > 0 && s.best.evaluations >= s.max_evaluations) {
    s.cap_reached = s.stopping = true;
    s.opt->force_stop();
    return HUGE_VAL;
  }
  s.x.assign(x, x + n);
  try {
    const double fx = (*s.f)(s.x);
    ++s.best.evaluations;
    // The first evaluation is the best so far even when it is NaN; a NaN never replaces a number.
    if (s.best.evaluations == 1 || fx < s.best.f || (std::isnan(s.best.f) && !std::isnan(fx))) {
      s.best.f = fx;
      s.best.x = s.x;
    }
    if (s.progress != nullptr) *s.progress = s.best;
    if (*s.on_evaluation) (*s.on_evaluation)(s.best.evaluations, s.x, fx, s.best.f);
    return fx;
  } catch (...) {
    // NLopt's C++ wrapper would replace the exception by its own: keep the original.
    s.error = std::current_exception();
    s.stopping = true;
    s.opt->force_stop();
    return HUGE_VAL;
  }
}

void check_box(const char* who, const std::vector<double>& lo, const std::vector<double>& hi,
               std::size_t n) {
  if (lo.size() != n || hi.size() != n) {
    throw std::invalid_argument(std::string(who) + ": " + std::to_string(n) + " parameters but " +
                                std::to_string(lo.size()) + " lower and " +
                                std::to_string(hi.size()) + " upper bounds");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!(lo[i] < hi[i]) || !std::isfinite(lo[i]) || !std::isfinite(hi[i])) {
      throw std::invalid_argument(std::string(who) + ": parameter " + std::to_string(i) +
                                  " has an empty or infinite box [" + std::to_string(lo[i]) + ", " +
                                  std::to_string(hi[i]) + "]");
    }
  }
}

void check_inside(const char* who, const char* what, const std::vector<double>& x,
                  const std::vector<double>& lo, const std::vector<double>& hi) {
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!(x[i] >= lo[i] && x[i] <= hi[i])) {
      throw std::invalid_argument(std::string(who) + ": " + what + "[" + std::to_string(i) +
                                  "] = " + std::to_string(x[i]) + " is outside [" +
                                  std::to_string(lo[i]) + ", " + std::to_string(hi[i]) + "]");
    }
  }
}

// Cyclic Jacobi rotations on a symmetric matrix: a becomes diagonal (the eigenvalues), v collects
// the eigenvectors as columns. Accurate to working precision, plenty fast for n <= ~20.
void jacobi_eigen(Matrix& a, Matrix& v) {
  const std::size_t n = a.size();
  v.assign(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i) v[i][i] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        total += a[i][j] * a[i][j];
        if (i != j) off += a[i][j] * a[i][j];
      }
    }
    if (off <= 1e-30 * total || off == 0) return;
    for (std::size_t p = 0; p + 1 < n; ++p) {
      for (std::size_t q = p + 1; q < n; ++q) {
        if (a[p][q] == 0) continue;
        // Rotation angle that zeroes a[p][q] (Numerical Recipes' stable form).
        const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::hypot(theta, 1.0));
        const double c = 1 / std::hypot(t, 1.0), s = t * c;
        for (std::size_t k = 0; k < n; ++k) {
          const double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
}

std::string join(const std::string& a, const std::string& b) {
  return a.empty() ? b : a + "; " + b;
}

std::string format(const char* fmt, double a, double b = 0) {
  char buf[128];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  return buf;
}

}  // namespace

std::vector<std::string> optimise_methods() {
  std::vector<std::string> names;
  for (const Method& m : kMethods) names.emplace_back(m.name);
  return names;
}

OptimiseResult minimise(const Objective& f, const std::vector<double>& start,
                        const std::vector<double>& lo, const std::vector<double>& hi,
                        const OptimiseOptions& options, const Observer& on_evaluation,
                        OptimiseResult* progress) {
  const nlopt::algorithm algorithm = algorithm_for(options.method);
  const std::size_t n = start.size();
  if (n == 0) throw std::invalid_argument("minimise: no parameters");
  check_box("minimise", lo, hi, n);
  check_inside("minimise", "start", start, lo, hi);
  if (!(options.initial_step > 0 && options.initial_step <= 0.5)) {
    throw std::invalid_argument("minimise: initial_step " + std::to_string(options.initial_step) +
                                " is outside (0, 0.5]");
  }
  if (!f) throw std::invalid_argument("minimise: no objective");

  nlopt::opt opt(algorithm, static_cast<unsigned>(n));
  opt.set_lower_bounds(lo);
  opt.set_upper_bounds(hi);
  opt.set_xtol_rel(options.xtol_rel);
  opt.set_ftol_abs(options.ftol_abs);
  if (options.max_evaluations > 0) {
    opt.set_maxeval(static_cast<int>(std::min<std::uint64_t>(options.max_evaluations, INT_MAX)));
  }
  if (options.max_seconds > 0) opt.set_maxtime(options.max_seconds);
  std::vector<double> step(n);
  for (std::size_t i = 0; i < n; ++i) step[i] = options.initial_step * (hi[i] - lo[i]);
  opt.set_initial_step(step);

  State state;
  state.opt = &opt;
  state.f = &f;
  state.on_evaluation = &on_evaluation;
  state.progress = progress;
  state.max_evaluations = options.max_evaluations;
  state.best.x = start;
  state.best.f = HUGE_VAL;
  if (progress != nullptr) *progress = state.best;
  opt.set_min_objective(objective, &state);

  std::vector<double> x = start;
  double fx = 0;
  std::string reason;
  try {
    reason = reason_for(opt.optimize(x, fx));
  } catch (const nlopt::forced_stop&) {
    if (state.error) std::rethrow_exception(state.error);
    reason = state.cap_reached ? "max evaluations" : "forced stop";
  } catch (const nlopt::roundoff_limited&) {
    reason = "roundoff limited";
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::invalid_argument& e) {
    if (state.error) std::rethrow_exception(state.error);
    throw std::invalid_argument(std::string("minimise: NLopt: ") + e.what());
  } catch (const std::runtime_error& e) {
    if (state.error) std::rethrow_exception(state.error);
    // Keep what was evaluated: the best point so far is still a result.
    if (state.best.evaluations == 0) throw;
    reason = std::string("failure: ") + e.what();
  }
  if (state.error) std::rethrow_exception(state.error);
  state.best.stop_reason = reason;
  if (progress != nullptr) *progress = state.best;
  return state.best;
}

Matrix hessian(const Objective& f, const std::vector<double>& x, const std::vector<double>& h,
               const std::vector<double>& lo, const std::vector<double>& hi) {
  const std::size_t n = x.size();
  check_box("hessian", lo, hi, n);
  if (h.size() != n) {
    throw std::invalid_argument("hessian: " + std::to_string(n) + " parameters but " +
                                std::to_string(h.size()) + " steps");
  }
  check_inside("hessian", "x", x, lo, hi);

  // Per coordinate: the step and the offsets (in steps) of its two outer points and its middle:
  // central {-1, 0, +1}, forward {0, +1, +2}, backward {-2, -1, 0}.
  std::vector<double> step(n);
  std::vector<int> low(n), high(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!(h[i] > 0) || !std::isfinite(h[i])) {
      throw std::invalid_argument("hessian: step " + std::to_string(i) + " = " +
                                  std::to_string(h[i]) + " is not > 0");
    }
    double s = h[i];
    if (x[i] - s >= lo[i] && x[i] + s <= hi[i]) {
      low[i] = -1;
      high[i] = 1;
    } else {
      s = std::min(s, std::max(x[i] - lo[i], hi[i] - x[i]) / 2);
      if (x[i] + 2 * s <= hi[i]) {
        low[i] = 0;
        high[i] = 2;
      } else {
        low[i] = -2;
        high[i] = 0;
      }
    }
    step[i] = s;
  }

  // f at x + sum of offsets[i] * step[i], each distinct point once (keyed by its offsets, so that
  // points shared by two entries are recognised exactly).
  std::map<std::vector<int>, double> cache;
  std::vector<double> point(n);
  auto at = [&](const std::vector<int>& offsets) {
    auto it = cache.find(offsets);
    if (it != cache.end()) return it->second;
    for (std::size_t i = 0; i < n; ++i) point[i] = x[i] + offsets[i] * step[i];
    const double value = f(point);
    cache.emplace(offsets, value);
    return value;
  };

  Matrix H(n, std::vector<double>(n, 0.0));
  std::vector<int> o(n, 0);
  const double f0 = at(o);
  for (std::size_t i = 0; i < n; ++i) {
    const int mid = (low[i] + high[i]) / 2;
    o[i] = low[i];
    const double fl = at(o);
    o[i] = mid;
    const double fm = mid == 0 ? f0 : at(o);
    o[i] = high[i];
    const double fh = at(o);
    o[i] = 0;
    H[i][i] = (fh - 2 * fm + fl) / (step[i] * step[i]);
  }
  // Mixed differences: outer points of each coordinate are its two one-step-apart points when
  // one-sided (x and x +- h), so a quadratic is still exact.
  auto outer = [&](std::size_t i, bool upper) {
    if (low[i] == -1) return upper ? 1 : -1;
    if (low[i] == 0) return upper ? 1 : 0;
    return upper ? 0 : -1;
  };
  auto span = [&](std::size_t i) { return (outer(i, true) - outer(i, false)) * step[i]; };
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      double sum = 0;
      for (bool ui : {true, false}) {
        for (bool uj : {true, false}) {
          o[i] = outer(i, ui);
          o[j] = outer(j, uj);
          sum += (ui == uj ? 1.0 : -1.0) * at(o);
        }
      }
      o[i] = o[j] = 0;
      H[i][j] = H[j][i] = sum / (span(i) * span(j));
    }
  }
  return H;
}

Uncertainty uncertainty(const Matrix& hessian, const std::vector<double>& lo,
                        const std::vector<double>& hi, double flat, double max_correlation) {
  const std::size_t n = hessian.size();
  for (const auto& row : hessian) {
    if (row.size() != n) throw std::invalid_argument("uncertainty: the Hessian is not square");
    for (double v : row) {
      if (!std::isfinite(v)) throw std::invalid_argument("uncertainty: non-finite Hessian entry");
    }
  }
  check_box("uncertainty", lo, hi, n);

  // Box units: G = D H D, D = diag(hi - lo), symmetrised.
  std::vector<double> width(n);
  for (std::size_t i = 0; i < n; ++i) width[i] = hi[i] - lo[i];
  Matrix g(n, std::vector<double>(n));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      g[i][j] = 0.5 * (hessian[i][j] + hessian[j][i]) * width[i] * width[j];
    }
  }
  double max_diag = 0;
  for (std::size_t i = 0; i < n; ++i) max_diag = std::max(max_diag, g[i][i]);
  std::vector<double> diag(n);
  for (std::size_t i = 0; i < n; ++i) diag[i] = g[i][i];

  Matrix v;
  jacobi_eigen(g, v);
  double max_eigen = 0;
  for (std::size_t k = 0; k < n; ++k) max_eigen = std::max(max_eigen, g[k][k]);
  std::vector<bool> kept(n);
  for (std::size_t k = 0; k < n; ++k) kept[k] = max_eigen > 0 && g[k][k] > flat * max_eigen;

  // cov = 2 D G^+ D over the kept directions.
  Matrix cov(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double sum = 0;
      for (std::size_t k = 0; k < n; ++k) {
        if (kept[k]) sum += v[i][k] * v[j][k] / g[k][k];
      }
      cov[i][j] = 2 * sum * width[i] * width[j];
    }
  }

  Uncertainty u;
  u.se.assign(n, kNaN);
  u.corr.assign(n, std::vector<double>(n, kNaN));
  u.identifiable.assign(n, true);
  u.reason.assign(n, "");
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (cov[i][i] > 0 && cov[j][j] > 0) {
        u.corr[i][j] = std::clamp(cov[i][j] / std::sqrt(cov[i][i] * cov[j][j]), -1.0, 1.0);
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    double dropped = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (!kept[k]) dropped += v[i][k] * v[i][k];
    }
    if (!(max_diag > 0) || diag[i] < flat * max_diag) {
      u.reason[i] =
          format("flat (curvature %.3g of the largest)", max_diag > 0 ? diag[i] / max_diag : 0.0);
    } else if (dropped > 1e-6) {
      u.reason[i] = "Hessian singular along it";
    } else {
      u.se[i] = std::sqrt(cov[i][i]);
      if (u.se[i] > width[i]) {
        u.reason[i] = format("standard error %.3g exceeds the box width %.3g", u.se[i], width[i]);
      }
    }
    std::size_t other = n;
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i || std::isnan(u.corr[i][j])) continue;
      if (other == n || std::abs(u.corr[i][j]) > std::abs(u.corr[i][other])) other = j;
    }
    if (other != n && std::abs(u.corr[i][other]) > max_correlation) {
      u.reason[i] = join(u.reason[i], "correlated with parameter " + std::to_string(other) +
                                          format(" (r = %.2f)", u.corr[i][other]));
    }
    u.identifiable[i] = u.reason[i].empty();
  }
  return u;
}

}  // namespace journeysim::calibrate
