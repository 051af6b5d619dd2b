// Simulated dynamics against closed forms. Every tolerance is derived from the sample size:
// |estimate - exact| < 4.5 standard errors (a false alarm about once in 150,000 runs; the runs are
// deterministic, so a pass is a pass on every machine).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "journeysim/eventlog/schema.hpp"
#include "sim_test_util.hpp"

using namespace journeysim;
using eventlog::EventType;
using journeysim::test::VectorSink;

namespace {

constexpr double kZ = 4.5;
constexpr double kMonth = 365.25 / 12.0;

// A minimal self-serve subscription scenario; `extra` is appended (top-level keys).
std::string base_yaml(const std::string& customers, const std::string& horizon,
                      const std::string& extra) {
  return "format_version: 1\nname: closed_form\nstart_date: 2026-01-05\n"
         "horizon_days: " +
         horizon + "\ncustomers: " + customers +
         "\nseed: 7\n"
         "channels:\n  - {name: web, share: 1, ctr: 0.02, lead_rate: 0.05}\n"
         "plans:\n  - {name: pro, price_month: 50}\n"
         "stages:\n  - {name: live}\n" +
         extra;
}

VectorSink run(const sim::Scenario& s) {
  return test::run_in_memory(s);
}

double mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}
double variance(const std::vector<double>& v) {
  double m = mean(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / (v.size() - 1);
}

}  // namespace

TEST(ClosedForm, ConstantChurnHazardGivesExponentialLifetimes) {
  // monthly hazard h -> lifetime ~ Exponential(mean = 30.4375 / h days).
  const double h = 0.5, mean_days = kMonth / h;  // 60.875 days
  auto s = test::scenario_from_yaml(
      base_yaml("20000", "3650",
                "acquisition: {mode: self_serve, plan: pro}\nbehaviour: {logins_per_week: 0}\n"
                "churn: {monthly_hazard: 0.5}\n"));
  auto out = run(s);
  // customers arriving in the first 365 days are all churned long before the horizon
  // (survival to 3285 days: exp(-54)), so their lifetimes are uncensored.
  std::vector<double> life;
  for (const auto& c : out.cu) {
    if (c.created_time - s.start_time > 365 * 86400) continue;
    ASSERT_GE(c.churn_time, 0);
    life.push_back((c.churn_time - c.converted_time) / 86400.0);
  }
  ASSERT_GT(life.size(), 1500u);
  const double n = life.size();
  EXPECT_NEAR(mean(life), mean_days, kZ * mean_days / std::sqrt(n));
  std::sort(life.begin(), life.end());
  double median = life[life.size() / 2];
  // se of the sample median: 1 / (2 f(m) sqrt(n)), f(m) = lambda/2 -> mean / sqrt(n)
  EXPECT_NEAR(median, mean_days * std::log(2.0), kZ * mean_days / std::sqrt(n));
  // and the standard deviation equals the mean (coefficient of variation 1)
  EXPECT_NEAR(std::sqrt(variance(life)), mean_days, kZ * mean_days / std::sqrt(n) * 1.5);
}

TEST(ClosedForm, PoissonLoginsHaveEqualMeanAndVariance) {
  // 7 logins/week, no seasonality, decay or churn: logins in 30 days ~ Poisson(30).
  auto s = test::scenario_from_yaml(
      base_yaml("3000", "200",
                "acquisition: {mode: self_serve, plan: pro}\nbehaviour: {logins_per_week: 7}\n"
                "churn: {monthly_hazard: 0}\n"));
  auto out = run(s);
  const double window = 30;
  std::map<std::uint64_t, double> start;
  for (const auto& c : out.cu)
    if (c.converted_time >= 0 &&
        (c.converted_time - s.start_time) / 86400.0 + window < s.horizon_days)
      start[c.id] = c.converted_time;
  std::map<std::uint64_t, double> counts;
  for (auto& [id, t] : start) counts[id] = 0;
  for (const auto& e : out.ev)
    if (e.type == EventType::login) {
      auto it = start.find(e.customer);
      if (it != start.end() && e.time < it->second + window * 86400) counts[e.customer] += 1;
    }
  std::vector<double> x;
  for (auto& [id, k] : counts) x.push_back(k);
  ASSERT_GT(x.size(), 2000u);
  const double lambda = window, n = x.size();
  EXPECT_NEAR(mean(x), lambda, kZ * std::sqrt(lambda / n));
  // Var of the sample variance of Poisson(l): (mu4 - sigma^4)/n = (l + 2 l^2)/n
  EXPECT_NEAR(variance(x), lambda, kZ * std::sqrt((lambda + 2 * lambda * lambda) / n));
}

