// Sensitivity estimators on the per-point means of one KPI (docs/sweeps.md gives the formulas):
// Sobol first-order and total indices (Saltelli 2010 and Jansen 1999 estimators on the Saltelli
// design) with bootstrap CIs; Morris elementary effects (mu, mu*, sigma); main effects per
// factor for any design; full factorial two-factor interactions as shares of the sum of squares.
// They take plain numbers, so they are tested on functions with known indices (Ishigami, the
// Sobol G-function) through the same code that analyses a sweep.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "journeysim/sweep/design.hpp"

namespace journeysim::sweep {

struct Interval {
  double value = 0, low = 0, high = 0;  // estimate and 95% CI (NaN when there is none)
};

struct SobolIndices {
  std::vector<Interval> first, total;  // per factor
  double variance = 0;                 // Var(Y) over A and B
};
// y: one value per point of a sobol design, in Design order (A, B, AB_1 .. AB_k), N base
// samples, k factors. S_i = mean(f(B) (f(AB_i) - f(A))) / V (Saltelli 2010);
// ST_i = mean((f(A) - f(AB_i))^2) / (2 V) (Jansen); V = variance of f over A and B together.
// CIs: percentile bootstrap over the N base rows (`resamples`, rows drawn with a generator
// seeded by `seed`, so the CIs are deterministic). Throws std::invalid_argument when y's size is
// not N (k + 2) or any y is not finite.
SobolIndices sobol_indices(std::span<const double> y, std::size_t n, std::size_t k,
                           int resamples = 1000, std::uint64_t seed = 1);

struct MorrisIndices {
  std::vector<double> mu, mu_star, sigma;  // per factor, elementary effects in unit space
  std::vector<Interval> mu_star_ci;        // bootstrap over trajectories
};
// y: one value per point of a morris design. EE = (y(after) - y(before)) / step, where step is the
// signed move in unit space (so effects are per unit of the factor's whole range).
MorrisIndices morris_indices(const Design& design, std::span<const double> y, int resamples = 1000,
                             std::uint64_t seed = 1);

// The mean of y over the points where a factor takes each of its values: the levels of a levels,
// choices or factorial factor; for a continuous factor of a sampled design, `bins` equal-width
// bins of its unit coordinate. effect = max - min of the bin means.
struct MainEffect {
  std::vector<std::string> labels;  // level value or bin ("[lo, hi)") as text
  std::vector<double> mean;         // mean y in each (NaN for an empty bin)
  std::vector<std::size_t> count;   // points in each
  double effect = 0;                // range of the means
};
std::vector<MainEffect> main_effects(const std::vector<Factor>& factors, const Design& design,
                                     std::span<const double> y, int bins = 5);

// Full factorial ANOVA decomposition (balanced design): the share of the total sum of squares of
// y around its mean explained by each factor's main effect and by each pair's interaction.
struct FactorialAnova {
  std::vector<double> main_share;  // per factor
  // pair (i, j), i < j, in order (0,1), (0,2), .., (1,2), ..
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  std::vector<double> interaction_share;
  double total_ss = 0;
};
FactorialAnova factorial_anova(const std::vector<Factor>& factors, const Design& design,
                               std::span<const double> y);

}  // namespace journeysim::sweep
