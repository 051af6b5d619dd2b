// minimise(), hessian() and uncertainty() (calibrate/optimise.hpp) on functions whose minima,
// curvature and covariance are known analytically.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "journeysim/calibrate/optimise.hpp"

namespace jc = journeysim::calibrate;

namespace {

using Vec = std::vector<double>;
using Mat = std::vector<std::vector<double>>;

double shifted_quadratic(const Vec& x) {
  // Minimum 0 at (0.7, -1.3, 2.1), different curvature per coordinate.
  const double a = x[0] - 0.7, b = x[1] + 1.3, c = x[2] - 2.1;
  return a * a + 4 * b * b + 0.25 * c * c;
}

double rosenbrock(const Vec& x) {
  const double a = 1 - x[0], b = x[1] - x[0] * x[0];
  return a * a + 100 * b * b;
}

jc::OptimiseOptions tight(const std::string& method) {
  jc::OptimiseOptions o;
  o.method = method;
  o.max_evaluations = 20000;
  o.xtol_rel = 1e-10;
  o.ftol_abs = 1e-14;
  return o;
}

class EachMethod : public ::testing::TestWithParam<std::string> {};

TEST(CalibrateOptimise, MethodsListed) {
  EXPECT_EQ(jc::optimise_methods(),
            (std::vector<std::string>{"bobyqa", "neldermead", "cobyla", "sbplx", "direct"}));
}

// DIRECT-L searches the whole box: on a function with a shallow local minimum near the start
// and the global one far away, it finds the global one where a local method from the start
// stays in the local basin.
TEST(CalibrateOptimise, DirectFindsTheGlobalMinimum) {
  auto f = [](const std::vector<double>& x) {
    const double a = (x[0] - 0.2) * (x[0] - 0.2) + (x[1] - 0.2) * (x[1] - 0.2);
    const double b = (x[0] - 0.85) * (x[0] - 0.85) + (x[1] - 0.8) * (x[1] - 0.8);
    return -0.5 * std::exp(-a / 0.01) - 1.0 * std::exp(-b / 0.01);
  };
  jc::OptimiseOptions o;
  o.method = "direct";
  o.max_evaluations = 400;
  const auto g = jc::minimise(f, {0.25, 0.25}, {0, 0}, {1, 1}, o);
  EXPECT_NEAR(g.x[0], 0.85, 0.02);
  EXPECT_NEAR(g.x[1], 0.8, 0.02);
  EXPECT_LE(g.evaluations, 400u);
  o.method = "sbplx";
  const auto l = jc::minimise(f, {0.25, 0.25}, {0, 0}, {1, 1}, o);
  EXPECT_NEAR(l.x[0], 0.2, 0.02) << "the local method stays in the start's basin";
}

// Tolerance: each coordinate within 1e-4 of the minimiser, f within 1e-8 of 0.
TEST_P(EachMethod, ShiftedQuadratic) {
  const auto r =
      jc::minimise(shifted_quadratic, {0, 0, 0}, {-5, -5, -5}, {5, 5, 5}, tight(GetParam()));
  ASSERT_EQ(r.x.size(), 3u);
  EXPECT_NEAR(r.x[0], 0.7, 1e-4);
  EXPECT_NEAR(r.x[1], -1.3, 1e-4);
  EXPECT_NEAR(r.x[2], 2.1, 1e-4);
  EXPECT_LT(r.f, 1e-8);
  EXPECT_DOUBLE_EQ(r.f, shifted_quadratic(r.x));
  EXPECT_GT(r.evaluations, 3u);
  EXPECT_LT(r.evaluations, 20000u);
  EXPECT_FALSE(r.stop_reason.empty());
}

// Tolerance: (1, 1) within 1e-3 per coordinate, f below 1e-6, from the classic (-1.2, 1).
TEST_P(EachMethod, RosenbrockInBox) {
  const auto r = jc::minimise(rosenbrock, {-1.2, 1}, {-2, -1}, {2, 3}, tight(GetParam()));
  EXPECT_NEAR(r.x[0], 1, 1e-3) << r.stop_reason << " after " << r.evaluations;
  EXPECT_NEAR(r.x[1], 1, 1e-3);
  EXPECT_LT(r.f, 1e-6);
}

// The unconstrained minimum (3, 0.5) lies outside: the box's corner x0 = 2 is the answer.
TEST_P(EachMethod, MinimumOnTheBound) {
  auto f = [](const Vec& x) { return (x[0] - 3) * (x[0] - 3) + (x[1] - 0.5) * (x[1] - 0.5); };
  const auto r = jc::minimise(f, {1, 0.1}, {0, 0}, {2, 1}, tight(GetParam()));
  EXPECT_NEAR(r.x[0], 2, 1e-6);
  EXPECT_LE(r.x[0], 2);  // never outside the box
  EXPECT_NEAR(r.x[1], 0.5, 1e-4);
  EXPECT_NEAR(r.f, 1, 1e-6);
}

TEST_P(EachMethod, StaysInsideTheBox) {
  const Vec lo{-0.5, 0.2}, hi{0.4, 2};
  bool outside = false;
  auto f = [&](const Vec& x) {
    for (std::size_t i = 0; i < 2; ++i) outside |= x[i] < lo[i] || x[i] > hi[i];
    return rosenbrock(x);
  };
  jc::minimise(f, {0, 1}, lo, hi, tight(GetParam()));
  EXPECT_FALSE(outside);
}

TEST_P(EachMethod, MaxEvaluationsRespectedExactly) {
  for (std::uint64_t cap : {1u, 2u, 7u, 23u}) {
    std::uint64_t calls = 0;
    auto f = [&](const Vec& x) {
      ++calls;
      return rosenbrock(x);
    };
    auto o = tight(GetParam());
    o.max_evaluations = cap;
    const auto r = jc::minimise(f, {-1.2, 1}, {-2, -2}, {2, 2}, o);
    EXPECT_EQ(calls, cap);
    EXPECT_EQ(r.evaluations, cap);
    EXPECT_EQ(r.stop_reason, "max evaluations");
  }
}

// The result is the best point evaluated; on_evaluation sees every evaluation with the running
// best; the two runs evaluate exactly the same points in the same order.
TEST_P(EachMethod, DeterministicAndBestTracked) {
  auto run = [&](std::vector<Vec>& xs, std::vector<double>& fs) {
    auto f = [&](const Vec& x) {
      xs.push_back(x);
      fs.push_back(rosenbrock(x));
      return fs.back();
    };
    std::vector<std::uint64_t> counts;
    std::vector<double> bests;
    auto o = tight(GetParam());
    o.max_evaluations = 300;
    auto r = jc::minimise(f, {-1.2, 1}, {-2, -2}, {2, 2}, o,
                          [&](std::uint64_t n, const Vec& x, double fx, double best) {
                            counts.push_back(n);
                            bests.push_back(best);
                            EXPECT_EQ(x, xs.back());
                            EXPECT_EQ(fx, fs.back());
                          });
    EXPECT_EQ(counts.size(), fs.size());
    double best = INFINITY;
    for (std::size_t i = 0; i < fs.size(); ++i) {
      EXPECT_EQ(counts[i], i + 1);
      best = std::min(best, fs[i]);
      EXPECT_EQ(bests[i], best);
    }
    EXPECT_EQ(r.f, best);
    EXPECT_EQ(r.evaluations, fs.size());
    return r;
  };
  std::vector<Vec> xs1, xs2;
  std::vector<double> fs1, fs2;
  const auto r1 = run(xs1, fs1);
  const auto r2 = run(xs2, fs2);
  EXPECT_GT(xs1.size(), 10u);
  EXPECT_EQ(xs1, xs2);
  EXPECT_EQ(fs1, fs2);
  EXPECT_EQ(r1.x, r2.x);
  EXPECT_EQ(r1.stop_reason, r2.stop_reason);
}

struct CustomError : std::exception {
  const char* what() const noexcept override { return "custom failure in the simulator"; }
};

TEST_P(EachMethod, ExceptionFromObjectivePropagatesAndKeepsTheBest) {
  int calls = 0;
  double best = INFINITY;
  Vec best_x;
  auto f = [&](const Vec& x) {
    if (++calls == 9) throw std::runtime_error("scenario 9 failed: bad seed");
    const double v = shifted_quadratic(x);
    if (v < best) {
      best = v;
      best_x = x;
    }
    return v;
  };
  jc::OptimiseResult progress;
  try {
    jc::minimise(f, {0, 0, 0}, {-5, -5, -5}, {5, 5, 5}, tight(GetParam()), {}, &progress);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "scenario 9 failed: bad seed");
  }
  EXPECT_EQ(calls, 9);  // f not called again after it threw
  EXPECT_EQ(progress.evaluations, 8u);
  EXPECT_EQ(progress.f, best);
  EXPECT_EQ(progress.x, best_x);

