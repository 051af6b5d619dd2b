// Tests of Kaplan-Meier, RMST and the log-rank test (kpi/survival.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "journeysim/kpi/survival.hpp"
#include "journeysim/kpi/table.hpp"

using namespace journeysim::kpi;

namespace {

const std::string kData = JOURNEYSIM_SHARED_DATA;

// Hand-worked example: 10 subjects, (time, event): 1+ 2+ 2o 3+ 4o 4+ 5+ 6o 7+ 8o
// (+ = event, o = censored). Group A = {1+, 2+, 3+, 4o, 5+}, B = {2o, 4+, 6o, 7+, 8o}.
const std::vector<double> kT = {1, 2, 2, 3, 4, 4, 5, 6, 7, 8};
const std::vector<std::uint8_t> kE = {1, 1, 0, 1, 0, 1, 1, 0, 1, 0};
const std::vector<std::string> kG = {"A", "A", "B", "A", "A", "B", "A", "B", "B", "B"};

const KmPoint* point_at(const KmCurve& c, double t) {
  for (const auto& p : c.points)
    if (p.t == t) return &p;
  return nullptr;
}

}  // namespace

// By hand (censored at t are at risk at t):
//   t  n  d  c   S(t)                     Greenwood sum d/(n(n-d))
//   1 10  1  0   9/10 = 0.9               1/90
//   2  9  1  1   0.9*8/9 = 0.8            + 1/72
//   3  7  1  0   0.8*6/7 = 24/35          + 1/42
//   4  6  1  1   24/35*5/6 = 4/7          + 1/30
//   5  4  1  0   4/7*3/4 = 3/7            + 1/12
//   6  3  0  1   3/7
//   7  2  1  0   3/7*1/2 = 3/14           + 1/2
//   8  1  0  1   3/14
// std.err of S = S*sqrt(sum); at t=1: 0.9*sqrt(1/90) = 0.0948683.
// log-log 95% CI at t=1: se = sqrt(1/90) = 0.1054093, log S = -0.1053605, z = 1.959964;
//   upper = 0.9^exp(z*se/log S) = 0.9^exp(-1.960856) = 0.9^0.1407335 = 0.985281,
//   lower = 0.9^exp(+1.960856) = 0.9^7.10564 = 0.473009.
// Median: first t with S <= 0.5 -> 5 (S(4) = 0.571 > 0.5, S(5) = 0.429).
// RMST to 8: 1*1 + 0.9 + 0.8 + 24/35 + 4/7 + 3/7 + 3/7 + 3/14 = 5.0285714 (unit steps).
//   Areas beyond each event time A_i: 4.0285714, 3.1285714, 2.3285714, 1.6428571, 1.0714286,
//   0.2142857 (t=1,2,3,4,5,7); Var = sum A_i^2 d/(n(n-d)) = 16.229388/90 + 9.787959/72
//   + 5.422245/42 + 2.698980/30 + 1.147959/12 + 0.045918/2 = 0.653960, se = 0.808678.
// RMST to 6.5: 1 + 0.9 + 0.8 + 24/35 + 4/7 + 3/7 + 0.5*3/7 = 4.6.
// (R 4.2.2 survival 3.5-3, survfit(conf.type="log-log") / print(rmean=8) gives the same numbers.)
TEST(KaplanMeier, HandWorkedExample) {
  KmCurve c = kaplan_meier(kT, kE, {.rmst_tau = 8.0});
  EXPECT_EQ(c.n, 10u);
  EXPECT_EQ(c.events, 6u);
  ASSERT_EQ(c.points.size(), 8u);
  const double expected_s[] = {0.9, 0.8, 24.0 / 35, 4.0 / 7, 3.0 / 7, 3.0 / 7, 3.0 / 14, 3.0 / 14};
  const std::size_t expected_n[] = {10, 9, 7, 6, 4, 3, 2, 1};
  const double gw[] = {1.0 / 90, 1.0 / 72, 1.0 / 42, 1.0 / 30, 1.0 / 12, 0, 0.5, 0};
  double sum = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    sum += gw[i];
    EXPECT_EQ(c.points[i].t, static_cast<double>(i + 1));
    EXPECT_EQ(c.points[i].n_risk, expected_n[i]) << "t=" << i + 1;
    EXPECT_NEAR(c.points[i].survival, expected_s[i], 1e-14) << "t=" << i + 1;
    EXPECT_NEAR(c.points[i].var_log, sum, 1e-14) << "t=" << i + 1;
    EXPECT_NEAR(c.points[i].std_err, expected_s[i] * std::sqrt(sum), 1e-14);
  }
  EXPECT_EQ(c.points[1].n_censor, 1u);
  EXPECT_EQ(c.points[1].n_event, 1u);
  EXPECT_NEAR(c.points[0].upper, 0.985281, 1e-6);
  EXPECT_NEAR(c.points[0].lower, 0.473009, 1e-6);
  ASSERT_TRUE(c.median);
  EXPECT_EQ(*c.median, 5.0);
  ASSERT_TRUE(c.rmst);
  EXPECT_NEAR(c.rmst->value, 5.0285714286, 1e-9);
  EXPECT_NEAR(c.rmst->se, 0.808678, 1e-6);
  Rmst r65 = restricted_mean(c, 6.5);
  EXPECT_NEAR(r65.value, 4.6, 1e-12);
  EXPECT_NEAR(c.survival_at(0.5), 1.0, 0);
  EXPECT_NEAR(c.survival_at(4.5), 4.0 / 7, 1e-15);
  // Median CI from the band: lower band first <= 0.5 at t=1 (0.473); the upper band stays above
  // 0.5 (0.5795 at t=7, 8), so the upper limit is not reached (R: 0.95LCL 1, 0.95UCL NA).
  EXPECT_EQ(c.median_lower.value_or(-1), 1.0);
  EXPECT_FALSE(c.median_upper);
}

