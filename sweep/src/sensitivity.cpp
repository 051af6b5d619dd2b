// Sensitivity estimators (sensitivity.hpp). The bootstrap draws rows with mt19937_64 and an
// integer conversion written out here (not std::uniform_int_distribution, whose algorithm is
// the library's choice), so confidence intervals are the same on every platform.
#include "journeysim/sweep/sensitivity.hpp"

#include <algorithm>
#include <boost/random/mersenne_twister.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>

#include "journeysim/sim/rng.hpp"

namespace journeysim::sweep {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint64_t kBootstrapStream = 0x626f6f74;  // "boot"

// Indices drawn uniformly with replacement from [0, n), reproducibly from a seed.
class Resampler {
 public:
  explicit Resampler(std::uint64_t seed) : engine_(sim::mix(seed, kBootstrapStream)) {}
  // n >= 1; rejection of the 2^64 mod n lowest words keeps the draw free of modulo bias.
  void draw(std::size_t n, std::vector<std::size_t>& out) {
    const std::uint64_t reject = (0 - static_cast<std::uint64_t>(n)) % n;
    out.resize(n);
    for (auto& i : out) {
      std::uint64_t x;
      do x = engine_();
      while (x < reject);
      i = static_cast<std::size_t>(x % n);
    }
  }

 private:
  boost::random::mt19937_64 engine_;
};

// Linear-interpolation percentile (q in [0, 1]) of the finite values; NaN if there are none.
double percentile(std::vector<double> v, double q) {
  std::erase_if(v, [](double x) { return !std::isfinite(x); });
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const double h = q * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= v.size()) return v.back();
  return v[lo] + (h - static_cast<double>(lo)) * (v[lo + 1] - v[lo]);
}

// Estimate and 95% percentile interval from bootstrap replicates (NaN without replicates).
Interval interval(double value, const std::vector<double>& replicates) {
  if (replicates.empty()) return {value, kNaN, kNaN};
  return {value, percentile(replicates, 0.025), percentile(replicates, 0.975)};
}

// Sobol estimates on the base rows `rows` (all of 0 .. N-1, or a bootstrap resample).
// fa[j], fb[j], fab[i][j]: y at row j of A, B, AB_i.
struct SobolSums {
  std::vector<double> first, total;
  double variance = 0;
};
SobolSums sobol_estimate(const std::vector<double>& fa, const std::vector<double>& fb,
                         const std::vector<std::vector<double>>& fab,
                         const std::vector<std::size_t>& rows) {
  const std::size_t k = fab.size();
  const double m = static_cast<double>(rows.size());
  // Variance of A and B together: sample variance of 2N values, two passes for accuracy.
  double mean = 0;
  for (std::size_t j : rows) mean += fa[j] + fb[j];
  mean /= 2 * m;
  double ss = 0;
  for (std::size_t j : rows)
    ss += (fa[j] - mean) * (fa[j] - mean) + (fb[j] - mean) * (fb[j] - mean);
  SobolSums out;
  out.variance = ss / (2 * m - 1);
  out.first.assign(k, kNaN);
  out.total.assign(k, kNaN);
  if (!(out.variance > 0)) return out;  // constant output: no share to attribute
  for (std::size_t i = 0; i < k; ++i) {
    double s = 0, st = 0;
    for (std::size_t j : rows) {
      const double d = fab[i][j] - fa[j];
      s += fb[j] * d;  // Saltelli (2010)
      st += d * d;     // Jansen (1999)
    }
    out.first[i] = s / m / out.variance;
    out.total[i] = st / (2 * m) / out.variance;
  }
  return out;
}

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v == 0 ? 0.0 : v);
  return buf;
}

// Groups of a factor's values for main_effects: group index per point and the labels.
struct Groups {
  std::vector<std::size_t> of_point;
  std::vector<std::string> labels;
};

