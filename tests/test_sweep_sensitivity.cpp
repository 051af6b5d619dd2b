// Tests of the sensitivity estimators (sweep/sensitivity.hpp) on functions with known answers:
// Sobol indices by hand on a tiny design and against the analytic indices of the Ishigami
// function and the Sobol G-function (through make_design, as a sweep runs them); Morris on
// linear and interacting functions and by hand; main effects and the factorial ANOVA on
// functions whose level means and sums of squares are worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "journeysim/sweep/design.hpp"
#include "journeysim/sweep/sensitivity.hpp"

using namespace journeysim::sweep;

namespace {

constexpr double kPi = std::numbers::pi;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

Factor range(const std::string& name, double lo, double hi, int count = 3, bool log = false) {
  Factor f;
  f.name = f.path = name;
  f.kind = Factor::Kind::range;
  f.lo = lo;
  f.hi = hi;
  f.range_levels = count;
  f.log_scale = log;
  return f;
}
Factor levels(const std::string& name, std::vector<double> values) {
  Factor f;
  f.name = f.path = name;
  f.levels = std::move(values);
  return f;
}
Factor choices(const std::string& name, std::vector<std::string> words) {
  Factor f;
  f.name = f.path = name;
  f.kind = Factor::Kind::choices;
  f.choices = std::move(words);
  return f;
}
Design sobol_design(const std::vector<Factor>& fs, std::uint64_t n) {
  DesignSettings s;
  s.kind = DesignKind::sobol;
  s.n = n;
  return make_design(fs, s);
}
Design morris_design(const std::vector<Factor>& fs, std::uint64_t r, std::uint64_t p,
                     std::uint64_t seed) {
  DesignSettings s;
  s.kind = DesignKind::morris;
  s.trajectories = r;
  s.morris_levels = p;
  s.seed = seed;
  return make_design(fs, s);
}
Design factorial(const std::vector<Factor>& fs) {
  DesignSettings s;
  s.kind = DesignKind::full_factorial;
  return make_design(fs, s);
}
// y(point) for every point of a design, from the factor values.
template <typename F>
std::vector<double> evaluate(const Design& d, F f) {
  std::vector<double> y;
  for (const auto& p : d.points) {
    std::vector<double> x;
    for (const auto& v : p) x.push_back(v.number);
    y.push_back(f(x));
  }
  return y;
}
// The interval covers `truth`, allowing `slack` beyond its ends.
bool covers(const Interval& ci, double truth, double slack) {
  return ci.low - slack <= truth && truth <= ci.high + slack;
}

}  // namespace

// N = 2, k = 1: y = A (1, 2), B (3, 5), AB_1 (4, 1). Over A and B: mean 2.75, squares about it
// 3.0625 + 0.5625 + 0.0625 + 5.0625 = 8.75, V = 8.75 / 3. The estimators take y centred on that
// mean (A -1.75, -0.75; B 0.25, 2.25; AB_1 1.25, -1.75): S = ((0.25 (1.25 + 1.75) + 2.25 (-1.75 +
// 0.75)) / 2) / V = -0.75 / V = -0.2571429 (uncentred it would be 2 / V: the centring changes a
// small sample's estimate, not its expectation); ST = ((1 - 4)^2 + (2 - 1)^2) / 2 / (2 V) =
// 5 / (2 V) = 0.8571429 (differences: unchanged by centring).
TEST(SweepSensitivity, SobolByHand) {
  const std::vector<double> y = {1, 2, 3, 5, 4, 1};
  const SobolIndices s = sobol_indices(y, 2, 1, 0);
  const double v = 8.75 / 3;
  EXPECT_DOUBLE_EQ(s.variance, v);
  ASSERT_EQ(s.first.size(), 1u);
  ASSERT_EQ(s.total.size(), 1u);
  EXPECT_DOUBLE_EQ(s.first[0].value, -0.75 / v);
  EXPECT_DOUBLE_EQ(s.total[0].value, 5 / (2 * v));
  EXPECT_TRUE(std::isnan(s.first[0].low));  // no resamples, no interval
  EXPECT_TRUE(std::isnan(s.total[0].high));
}