  // Any exception type survives, also from the very first evaluation.
  auto g = [](const Vec&) -> double { throw CustomError(); };
  EXPECT_THROW(jc::minimise(g, {0, 0, 0}, {-5, -5, -5}, {5, 5, 5}, tight(GetParam())), CustomError);
  // ... and from on_evaluation.
  EXPECT_THROW(
      jc::minimise(shifted_quadratic, {0, 0, 0}, {-5, -5, -5}, {5, 5, 5}, tight(GetParam()),
                   [](std::uint64_t n, const Vec&, double, double) {
                     if (n == 3) throw std::logic_error("observer");
                   }),
      std::logic_error);
}

INSTANTIATE_TEST_SUITE_P(CalibrateOptimise, EachMethod,
                         ::testing::Values("bobyqa", "neldermead", "cobyla", "sbplx"),
                         [](const auto& info) { return info.param; });

TEST(CalibrateOptimise, MaxTimeStopsWithTheBest) {
  jc::OptimiseOptions o = tight("neldermead");
  o.max_evaluations = 0;
  o.max_seconds = 0.1;
  // 2 ms per evaluation: about 50 in the time allowed, far from converged on Rosenbrock.
  std::uint64_t calls = 0;
  double best = INFINITY;
  auto f = [&](const Vec& x) {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    best = std::min(best, rosenbrock(x));
    return rosenbrock(x);
  };
  const auto r = jc::minimise(f, {-1.2, 1}, {-2, -2}, {2, 2}, o);
  EXPECT_EQ(r.stop_reason, "max time");
  EXPECT_EQ(r.evaluations, calls);
  EXPECT_GT(calls, 3u);
  EXPECT_EQ(r.f, best);
}