// Log-rank by hand, groups A vs B (event times 1,2,3,4,5,7):
//   t  nA nB  n  d  E_A = d nA/n   V = d(n-d)/(n-1) nA nB/n^2
//   1   5  5 10  1  0.5            0.25
//   2   4  5  9  1  4/9            20/81
//   3   3  4  7  1  3/7            12/49
//   4   2  4  6  1  1/3            2/9
//   5   1  3  4  1  1/4            3/16
//   7   0  2  2  1  0              0
// O_A = 4, E_A = 1.9563492, V = 1.1515337; chisq = (O-E)^2/V = 3.626909, df 1,
// p = P(chi2_1 > 3.626909) = 0.0568523 (R survdiff gives chisq 3.6269093, p 0.0568523).
TEST(LogRank, HandWorkedExample) {
  SurvivalAnalysis a = analyze_survival(SurvivalData{kT, kE, kG});
  ASSERT_EQ(a.groups.size(), 2u);
  EXPECT_EQ(a.groups[0].n, 5u);  // A
  EXPECT_EQ(a.groups[0].events, 4u);
  ASSERT_TRUE(a.logrank);
  LogRankTest t = *a.logrank;
  ASSERT_EQ(t.groups, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(t.observed[0], 4.0);
  EXPECT_EQ(t.observed[1], 2.0);
  EXPECT_NEAR(t.expected[0], 0.5 + 4.0 / 9 + 3.0 / 7 + 1.0 / 3 + 0.25, 1e-12);
  EXPECT_NEAR(t.expected[1], 6.0 - t.expected[0], 1e-12);
  const double v = 0.25 + 20.0 / 81 + 12.0 / 49 + 2.0 / 9 + 3.0 / 16;
  EXPECT_NEAR(t.chisq, std::pow(4.0 - t.expected[0], 2) / v, 1e-12);
  EXPECT_NEAR(t.chisq, 3.626909, 1e-6);
  EXPECT_EQ(t.df, 1);
  EXPECT_NEAR(t.p, 0.0568523, 1e-7);
}

TEST(KaplanMeier, EdgeCases) {
  // All censored: S = 1 everywhere, median not reached, RMST = tau with se 0.
  std::vector<double> t = {3, 5, 5, 9};
  std::vector<std::uint8_t> none = {0, 0, 0, 0};
  KmCurve c = kaplan_meier(t, none, {.rmst_tau = 9.0});
  EXPECT_FALSE(c.median);
  EXPECT_EQ(c.events, 0u);
  EXPECT_EQ(c.rmst->value, 9.0);
  EXPECT_EQ(c.rmst->se, 0.0);
  nlohmann::json j = to_json(c);
  EXPECT_TRUE(j["median"].is_null());
  EXPECT_FALSE(j["median_reached"].get<bool>());
  // Everyone dies: S reaches 0, the log-log limits are undefined there (null in JSON), and the
  // last step (n == d) adds nothing to the RMST variance. RMST to 3 with deaths at 1, 2, 3:
  // 1 + 2/3 + 1/3 = 2.
  std::vector<double> t2 = {1, 2, 3};
  std::vector<std::uint8_t> all = {1, 1, 1};
  KmCurve d = kaplan_meier(t2, all, {.rmst_tau = 3.0});
  EXPECT_EQ(d.points.back().survival, 0.0);
  EXPECT_TRUE(std::isnan(d.points.back().lower));
  EXPECT_TRUE(to_json(d)["curve"][2]["lower"].is_null());
  EXPECT_EQ(*d.median, 2.0);
  EXPECT_NEAR(d.rmst->value, 2.0, 1e-15);
  // se^2 = A_1^2/(3*2) + A_2^2/(2*1), A_1 = 1 (area from 1 to 3), A_2 = 1/3.
  EXPECT_NEAR(d.rmst->se, std::sqrt(1.0 / 6 + (1.0 / 9) / 2), 1e-15);
  // Events at time 0 drop the curve at 0.
  std::vector<double> t3 = {0, 0, 1, 2};
  std::vector<std::uint8_t> e3 = {1, 0, 1, 0};
  KmCurve z = kaplan_meier(t3, e3);
  EXPECT_EQ(z.points[0].t, 0.0);
  EXPECT_NEAR(z.points[0].survival, 0.75, 1e-15);
  // Bad input.
  std::vector<std::uint8_t> short_e = {1};
  EXPECT_THROW(kaplan_meier(t3, short_e), std::runtime_error);
  std::vector<double> neg = {-1.0};
  EXPECT_THROW(kaplan_meier(neg, short_e), std::runtime_error);
}

TEST(KaplanMeier, PlainAndLogIntervals) {
  // At t=1 of the hand example: S = 0.9, se(log S) = sqrt(1/90) = 0.10540926, z = 1.95996398.
  KmCurve plain = kaplan_meier(kT, kE, {.conf_type = ConfType::kPlain});
  EXPECT_NEAR(plain.points[0].lower, 0.9 - 1.95996398 * 0.9 * 0.10540926, 1e-7);
  EXPECT_NEAR(plain.points[0].upper, 1.0, 0);  // 1.0859 clipped
  KmCurve lg = kaplan_meier(kT, kE, {.conf_type = ConfType::kLog});
  EXPECT_NEAR(lg.points[0].lower, 0.9 * std::exp(-1.95996398 * 0.10540926), 1e-7);
  EXPECT_THROW(parse_conf_type("arcsin"), std::runtime_error);
}

namespace {
struct Telco {
  std::vector<double> tenure;
  std::vector<std::uint8_t> churn;
  std::vector<std::string> contract;
};
Telco read_telco() {
  Table t = Table::read(kData + "/Telco-Customer-Churn.csv");
  Telco out;
  out.tenure = t.numbers("tenure");
  for (const auto& s : t.strings("Churn")) out.churn.push_back(s == "Yes");
  out.contract = t.strings("Contract");
  return out;
}
}  // namespace

// Expected values: R 4.2.2 with survival 3.5-3 (Debian r-cran-survival), run for this test:
//   d <- read.csv("Telco-Customer-Churn.csv"); d$ev <- as.integer(d$Churn == "Yes")
//   f <- survfit(Surv(tenure, ev) ~ Contract, data = d, conf.type = "log-log")
//   summary(f, times = c(1, 12, 24, 48, 71, 72)); summary(f, rmean = 72)$table
//   survdiff(Surv(tenure, ev) ~ Contract, data = d)
// Counts from Telco-Customer-Churn.source.txt (7,043 rows, 1,869 Churn=Yes; Month-to-month
// 3,875, One year 1,473, Two year 1,695).
TEST(KaplanMeierData, TelcoChurnByContract) {
  Telco d = read_telco();
  ASSERT_EQ(d.tenure.size(), 7043u);
  SurvivalAnalysis a = analyze_survival(d.tenure, d.churn, d.contract, {.rmst_tau = 72.0});
  ASSERT_EQ(a.groups.size(), 3u);
  std::size_t n = 0, events = 0;
  for (const auto& g : a.groups) {
    n += g.n;
    events += g.events;
  }
  EXPECT_EQ(n, 7043u);
  EXPECT_EQ(events, 1869u);

  const KmCurve& m2m = a.groups[0];
  EXPECT_EQ(m2m.name, "Month-to-month");
  EXPECT_EQ(m2m.n, 3875u);
  EXPECT_EQ(m2m.events, 1655u);
  struct Row {
    double t;
    std::size_t n_risk;
    double s, lower, upper, se;
  };
  const Row m2m_rows[] = {{1, 3875, 0.9019354839, 0.8921380576, 0.9108879555, 0.004777578461},
                          {12, 1967, 0.7030966363, 0.6872593576, 0.7183040754, 0.007919369125},
                          {24, 1202, 0.5859154739, 0.5675542366, 0.6037891389, 0.009245408377},
                          {48, 357, 0.3972637790, 0.3739790448, 0.4204358753, 0.011858729776},
                          {71, 7, 0.1289519006, 0.0759447831, 0.1963962710, 0.030982237875}};
  for (const auto& r : m2m_rows) {
    const KmPoint* p = point_at(m2m, r.t);
    ASSERT_NE(p, nullptr) << r.t;
    EXPECT_EQ(p->n_risk, r.n_risk) << r.t;
    EXPECT_NEAR(p->survival, r.s, 1e-9) << r.t;
    EXPECT_NEAR(p->lower, r.lower, 1e-9) << r.t;
    EXPECT_NEAR(p->upper, r.upper, 1e-9) << r.t;
    EXPECT_NEAR(p->std_err, r.se, 1e-11) << r.t;
  }
  EXPECT_EQ(m2m.median.value_or(-1), 35.0);
  EXPECT_EQ(m2m.median_lower.value_or(-1), 32.0);
  EXPECT_EQ(m2m.median_upper.value_or(-1), 38.0);
  EXPECT_NEAR(m2m.rmst->value, 36.29789990, 1e-7);
  EXPECT_NEAR(m2m.rmst->se, 0.56000520579, 1e-9);

  const KmCurve& one = a.groups[1];
  EXPECT_EQ(one.name, "One year");
  EXPECT_EQ(one.n, 1473u);
  EXPECT_EQ(one.events, 166u);
  EXPECT_FALSE(one.median);
  EXPECT_EQ(one.median_lower.value_or(-1), 72.0);
  EXPECT_NEAR(one.survival_at(72), 0.5681456820, 1e-9);
  EXPECT_NEAR(point_at(one, 72)->lower, 0.4467580670, 1e-9);
  EXPECT_NEAR(point_at(one, 72)->upper, 0.6725229648, 1e-9);
  EXPECT_NEAR(one.rmst->value, 66.41747198, 1e-7);
  EXPECT_NEAR(one.rmst->se, 0.40006058843, 1e-9);

  const KmCurve& two = a.groups[2];
  EXPECT_EQ(two.name, "Two year");
  EXPECT_EQ(two.n, 1695u);
  EXPECT_EQ(two.events, 48u);
  EXPECT_FALSE(two.median);
  EXPECT_NEAR(two.survival_at(48), 0.9957189310, 1e-9);
  EXPECT_NEAR(two.survival_at(72), 0.9357385806, 1e-9);
  EXPECT_NEAR(two.rmst->value, 71.54032845, 1e-7);
  EXPECT_NEAR(two.rmst->se, 0.08237492946, 1e-10);

  ASSERT_TRUE(a.logrank);
  EXPECT_NEAR(a.logrank->chisq, 2352.8725382593, 1e-6);
  EXPECT_EQ(a.logrank->df, 2);
  EXPECT_LT(a.logrank->p, 1e-300);  // exp(-1176.4): below double range
  EXPECT_NEAR(a.logrank->expected[0], 708.446, 1e-3);
  EXPECT_NEAR(a.logrank->expected[1], 470.728, 1e-3);
  EXPECT_NEAR(a.logrank->expected[2], 689.827, 1e-3);

  nlohmann::json j = to_json(a);
  EXPECT_EQ(j["groups"].size(), 3u);
  EXPECT_EQ(j["groups"][0]["median"].get<double>(), 35.0);
  EXPECT_TRUE(j["groups"][1]["median"].is_null());
  EXPECT_EQ(j["groups"][2]["rmst"]["tau"].get<double>(), 72.0);
  EXPECT_EQ(j["logrank"]["df"].get<int>(), 2);
}

// Pooled curve, same R session: survfit(Surv(tenure, ev) ~ 1), print(rmean = 72) and rmean = 30.
TEST(KaplanMeierData, TelcoChurnPooled) {
  Telco d = read_telco();
  SurvivalAnalysis a = analyze_survival(d.tenure, d.churn, {});
  ASSERT_EQ(a.groups.size(), 1u);
  const KmCurve& c = a.groups[0];
  EXPECT_EQ(c.points.size(), 73u);       // tenure 0..72
  EXPECT_EQ(c.points[0].n_censor, 11u);  // 11 rows with tenure 0, all Churn=No
  EXPECT_NEAR(c.survival_at(12), 0.8431995538, 1e-9);
  EXPECT_NEAR(c.survival_at(72), 0.5927901521, 1e-9);
  EXPECT_NEAR(point_at(c, 36)->lower, 0.7370785621, 1e-9);
  EXPECT_NEAR(point_at(c, 36)->upper, 0.7595970313, 1e-9);
  EXPECT_FALSE(a.logrank);
  EXPECT_FALSE(c.median);
  // Default tau: the largest observed duration (72).
  EXPECT_EQ(c.rmst->tau, 72.0);
  EXPECT_NEAR(c.rmst->value, 54.4923871067, 1e-8);
  EXPECT_NEAR(c.rmst->se, 0.3477500156, 1e-9);
  Rmst r30 = restricted_mean(c, 30);
  EXPECT_NEAR(r30.value, 25.2468667650, 1e-8);
  EXPECT_NEAR(r30.se, 0.1188372672, 1e-9);
}

// The CLI end to end (needs the journeysim program; skipped if it was not built).
TEST(SurvivalCli, TelcoJson) {
  const std::string bin = JOURNEYSIM_BINARY;
  if (!std::ifstream(bin)) GTEST_SKIP() << "journeysim not built at " << bin;
  const std::string out = ::testing::TempDir() + "/survival_cli.json";
  const std::string cmd = bin + " survival --csv " + kData +
                          "/Telco-Customer-Churn.csv --duration tenure --event Churn=Yes"
                          " --by Contract --rmst-tau 72 --format json > " +
                          out;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(out);
  nlohmann::json j = nlohmann::json::parse(in);
  ASSERT_EQ(j["groups"].size(), 3u);
  EXPECT_EQ(j["groups"][0]["name"], "Month-to-month");
  EXPECT_EQ(j["groups"][0]["n"].get<int>(), 3875);
  EXPECT_EQ(j["groups"][0]["events"].get<int>(), 1655);
  EXPECT_EQ(j["groups"][0]["median"].get<double>(), 35.0);
  EXPECT_NEAR(j["groups"][0]["rmst"]["value"].get<double>(), 36.29789990, 1e-7);
  EXPECT_NEAR(j["logrank"]["chisq"].get<double>(), 2352.8725382593, 1e-6);
  EXPECT_EQ(j["input"]["rows_used"].get<int>(), 7043);
  // Unknown column: exit code 1 and a message naming the available columns.
  const std::string bad = bin + " survival --csv " + kData +
                          "/Telco-Customer-Churn.csv --duration tenur --event Churn=Yes 2> " + out +
                          ".err";
  EXPECT_NE(std::system(bad.c_str()), 0);
  std::ifstream err(out + ".err");
  std::stringstream ss;
  ss << err.rdbuf();
  EXPECT_NE(ss.str().find("available columns"), std::string::npos) << ss.str();
}