// Ishigami (a = 7, b = 0.1), x_i uniform on [-pi, pi]: V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2,
// V_1 = (1 + b pi^4/5)^2 / 2, V_2 = a^2/8, V_13 = b^2 pi^8 (1/18 - 1/50), all else 0.
TEST(SweepSensitivity, SobolIshigami) {
  const double a = 7, b = 0.1;
  const double v = a * a / 8 + b * std::pow(kPi, 4) / 5 + b * b * std::pow(kPi, 8) / 18 + 0.5;
  const double v1 = 0.5 * std::pow(1 + b * std::pow(kPi, 4) / 5, 2), v2 = a * a / 8;
  const double v13 = b * b * std::pow(kPi, 8) * (1.0 / 18 - 1.0 / 50);
  const double s[] = {v1 / v, v2 / v, 0}, st[] = {(v1 + v13) / v, v2 / v, v13 / v};
  // The formulas give the published values.
  const double published_s[] = {0.3139, 0.4424, 0}, published_st[] = {0.5576, 0.4424, 0.2437};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(s[i], published_s[i], 1e-4);
    EXPECT_NEAR(st[i], published_st[i], 1e-4);
  }

  const std::vector<Factor> fs = {range("x1", -kPi, kPi), range("x2", -kPi, kPi),
                                  range("x3", -kPi, kPi)};
  const std::size_t n = 1 << 14;
  const Design d = sobol_design(fs, n);
  const std::vector<double> y = evaluate(d, [&](const std::vector<double>& x) {
    return std::sin(x[0]) + a * std::pow(std::sin(x[1]), 2) +
           b * std::pow(x[2], 4) * std::sin(x[0]);
  });
  const SobolIndices r = sobol_indices(y, n, 3, 1000, 7);
  EXPECT_NEAR(r.variance, v, 0.01 * v);
  for (int i = 0; i < 3; ++i) {
    std::printf(
        "Ishigami x%d: S = %.4f [%.4f, %.4f] (exact %.4f), ST = %.4f [%.4f, %.4f] "
        "(exact %.4f)\n",
        i + 1, r.first[i].value, r.first[i].low, r.first[i].high, s[i], r.total[i].value,
        r.total[i].low, r.total[i].high, st[i]);
    // With N = 2^14 quasi-random rows the estimates are within 0.002 of the exact values;
    // 0.01 leaves room for the sequence yet fails any estimator with a wrong term.
    EXPECT_NEAR(r.first[i].value, s[i], 0.01) << i;
    EXPECT_NEAR(r.total[i].value, st[i], 0.01) << i;
    // The bootstrap treats the quasi-random rows as if they were random, so its intervals are
    // conservative rather than exact; they must hold the exact value, with 0.005 of slack for
    // the percentile's own Monte Carlo error.
    EXPECT_TRUE(covers(r.first[i], s[i], 0.005)) << i;
    EXPECT_TRUE(covers(r.total[i], st[i], 0.005)) << i;
    EXPECT_LE(r.first[i].low, r.first[i].value);
    EXPECT_GE(r.first[i].high, r.first[i].value);
    // Informative but not degenerate: the resamples really vary (widths here are 0.02-0.04).
    EXPECT_LT(r.first[i].high - r.first[i].low, 0.1);
    EXPECT_GT(r.first[i].high - r.first[i].low, 0.01);
    EXPECT_GT(r.total[i].high - r.total[i].low, 0.01);
  }
  // Deterministic from the seed; another seed gives other (but similar) intervals.
  const SobolIndices again = sobol_indices(y, n, 3, 1000, 7);
  const SobolIndices other = sobol_indices(y, n, 3, 1000, 8);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(again.first[i].low, r.first[i].low);
    EXPECT_EQ(again.total[i].high, r.total[i].high);
    EXPECT_NE(other.first[i].low, r.first[i].low);
    EXPECT_EQ(other.first[i].value, r.first[i].value);
  }
}