TEST(ClosedForm, SeasonalDecayingLoginsMatchTheIntegratedRate) {
  // A non-homogeneous Poisson process: rate(u) = 1/day x weekly(weekday) x
  // (f + (1 - f) exp(-(u - p) / D)) after the product start p. Logins in [p, p + 30 days) are
  // Poisson with mean = the integral of the rate; checked in total and per weekday (the sampler
  // must follow the weekly profile and the decay, whatever envelope it thins against).
  const double f = 0.4, D = 20, window = 30;
  const double weekly[7] = {1.5, 1.5, 1.5, 1.5, 1.0, 0.5, 0.5};  // Monday first
  auto s = test::scenario_from_yaml(base_yaml(
      "3000", "240",
      "seasonality: {weekly: [1.5, 1.5, 1.5, 1.5, 1.0, 0.5, 0.5]}\n"
      "acquisition: {mode: self_serve, plan: pro}\n"
      "behaviour: {logins_per_week: 7, engagement_decay_days: 20, engagement_floor: 0.4}\n"
      "churn: {monthly_hazard: 0}\n"));
  auto out = run(s);
  std::map<std::uint64_t, std::int64_t> start;  // product start (conversion), Unix seconds
  for (const auto& c : out.cu)
    if (c.converted_time >= 0 &&
        (c.converted_time - s.start_time) / 86400.0 + window < s.horizon_days)
      start[c.id] = c.converted_time;
  ASSERT_GT(start.size(), 1500u);
  // expected logins per weekday: the rate integrated exactly over each calendar-day piece
  double expected[7] = {}, observed[7] = {};
  auto weekday = [](std::int64_t unix_day) { return static_cast<int>((unix_day % 7 + 10) % 7); };
  for (const auto& [id, p] : start) {
    const double p_day = p / 86400.0, end_day = p_day + window;
    for (double a = p_day; a < end_day;) {
      const double b = std::min(end_day, std::floor(a) + 1);
      const int wd = weekday(static_cast<std::int64_t>(std::floor(a)));
      // integral of f + (1 - f) exp(-(u - p) / D) over [a, b]
      const double decay =
          f * (b - a) + (1 - f) * D * (std::exp(-(a - p_day) / D) - std::exp(-(b - p_day) / D));
      expected[wd] += weekly[wd] * decay;
      a = b;
    }
  }
  for (const auto& e : out.ev)
    if (e.type == EventType::login) {
      auto it = start.find(e.customer);
      if (it != start.end() && e.time >= it->second && e.time < it->second + window * 86400)
        observed[weekday(e.time / 86400)] += 1;
    }
  double total_e = 0, total_o = 0;
  for (int d = 0; d < 7; ++d) {
    EXPECT_NEAR(observed[d], expected[d], kZ * std::sqrt(expected[d])) << "weekday " << d;
    total_e += expected[d];
    total_o += observed[d];
  }
  EXPECT_NEAR(total_o, total_e, kZ * std::sqrt(total_e));
  EXPECT_GT(total_e, 30000);  // enough logins for the per-weekday checks to have power
}

TEST(ClosedForm, APlaybookThatRaisesTheLoginRateGetsItsLogins) {
  // Base rate 0.01 logins/week: most customers' next login falls past the horizon. Ten days after
  // conversion a playbook multiplies the rate by 700 (1 login/day) for 30 days: every customer
  // must then log in ~Poisson(30) times in that window (the effect redraws the next login even
  // when none was pending before the horizon).
  auto s = test::scenario_from_yaml(base_yaml("2000", "200",
                                              "acquisition: {mode: self_serve, plan: pro}\n"
                                              "behaviour: {logins_per_week: 0.01}\n"
                                              "churn: {monthly_hazard: 0}\n"
                                              "playbooks:\n"
                                              "  - name: boost\n"
                                              "    trigger: {event: conversion, delay_days: 10}\n"
                                              "    action: {type: discount, amount: 0}\n"
                                              "    effect: {login_x: 700, days: 30}\n"));
  auto out = run(s);
  std::map<std::uint64_t, double> counts;  // customer -> logins in [conversion + 10, + 40) days
  std::map<std::uint64_t, std::int64_t> conv;
  for (const auto& c : out.cu)
    if (c.converted_time >= 0 && (c.converted_time - s.start_time) / 86400.0 + 41 < s.horizon_days)
      conv[c.id] = c.converted_time, counts[c.id] = 0;
  for (const auto& e : out.ev)
    if (e.type == EventType::login) {
      auto it = conv.find(e.customer);
      if (it == conv.end()) continue;
      const double d = (e.time - it->second) / 86400.0;
      if (d >= 10 && d < 40) counts[e.customer] += 1;
    }
  std::vector<double> x;
  for (auto& [id, k] : counts) x.push_back(k);
  ASSERT_GT(x.size(), 800u);
  const double lambda = 30, n = x.size();
  EXPECT_NEAR(mean(x), lambda, kZ * std::sqrt(lambda / n));
}