Groups group_points(const Factor& f, std::size_t fi, const Design& d, int bins) {
  const std::size_t n = d.points.size();
  Groups g;
  g.of_point.resize(n);
  if (d.kind == DesignKind::full_factorial) {
    for (std::size_t i = 0; i < f.level_count(); ++i)
      g.labels.push_back(value_text(f, factor_level(f, i)));
    for (std::size_t p = 0; p < n; ++p) g.of_point[p] = d.level[p][fi];
    return g;
  }
  if (f.kind == Factor::Kind::range && d.kind != DesignKind::points) {
    // Equal-width bins of the unit coordinate; the labels show the bin edges in the factor's
    // units (before rounding to integers); the last bin also holds u = 1.
    Factor edge = f;
    edge.integer = false;
    for (int b = 0; b < bins; ++b) {
      const double lo = factor_value(edge, static_cast<double>(b) / bins).number;
      const double hi = factor_value(edge, static_cast<double>(b + 1) / bins).number;
      // Appended piece by piece: GCC 12 warns (-Wrestrict, falsely) on "[" + std::string.
      std::string label = "[";
      label += short_number(lo);
      label += ", ";
      label += short_number(hi);
      label += b + 1 == bins ? "]" : ")";
      g.labels.push_back(std::move(label));
    }
    for (std::size_t p = 0; p < n; ++p) {
      const double u = d.unit[p][fi];
      g.of_point[p] = std::min(static_cast<std::size_t>(std::max(0.0, std::floor(u * bins))),
                               static_cast<std::size_t>(bins - 1));
    }
    return g;
  }
  if (f.kind == Factor::Kind::choices) {
    g.labels = f.choices;
    for (std::size_t p = 0; p < n; ++p) {
      const int c = d.points[p][fi].choice;
      if (c < 0 || static_cast<std::size_t>(c) >= f.choices.size())
        throw std::invalid_argument("main effects: factor " + f.name +
                                    " has a point with no choice");
      g.of_point[p] = static_cast<std::size_t>(c);
    }
    return g;
  }
  // Numeric values given directly (levels, or a points table): a group per distinct value, the
  // declared levels first in their order, then any other values in increasing order.
  std::map<double, std::size_t> index;
  for (double v : f.levels)
    if (index.emplace(v, g.labels.size()).second) g.labels.push_back(value_text(f, {v, -1}));
  std::vector<double> extra;
  for (const auto& pt : d.points)
    if (!index.count(pt[fi].number)) extra.push_back(pt[fi].number);
  std::sort(extra.begin(), extra.end());
  for (double v : extra)
    if (index.emplace(v, g.labels.size()).second) g.labels.push_back(value_text(f, {v, -1}));
  for (std::size_t p = 0; p < n; ++p) g.of_point[p] = index.at(d.points[p][fi].number);
  return g;
}

}  // namespace

SobolIndices sobol_indices(std::span<const double> y, std::size_t n, std::size_t k, int resamples,
                           std::uint64_t seed) {
  if (n < 2 || k < 1)
    throw std::invalid_argument("sobol indices: need N >= 2 base samples and k >= 1 factors");
  if (y.size() != n * (k + 2))
    throw std::invalid_argument("sobol indices: " + std::to_string(y.size()) +
                                " values, expected N (k + 2) = " + std::to_string(n * (k + 2)));
  for (std::size_t p = 0; p < y.size(); ++p)
    if (!std::isfinite(y[p]))
      throw std::invalid_argument("sobol indices: value " + std::to_string(p + 1) +
                                  " is not a finite number");
  // Centred on the mean of f over A and B (as SALib does): the estimators' expectations are
  // unchanged (S_i's numerator has mean(f(AB_i) - f(A)) ~ 0 times the shift), but for an output
  // with a large mean and a small spread (MRR ~ 24k +- 1k) the raw f(B) factor multiplied the
  // noise of f(AB_i) - f(A) and gave first-order indices far outside [0, 1] at small N.
  double centre = 0;
  for (std::size_t j = 0; j < 2 * n; ++j) centre += y[j];
  centre /= static_cast<double>(2 * n);
  auto centred = [&](std::size_t from, std::size_t to) {
    std::vector<double> v(y.begin() + from, y.begin() + to);
    for (double& x : v) x -= centre;
    return v;
  };
  const std::vector<double> fa = centred(0, n), fb = centred(n, 2 * n);
  std::vector<std::vector<double>> fab(k);
  for (std::size_t i = 0; i < k; ++i) fab[i] = centred((2 + i) * n, (3 + i) * n);

  std::vector<std::size_t> rows(n);
  for (std::size_t j = 0; j < n; ++j) rows[j] = j;
  const SobolSums est = sobol_estimate(fa, fb, fab, rows);

  // Bootstrap over the base rows: row j brings its A, B and every AB_i value along.
  std::vector<std::vector<double>> first(k), total(k);
  Resampler rs(seed);
  for (int b = 0; b < resamples; ++b) {
    rs.draw(n, rows);
    const SobolSums r = sobol_estimate(fa, fb, fab, rows);
    for (std::size_t i = 0; i < k; ++i) {
      first[i].push_back(r.first[i]);
      total[i].push_back(r.total[i]);
    }
  }
  SobolIndices out;
  out.variance = est.variance;
  for (std::size_t i = 0; i < k; ++i) {
    out.first.push_back(interval(est.first[i], first[i]));
    out.total.push_back(interval(est.total[i], total[i]));
  }
  return out;
}