// Sobol G-function, x_i uniform on [0, 1]: g_i = (|4 x_i - 2| + a_i) / (1 + a_i),
// V_i = (1/3) / (1 + a_i)^2, V = prod(1 + V_i) - 1, S_i = V_i / V,
// ST_i = V_i prod_{j != i}(1 + V_j) / V.
TEST(SweepSensitivity, SobolGFunction) {
  const std::vector<double> a = {0, 1, 4.5, 9, 99, 99, 99, 99};
  const std::size_t k = a.size(), n = 1 << 14;
  std::vector<double> vi;
  double prod = 1;
  for (double ai : a) {
    vi.push_back(1.0 / 3 / ((1 + ai) * (1 + ai)));
    prod *= 1 + vi.back();
  }
  const double v = prod - 1;
  const std::vector<Factor> fs(k, range("x", 0, 1));
  const Design d = sobol_design(fs, n);
  const std::vector<double> y = evaluate(d, [&](const std::vector<double>& x) {
    double g = 1;
    for (std::size_t i = 0; i < k; ++i) g *= (std::abs(4 * x[i] - 2) + a[i]) / (1 + a[i]);
    return g;
  });
  const SobolIndices r = sobol_indices(y, n, k, 200, 3);
  EXPECT_NEAR(r.variance, v, 0.02 * v);
  for (std::size_t i = 0; i < k; ++i) {
    const double s = vi[i] / v, st = vi[i] * prod / (1 + vi[i]) / v;
    std::printf("G x%zu (a = %g): S = %.4f (exact %.4f), ST = %.4f (exact %.4f)\n", i + 1, a[i],
                r.first[i].value, s, r.total[i].value, st);
    // Observed errors are below 0.0012; the tolerance is 0.01 as for Ishigami.
    EXPECT_NEAR(r.first[i].value, s, 0.01) << i;
    EXPECT_NEAR(r.total[i].value, st, 0.01) << i;
  }
  // The ordering a sweep would report: x1 > x2 > x3 > x4 > the rest.
  for (std::size_t i = 0; i + 1 < 4; ++i) EXPECT_GT(r.total[i].value, r.total[i + 1].value);
}

TEST(SweepSensitivity, SobolErrors) {
  std::vector<double> y(2 * 4, 1.0);  // N = 2, k = 2
  EXPECT_NO_THROW(sobol_indices(y, 2, 2, 10));
  EXPECT_THROW(sobol_indices(std::vector<double>(7, 1.0), 2, 2), std::invalid_argument);
  EXPECT_THROW(sobol_indices(std::vector<double>(9, 1.0), 2, 2), std::invalid_argument);
  EXPECT_THROW(sobol_indices(y, 4, 0), std::invalid_argument);
  EXPECT_THROW(sobol_indices(std::vector<double>{}, 0, 2), std::invalid_argument);
  y[5] = kNaN;
  EXPECT_THROW(sobol_indices(y, 2, 2), std::invalid_argument);
  y[5] = std::numeric_limits<double>::infinity();
  EXPECT_THROW(sobol_indices(y, 2, 2), std::invalid_argument);
  // A constant output has no variance to share out: NaN indices, not a division by zero.
  const SobolIndices c = sobol_indices(std::vector<double>(8, 3.0), 2, 2, 10);
  EXPECT_EQ(c.variance, 0);
  EXPECT_TRUE(std::isnan(c.first[0].value));
  EXPECT_TRUE(std::isnan(c.total[1].value));
}