TEST(CalibrateOptimise, InvalidArgumentsRejected) {
  const jc::OptimiseOptions ok;
  auto o = ok;
  o.method = "lbfgs";
  try {
    jc::minimise(shifted_quadratic, {0, 0, 0}, {-1, -1, -1}, {1, 1, 1}, o);
    FAIL() << "unknown method accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown method 'lbfgs'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(jc::minimise(shifted_quadratic, {0, 0}, {-1, -1, -1}, {1, 1, 1}, ok),
               std::invalid_argument);
  EXPECT_THROW(jc::minimise(shifted_quadratic, {0, 0, 0}, {-1, -1}, {1, 1, 1}, ok),
               std::invalid_argument);
  EXPECT_THROW(jc::minimise(shifted_quadratic, {0, 2, 0}, {-1, -1, -1}, {1, 1, 1}, ok),
               std::invalid_argument);
  EXPECT_THROW(jc::minimise(shifted_quadratic, {0, 0, 0}, {-1, 1, -1}, {1, 1, 1}, ok),
               std::invalid_argument);
  EXPECT_THROW(jc::minimise(shifted_quadratic, {}, {}, {}, ok), std::invalid_argument);
  o = ok;
  o.initial_step = 0.6;
  EXPECT_THROW(jc::minimise(shifted_quadratic, {0, 0, 0}, {-1, -1, -1}, {1, 1, 1}, o),
               std::invalid_argument);
  o.initial_step = 0;
  EXPECT_THROW(jc::minimise(shifted_quadratic, {0, 0, 0}, {-1, -1, -1}, {1, 1, 1}, o),
               std::invalid_argument);
}

