// Derivative-free minimisation of a noisy objective over a box, through NLopt (Debian's
// libnlopt-cxx-dev: BOBYQA, Nelder-Mead, COBYLA, Sbplx), and the local curvature of the objective
// at its minimum (parameter uncertainty and identifiability). The calibration of a scenario
// (calibrate.hpp) minimises a sum of squared z-scores with these; they take plain functions, so
// they are tested on functions with known minima and curvature.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace journeysim::calibrate {

struct OptimiseOptions {
  // sbplx (Subplex: Nelder-Mead on subspaces) is the default: on the rough landscape of a
  // simulated objective it reached the recovery test's optimum (D = 0.36) where BOBYQA (1934),
  // COBYLA (5286) and Nelder-Mead (5709) stalled (docs/calibration.md)
  std::string method = "sbplx";         // sbplx, bobyqa, neldermead, cobyla (NLopt LN_*)
  std::uint64_t max_evaluations = 200;  // 0 = no limit
  double max_seconds = 0;               // 0 = no limit
  double xtol_rel = 1e-4;               // stop when x moves less than this (relative)
  double ftol_abs = 1e-6;               // stop when f improves less than this
  // First step, as a fraction of the box: coordinate i starts moving by initial_step x (hi_i -
  // lo_i) (NLopt's set_initial_step; BOBYQA's initial trust-region radius in box units, the
  // initial simplex of Nelder-Mead and Sbplx, COBYLA's first simplex). In (0, 0.5]: BOBYQA needs
  // room for that step on both sides of a point of the box.
  double initial_step = 0.1;
};

struct OptimiseResult {
  std::vector<double> x;  // the best point evaluated
  double f = 0;
  std::uint64_t evaluations = 0;
  // NLopt's result: "xtol reached", "ftol reached", "max evaluations", "max time", "success",
  // "stopval reached", "roundoff limited" (the method cannot improve further at floating-point
  // precision), "failure: <NLopt's message>" (the method gave up after evaluating f at least once).
  std::string stop_reason;
};

// Minimises f over the box lo <= x <= hi from `start` (inside the box) with one local NLopt
// method, without restarts: the same inputs give the same sequence of evaluations (unless
// max_seconds stops it). The result is the best point evaluated (tracked here, not only NLopt's
// answer), with the number of evaluations; f is never evaluated more than max_evaluations times.
// f may throw: the exception ends the minimisation and is rethrown as is (same type and message)
// once NLopt has returned. `on_evaluation` (optional) sees every evaluation in order: (1-based
// count, x, f(x), best f so far); an exception it throws is treated like one of f. `progress`
// (optional) is updated after every evaluation with the best point so far and the count, so that
// it still holds them when an exception ends the minimisation. Throws std::invalid_argument for
// an unknown method, no parameters, inconsistent sizes, an empty box (lo_i >= hi_i), a start
// outside the box or an initial_step outside (0, 0.5].
OptimiseResult minimise(const std::function<double(const std::vector<double>&)>& f,
                        const std::vector<double>& start, const std::vector<double>& lo,
                        const std::vector<double>& hi, const OptimiseOptions& options,
                        const std::function<void(std::uint64_t, const std::vector<double>&, double,
                                                 double)>& on_evaluation = {},
                        OptimiseResult* progress = nullptr);

// The methods minimise() accepts.
std::vector<std::string> optimise_methods();

// Central finite-difference Hessian of f at x with steps h (one per coordinate; where x +- h
// would leave [lo, hi] the step is one-sided), symmetrised. 2 n^2 + 1 evaluations at most.
// Coordinate i uses the points x - h_i, x, x + h_i (central) when both are in the box, else
// x, x + h_i, x + 2 h_i (forward) or x - 2 h_i, x - h_i, x (backward), whichever fits, with h_i
// first shrunk to half the larger distance to a bound if neither does. H_ii is the second
// difference over these three points; H_ij (i != j) is the difference of differences over the
// 2 x 2 grid of the outer points of each coordinate (x +- h, or x and x + h one-sided), divided
// by the product of their spans. f(x) and any point shared by two entries are evaluated once;
// every entry is exact for a quadratic f. Throws std::invalid_argument for inconsistent sizes, a
// step <= 0, an x outside the box or a box with no room (lo_i == hi_i).
std::vector<std::vector<double>> hessian(const std::function<double(const std::vector<double>&)>& f,
                                         const std::vector<double>& x, const std::vector<double>& h,
                                         const std::vector<double>& lo,
                                         const std::vector<double>& hi);

// Uncertainty of the minimiser of a chi-square objective f(x) = sum of squared z-scores:
// cov = 2 H^-1 (so that a 1-sigma move raises f by 1). A parameter is not identifiable when the
// objective is flat along it (its curvature H_ii is below `flat` x the largest, or its standard
// error exceeds the box's width) or when it is almost a linear function of others (|correlation|
// above `max_correlation`); then its reason says which.
// Exactly: H (symmetrised) is first put in box units, G = D H D with D = diag(hi - lo), so that
// the tests do not depend on the parameters' units; curvatures below are G_ii = H_ii (hi_i -
// lo_i)^2. G = V diag(g) V^T (Jacobi eigen-decomposition); the eigen-directions with g_k >
// flat x max_k g_k are kept and cov = 2 D G^+ D with the pseudo-inverse G^+ over those only.
// Parameter i is then
//  - "flat" when G_ii < flat x max_j G_jj (this includes H_ii <= 0): se NaN;
//  - "Hessian singular" when the dropped directions hold more than 1e-6 of it (sum over dropped
//    k of V_ik^2 > 1e-6: it moves along a direction of (near) zero or negative curvature): se
//    NaN;
//  - otherwise se = sqrt(cov_ii), flagged "standard error ... exceeds the box width ..." when
//    se > hi - lo;
//  - in any case, "correlated with parameter j (r = 0.98)" for the j != i of largest |corr_ij|
//    when that exceeds max_correlation (both parameters are flagged).
// corr_ij = cov_ij / sqrt(cov_ii cov_jj) from the pseudo-inverse, so two collinear parameters
// (se NaN) still show r = +-1; NaN when cov_ii or cov_jj is 0 (a flat parameter). Reasons are
// joined with "; ". Throws std::invalid_argument for a non-square H, sizes that differ, a
// non-finite entry or an empty box (lo_i >= hi_i).
struct Uncertainty {
  std::vector<double> se;  // standard error per parameter (NaN: flat or Hessian singular)
  std::vector<std::vector<double>> corr;  // correlation matrix (NaN where undefined)
  std::vector<bool> identifiable;
  std::vector<std::string> reason;  // "" when identifiable
};
Uncertainty uncertainty(const std::vector<std::vector<double>>& hessian,
                        const std::vector<double>& lo, const std::vector<double>& hi,
                        double flat = 1e-6, double max_correlation = 0.95);

}  // namespace journeysim::calibrate
