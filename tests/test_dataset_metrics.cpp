// Scoring metrics of `journeysim evaluate` (dataset/metrics.hpp): point values against hand
// computations, the weighted bootstrap kernel against the plain formulas, and the bootstrap
// intervals (coverage of the point value, width against the Hanley-McNeil standard error,
// independence of the thread count).
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "journeysim/dataset/metrics.hpp"

namespace jd = journeysim::dataset;

namespace {

// Test data generator: splitmix64, so the data are the same everywhere.
struct Gen {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {                                                           // Box-Muller
    const double u = 1 - uniform(), v = uniform();
    return std::sqrt(-2 * std::log(u)) * std::cos(2 * std::numbers::pi * v);
  }
};

// Binormal scores: label ~ Bernoulli(rate), score = logistic(label * shift + N(0,1)).
struct Data {
  std::vector<double> p;
  std::vector<std::uint8_t> y;
};
Data binormal(std::size_t n, double rate, double shift, std::uint64_t seed) {
  Gen g{seed};
  Data d;
  d.p.resize(n);
  d.y.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    d.y[i] = g.uniform() < rate;
    d.p[i] = 1 / (1 + std::exp(-(d.y[i] * shift + g.normal())));
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// AUC

TEST(Auc, HandExample) {
  // positives 0.35, 0.8; negatives 0.1, 0.4. Pairs (pos, neg): (0.35, 0.1) win, (0.35, 0.4) loss,
  // (0.8, 0.1) win, (0.8, 0.4) win -> 3 / 4.
  EXPECT_DOUBLE_EQ(jd::auc(std::vector{0.1, 0.4, 0.35, 0.8}, std::vector<std::uint8_t>{0, 0, 1, 1}),
                   0.75);
}

TEST(Auc, TieBetweenClassesCountsHalf) {
  // positives 0.5, 0.9; negatives 0.2, 0.5. (0.5, 0.2) 1, (0.5, 0.5) tie 0.5, (0.9, 0.2) 1,
  // (0.9, 0.5) 1 -> 3.5 / 4. Mid-ranks: 0.2 -> 1, 0.5 -> 2.5 (both), 0.9 -> 4; U = 2.5 + 4 - 3.
  EXPECT_DOUBLE_EQ(jd::auc(std::vector{0.2, 0.5, 0.5, 0.9}, std::vector<std::uint8_t>{0, 1, 0, 1}),
                   0.875);
}

TEST(Auc, TiesWithinAndAcrossClasses) {
  // negatives 0.3, 0.3; positives 0.3, 0.7, 0.7. Positive 0.3 ties both negatives: 0.5 + 0.5;
  // each 0.7 beats both: 2 + 2 -> 5 / (3 * 2).
  EXPECT_DOUBLE_EQ(
      jd::auc(std::vector{0.3, 0.3, 0.3, 0.7, 0.7}, std::vector<std::uint8_t>{0, 0, 1, 1, 1}),
      5.0 / 6.0);
  // Everything tied: every pair counts 1/2.
  EXPECT_DOUBLE_EQ(jd::auc(std::vector{0.4, 0.4, 0.4}, std::vector<std::uint8_t>{1, 0, 1}), 0.5);
}

TEST(Auc, PerfectAndReversed) {
  const std::vector<std::uint8_t> y{0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(jd::auc(std::vector{0.1, 0.2, 0.8, 0.9}, y), 1.0);
  EXPECT_DOUBLE_EQ(jd::auc(std::vector{0.9, 0.8, 0.2, 0.1}, y), 0.0);
}

TEST(Auc, OneClassIsNaN) {
  EXPECT_TRUE(std::isnan(jd::auc(std::vector{0.1, 0.9}, std::vector<std::uint8_t>{1, 1})));
  EXPECT_TRUE(std::isnan(jd::auc(std::vector{0.1, 0.9}, std::vector<std::uint8_t>{0, 0})));
}

// ---------------------------------------------------------------------------------------------
// Log loss, Brier

TEST(LogLoss, HandExample) {
  // p = 0.9, 0.2, 0.6, 0.5 with y = 1, 0, 0, 1:
  //   -ln 0.9 = 0.1053605157, -ln(1 - 0.2) = 0.2231435513, -ln(1 - 0.6) = 0.9162907319,
  //   -ln 0.5 = 0.6931471806; sum 1.9379419794, mean 0.4844854949.
  const std::vector p{0.9, 0.2, 0.6, 0.5};
  const std::vector<std::uint8_t> y{1, 0, 0, 1};
  EXPECT_NEAR(jd::log_loss(p, y), 0.4844854949, 1e-10);
}

TEST(Brier, HandExample) {
  // (0.9 - 1)^2 + (0.2 - 0)^2 + (0.6 - 0)^2 + (0.5 - 1)^2 = 0.01 + 0.04 + 0.36 + 0.25 = 0.66;
  // / 4 = 0.165.
  const std::vector p{0.9, 0.2, 0.6, 0.5};
  const std::vector<std::uint8_t> y{1, 0, 0, 1};
  EXPECT_NEAR(jd::brier(p, y), 0.165, 1e-15);
}

TEST(LogLoss, ClipsCertainPredictions) {
  // p = 0 with y = 1 is clipped to 1e-15: -ln(1e-15) = 15 ln 10 = 34.538776394910684.
  EXPECT_NEAR(jd::log_loss(std::vector{0.0}, std::vector<std::uint8_t>{1}), 34.538776394910684,
              1e-12);
  // p = 1 with y = 0 is clipped to 1 - 1e-15, which rounds to 1 - 9.992e-16 in double:
  // -ln(9.992e-16) = 34.5395.
  EXPECT_NEAR(jd::log_loss(std::vector{1.0}, std::vector<std::uint8_t>{0}), 34.5395, 1e-4);
  // Right and certain: -ln(1 - 1e-15) ~ 1e-15.
  EXPECT_NEAR(jd::log_loss(std::vector{0.0, 1.0}, std::vector<std::uint8_t>{0, 1}), 0, 1e-14);
}

// ---------------------------------------------------------------------------------------------
// Calibration

TEST(Calibration, BinsHandExample) {
  // bin 0 [0, 0.1): 0.05 (y 0)                  n 1, mean 0.05, rate 0
  // bin 1 [0.1, 0.2): 0.15 (1), 0.12 (0)        n 2, mean 0.135, rate 0.5
  // bin 3 [0.3, 0.4): 0.3 (0)                   n 1, mean 0.3, rate 0
  // bin 9 [0.9, 1]: 0.95 (1), 1.0 (1)           n 2, mean 0.975, rate 1 (p = 1 in the last bin)
  const std::vector p{0.05, 0.15, 0.12, 0.95, 1.0, 0.3};
  const std::vector<std::uint8_t> y{0, 1, 0, 1, 1, 0};
  const auto m = jd::classification_metrics(p, y, {.replicates = 0});
  ASSERT_EQ(m.calibration.size(), 10u);
  for (std::size_t b = 0; b < 10; ++b) {
    EXPECT_DOUBLE_EQ(m.calibration[b].lo, b / 10.0);
    EXPECT_DOUBLE_EQ(m.calibration[b].hi, (b + 1) / 10.0);
  }
  const std::size_t expected_n[10] = {1, 2, 0, 1, 0, 0, 0, 0, 0, 2};
  for (std::size_t b = 0; b < 10; ++b) {
    EXPECT_EQ(m.calibration[b].n, expected_n[b]) << "bin " << b;
    if (expected_n[b] == 0) {
      EXPECT_TRUE(std::isnan(m.calibration[b].mean_predicted));
      EXPECT_TRUE(std::isnan(m.calibration[b].observed_rate));
    }
  }
  EXPECT_DOUBLE_EQ(m.calibration[0].mean_predicted, 0.05);
  EXPECT_DOUBLE_EQ(m.calibration[0].observed_rate, 0.0);
  EXPECT_DOUBLE_EQ(m.calibration[1].mean_predicted, 0.135);
  EXPECT_DOUBLE_EQ(m.calibration[1].observed_rate, 0.5);
  EXPECT_DOUBLE_EQ(m.calibration[3].mean_predicted, 0.3);
  EXPECT_DOUBLE_EQ(m.calibration[3].observed_rate, 0.0);
  EXPECT_DOUBLE_EQ(m.calibration[9].mean_predicted, 0.975);
  EXPECT_DOUBLE_EQ(m.calibration[9].observed_rate, 1.0);
}

// ---------------------------------------------------------------------------------------------
// Regression

TEST(Regression, HandExample) {
  // errors predicted - actual: 10-8 = 2, 0-2 = -2, 5-5 = 0, 7-10 = -3.
  //   MAE = (2 + 2 + 0 + 3) / 4 = 1.75; RMSE = sqrt((4 + 4 + 0 + 9) / 4) = sqrt(4.25);
  //   sums 22 and 25: aggregate error = (22 - 25) / 25 = -0.12.
  const auto m = jd::regression_metrics(std::vector{10.0, 0.0, 5.0, 7.0},
                                        std::vector{8.0, 2.0, 5.0, 10.0}, {.replicates = 0});
  EXPECT_EQ(m.n, 4u);
  EXPECT_DOUBLE_EQ(m.sum_predicted, 22);
  EXPECT_DOUBLE_EQ(m.sum_actual, 25);
  EXPECT_DOUBLE_EQ(m.mae.value, 1.75);
  EXPECT_DOUBLE_EQ(m.rmse.value, std::sqrt(4.25));
  EXPECT_DOUBLE_EQ(m.aggregate_error.value, -0.12);
  EXPECT_TRUE(std::isnan(m.mae.low) && std::isnan(m.mae.high));  // no replicates
}

TEST(Regression, ZeroActualTotalGivesNaNAggregate) {
  // actual sums to 0: aggregate error undefined; MAE = (1 + 1) / 2 = 1.
  const auto m = jd::regression_metrics(std::vector{1.0, 1.0}, std::vector{0.0, 0.0});
  EXPECT_TRUE(std::isnan(m.aggregate_error.value));
  EXPECT_TRUE(std::isnan(m.aggregate_error.low));  // every replicate sums to 0 as well
  EXPECT_DOUBLE_EQ(m.mae.value, 1.0);
}

// ---------------------------------------------------------------------------------------------
// Input checks

TEST(Metrics, ThrowsOnLengthMismatchOrEmpty) {
  const std::vector p{0.1, 0.2};
  const std::vector<std::uint8_t> y1{1}, y0;
  const std::vector<double> none;
  EXPECT_THROW(jd::auc(p, y1), std::invalid_argument);
  EXPECT_THROW(jd::log_loss(p, y1), std::invalid_argument);
  EXPECT_THROW(jd::brier(p, y1), std::invalid_argument);
  EXPECT_THROW(jd::classification_metrics(p, y1), std::invalid_argument);
  EXPECT_THROW(jd::auc(none, y0), std::invalid_argument);
  EXPECT_THROW(jd::classification_metrics(none, y0), std::invalid_argument);
  EXPECT_THROW(jd::regression_metrics(p, std::vector{1.0}), std::invalid_argument);
  EXPECT_THROW(jd::regression_metrics(none, none), std::invalid_argument);
  EXPECT_THROW(jd::classification_metrics(p, std::vector<std::uint8_t>{0, 1}, {.level = 1.0}),
               std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Weighted kernel of the bootstrap

TEST(WeightedAuc, HandExampleWithCounts) {
  // p = 0.2, 0.5, 0.5, 0.9; y = 0, 1, 0, 1; counts 2, 1, 3, 0: the resample holds negatives
  // 0.2 x2 and 0.5 x3, one positive 0.5. It beats the two 0.2 (2) and ties the three 0.5
  // (3 x 0.5) -> 3.5 / (1 x 5) = 0.7.
  const std::vector p{0.2, 0.5, 0.5, 0.9};
  const std::vector<std::uint8_t> y{0, 1, 0, 1};
  EXPECT_DOUBLE_EQ(jd::weighted_auc(p, y, std::vector<std::uint32_t>{2, 1, 3, 0}), 0.7);
  // No positive drawn -> NaN.
  EXPECT_TRUE(std::isnan(jd::weighted_auc(p, y, std::vector<std::uint32_t>{1, 0, 1, 0})));
}

TEST(WeightedAuc, UnitCountsEqualMidRankAuc) {
  // Scores rounded to 2 decimals: many ties within and across classes.
  auto d = binormal(3000, 0.3, 0.8, 11);
  for (auto& v : d.p) v = std::round(v * 100) / 100;
  const std::vector<std::uint32_t> ones(d.p.size(), 1);
  EXPECT_NEAR(jd::weighted_auc(d.p, d.y, ones), jd::auc(d.p, d.y), 1e-14);
}

TEST(WeightedAuc, CountsEqualReplicatedRows) {
  auto d = binormal(500, 0.4, 0.5, 12);
  for (auto& v : d.p) v = std::round(v * 50) / 50;
  Gen g{13};
  std::vector<std::uint32_t> w(d.p.size());
  std::vector<double> p;
  std::vector<std::uint8_t> y;
  for (std::size_t i = 0; i < w.size(); ++i) {
    w[i] = static_cast<std::uint32_t>(g.next() % 4);  // 0..3 copies
    for (std::uint32_t k = 0; k < w[i]; ++k) {
      p.push_back(d.p[i]);
      y.push_back(d.y[i]);
    }
  }
  EXPECT_NEAR(jd::weighted_auc(d.p, d.y, w), jd::auc(p, y), 1e-14);
}

// ---------------------------------------------------------------------------------------------
// Bootstrap

TEST(Bootstrap, PointValuesAreFullDataValues) {
  const auto d = binormal(2000, 0.3, 1.0, 21);
  const auto m = jd::classification_metrics(d.p, d.y);
  EXPECT_EQ(m.n, 2000u);
  std::size_t pos = 0;
  for (auto v : d.y) pos += v;
  EXPECT_EQ(m.positives, pos);
  EXPECT_EQ(m.auc.value, jd::auc(d.p, d.y));
  EXPECT_EQ(m.log_loss.value, jd::log_loss(d.p, d.y));
  EXPECT_EQ(m.brier.value, jd::brier(d.p, d.y));
}

TEST(Bootstrap, IntervalContainsPointValue) {
  const auto d = binormal(5000, 0.3, 1.0, 31);
  const auto c = jd::classification_metrics(d.p, d.y);
  for (const auto* e : {&c.auc, &c.log_loss, &c.brier}) {
    EXPECT_LT(e->low, e->value);
    EXPECT_GT(e->high, e->value);
  }
  // Regression: actual = Gamma-like spend, predicted = actual plus noise and a 5% bias.
  Gen g{32};
  std::vector<double> predicted(5000), actual(5000);
  for (std::size_t i = 0; i < actual.size(); ++i) {
    actual[i] = -10 * std::log(1 - g.uniform());
    predicted[i] = 1.05 * actual[i] + 2 * g.normal();
  }
  const auto r = jd::regression_metrics(predicted, actual);
  for (const auto* e : {&r.mae, &r.rmse, &r.aggregate_error}) {
    EXPECT_LT(e->low, e->value);
    EXPECT_GT(e->high, e->value);
  }
}

TEST(Bootstrap, AucIntervalWidthMatchesHanleyMcNeil) {
  const auto d = binormal(20000, 0.3, 1.0, 41);
  const auto m = jd::classification_metrics(d.p, d.y);
  // Hanley & McNeil (1982): SE^2 = [A(1-A) + (n1-1)(Q1-A^2) + (n2-1)(Q2-A^2)] / (n1 n2),
  // Q1 = A/(2-A), Q2 = 2A^2/(1+A), n1 positives, n2 negatives.
  const double a = m.auc.value;
  const double n1 = static_cast<double>(m.positives), n2 = static_cast<double>(m.n - m.positives);
  const double q1 = a / (2 - a), q2 = 2 * a * a / (1 + a);
  const double se =
      std::sqrt((a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n2 - 1) * (q2 - a * a)) / (n1 * n2));
  const double width = m.auc.high - m.auc.low;
  std::cout << "AUC " << a << " [" << m.auc.low << ", " << m.auc.high << "], width " << width
            << ", 2 x 1.96 x SE(Hanley-McNeil) " << 2 * 1.96 * se << "\n";
  EXPECT_NEAR(width / (2 * 1.96 * se), 1.0, 0.25);
}

TEST(Bootstrap, IdenticalAtAnyThreadCount) {
  const auto d = binormal(20000, 0.3, 1.0, 51);
  std::vector<double> actual(d.p.size());
  for (std::size_t i = 0; i < actual.size(); ++i) actual[i] = d.y[i] * 10.0 + d.p[i];
  const auto run = [&](std::size_t threads) {
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
    return std::pair{jd::classification_metrics(d.p, d.y), jd::regression_metrics(d.p, actual)};
  };
  const auto [c1, r1] = run(1);
  const auto [c2, r2] = run(2);
  const auto same = [](const jd::Estimate& x, const jd::Estimate& y) {
    EXPECT_EQ(x.value, y.value);
    EXPECT_EQ(x.low, y.low);
    EXPECT_EQ(x.high, y.high);
  };
  same(c1.auc, c2.auc);
  same(c1.log_loss, c2.log_loss);
  same(c1.brier, c2.brier);
  same(r1.mae, r2.mae);
  same(r1.rmse, r2.rmse);
  same(r1.aggregate_error, r2.aggregate_error);
  // Another seed draws other resamples.
  const auto other = jd::classification_metrics(d.p, d.y, {.seed = 7});
  EXPECT_NE(other.auc.low, c1.auc.low);
}

TEST(Bootstrap, OneClassGivesNaNAucButOtherIntervals) {
  // All labels 0: every replicate's AUC is NaN and dropped, so no interval; log loss has one.
  const std::vector p{0.1, 0.2, 0.3, 0.4, 0.5};
  const std::vector<std::uint8_t> y(5, 0);
  const auto m = jd::classification_metrics(p, y);
  EXPECT_TRUE(std::isnan(m.auc.value));
  EXPECT_TRUE(std::isnan(m.auc.low));
  EXPECT_TRUE(std::isnan(m.auc.high));
  EXPECT_LE(m.log_loss.low, m.log_loss.value);
  EXPECT_GE(m.log_loss.high, m.log_loss.value);
}

TEST(Bootstrap, MillionRowsSmoke) {
  const std::size_t n = 1'000'000;
  const auto d = binormal(n, 0.2, 1.0, 61);
  const auto t0 = std::chrono::steady_clock::now();
  const auto m = jd::classification_metrics(d.p, d.y);
  const auto t1 = std::chrono::steady_clock::now();
  const auto r = jd::regression_metrics(d.p, std::vector<double>(d.y.begin(), d.y.end()));
  const auto t2 = std::chrono::steady_clock::now();
  const auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::cout << "n = 1e6, 200 replicates: classification " << secs(t0, t1) << " s, regression "
            << secs(t1, t2) << " s\n";
  EXPECT_EQ(m.n, n);
  EXPECT_LT(m.auc.low, m.auc.value);
  EXPECT_GT(m.auc.high, m.auc.value);
  EXPECT_EQ(r.n, n);
  EXPECT_FALSE(std::isnan(r.rmse.low));
}

}  // namespace