// initial_step is a fraction of the box: the first move of coordinate i is initial_step x width.
TEST(CalibrateOptimise, InitialStepInBoxUnits) {
  std::vector<Vec> xs;
  auto f = [&](const Vec& x) {
    xs.push_back(x);
    return x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
  };
  jc::OptimiseOptions o;
  o.method = "neldermead";
  o.initial_step = 0.25;
  o.max_evaluations = 4;
  jc::minimise(f, {0, 0, 0}, {-1, -2, -4}, {1, 2, 4}, o);
  ASSERT_EQ(xs.size(), 4u);
  // Nelder-Mead's initial simplex: start, then start + step_i e_i (the start is the minimum, so
  // the simplex is built around it).
  EXPECT_EQ(xs[0], (Vec{0, 0, 0}));
  EXPECT_EQ(xs[1], (Vec{0.5, 0, 0}));
  EXPECT_EQ(xs[2], (Vec{0, 1, 0}));
  EXPECT_EQ(xs[3], (Vec{0, 0, 2}));
}

// f = 0.5 x^T A x + b^T x: Hessian A.
const Mat kA = {{4, 1, -0.5}, {1, 3, 0.8}, {-0.5, 0.8, 2}};
const Vec kB = {0.3, -1, 2};
double quadratic_form(const Vec& x) {
  double s = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    s += kB[i] * x[i];
    for (std::size_t j = 0; j < 3; ++j) s += 0.5 * x[i] * kA[i][j] * x[j];
  }
  return s;
}

void expect_hessian_is_a(const Mat& h) {
  ASSERT_EQ(h.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(h[i].size(), 3u);
    for (std::size_t j = 0; j < 3; ++j) EXPECT_NEAR(h[i][j], kA[i][j], 1e-6) << i << "," << j;
  }
}

TEST(CalibrateHessian, QuadraticExactInside) {
  int calls = 0;
  auto f = [&](const Vec& x) {
    ++calls;
    return quadratic_form(x);
  };
  expect_hessian_is_a(
      jc::hessian(f, {0.2, -0.4, 0.5}, {1e-2, 1e-2, 2e-2}, {-1, -1, -1}, {1, 1, 1}));
  EXPECT_EQ(calls, 2 * 3 * 3 + 1);  // f(x) once, nothing twice
}

TEST(CalibrateHessian, QuadraticExactNearAndOnBounds) {
  const Vec lo{-1, -1, -1}, hi{1, 1, 1}, h{1e-2, 1e-2, 1e-2};
  for (const Vec& x : {Vec{-1, 1, 0}, Vec{-0.995, 0.996, 0.3}, Vec{1, -1, 1}, Vec{0, 0.999, -1}}) {
    int calls = 0;
    bool outside = false;
    auto f = [&](const Vec& p) {
      ++calls;
      for (std::size_t i = 0; i < 3; ++i) outside |= p[i] < lo[i] || p[i] > hi[i];
      return quadratic_form(p);
    };
    SCOPED_TRACE(::testing::PrintToString(x));
    expect_hessian_is_a(jc::hessian(f, x, h, lo, hi));
    EXPECT_FALSE(outside);
    EXPECT_LE(calls, 2 * 3 * 3 + 1);
  }
  // A box narrower than 2 h: the step shrinks, still exact.
  auto g = [](const Vec& x) { return 3 * x[0] * x[0] + x[0] * x[1] + 0.5 * x[1] * x[1]; };
  const Mat hg = jc::hessian(g, {0.001, 0.5}, {0.1, 0.1}, {0, 0}, {0.004, 1});
  EXPECT_NEAR(hg[0][0], 6, 1e-6);
  EXPECT_NEAR(hg[0][1], 1, 1e-6);
  EXPECT_NEAR(hg[1][0], 1, 1e-6);
  EXPECT_NEAR(hg[1][1], 1, 1e-6);
}