// y = sum c_i u_i (u: unit coordinates, here equal to the values): every elementary effect of
// factor i is c_i, so mu = c_i, mu* = |c_i|, sigma = 0 and the bootstrap interval is a point.
TEST(SweepSensitivity, MorrisLinear) {
  const std::vector<double> c = {1, -2, 0.5, 0};
  const std::vector<Factor> fs(c.size(), range("u", 0, 1));
  const Design d = morris_design(fs, 12, 4, 5);
  const std::vector<double> y = evaluate(d, [&](const std::vector<double>& x) {
    double s = 0;
    for (std::size_t i = 0; i < c.size(); ++i) s += c[i] * x[i];
    return s;
  });
  const MorrisIndices m = morris_indices(d, y, 100, 1);
  ASSERT_EQ(m.mu.size(), c.size());
  ASSERT_EQ(m.mu_star_ci.size(), c.size());
  for (std::size_t i = 0; i < c.size(); ++i) {
    EXPECT_NEAR(m.mu[i], c[i], 1e-12) << i;
    EXPECT_NEAR(m.mu_star[i], std::abs(c[i]), 1e-12) << i;
    EXPECT_NEAR(m.sigma[i], 0, 1e-12) << i;
    EXPECT_NEAR(m.mu_star_ci[i].low, std::abs(c[i]), 1e-12) << i;
    EXPECT_NEAR(m.mu_star_ci[i].high, std::abs(c[i]), 1e-12) << i;
  }
  // Effects are per unit of u, i.e. per the factor's whole range: with x on [0, 10] the same
  // function of x has effects 10 c_i.
  const std::vector<Factor> wide(c.size(), range("x", 0, 10));
  const Design dw = morris_design(wide, 12, 4, 5);
  const std::vector<double> yw = evaluate(dw, [&](const std::vector<double>& x) {
    double s = 0;
    for (std::size_t i = 0; i < c.size(); ++i) s += c[i] * x[i];
    return s;
  });
  const MorrisIndices mw = morris_indices(dw, yw, 0);
  for (std::size_t i = 0; i < c.size(); ++i) EXPECT_NEAR(mw.mu[i], 10 * c[i], 1e-10);
}

// y = u0 + 3 u1 u2 - u3: the effects of u1 and u2 depend on where the other one is, so only
// they have sigma > 0; u0 and u3 act alone (sigma 0, mu* 1).
TEST(SweepSensitivity, MorrisInteraction) {
  const std::vector<Factor> fs(4, range("u", 0, 1));
  const Design d = morris_design(fs, 20, 4, 11);
  const std::vector<double> y =
      evaluate(d, [](const std::vector<double>& x) { return x[0] + 3 * x[1] * x[2] - x[3]; });
  const MorrisIndices m = morris_indices(d, y);
  EXPECT_NEAR(m.sigma[0], 0, 1e-12);
  EXPECT_NEAR(m.sigma[3], 0, 1e-12);
  EXPECT_NEAR(m.mu_star[0], 1, 1e-12);
  EXPECT_NEAR(m.mu[3], -1, 1e-12);
  EXPECT_GT(m.sigma[1], 0.3);
  EXPECT_GT(m.sigma[2], 0.3);
  // The effect of u1 is 3 u2 with u2 on the grid {0, 1/3, 2/3, 1}: mu* in [0, 3].
  EXPECT_GT(m.mu_star[1], 0.3);
  EXPECT_LT(m.mu_star[1], 3);
  EXPECT_LE(m.mu_star_ci[1].low, m.mu_star[1]);
  EXPECT_GE(m.mu_star_ci[1].high, m.mu_star[1]);
  EXPECT_LT(m.mu_star_ci[1].low, m.mu_star_ci[1].high);
}