MorrisIndices morris_indices(const Design& design, std::span<const double> y, int resamples,
                             std::uint64_t seed) {
  if (design.kind != DesignKind::morris)
    throw std::invalid_argument("morris indices: the design is not a morris design");
  const std::size_t k = design.factors, r = design.morris_factor.size();
  if (y.size() != r * (k + 1) || design.points.size() != y.size())
    throw std::invalid_argument("morris indices: " + std::to_string(y.size()) +
                                " values, expected r (k + 1) = " + std::to_string(r * (k + 1)));
  for (std::size_t p = 0; p < y.size(); ++p)
    if (!std::isfinite(y[p]))
      throw std::invalid_argument("morris indices: value " + std::to_string(p + 1) +
                                  " is not a finite number");
  // ee[t][i]: the elementary effect of factor i in trajectory t.
  std::vector<std::vector<double>> ee(r, std::vector<double>(k));
  for (std::size_t t = 0; t < r; ++t)
    for (std::size_t j = 0; j < k; ++j) {
      const std::size_t p = t * (k + 1) + j;
      ee[t][design.morris_factor[t][j]] = (y[p + 1] - y[p]) / design.morris_step[t][j];
    }
  auto mean_abs = [&](std::size_t i, const std::vector<std::size_t>& ts) {
    double s = 0;
    for (std::size_t t : ts) s += std::abs(ee[t][i]);
    return s / static_cast<double>(ts.size());
  };
  std::vector<std::size_t> all(r);
  for (std::size_t t = 0; t < r; ++t) all[t] = t;

  MorrisIndices out;
  for (std::size_t i = 0; i < k; ++i) {
    double mu = 0;
    for (std::size_t t = 0; t < r; ++t) mu += ee[t][i];
    mu /= static_cast<double>(r);
    double ss = 0;
    for (std::size_t t = 0; t < r; ++t) ss += (ee[t][i] - mu) * (ee[t][i] - mu);
    out.mu.push_back(mu);
    out.mu_star.push_back(mean_abs(i, all));
    out.sigma.push_back(r >= 2 ? std::sqrt(ss / static_cast<double>(r - 1)) : kNaN);
  }
  // Bootstrap over whole trajectories (a trajectory's effects come from one base point).
  std::vector<std::vector<double>> reps(k);
  Resampler rs(seed);
  std::vector<std::size_t> ts;
  for (int b = 0; b < resamples; ++b) {
    rs.draw(r, ts);
    for (std::size_t i = 0; i < k; ++i) reps[i].push_back(mean_abs(i, ts));
  }
  for (std::size_t i = 0; i < k; ++i) out.mu_star_ci.push_back(interval(out.mu_star[i], reps[i]));
  return out;
}