TEST(CalibrateHessian, InvalidArgumentsRejected) {
  EXPECT_THROW(jc::hessian(quadratic_form, {0, 0, 0}, {0.1, 0.1}, {-1, -1, -1}, {1, 1, 1}),
               std::invalid_argument);
  EXPECT_THROW(jc::hessian(quadratic_form, {0, 0, 0}, {0.1, 0, 0.1}, {-1, -1, -1}, {1, 1, 1}),
               std::invalid_argument);
  EXPECT_THROW(jc::hessian(quadratic_form, {0, 0, 2}, {0.1, 0.1, 0.1}, {-1, -1, -1}, {1, 1, 1}),
               std::invalid_argument);
}

// f = sum ((x_i - m_i) / s_i)^2: se_i = s_i, no correlation, all identifiable.
TEST(CalibrateUncertainty, IndependentZScores) {
  const Vec m{0.3, 5, -2}, s{0.05, 2, 0.4};
  auto f = [&](const Vec& x) {
    double v = 0;
    for (std::size_t i = 0; i < 3; ++i) v += std::pow((x[i] - m[i]) / s[i], 2);
    return v;
  };
  const Vec lo{0, 0, -5}, hi{1, 20, 5};
  const auto u = jc::uncertainty(jc::hessian(f, m, {1e-3, 1e-2, 1e-3}, lo, hi), lo, hi);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(u.se[i], s[i], 1e-6 * s[i]);
    EXPECT_TRUE(u.identifiable[i]) << u.reason[i];
    EXPECT_EQ(u.reason[i], "");
    for (std::size_t j = 0; j < 3; ++j) EXPECT_NEAR(u.corr[i][j], i == j ? 1 : 0, 1e-9);
  }
}

// f = z^T S^-1 z for a covariance S: se and correlation are S's.
jc::Uncertainty correlated(double rho, double s0, double s1) {
  const double det = s0 * s0 * s1 * s1 * (1 - rho * rho);
  const double i00 = s1 * s1 / det, i11 = s0 * s0 / det, i01 = -rho * s0 * s1 / det;
  auto f = [=](const Vec& x) {
    const double a = x[0] - 1, b = x[1] - 2;
    return i00 * a * a + 2 * i01 * a * b + i11 * b * b;
  };
  const Vec lo{0, 0}, hi{3, 10};
  return jc::uncertainty(jc::hessian(f, {1, 2}, {1e-3, 1e-3}, lo, hi), lo, hi);
}

TEST(CalibrateUncertainty, CorrelatedQuadraticGivesAnalyticCorrelation) {
  const auto u = correlated(0.6, 0.1, 0.5);
  EXPECT_NEAR(u.se[0], 0.1, 1e-6);
  EXPECT_NEAR(u.se[1], 0.5, 1e-6);
  EXPECT_NEAR(u.corr[0][1], 0.6, 1e-6);
  EXPECT_NEAR(u.corr[1][0], 0.6, 1e-6);
  EXPECT_TRUE(u.identifiable[0] && u.identifiable[1]);

  const auto v = correlated(-0.98, 0.1, 0.5);
  EXPECT_NEAR(v.corr[0][1], -0.98, 1e-6);
  EXPECT_NEAR(v.se[0], 0.1, 1e-6);  // finite: correlated, not singular
  EXPECT_FALSE(v.identifiable[0]);
  EXPECT_FALSE(v.identifiable[1]);
  EXPECT_EQ(v.reason[0], "correlated with parameter 1 (r = -0.98)");
  EXPECT_EQ(v.reason[1], "correlated with parameter 0 (r = -0.98)");
}