// Two hand-built trajectories of one factor (p = 4, delta = 2/3): up 0 -> 2/3, down 1 -> 1/3.
// y = (0, 1 | 5, 3): effects 1 / (2/3) = 1.5 and (3 - 5) / (-2/3) = 3: mu = mu* = 2.25,
// sigma = sqrt(2 * 0.75^2 / 1) = 1.0606602. y = (0, 1 | 3, 5): effects 1.5 and -3: mu = -0.75,
// mu* = 2.25, sigma = sqrt(2 * 2.25^2) = 3.1819805.
TEST(SweepSensitivity, MorrisByHand) {
  Design d;
  d.kind = DesignKind::morris;
  d.factors = 1;
  d.morris_levels = 4;
  d.morris_delta = 2.0 / 3;
  d.unit = {{0}, {2.0 / 3}, {1}, {1.0 / 3}};
  d.points = {{{0, -1}}, {{2.0 / 3, -1}}, {{1, -1}}, {{1.0 / 3, -1}}};
  d.morris_factor = {{0}, {0}};
  d.morris_step = {{2.0 / 3}, {-2.0 / 3}};
  MorrisIndices m = morris_indices(d, std::vector<double>{0, 1, 5, 3}, 0);
  EXPECT_DOUBLE_EQ(m.mu[0], 2.25);
  EXPECT_DOUBLE_EQ(m.mu_star[0], 2.25);
  EXPECT_NEAR(m.sigma[0], 1.0606602, 1e-7);
  m = morris_indices(d, std::vector<double>{0, 1, 3, 5}, 0);
  EXPECT_DOUBLE_EQ(m.mu[0], -0.75);
  EXPECT_DOUBLE_EQ(m.mu_star[0], 2.25);
  EXPECT_NEAR(m.sigma[0], 3.1819805, 1e-7);
  // Bootstrap over the two trajectories: mu* of a resample is 1.5, 2.25 or 3.
  m = morris_indices(d, std::vector<double>{0, 1, 3, 5}, 400, 2);
  EXPECT_DOUBLE_EQ(m.mu_star_ci[0].low, 1.5);
  EXPECT_DOUBLE_EQ(m.mu_star_ci[0].high, 3);
  // One trajectory: no spread to estimate.
  d.unit.resize(2);
  d.points.resize(2);
  d.morris_factor.resize(1);
  d.morris_step.resize(1);
  m = morris_indices(d, std::vector<double>{0, 1}, 0);
  EXPECT_DOUBLE_EQ(m.mu[0], 1.5);
  EXPECT_TRUE(std::isnan(m.sigma[0]));
}

TEST(SweepSensitivity, MorrisErrors) {
  const std::vector<Factor> fs(2, range("u", 0, 1));
  const Design d = morris_design(fs, 3, 4, 1);
  EXPECT_THROW(morris_indices(d, std::vector<double>(8, 1.0)), std::invalid_argument);
  std::vector<double> y(9, 1.0);
  EXPECT_NO_THROW(morris_indices(d, y, 10));
  y[4] = kNaN;
  EXPECT_THROW(morris_indices(d, y), std::invalid_argument);
  const Design s = sobol_design(fs, 2);
  EXPECT_THROW(morris_indices(s, std::vector<double>(8, 1.0)), std::invalid_argument);
}