TEST(ClosedForm, SalesQueueMeanWaitMatchesErlangC) {
  // M/M/3 with lambda = 2 leads/hour, mean service 1 hour (a = 2, rho = 2/3), open 24/7.
  // Erlang C: P(wait) = (a^c/c! * c/(c-a)) / (sum_{k<c} a^k/k! + a^c/c! * c/(c-a)) = 4/9,
  // mean wait in queue Wq = P(wait) / (c mu - lambda) = 4/9 hour.
  const double lambda_per_day = 48, days = 500;
  auto s = test::scenario_from_yaml(
      base_yaml(std::to_string(lambda_per_day * days), "500",
                "teams:\n  - {name: sales, agents: 3, min_response_minutes: 0,\n"
                "     service: {dist: exponential, mean_hours: 1}}\n"
                "acquisition: {mode: sales_led, sales_team: sales, plan: pro, lead_conversion: 0,"
                " sales_cycle: {dist: fixed, value_days: 1}}\n"
                "behaviour: {logins_per_week: 0}\n"));
  auto out = run(s);
  // waits in arrival order (sales_touch value = hours waited), after a 5% warm-up
  std::vector<std::pair<std::int64_t, double>> touches;
  std::map<std::uint64_t, std::int64_t> created;
  for (const auto& c : out.cu) created[c.id] = c.created_time;
  for (const auto& e : out.ev)
    if (e.type == EventType::sales_touch) touches.push_back({created[e.customer], e.value});
  std::sort(touches.begin(), touches.end());
  std::vector<double> w;
  for (std::size_t i = touches.size() / 20; i < touches.size(); ++i) w.push_back(touches[i].second);
  ASSERT_GT(w.size(), 20000u);
  // batch means: 40 batches of consecutive customers absorb the autocorrelation of waits
  const int B = 40;
  std::vector<double> bm;
  for (int b = 0; b < B; ++b) {
    std::size_t lo = w.size() * b / B, hi = w.size() * (b + 1) / B;
    bm.push_back(std::accumulate(w.begin() + lo, w.begin() + hi, 0.0) / (hi - lo));
  }
  const double se = std::sqrt(variance(bm) / B);
  const double wq = 4.0 / 9.0;
  EXPECT_NEAR(mean(w), wq, kZ * se) << "se " << se;
  double waited = std::count_if(w.begin(), w.end(), [](double x) { return x > 1e-9; });
  EXPECT_NEAR(waited / w.size(), 4.0 / 9.0, 0.03);  // P(wait), same batch-scale tolerance
}

namespace {
// Gauss hypergeometric 2F1(a, b; c; z) for 0 <= z < 1 by its power series.
double hyp2f1(double a, double b, double c, double z) {
  double term = 1, sum = 1;
  for (int n = 0; n < 100000; ++n) {
    term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
    sum += term;
    if (std::abs(term) < 1e-15 * std::abs(sum)) break;
  }
  return sum;
}
}  // namespace

TEST(ClosedForm, BgNbdRepeatPurchasesMatchExpectedValue) {
  // Fader, Hardie & Lee (2005) eq. 9: E[X(t)] = (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r *
  // 2F1(r, b; a+b-1; t/(alpha+t))], with their CDNOW estimates (alpha in weeks -> days).
  const double r = 0.243, alpha = 4.414 * 7, a = 0.793, b = 2.426;
  auto s = test::scenario_from_yaml(
      base_yaml("20000", "365",
                "model: non_contractual\nacquisition: {mode: self_serve, plan: pro}\n"
                "behaviour: {logins_per_week: 0}\n"
                "revenue: {purchases: {r: 0.243, alpha_days: 30.898, a: 0.793, b: 2.426}}\n"));
  auto out = run(s);
  std::map<std::uint64_t, double> repeat;
  for (const auto& e : out.ev)
    if (e.type == EventType::purchase) repeat[e.customer] += 1;
  std::vector<double> x, ex;
  for (const auto& c : out.cu) {
    double t = (c.end_time - c.created_time) / 86400.0;
    x.push_back(repeat[c.id] - 1);  // the first purchase is the acquisition
    ex.push_back((a + b - 1) / (a - 1) *
                 (1 - std::pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, t / (alpha + t))));
  }
  ASSERT_GT(x.size(), 15000u);
  EXPECT_NEAR(mean(x), mean(ex), kZ * std::sqrt(variance(x) / x.size()));
}