// f does not depend on x1: x1 not identifiable (se NaN), x0 and x2 keep their se.
TEST(CalibrateUncertainty, FlatCoordinateFlagged) {
  auto f = [](const Vec& x) {
    return std::pow((x[0] - 0.5) / 0.1, 2) + std::pow((x[2] - 3) / 0.7, 2);
  };
  const Vec lo{0, 0, 0}, hi{1, 1, 10};
  const auto u = jc::uncertainty(jc::hessian(f, {0.5, 0.5, 3}, {1e-3, 1e-3, 1e-3}, lo, hi), lo, hi);
  EXPECT_NEAR(u.se[0], 0.1, 1e-6);
  EXPECT_NEAR(u.se[2], 0.7, 1e-6);
  EXPECT_TRUE(std::isnan(u.se[1]));
  EXPECT_TRUE(u.identifiable[0]);
  EXPECT_TRUE(u.identifiable[2]);
  EXPECT_FALSE(u.identifiable[1]);
  EXPECT_NE(u.reason[1].find("flat"), std::string::npos) << u.reason[1];
  EXPECT_TRUE(std::isnan(u.corr[0][1]));
  EXPECT_TRUE(std::isnan(u.corr[1][1]));
  EXPECT_NEAR(u.corr[0][2], 0, 1e-9);
}

// f depends on x0 + x1 only: both flagged, correlated with each other; x2 is fine.
TEST(CalibrateUncertainty, CollinearParametersFlaggedAsCorrelated) {
  auto f = [](const Vec& x) {
    return std::pow((x[0] + x[1] - 1) / 0.1, 2) + std::pow((x[2] - 0.3) / 0.2, 2);
  };
  const Vec lo{0, 0, 0}, hi{1, 1, 1};
  const auto u =
      jc::uncertainty(jc::hessian(f, {0.4, 0.6, 0.3}, {1e-3, 1e-3, 1e-3}, lo, hi), lo, hi);
  EXPECT_FALSE(u.identifiable[0]);
  EXPECT_FALSE(u.identifiable[1]);
  EXPECT_TRUE(std::isnan(u.se[0]));
  EXPECT_TRUE(std::isnan(u.se[1]));
  EXPECT_NE(u.reason[0].find("correlated with parameter 1 (r = 1.00)"), std::string::npos)
      << u.reason[0];
  EXPECT_NE(u.reason[1].find("correlated with parameter 0 (r = 1.00)"), std::string::npos)
      << u.reason[1];
  EXPECT_TRUE(u.identifiable[2]) << u.reason[2];
  EXPECT_NEAR(u.se[2], 0.2, 1e-6);
}

TEST(CalibrateUncertainty, NotPositiveDefiniteOrWiderThanTheBox) {
  // A saddle: x1 has negative curvature.
  const auto u = jc::uncertainty({{2, 0}, {0, -2}}, {0, 0}, {1, 1});
  EXPECT_NEAR(u.se[0], 1, 1e-12);
  EXPECT_TRUE(u.identifiable[0]);
  EXPECT_TRUE(std::isnan(u.se[1]));
  EXPECT_FALSE(u.identifiable[1]);
  // se 10 in a box of width 1.
  const auto v = jc::uncertainty({{0.02}}, {0}, {1});
  EXPECT_NEAR(v.se[0], 10, 1e-9);
  EXPECT_FALSE(v.identifiable[0]);
  EXPECT_NE(v.reason[0].find("exceeds the box width"), std::string::npos) << v.reason[0];
  // Nothing is curved at all.
  const auto w = jc::uncertainty({{0, 0}, {0, 0}}, {0, 0}, {1, 1});
  EXPECT_FALSE(w.identifiable[0]);
  EXPECT_FALSE(w.identifiable[1]);
  EXPECT_TRUE(std::isnan(w.se[0]));
}

TEST(CalibrateUncertainty, InvalidArgumentsRejected) {
  EXPECT_THROW(jc::uncertainty({{1, 0}, {0}}, {0, 0}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(jc::uncertainty({{1, 0}, {0, 1}}, {0}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(jc::uncertainty({{1, NAN}, {NAN, 1}}, {0, 0}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(jc::uncertainty({{1, 0}, {0, 1}}, {0, 1}, {1, 1}), std::invalid_argument);
}

}  // namespace