std::vector<MainEffect> main_effects(const std::vector<Factor>& factors, const Design& design,
                                     std::span<const double> y, int bins) {
  if (bins < 1) throw std::invalid_argument("main effects: bins must be at least 1");
  if (factors.size() != design.factors || y.size() != design.points.size())
    throw std::invalid_argument("main effects: " + std::to_string(y.size()) + " values for " +
                                std::to_string(design.points.size()) + " points");
  std::vector<MainEffect> out;
  for (std::size_t fi = 0; fi < factors.size(); ++fi) {
    // a Morris design's points sit on a grid of p levels: p bins, one level in each (5 bins
    // over 4 levels would leave one empty)
    const int nbins = design.kind == DesignKind::morris && design.morris_levels > 0
                          ? static_cast<int>(design.morris_levels)
                          : bins;
    const Groups g = group_points(factors[fi], fi, design, nbins);
    MainEffect me;
    me.labels = g.labels;
    std::vector<double> sum(g.labels.size(), 0.0);
    me.count.assign(g.labels.size(), 0);
    for (std::size_t p = 0; p < y.size(); ++p) {
      if (!std::isfinite(y[p])) continue;  // a failed point says nothing about any level
      sum[g.of_point[p]] += y[p];
      ++me.count[g.of_point[p]];
    }
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t l = 0; l < sum.size(); ++l) {
      me.mean.push_back(me.count[l] ? sum[l] / static_cast<double>(me.count[l]) : kNaN);
      if (me.count[l]) {
        lo = std::min(lo, me.mean.back());
        hi = std::max(hi, me.mean.back());
      }
    }
    me.effect = hi >= lo ? hi - lo : 0;
    out.push_back(std::move(me));
  }
  return out;
}

FactorialAnova factorial_anova(const std::vector<Factor>& factors, const Design& design,
                               std::span<const double> y) {
  if (design.kind != DesignKind::full_factorial || design.level.size() != design.points.size())
    throw std::invalid_argument("factorial ANOVA needs a full factorial design");
  if (factors.size() != design.factors || y.size() != design.points.size())
    throw std::invalid_argument("factorial ANOVA: " + std::to_string(y.size()) + " values for " +
                                std::to_string(design.points.size()) + " points");
  for (std::size_t p = 0; p < y.size(); ++p)
    if (!std::isfinite(y[p]))  // dropping a point would unbalance the design
      throw std::invalid_argument("factorial ANOVA: value " + std::to_string(p + 1) +
                                  " is not a finite number");
  const std::size_t k = factors.size(), n = y.size();
  std::vector<std::size_t> levels(k);
  for (std::size_t f = 0; f < k; ++f) levels[f] = factors[f].level_count();

  double grand = 0;
  for (double v : y) grand += v;
  grand /= static_cast<double>(n);
  FactorialAnova out;
  for (double v : y) out.total_ss += (v - grand) * (v - grand);
  auto share = [&](double ss) { return out.total_ss > 0 ? ss / out.total_ss : 0.0; };

  // Mean of y per level of each factor (balanced: every level has n / L points).
  std::vector<std::vector<double>> mean(k);
  for (std::size_t f = 0; f < k; ++f) {
    std::vector<double> sum(levels[f], 0.0);
    std::vector<std::size_t> count(levels[f], 0);
    for (std::size_t p = 0; p < n; ++p) {
      sum[design.level[p][f]] += y[p];
      ++count[design.level[p][f]];
    }
    for (std::size_t l = 0; l < levels[f]; ++l)
      mean[f].push_back(count[l] ? sum[l] / static_cast<double>(count[l]) : 0.0);
    double ss = 0;
    for (std::size_t p = 0; p < n; ++p) {
      const double d = mean[f][design.level[p][f]] - grand;
      ss += d * d;
    }
    out.main_share.push_back(share(ss));
  }
  // Interaction of (i, j): what the cell means add beyond the two main effects.
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = i + 1; j < k; ++j) {
      const std::size_t lj = levels[j];
      std::vector<double> sum(levels[i] * lj, 0.0);
      std::vector<std::size_t> count(levels[i] * lj, 0);
      for (std::size_t p = 0; p < n; ++p) {
        const std::size_t c = design.level[p][i] * lj + design.level[p][j];
        sum[c] += y[p];
        ++count[c];
      }
      double ss = 0;
      for (std::size_t p = 0; p < n; ++p) {
        const std::size_t li = design.level[p][i], lk = design.level[p][j];
        const std::size_t c = li * lj + lk;
        const double d = sum[c] / static_cast<double>(count[c]) - mean[i][li] - mean[j][lk] + grand;
        ss += d * d;
      }
      out.pairs.emplace_back(i, j);
      out.interaction_share.push_back(share(ss));
    }
  return out;
}

}  // namespace journeysim::sweep