// y = a + 10 b + c over a 2 x 3 x 3 factorial (a in {1, 2}, b the choice index, c in {0, 5, 10}):
// additive, so the mean at a level is that level's term plus the means of the others:
// a: 1 + 10 + 5 = 16, 17; b: 1.5 + {0, 10, 20} + 5 = 6.5, 16.5, 26.5; c: 1.5 + 10 + {0, 5, 10}.
TEST(SweepSensitivity, MainEffectsFactorial) {
  const std::vector<Factor> fs = {levels("a", {1, 2}), choices("b", {"x", "y", "z"}),
                                  range("c", 0, 10)};
  const Design d = factorial(fs);
  std::vector<double> y =
      evaluate(d, [](const std::vector<double>& x) { return x[0] + 10 * x[1] + x[2]; });
  std::vector<MainEffect> me = main_effects(fs, d, y);
  ASSERT_EQ(me.size(), 3u);
  EXPECT_EQ(me[0].labels, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(me[1].labels, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(me[2].labels, (std::vector<std::string>{"0", "5", "10"}));
  EXPECT_EQ(me[0].mean, (std::vector<double>{16, 17}));
  EXPECT_EQ(me[1].mean, (std::vector<double>{6.5, 16.5, 26.5}));
  EXPECT_EQ(me[2].mean, (std::vector<double>{11.5, 16.5, 21.5}));
  EXPECT_EQ(me[0].count, (std::vector<std::size_t>{9, 9}));
  EXPECT_EQ(me[1].count, (std::vector<std::size_t>{6, 6, 6}));
  EXPECT_DOUBLE_EQ(me[0].effect, 1);
  EXPECT_DOUBLE_EQ(me[1].effect, 20);
  EXPECT_DOUBLE_EQ(me[2].effect, 10);
  // A failed point (NaN) is left out: point 0 is (a 1, b x, c 0), y = 1.
  y[0] = kNaN;
  me = main_effects(fs, d, y);
  EXPECT_EQ(me[0].count, (std::vector<std::size_t>{8, 9}));
  EXPECT_DOUBLE_EQ(me[0].mean[0], (16.0 * 9 - 1) / 8);
  EXPECT_EQ(me[2].count, (std::vector<std::size_t>{5, 6, 6}));
  EXPECT_THROW(main_effects(fs, d, std::vector<double>(17, 1.0)), std::invalid_argument);
}

// Continuous factors of a sampled design are binned on the unit coordinate: a 10-point Latin
// hypercube puts exactly 2 points in each of 5 bins; a levels factor is grouped by level.
TEST(SweepSensitivity, MainEffectsBinned) {
  const std::vector<Factor> fs = {range("x", 0, 10), levels("l", {1, 2}),
                                  range("g", 1, 1e5, 3, true)};
  DesignSettings s;
  s.kind = DesignKind::lhs;
  s.n = 10;
  s.seed = 4;
  const Design d = make_design(fs, s);
  const std::vector<double> y = evaluate(d, [](const std::vector<double>& x) { return x[0]; });
  const std::vector<MainEffect> me = main_effects(fs, d, y, 5);
  EXPECT_EQ(me[0].labels,
            (std::vector<std::string>{"[0, 2)", "[2, 4)", "[4, 6)", "[6, 8)", "[8, 10]"}));
  EXPECT_EQ(me[0].count, (std::vector<std::size_t>(5, 2)));
  for (std::size_t b = 0; b < 5; ++b) {
    EXPECT_GE(me[0].mean[b], 2.0 * b);
    EXPECT_LE(me[0].mean[b], 2.0 * b + 2);
  }
  EXPECT_GT(me[0].effect, 6);  // bin means from within [0, 2) to within [8, 10]
  EXPECT_EQ(me[1].labels, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(me[1].count, (std::vector<std::size_t>{5, 5}));
  // A log range is binned on its log scale: edges 1, 10, 100, ...
  EXPECT_EQ(me[2].labels, (std::vector<std::string>{"[1, 10)", "[10, 100)", "[100, 1000)",
                                                    "[1000, 10000)", "[10000, 100000]"}));
  // Fewer bins, one empty bin for a 1-point design.
  s.n = 1;
  const Design one = make_design(fs, s);
  const std::vector<MainEffect> m1 = main_effects(fs, one, std::vector<double>{4.0}, 2);
  EXPECT_EQ(m1[0].count[0] + m1[0].count[1], 1u);
  EXPECT_TRUE(std::isnan(m1[0].mean[one.unit[0][0] < 0.5 ? 1 : 0]));
  EXPECT_EQ(m1[0].effect, 0);
  EXPECT_THROW(main_effects(fs, d, y, 0), std::invalid_argument);
}

// A points design groups by the values it holds.
TEST(SweepSensitivity, MainEffectsPoints) {
  const std::vector<Factor> fs = {range("x", 0, 10), choices("c", {"a", "b"})};
  DesignSettings s;
  s.kind = DesignKind::points;
  s.rows = {{{5, -1}, {0, 0}}, {{2.5, -1}, {1, 1}}, {{5, -1}, {1, 1}}};
  const Design d = make_design(fs, s);
  const std::vector<MainEffect> me = main_effects(fs, d, std::vector<double>{1, 2, 4});
  EXPECT_EQ(me[0].labels, (std::vector<std::string>{"2.5", "5"}));
  EXPECT_EQ(me[0].mean, (std::vector<double>{2, 2.5}));
  EXPECT_EQ(me[1].labels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(me[1].mean, (std::vector<double>{1, 3}));
  EXPECT_EQ(me[1].count, (std::vector<std::size_t>{1, 2}));
}

// y = a_i + b_j with a = (1, 2, 6), b = (0, 3), and a third factor that does nothing.
// Grand mean 3 + 1.5; SS_a = 4 (2 b levels x 2 c levels) x ((-2)^2 + (-1)^2 + 3^2) = 56;
// SS_b = 6 (3 x 2) x (1.5^2 + 1.5^2) = 27; total 83; no interaction.
TEST(SweepSensitivity, FactorialAnovaAdditive) {
  const std::vector<Factor> fs = {levels("a", {1, 2, 6}), levels("b", {0, 3}),
                                  choices("c", {"p", "q"})};
  const Design d = factorial(fs);
  const std::vector<double> y =
      evaluate(d, [](const std::vector<double>& x) { return x[0] + x[1]; });
  const FactorialAnova an = factorial_anova(fs, d, y);
  EXPECT_DOUBLE_EQ(an.total_ss, 83);
  ASSERT_EQ(an.main_share.size(), 3u);
  EXPECT_DOUBLE_EQ(an.main_share[0], 56.0 / 83);
  EXPECT_DOUBLE_EQ(an.main_share[1], 27.0 / 83);
  EXPECT_NEAR(an.main_share[2], 0, 1e-15);
  ASSERT_EQ(an.pairs.size(), 3u);
  EXPECT_EQ(an.pairs[0], (std::pair<std::size_t, std::size_t>{0, 1}));
  EXPECT_EQ(an.pairs[1], (std::pair<std::size_t, std::size_t>{0, 2}));
  EXPECT_EQ(an.pairs[2], (std::pair<std::size_t, std::size_t>{1, 2}));
  for (double s : an.interaction_share) EXPECT_NEAR(s, 0, 1e-15);
}

// y = x1 x2 with centred levels (-1, 0, 1): every level mean is 0, so all of the sum of squares
// (4 points of 1) is interaction. Then y = x1 x2 + 2 x1 (levels -1, 1): SS_main_1 = 4 x 4 = 16,
// SS_12 = 4, total 20.
TEST(SweepSensitivity, FactorialAnovaInteraction) {
  std::vector<Factor> fs = {levels("x1", {-1, 0, 1}), levels("x2", {-1, 0, 1})};
  Design d = factorial(fs);
  std::vector<double> y = evaluate(d, [](const std::vector<double>& x) { return x[0] * x[1]; });
  FactorialAnova an = factorial_anova(fs, d, y);
  EXPECT_DOUBLE_EQ(an.total_ss, 4);
  EXPECT_NEAR(an.main_share[0], 0, 1e-15);
  EXPECT_NEAR(an.main_share[1], 0, 1e-15);
  ASSERT_EQ(an.interaction_share.size(), 1u);
  EXPECT_DOUBLE_EQ(an.interaction_share[0], 1);

  fs = {levels("x1", {-1, 1}), levels("x2", {-1, 1})};
  d = factorial(fs);
  y = evaluate(d, [](const std::vector<double>& x) { return x[0] * x[1] + 2 * x[0]; });
  an = factorial_anova(fs, d, y);
  EXPECT_DOUBLE_EQ(an.total_ss, 20);
  EXPECT_DOUBLE_EQ(an.main_share[0], 0.8);
  EXPECT_DOUBLE_EQ(an.main_share[1], 0);
  EXPECT_DOUBLE_EQ(an.interaction_share[0], 0.2);

  // Constant y: nothing to explain, shares 0.
  an = factorial_anova(fs, d, std::vector<double>(4, 2.0));
  EXPECT_EQ(an.total_ss, 0);
  EXPECT_EQ(an.main_share[0], 0);
  EXPECT_EQ(an.interaction_share[0], 0);
  // Not a factorial, wrong size, NaN.
  DesignSettings s;
  s.kind = DesignKind::lhs;
  s.n = 4;
  EXPECT_THROW(factorial_anova(fs, make_design(fs, s), std::vector<double>(4, 1.0)),
               std::invalid_argument);
  EXPECT_THROW(factorial_anova(fs, d, std::vector<double>(3, 1.0)), std::invalid_argument);
  EXPECT_THROW(factorial_anova(fs, d, std::vector<double>{1, 2, kNaN, 4}), std::invalid_argument);
}
