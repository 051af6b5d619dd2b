// Derivative-free minimization used to fit the CLV models by maximum likelihood.
//
// Nelder-Mead with the dimension-adaptive coefficients of Gao & Han (2012), restarted from the
// best point with a fresh simplex until a restart no longer improves the objective (this guards
// against the simplex collapsing early), and run from several starting points. Non-finite
// objective values are treated as +infinity, so an objective can reject a point by returning
// NaN or infinity.
#pragma once

#include <functional>
#include <span>
#include <vector>

namespace journeysim::kpi {

struct NelderMeadOptions {
  // Initial simplex: x0 plus `initial_step` along each coordinate.
  double initial_step = 0.5;
  // Converged when the spread of objective values over the simplex is <= f_tol (absolute) and
  // every vertex is within x_tol (max-norm) of the best.
  double f_tol = 1e-10;
  double x_tol = 1e-9;
  int max_evaluations = 50000;  // per starting point, over all restarts
  int max_restarts = 20;
};

struct OptimizeResult {
  std::vector<double> x;
  double f = 0;
  int evaluations = 0;
  int restarts = 0;
  bool converged = false;
};

using Objective = std::function<double(std::span<const double>)>;

// One Nelder-Mead run (no restarts).
OptimizeResult nelder_mead(const Objective& f, std::vector<double> x0,
                           const NelderMeadOptions& options = {});

// Nelder-Mead with restarts from each start; returns the best result.
OptimizeResult minimize(const Objective& f, const std::vector<std::vector<double>>& starts,
                        const NelderMeadOptions& options = {});

}  // namespace journeysim::kpi
