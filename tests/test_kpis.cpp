// The KPI registry, KPI by KPI: each KPI is computed through the public API (kpi::score) on a
// small hand-built log whose expected value is worked out by hand in the comment beside the
// assertion. Also: "not available" reasons, breakdowns, replication statistics, parameter errors,
// and docs/kpis.md against the registry.
//
// Times are Unix seconds; day(d) = 2024-01-01 00:00 UTC + d days. The KPI module's month is
// 365.25 / 12 = 30.4375 days, so month ends fall at days 30.4375, 60.875, 91.3125, 121.75, ...
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <string>

#include "journeysim/kpi/kpis.hpp"
#include "journeysim/kpi/log.hpp"
#include "journeysim/kpi/score.hpp"

using namespace journeysim;
using E = kpi::EventType;

namespace {

constexpr std::int64_t T0 = 1704067200;  // 2024-01-01 00:00:00 UTC
constexpr std::int64_t kD = 86400, kH = 3600;
constexpr double kMonth = 30.4375;  // days
constexpr double kTol = 1e-9;
const double kNaN = std::nan("");

std::int64_t day(double d) {
  return T0 + std::llround(d * kD);
}

// KPI ids that have a hand-computed test below (filled at static initialisation by KPI_TEST, so
// the coverage test does not depend on test order or filters).
std::set<std::string>& covered() {
  static std::set<std::string> s;
  return s;
}
bool cover(std::initializer_list<const char*> ids) {
  for (const char* id : ids) covered().insert(id);
  return true;
}
#define JS_CAT2(a, b) a##b
#define JS_CAT(a, b) JS_CAT2(a, b)
// KPI_TEST(Suite, Name, "kpi_id", ...): a test of the listed KPIs.
#define KPI_TEST(suite, name, ...)                                                        \
  [[maybe_unused]] static const bool JS_CAT(kpi_cover_, __LINE__) = cover({__VA_ARGS__}); \
  TEST(suite, name)

kpi::ScoreReport report(const kpi::Log& log, std::vector<std::string> ids,
                        const kpi::Params& p = {}, const std::string& by = "") {
  return kpi::score(log, {std::move(ids), by, p});
}
kpi::KpiScore score1(const kpi::Log& log, const std::string& id, const kpi::Params& p = {}) {
  auto r = report(log, {id}, p);
  EXPECT_EQ(r.scores.size(), 1u);
  return r.scores.at(0);
}
double extra(const kpi::Result& r, const std::string& name) {
  for (const auto& [n, v] : r.extra)
    if (n == name) return v;
  ADD_FAILURE() << "no extra figure '" << name << "'";
  return kNaN;
}
const kpi::ResultTable& table(const kpi::Result& r, const std::string& name) {
  for (const auto& t : r.tables)
    if (t.name == name) return t;
  static const kpi::ResultTable none;
  ADD_FAILURE() << "no table '" << name << "'";
  return none;
}
// An available KPI (one replication) with this headline and population size.
void expect_value(const kpi::KpiScore& s, double value, double n) {
  ASSERT_TRUE(s.result.available) << s.id << ": " << s.result.reason;
  EXPECT_EQ(s.replications, 1) << s.id;
  EXPECT_NEAR(s.result.value, value, kTol) << s.id;
  EXPECT_NEAR(s.mean, value, kTol) << s.id;
  EXPECT_DOUBLE_EQ(s.result.n, n) << s.id;
  EXPECT_TRUE(std::isnan(s.se)) << s.id << ": one replication has no standard error";
}
// A KPI that is not available: no value in any replication, and a reason mentioning `why`.
void expect_unavailable(const kpi::KpiScore& s, const std::string& why) {
  EXPECT_FALSE(s.result.available) << s.id << " = " << s.result.value;
  EXPECT_EQ(s.replications, 0) << s.id;
  EXPECT_FALSE(s.result.reason.empty()) << s.id;
  EXPECT_NE(s.result.reason.find(why), std::string::npos)
      << s.id << ": reason '" << s.result.reason << "' does not mention '" << why << "'";
}
void expect_cell(double actual, double expected) {
  if (std::isnan(expected))
    EXPECT_TRUE(std::isnan(actual)) << actual;
  else
    EXPECT_NEAR(actual, expected, kTol);
}
void expect_row(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    SCOPED_TRACE("column " + std::to_string(i));
    expect_cell(actual[i], expected[i]);
  }
}
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

// ======================================================================== seed 000 catalogue

// Lifespans from conversion: a churns at day 10, b at day 30, c (converted day 0) and d
// (converted day 50) are censored at the end (day 100): durations 10*, 30*, 100, 50 (* = churn).
// e never converts (its churn is ignored). MRR at the end: c 50 + d 150 (a, b churned).
kpi::Log lifespan_log() {
  kpi::LogBuilder b(T0, day(100));
  b.event("a", day(0), E::conversion, 0, 100);
  b.event("a", day(10), E::churned);
  b.event("b", day(0), E::conversion, 0, 100);
  b.event("b", day(30), E::churned);
  b.event("c", day(0), E::conversion, 0, 50);
  b.event("d", day(50), E::conversion, 0, 150);
  b.event("e", day(5), E::signup, 0);
  b.event("e", day(6), E::churned);
  return b.build();
}

KPI_TEST(Lifespan, KaplanMeierRmstAndFirstTimeAtOrBelowHalfMedian, "avg_customer_lifespan") {
  auto log = lifespan_log();
  auto s = score1(log, "avg_customer_lifespan");
  // KM: t=10: 4 at risk, 1 churn -> S = 3/4; t=30: 3 at risk (a gone), 1 churn -> S = 3/4*2/3
  // = 1/2; d censored at 50, c at 100. RMST to tau = 100 (the log's length):
  // 1*10 + 0.75*(30-10) + 0.5*(100-30) = 10 + 15 + 35 = 60 days; n = 4 converted customers.
  expect_value(s, 60, 4);
  // S(30) = 0.5 exactly: the median is the first time S <= 0.5, i.e. 30 (not R's midpoint).
  EXPECT_NEAR(extra(s.result, "km_median_days"), 30, kTol);
  EXPECT_NEAR(extra(s.result, "rmst_tau_days"), 100, kTol);
  EXPECT_NEAR(extra(s.result, "churned"), 2, kTol);
  // mean over churned customers only (biased): (10 + 30) / 2 = 20
  EXPECT_NEAR(extra(s.result, "mean_of_churned_only_biased"), 20, kTol);
  EXPECT_FALSE(table(s.result, "survival").cells.empty());

  // tau_days = 20: 1*10 + 0.75*(20-10) = 17.5
  auto t20 = score1(log, "avg_customer_lifespan", {{"avg_customer_lifespan.tau_days", "20"}});
  expect_value(t20, 17.5, 4);
  EXPECT_NEAR(extra(t20.result, "rmst_tau_days"), 20, kTol);
}

KPI_TEST(Lifespan, NotAvailableWithoutChurnOrConversionEvents, "avg_customer_lifespan") {
  // a log with conversions but no churn events at all (e.g. a non-contractual model): every
  // lifespan would be censored and the RMST would be the horizon itself -> not available
  kpi::LogBuilder b(T0, day(100));
  b.event("a", day(0), E::conversion, 0, 10);
  expect_unavailable(score1(b.build(), "avg_customer_lifespan"), "no churned events");
  kpi::LogBuilder c(T0, day(100));
  c.event("a", day(0), E::signup, 0);
  c.event("a", day(5), E::churned);
  expect_unavailable(score1(c.build(), "avg_customer_lifespan"), "no conversion events");
}

KPI_TEST(LeadResponseTime, MeanMedianP90AndNeverTouchedApart, "lead_response_time") {
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(0), E::lead_created, 0);
  b.event("a", day(0) + 2 * kH, E::sales_touch);
  b.event("b", day(1), E::lead_created, 0);
  b.event("b", day(1) + 4 * kH, E::sales_touch);
  b.event("b", day(1) + 10 * kH, E::sales_touch);  // only the first touch counts
  b.event("c", day(2), E::lead_created, 0);
  b.event("c", day(2) + 12 * kH, E::sales_touch);
  b.event("d", day(3), E::lead_created, 0);  // never touched
  b.event("d", day(3) + kH, E::lead_lost);
  b.event("e", day(4), E::lead_created, 0);
  b.event("e", day(4) + 30 * kH, E::sales_touch);
  b.event("f", day(5), E::sales_touch);  // a touch before the lead exists does not answer it
  b.event("f", day(6), E::lead_created, 0);
  auto s = score1(b.build(), "lead_response_time");
  // hours: a 2, b 4, c 12, e 30 -> mean (2+4+12+30)/4 = 12; n = 4 answered leads
  expect_value(s, 12, 4);
  // sorted [2,4,12,30]: median at h = 3*0.5 = 1.5 -> 4 + 0.5*(12-4) = 8;
  // p90 at h = 3*0.9 = 2.7 -> 12 + 0.7*(30-12) = 24.6
  EXPECT_NEAR(extra(s.result, "median"), 8, kTol);
  EXPECT_NEAR(extra(s.result, "p90"), 24.6, kTol);
  // d (lost untouched) and f (touched only before its lead) are counted apart
  EXPECT_NEAR(extra(s.result, "never_touched"), 2, kTol);
}

KPI_TEST(LeadResponseTime, NotAvailableWhenNoLeadWasAnswered, "lead_response_time") {
  kpi::LogBuilder b(T0, day(30));
  b.event("x", day(0), E::lead_created, 0);
  b.event("y", day(1), E::sales_touch);  // y has no lead
  auto s = score1(b.build(), "lead_response_time");
  expect_unavailable(s, "no lead was ever answered");
  EXPECT_NEAR(extra(s.result, "never_touched"), 1, kTol);  // x
  kpi::LogBuilder c(T0, day(30));
  c.event("x", day(0), E::lead_created, 0);
  expect_unavailable(score1(c.build(), "lead_response_time"), "no sales_touch events");
}

KPI_TEST(LeadResponseTimePostOnboarding, FromOnboardingToFirstFollowUp,
         "lead_response_time_post_onboarding") {
  kpi::LogBuilder b(T0, day(10));
  b.event("a", day(0), E::onboarding_completed);
  b.event("a", day(0) + 3 * kH, E::success_followup);
  b.event("b", day(1), E::onboarding_completed);
  b.event("b", day(1) + 5 * kH, E::success_followup);
  b.event("c", day(2), E::onboarding_completed);  // never followed up
  auto s = score1(b.build(), "lead_response_time_post_onboarding");
  // hours [3, 5]: mean 4; median h = 0.5 -> 3 + 0.5*2 = 4; p90 h = 0.9 -> 3 + 0.9*2 = 4.8
  expect_value(s, 4, 2);
  EXPECT_NEAR(extra(s.result, "median"), 4, kTol);
  EXPECT_NEAR(extra(s.result, "p90"), 4.8, kTol);
  EXPECT_NEAR(extra(s.result, "never_touched"), 1, kTol);
}

// Cohorts by conversion month, log of 150 days (whole months: floor(150/30.4375) = 4, so the
// matrices have columns m0..m4: month 4 is still observed for customers converted by day 28.25).
kpi::Log cohort_log() {
  kpi::LogBuilder b(T0, day(150));
  b.event("a", day(0), E::conversion, 0, 10);  // 2024-01
  b.event("a", day(5), E::login);
  b.event("a", day(40), E::churned);
  b.event("b", day(10), E::conversion, 0, 10);  // 2024-01
  b.event("b", day(15), E::login);
  b.event("b", day(50), E::login);
  b.event("c", day(35), E::conversion, 0, 10);  // 2024-02-05
  b.event("c", day(50), E::churned);
  b.event("c", day(100), E::reactivated, 0, 10);
  b.event("d", day(70), E::conversion, 0, 10);   // 2024-03-11
  b.event("e", day(130), E::conversion, 0, 10);  // 2024-05-10
  return b.build();
}

KPI_TEST(CohortRetention, LogoAndActiveMatricesWithCensoredCells, "cohort_retention") {
  auto s = score1(cohort_log(), "cohort_retention");
  // Headline month 3 (default), pooled over cohorts. Paying at t0 + 3*30.4375 = t0 + 91.3125:
  // a (t0 0, churned 40): no; b (t0 10): yes; c (t0 35 -> day 126.3125, reactivated 100): yes;
  // d (t0 70 -> 161.3 > 150) and e: beyond the log, left out -> (0 + 1 + 1) / 3 = 2/3
  expect_value(s, 2.0 / 3, 3);
  const auto& logo = table(s.result, "logo_retention");
  EXPECT_EQ(logo.row_labels,
            (std::vector<std::string>{"2024-01", "2024-02", "2024-03", "2024-05"}));
  EXPECT_EQ(logo.columns, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));
  ASSERT_EQ(logo.cells.size(), 4u);
  // Jan: a paying at days 0, 30.4 | not at 60.9, 91.3, 121.75; b paying at 10, 40.4, 70.9, 101.3,
  //      131.75 -> [2/2, 2/2, 1/2, 1/2, 1/2]
  expect_row(logo.cells[0], {1, 1, 0.5, 0.5, 0.5});
  // Feb: c at 35 yes, 65.4 no (churned 50), 95.9 no, 126.3 yes (reactivated 100), 156.75 > 150
  expect_row(logo.cells[1], {1, 0, 0, 1, kNaN});
  // Mar: d at 70, 100.4, 130.9 yes; 161.3 and later beyond the log
  expect_row(logo.cells[2], {1, 1, 1, kNaN, kNaN});
  // May: e at 130 yes; 160.4 beyond the log
  expect_row(logo.cells[3], {1, kNaN, kNaN, kNaN, kNaN});
  // Active share in [t0 + k*M, t0 + (k+1)*M), only when that month ends by day 150:
  // Jan: a login 5 in k0; b logins 15 (k0: [10, 40.4)) and 50 (k1: [40.4, 70.9)) ->
  //      [2/2, 1/2, 0, 0, -] (k4 ends at 152.2 / 162.2 > 150)
  const auto& active = table(s.result, "active_share");
  ASSERT_EQ(active.cells.size(), 4u);
  expect_row(active.cells[0], {1, 0.5, 0, 0, kNaN});
  // Feb: c never engages; its month 3 ends at 35 + 121.75 = 156.75 > 150
  expect_row(active.cells[1], {0, 0, 0, kNaN, kNaN});
  // Mar: d's months end at 100.4, 130.9, 161.3 (> 150)
  expect_row(active.cells[2], {0, 0, kNaN, kNaN, kNaN});
  expect_row(active.cells[3], {kNaN, kNaN, kNaN, kNaN, kNaN});
}

KPI_TEST(CohortRetention, HeadlineMonthParameterAndUnobservedMonth, "cohort_retention") {
  auto log = cohort_log();
  // month 1: Jan 2/2, Feb 0/1 (c churned at 50 < 65.4), Mar 1/1 (d at 100.4), May left out
  // -> 3/4
  expect_value(score1(log, "cohort_retention", {{"cohort_retention.month", "1"}}), 0.75, 4);
  // month 4 (t0 + 121.75): only a (no) and b (yes, at 131.75) are observed -> 1/2
  expect_value(score1(log, "cohort_retention", {{"cohort_retention.month", "4"}}), 0.5, 2);
  // month 5 (t0 + 152.2) is beyond the log for every cohort
  expect_unavailable(score1(log, "cohort_retention", {{"cohort_retention.month", "5"}}),
                     "no cohort has been observed for 5 months");
}

// Last 8 weeks of a 100-day log: w0 = day 44, week k = [44 + 7k, 51 + 7k).
kpi::Log adoption_log() {
  kpi::LogBuilder b(T0, day(100));
  b.names("features", {"reports", "export"});
  for (int k = 0; k <= 5; ++k) b.event("a", day(44 + 7 * k), E::feature_used, 0);  // 6 weeks
  for (int k = 0; k <= 4; ++k) b.event("b", day(44 + 7 * k) + kH, E::feature_used, 0);
  b.event("b", day(44 + 28) + 2 * kH, E::feature_used, 0);  // week 4 again: still 5 weeks
  for (int k = 0; k <= 5; ++k) b.event("b", day(45 + 7 * k), E::feature_used, 1);  // export, 6
  b.event("c", day(93) + kH, E::login);                                            // week 7
  for (int k = 0; k <= 5; ++k) b.event("d", day(1 + 7 * k), E::feature_used, 0);   // before w0
  for (int k = 1; k <= 6; ++k) b.event("e", day(44 + 7 * k), E::feature_used, 1);
  b.event("f", day(100), E::login);  // at the end itself: outside [w0, end)
  return b.build();
}

KPI_TEST(FeatureAdoption, KeyFeatureInSixOfTheLastEightWeeks, "feature_adoption_rate") {
  auto log = adoption_log();
  auto s = score1(log, "feature_adoption_rate");
  // active in [day 44, day 100): a, b, c, e (d only before, f only at the end) = 4;
  // key feature = the first ("reports"): a in 6 weeks (its first use is at w0 exactly), b in 5
  // -> 1/4
  expect_value(s, 0.25, 4);
  EXPECT_NEAR(extra(s.result, "active_customers"), 4, kTol);
  EXPECT_NEAR(extra(s.result, "adopters"), 1, kTol);
  // "export": b (weeks 0..5) and e (weeks 1..6) -> 2/4
  expect_value(
      score1(log, "feature_adoption_rate", {{"feature_adoption_rate.key_feature", "export"}}), 0.5,
      4);
  // 5 weeks suffice: a and b -> 2/4
  expect_value(score1(log, "feature_adoption_rate", {{"feature_adoption_rate.min_weeks", "5"}}),
               0.5, 4);
  expect_unavailable(
      score1(log, "feature_adoption_rate", {{"feature_adoption_rate.key_feature", "nope"}}),
      "no feature named 'nope'");
}

kpi::Log prompt_log() {
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(1), E::referral_prompt_shown);
  b.event("a", day(1), E::referral_prompt_interacted);
  b.event("a", day(1), E::referral_prompt_accepted);
  b.event("a", day(2), E::referral_prompt_shown);
  b.event("a", day(2), E::referral_prompt_interacted);
  b.event("a", day(2), E::referral_prompt_declined);
  b.event("b", day(3), E::referral_prompt_shown);
  b.event("b", day(3), E::referral_prompt_interacted);
  b.event("b", day(3), E::referral_prompt_accepted);
  b.event("c", day(4), E::referral_prompt_shown);
  return b.build();
}

KPI_TEST(ReferralPrompt, AcceptedOverShown, "referral_prompt_acceptance_rate") {
  // accepted: a once, b once = 2; shown: a 2, b 1, c 1 = 4 -> 2/4
  expect_value(score1(prompt_log(), "referral_prompt_acceptance_rate"), 0.5, 4);
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(1), E::referral_prompt_accepted);
  expect_unavailable(score1(b.build(), "referral_prompt_acceptance_rate"),
                     "no referral_prompt_shown events");
}

KPI_TEST(ReferralPrompt, InteractedOverShown, "referral_prompt_interaction_rate") {
  // interacted (then accepted or declined): a 2, b 1 = 3; shown 4 -> 3/4
  expect_value(score1(prompt_log(), "referral_prompt_interaction_rate"), 0.75, 4);
}

KPI_TEST(TimeBetweenLogins, GapsBetweenLoginsAtOrAfterActivation, "time_between_logins") {
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(1), E::login);  // before activation: not part of any gap
  b.event("a", day(2), E::activated);
  b.event("a", day(3), E::login);
  b.event("a", day(4), E::login);
  b.event("a", day(7), E::login);
  b.event("b", day(10), E::activated);
  b.event("b", day(10), E::login);  // at the activation instant: counts
  b.event("b", day(12), E::login);
  b.event("c", day(1), E::login);  // never activated
  b.event("c", day(2), E::login);
  auto s = score1(b.build(), "time_between_logins");
  // gaps: a 3->4 = 1, 4->7 = 3; b 10->12 = 2 -> [1, 3, 2]: mean 2; sorted [1,2,3]: median 2,
  // p90 at h = 2*0.9 = 1.8 -> 2 + 0.8*1 = 2.8
  expect_value(s, 2, 3);
  EXPECT_NEAR(extra(s.result, "median"), 2, kTol);
  EXPECT_NEAR(extra(s.result, "p90"), 2.8, kTol);

  kpi::LogBuilder one(T0, day(30));
  one.event("a", day(1), E::login);
  one.event("a", day(2), E::activated);
  one.event("a", day(3), E::login);
  expect_unavailable(score1(one.build(), "time_between_logins"),
                     "no pair of logins after activation");
}

kpi::Log habit_log() {
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(0), E::signup, 0);
  for (double d : {1, 2, 5, 6}) b.event("a", day(d), E::value_action);
  b.event("b", day(10), E::conversion, 0, 10);  // sales-led: no sign-up, the clock starts here
  for (double d : {8, 11, 12, 13}) b.event("b", day(d), E::value_action);
  b.event("c", day(0), E::signup, 0);
  for (double d : {1, 2}) b.event("c", day(d), E::value_action);
  b.event("d", day(3), E::value_action);  // neither signed up nor converted: not counted
  return b.build();
}

KPI_TEST(HabitualAction, DaysToTheThirdValueActionAndShareReaching,
         "time_to_first_habitual_action") {
  auto log = habit_log();
  auto s = score1(log, "time_to_first_habitual_action");
  // k = 3: a's third at day 5 -> 5; b's value actions from day 10 on: 11, 12, 13 -> 13 - 10 = 3;
  // c has only two. [5, 3]: mean 4, median 4, p90 = 3 + 0.9*(5-3) = 4.8
  expect_value(s, 4, 2);
  EXPECT_NEAR(extra(s.result, "median"), 4, kTol);
  EXPECT_NEAR(extra(s.result, "p90"), 4.8, kTol);
  // share reaching among a, b, c (d never signed up) = 2/3
  EXPECT_NEAR(extra(s.result, "share_reaching"), 2.0 / 3, kTol);
  // k = 2: a day 2, b day 12 - 10 = 2, c day 2 -> mean 2, share 3/3
  auto k2 =
      score1(log, "time_to_first_habitual_action", {{"time_to_first_habitual_action.k", "2"}});
  expect_value(k2, 2, 3);
  EXPECT_NEAR(extra(k2.result, "share_reaching"), 1, kTol);
  expect_unavailable(
      score1(log, "time_to_first_habitual_action", {{"time_to_first_habitual_action.k", "5"}}),
      "no customer reached 5 value actions");
}

KPI_TEST(ReferralExpansion, PositiveMrrChangesOfReferredCustomers,
         "referral_driven_expansion_revenue") {
  kpi::LogBuilder b(T0, day(60));
  b.event("a", day(0), E::conversion, 0, 100);
  b.event("a", day(10), E::upgrade, 1, 50);
  b.event("a", day(20), E::seats_changed, -1, 20);
  b.event("a", day(30), E::downgrade, 0, -30);       // not expansion
  b.event("a", day(40), E::seats_changed, -1, -10);  // not expansion
  b.event("b", day(0), E::conversion, 0, 80);
  b.event("c", day(0), E::conversion, 0, 100);
  b.event("c", day(10), E::upgrade, 1, 1000);  // c was not referred
  b.info(b.customer("a")).referrer = 99;
  b.info(b.customer("b")).referrer = 99;
  // referred a: 50 + 20 = 70; referred b: 0 -> 70 over n = 2 referred customers
  expect_value(score1(b.build(), "referral_driven_expansion_revenue"), 70, 2);

  kpi::LogBuilder none(T0, day(60));
  none.event("a", day(0), E::conversion, 0, 100);
  none.event("a", day(10), E::upgrade, 1, 50);
  expect_unavailable(score1(none.build(), "referral_driven_expansion_revenue"),
                     "no referred customers");
}

KPI_TEST(ActivationTasks, AtLeastOneAndAllTasksWithinTheWindow, "activation_tasks_completion") {
  kpi::LogBuilder b(T0, day(60));
  b.names("tasks", {"connect", "invite", "configure"});
  b.event("a", day(0), E::signup, 0);
  b.event("a", day(1), E::activation_task, 0);
  b.event("a", day(2), E::activation_task, 1);
  b.event("a", day(14), E::activation_task, 2);  // day 0 + 14: the window is inclusive
  b.event("b", day(0), E::signup, 0);
  b.event("b", day(3), E::activation_task, 0);
  b.event("b", day(4), E::activation_task, 0);
  b.event("b", day(20), E::activation_task, 1);  // after 14 days
  b.event("c", day(5), E::signup, 0);
  b.event("d", day(10), E::conversion, 0, 10);  // sales-led: window from conversion
  b.event("d", day(11), E::activation_task, 2);
  b.event("e", day(50), E::signup, 0);  // 50 + 14 > 60: window not observed, left out
  b.event("e", day(51), E::activation_task, 0);
  b.event("f", day(46), E::signup, 0);  // 46 + 14 = 60 = the end: included
  auto log = b.build();
  auto s = score1(log, "activation_tasks_completion");
  // population a, b, c, d, f = 5; at least one task: a, b, d = 3 -> 3/5
  expect_value(s, 0.6, 5);
  // all 3 tasks within 14 days: a only -> 1/5
  EXPECT_NEAR(extra(s.result, "share_all_tasks"), 0.2, kTol);
  EXPECT_NEAR(extra(s.result, "tasks"), 3, kTol);
  // window 30: signed up by day 30: a, b, c, d; one task: a, b, d -> 3/4; all: a (b lacks
  // "configure") -> 1/4
  auto w30 = score1(log, "activation_tasks_completion",
                    {{"activation_tasks_completion.window_days", "30"}});
  expect_value(w30, 0.75, 4);
  EXPECT_NEAR(extra(w30.result, "share_all_tasks"), 0.25, kTol);
}

KPI_TEST(ActivationMilestones, PerMilestoneShareWithinThirtyDays, "activation_milestones") {
  kpi::LogBuilder b(T0, day(90));
  b.names("milestones", {"first_report", "first_share"});
  b.event("a", day(0), E::signup, 0);
  b.event("a", day(5), E::milestone, 0);
  b.event("a", day(40), E::milestone, 1);  // after 30 days
  b.event("b", day(0), E::signup, 0);
  b.event("b", day(10), E::milestone, 1);
  b.event("c", day(10), E::signup, 0);
  b.event("c", day(40), E::milestone, 0);  // 10 + 30: inclusive
  b.event("c", day(41), E::milestone, 1);
  b.event("d", day(70), E::signup, 0);  // 70 + 30 > 90: left out
  b.event("d", day(71), E::milestone, 0);
  auto s = score1(b.build(), "activation_milestones");
  // population a, b, c; first_report: a, c -> 2/3 (headline: the first milestone)
  expect_value(s, 2.0 / 3, 3);
  const auto& t = table(s.result, "milestones");
  EXPECT_EQ(t.row_labels, (std::vector<std::string>{"first_report", "first_share"}));
  ASSERT_EQ(t.cells.size(), 2u);
  expect_row(t.cells[0], {2.0 / 3});
  expect_row(t.cells[1], {1.0 / 3});  // first_share: b only
}

KPI_TEST(PqlRate, TrialOrFreemiumAccountsReachingPql, "pql_rate") {
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(0), E::signup, 0);
  b.event("a", day(0), E::trial_started, 0);
  b.event("a", day(5), E::pql_reached);
  b.event("b", day(0), E::signup, 0);  // freemium, no PQL
  b.event("c", day(0), E::signup, 0);  // converted at once: not a trial/freemium account
  b.event("c", day(0), E::conversion, 0, 10);
  b.event("c", day(3), E::pql_reached);
  b.event("d", day(0), E::signup, 0);  // freemium, PQL, then converted
  b.event("d", day(10), E::pql_reached);
  b.event("d", day(20), E::conversion, 0, 10);
  b.event("e", day(0), E::lead_created, 0);  // sales-led: not a trial/freemium account
  b.event("e", day(5), E::conversion, 0, 10);
  b.event("e", day(6), E::pql_reached);
  // population a, b, d; PQL a, d -> 2/3
  expect_value(score1(b.build(), "pql_rate"), 2.0 / 3, 3);
}

KPI_TEST(ReferralDropoff, FlowsWithoutAnInviteBeforeTheNextFlow, "referral_funnel_dropoff") {
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(1), E::referral_flow_started);
  b.event("a", day(1) + kH, E::referral_invite_sent);
  b.event("a", day(5), E::referral_flow_started);  // no invite before the next flow: dropped
  b.event("a", day(9), E::referral_flow_started);
  b.event("a", day(9) + kH, E::referral_invite_sent);
  b.event("a", day(9) + 2 * kH, E::referral_invite_sent);
  b.event("b", day(2), E::referral_flow_started);  // dropped
  b.event("c", day(3), E::referral_invite_sent);   // no flow: ignored
  // flows 4 (a 3, b 1); dropped: a's second, b's -> 2/4
  expect_value(score1(b.build(), "referral_funnel_dropoff"), 0.5, 4);
}

KPI_TEST(ActivatedFollowUp, EngagementWithinSevenDaysAfterActivation,
         "activated_followup_engagement") {
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(1), E::activated);
  b.event("a", day(3), E::login);
  b.event("b", day(2), E::activated);
  b.event("b", day(2), E::login);          // at the activation instant: not after it
  b.event("b", day(10), E::feature_used);  // after 2 + 7
  b.event("c", day(5), E::activated);
  b.event("c", day(12), E::value_action);  // 5 + 7: inclusive
  b.event("d", day(25), E::activated);     // 25 + 7 > 30: left out
  b.event("d", day(26), E::login);
  b.event("e", day(10), E::activated);
  b.event("e", day(11), E::csat, -1, 5);  // not an engagement event
  auto log = b.build();
  // population a, b, c, e; engaged a, c -> 2/4
  expect_value(score1(log, "activated_followup_engagement"), 0.5, 4);
  // window 1 day: a (login 2 days later) no, b no, c no, d (26 = 25 + 1) yes, e no -> 1/5
  expect_value(score1(log, "activated_followup_engagement",
                      {{"activated_followup_engagement.window_days", "1"}}),
               0.2, 5);
}

KPI_TEST(ReferralReadiness, ScoreFormulaAndRocAuc, "referral_readiness_score") {
  // end day 200, horizon 30 -> T0 = day 170; lookback (140, 170]; referral window (170, 200]
  kpi::LogBuilder b(T0, day(200));
  b.event("a", day(0), E::conversion, 0, 100);
  b.event("a", day(50), E::nps, -1, 2);
  b.event("a", day(100), E::nps, -1, 10);  // the last NPS wins over CSAT
  b.event("a", day(120), E::csat, -1, 1);
  for (double d : {140.0, 141.0, 150.0, 160.0, 165.0, 169.0, 170.0}) b.event("a", day(d), E::login);
  for (double d : {150.0, 160.0, 170.0}) b.event("a", day(d), E::value_action);
  b.event("a", day(174), E::referral_prompt_shown);
  b.event("a", day(175), E::referral_invite_sent);
  b.event("b", day(80), E::conversion, 0, 100);
  b.event("b", day(100), E::csat, -1, 5);
  b.event("b", day(190), E::referral_prompt_accepted);
  b.event("c", day(0), E::conversion, 0, 100);
  for (int d = 157; d <= 170; ++d) b.event("c", day(d), E::login);  // 14 logins (capped at 12)
  b.event("c", day(165), E::referral_invite_sent);                  // before T0: not a positive
  b.event("d", day(0), E::conversion, 0, 100);                      // churned before T0: not scored
  b.event("d", day(100), E::churned);
  b.event("d", day(180), E::referral_invite_sent);
  b.event("e", day(175), E::conversion, 0, 100);  // converted after T0: not scored
  b.event("f", day(170), E::conversion, 0, 100);  // converted at T0: scored, tenure 0
  b.event("f", day(171), E::login);               // after T0: not counted
  auto log = b.build();
  auto s = score1(log, "referral_readiness_score");
  // a: logins in (140, 170]: 141,150,160,165,169,170 = 6 -> 30*6/12 = 15; value actions 3 -> 30*3/6
  //    = 15; last NPS 10 -> 25*1 = 25; tenure 170 d -> 15*170/180 = 14.1667 -> 69.1667 (positive)
  // b: 0 + 0 + CSAT 5 -> 25*(5-1)/4 = 25; tenure 90 -> 7.5 -> 32.5 (positive: accepted at 190)
  // c: 14 logins -> 30; 0; no sentiment -> 25*0.5 = 12.5; 14.1667 -> 56.6667 (negative)
  // f: 0 + 0 + 12.5 + 0 = 12.5 (negative)
  const double ta = 170.0 / 180 * 15;
  const double a = 15 + 15 + 25 + ta, bb = 25 + 7.5, c = 30 + 12.5 + ta, f = 12.5;
  // AUC: pairs (pos, neg): a>c, a>f, b<c, b>f -> 3/4; n = 4 scored accounts
  expect_value(s, 0.75, 4);
  // quartiles of [12.5, 32.5, 56.6667, 69.1667]: p25 h=0.75 -> 12.5 + 0.75*20 = 27.5;
  // median h=1.5 -> (32.5 + 56.6667)/2 = 44.5833; p75 h=2.25 -> 56.6667 + 0.25*12.5 = 59.7917
  EXPECT_NEAR(extra(s.result, "score_p25"), f + 0.75 * (bb - f), kTol);
  EXPECT_NEAR(extra(s.result, "score_p25"), 27.5, kTol);
  EXPECT_NEAR(extra(s.result, "score_median"), (bb + c) / 2, kTol);
  EXPECT_NEAR(extra(s.result, "score_median"), 44.58333333333333, 1e-9);
  EXPECT_NEAR(extra(s.result, "score_p75"), c + 0.25 * (a - c), kTol);
  EXPECT_NEAR(extra(s.result, "score_p75"), 59.79166666666667, 1e-9);
  EXPECT_NEAR(extra(s.result, "referrers"), 2, kTol);
  // horizon 10 days: T0 = day 190, window (190, 200]: nobody refers (b accepted at 190 exactly)
  expect_unavailable(
      score1(log, "referral_readiness_score", {{"referral_readiness_score.horizon_days", "10"}}),
      "needs customers who referred and who did not");
}

KPI_TEST(DowngradeToChurn, ChurnWithinNinetyDaysOfTheFirstDowngrade, "downgrade_to_churn_rate") {
  kpi::LogBuilder b(T0, day(200));
  b.event("a", day(10), E::downgrade, 0, -10);
  b.event("a", day(100), E::churned);  // 10 + 90: inclusive
  b.event("b", day(20), E::downgrade, 0, -10);
  b.event("b", day(111), E::churned);  // after 20 + 90
  b.event("c", day(30), E::downgrade, 0, -10);
  b.event("c", day(150), E::downgrade, 0, -10);  // the first downgrade counts
  b.event("c", day(160), E::churned);
  b.event("d", day(150), E::downgrade, 0, -10);  // 150 + 90 > 200: left out (censored)
  b.event("d", day(160), E::churned);
  auto log = b.build();
  // population a, b, c; churned within 90 days: a -> 1/3
  expect_value(score1(log, "downgrade_to_churn_rate"), 1.0 / 3, 3);
  expect_unavailable(
      score1(log, "downgrade_to_churn_rate", {{"downgrade_to_churn_rate.window_days", "200"}}),
      "no downgrade observed for the whole window");
}

// ======================================================================== reach and acquisition

// Channels search (0) and social (1), and a team cost row; customers a, b from search leads,
// c from a social sign-up. Segments: a, c smb; b ent.
kpi::Log channel_log() {
  kpi::LogBuilder b(T0, day(30));
  b.names("channels", {"search", "social", "team:sales"});
  b.names("segments", {"smb", "ent"});
  // {market, replication, channel, day, spend, impressions, clicks, engaged, leads}
  b.channel_day({0, 0, 0, day(0), 100, 1000, 50, 20, 5});
  b.channel_day({0, 0, 0, day(1), 50, 1000, 30, 10, 3});
  b.channel_day({0, 0, 1, day(0), 200, 4000, 40, 10, 2});
  b.channel_day({0, 0, 2, day(0), 500, 0, 0, 0, 0});  // team cost
  b.event("a", day(0), E::lead_created, 0);
  b.event("a", day(5), E::conversion, 0, 100);
  b.event("b", day(1), E::lead_created, 0);
  b.event("c", day(0), E::signup, 1);
  b.event("c", day(3), E::conversion, 0, 50);
  b.info(b.customer("a")).segment = 0;
  b.info(b.customer("b")).segment = 1;
  b.info(b.customer("c")).segment = 0;
  return b.build();
}

KPI_TEST(Channels, FunnelRatiosAndCosts, "impressions", "click_through_rate",
         "content_engagement_rate", "lead_rate", "cost_per_lead", "conversion_rate", "cac",
         "cac_fully_loaded") {
  auto log = channel_log();
  // impressions 1000 + 1000 + 4000 = 6000 (n = 4 channel rows in scope)
  expect_value(score1(log, "impressions"), 6000, 4);
  // clicks 50 + 30 + 40 = 120 / 6000 impressions = 0.02
  expect_value(score1(log, "click_through_rate"), 0.02, 6000);
  // engaged 20 + 10 + 10 = 40 / 120 clicks = 1/3
  expect_value(score1(log, "content_engagement_rate"), 1.0 / 3, 120);
  // leads 5 + 3 + 2 = 10 / 120 clicks = 1/12
  expect_value(score1(log, "lead_rate"), 1.0 / 12, 120);
  // spend without the team row 100 + 50 + 200 = 350 / 10 leads = 35
  expect_value(score1(log, "cost_per_lead"), 35, 10);
  // customers with a lead or sign-up: a, b, c; converted a, c -> 2/3
  expect_value(score1(log, "conversion_rate"), 2.0 / 3, 3);
  // 350 / 2 new customers = 175; fully loaded (500 team cost too) 850 / 2 = 425
  expect_value(score1(log, "cac"), 175, 2);
  expect_value(score1(log, "cac_fully_loaded"), 425, 2);
}

KPI_TEST(Economics, RevenueCostsAndNetContribution, "revenue_collected", "total_cost",
         "net_contribution") {
  kpi::LogBuilder b(T0, day(30));
  b.names("channels", {"search", "team:sales"});
  b.channel_day({0, 0, 0, day(0), 100, 1000, 50, 20, 5});
  b.channel_day({0, 0, 0, day(1), 50, 1000, 30, 10, 3});
  b.channel_day({0, 0, 1, day(0), 500, 0, 0, 0, 0});  // team cost
  b.event("a", day(0), E::lead_created, 0);
  b.event("a", day(5), E::conversion, 0, 100);  // MRR, not money collected
  b.event("a", day(5), E::payment, 0, 100);
  b.event("c", day(2), E::playbook_action, 0, 7.5);  // incentive
  b.event("c", day(2), E::discount_applied, 0, 10);
  b.event("c", day(3), E::conversion, 0, 50);
  b.event("c", day(3), E::payment, 0, 40);  // 50 less the pending discount
  b.event("b", day(1), E::lead_created, 0);
  b.event("b", day(4), E::playbook_action, 1, 2.5);  // a message send
  b.event("b", day(6), E::purchase, -1, 12);
  auto log = b.build();
  // revenue: payments 100 + 40 and the purchase 12 = 152 over 3 customers; discounts 10
  auto rev = score1(log, "revenue_collected");
  expect_value(rev, 152, 3);
  EXPECT_EQ(rev.result.extra.at(0), (std::pair<std::string, double>{"discounts_given", 10}));
  // costs: media 150, team 500, playbook actions 7.5 + 2.5 = 10 -> 660
  auto cost = score1(log, "total_cost");
  expect_value(cost, 660, 3);
  EXPECT_DOUBLE_EQ(cost.result.extra.at(0).second, 150);
  EXPECT_DOUBLE_EQ(cost.result.extra.at(1).second, 500);
  EXPECT_DOUBLE_EQ(cost.result.extra.at(2).second, 10);
  expect_value(score1(log, "net_contribution"), 152 - 660, 3);
  // no channel table: costs (and so the net) are not available; revenue still is
  kpi::LogBuilder nb(T0, day(30));
  nb.event("x", day(1), E::payment, 0, 5);
  auto no_channels = nb.build();
  expect_value(score1(no_channels, "revenue_collected"), 5, 1);
  expect_unavailable(score1(no_channels, "total_cost"), "no channel table");
  expect_unavailable(score1(no_channels, "net_contribution"), "no channel table");
  kpi::LogBuilder eb(T0, day(30));
  eb.event("x", day(1), E::login);
  expect_unavailable(score1(eb.build(), "revenue_collected"), "no payment or purchase events");
}

KPI_TEST(Channels, ByChannelEachGroupGetsItsOwnRows, "impressions", "click_through_rate",
         "content_engagement_rate", "lead_rate", "cost_per_lead", "conversion_rate", "cac",
         "cac_fully_loaded") {
  auto log = channel_log();
  auto r = report(log,
                  {"impressions", "click_through_rate", "content_engagement_rate", "lead_rate",
                   "cost_per_lead", "conversion_rate", "cac", "cac_fully_loaded"},
                  {}, "channel");
  // groups are the customers' acquisition channels (no customer came from the team row)
  EXPECT_EQ(r.groups, (std::vector<std::string>{"search", "social"}));
  ASSERT_EQ(r.scores.size(), 16u);  // KPI-major, then group
  auto at = [&](std::size_t kpi, std::size_t group) {
    const auto& s = r.scores.at(kpi * 2 + group);
    EXPECT_EQ(s.group, r.groups[group]);
    return s;
  };
  // search: impressions 2000; clicks 80 / 2000 = 0.04; engaged 30 / 80 = 0.375; leads 8 / 80
  // = 0.1; spend 150 / 8 leads = 18.75; converted a of a, b = 1/2; CAC 150 / 1; fully loaded
  // not defined by channel (the team row belongs to no customer's channel; it showed 150, #16)
  expect_value(at(0, 0), 2000, 2);
  expect_value(at(1, 0), 0.04, 2000);
  expect_value(at(2, 0), 0.375, 80);
  expect_value(at(3, 0), 0.1, 80);
  expect_value(at(4, 0), 18.75, 8);
  expect_value(at(5, 0), 0.5, 2);
  expect_value(at(6, 0), 150, 1);
  expect_unavailable(at(7, 0), "team costs are not allocated to channels");
  // social: 4000; 40 / 4000 = 0.01; 10 / 40 = 0.25; 2 / 40 = 0.05; 200 / 2 = 100; c converted
  // 1/1; CAC 200 / 1
  expect_value(at(0, 1), 4000, 1);
  expect_value(at(1, 1), 0.01, 4000);
  expect_value(at(2, 1), 0.25, 40);
  expect_value(at(3, 1), 0.05, 40);
  expect_value(at(4, 1), 100, 2);
  expect_value(at(5, 1), 1, 1);
  expect_value(at(6, 1), 200, 1);
  expect_unavailable(at(7, 1), "team costs are not allocated to channels");
}

KPI_TEST(Channels, BySegmentChannelSpendIsNotAttributable, "impressions", "cac",
         "conversion_rate") {
  auto r = report(channel_log(), {"impressions", "cac", "conversion_rate"}, {}, "segment");
  EXPECT_EQ(r.groups, (std::vector<std::string>{"ent", "smb"}));
  ASSERT_EQ(r.scores.size(), 6u);
  for (int i = 0; i < 4; ++i) expect_unavailable(r.scores[i], "cannot be attributed");
  // conversion by segment: ent = b (not converted) 0/1; smb = a, c both converted 2/2
  expect_value(r.scores[4], 0, 1);
  expect_value(r.scores[5], 1, 2);
}

KPI_TEST(Channels, NotAvailableWithoutTheChannelTable, "impressions", "click_through_rate",
         "content_engagement_rate", "lead_rate", "cost_per_lead", "cac", "cac_fully_loaded") {
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(0), E::lead_created, 0);
  b.event("a", day(5), E::conversion, 0, 100);
  auto log = b.build();
  for (const char* id : {"impressions", "click_through_rate", "content_engagement_rate",
                         "lead_rate", "cost_per_lead", "cac", "cac_fully_loaded"})
    expect_unavailable(score1(log, id), "no channel table");
}

KPI_TEST(TrialToPaid, EndedTrialsOnlyRunningOnesExcluded, "trial_to_paid_rate") {
  kpi::LogBuilder b(T0, day(60));
  b.event("a", day(0), E::signup, 0);
  b.event("a", day(0), E::trial_started, 0);
  b.event("a", day(14), E::conversion, 0, 10);  // paid
  b.event("b", day(0), E::trial_started, 0);
  b.event("b", day(14), E::trial_expired, 0);  // ended unpaid
  b.event("c", day(50), E::trial_started, 0);  // still running at the end: excluded
  b.event("d", day(0), E::trial_started, 0);
  b.event("d", day(14), E::trial_expired, 0);   // expired first: a later conversion is no
  b.event("d", day(30), E::conversion, 0, 10);  // trial-to-paid
  b.event("e", day(2), E::conversion, 0, 10);   // no trial
  // ended a, b, d = 3; paid a -> 1/3
  expect_value(score1(b.build(), "trial_to_paid_rate"), 1.0 / 3, 3);
}

// ======================================================================== activation

KPI_TEST(ActivationRate, ActivatedWithinThirtyDaysOfSignUp, "activation_rate") {
  kpi::LogBuilder b(T0, day(60));
  b.event("a", day(0), E::signup, 0);
  b.event("a", day(30), E::activated);  // inclusive
  b.event("b", day(0), E::signup, 0);
  b.event("b", day(31), E::activated);  // too late
  b.event("c", day(10), E::conversion, 0, 10);
  b.event("c", day(12), E::activated);
  b.event("d", day(40), E::signup, 0);  // 40 + 30 > 60: left out
  b.event("d", day(41), E::activated);
  b.event("e", day(5), E::signup, 0);
  // population a, b, c, e; activated a, c -> 2/4
  expect_value(score1(b.build(), "activation_rate"), 0.5, 4);
}

KPI_TEST(TimeToFirstValue, DaysToTheFirstMilestone, "time_to_first_value") {
  kpi::LogBuilder b(T0, day(60));
  b.event("a", day(0), E::signup, 0);
  b.event("a", day(4), E::milestone, 0);
  b.event("b", day(10), E::conversion, 0, 10);
  b.event("b", day(8), E::milestone, 0);  // before b's start: ignored
  b.event("b", day(16), E::milestone, 0);
  b.event("c", day(0), E::signup, 0);
  b.event("d", day(0), E::signup, 0);
  b.event("d", day(20), E::milestone, 1);  // any milestone
  auto s = score1(b.build(), "time_to_first_value");
  // [4, 16 - 10 = 6, 20]: mean 10; median 6; p90 h = 1.8 -> 6 + 0.8*14 = 17.2; share 3/4
  expect_value(s, 10, 3);
  EXPECT_NEAR(extra(s.result, "median"), 6, kTol);
  EXPECT_NEAR(extra(s.result, "p90"), 17.2, kTol);
  EXPECT_NEAR(extra(s.result, "share_reaching"), 0.75, kTol);
}

kpi::Log stage_log() {
  kpi::LogBuilder b(T0, day(70));
  b.names("stages", {"onboarding", "adoption", "mature"});
  b.event("a", day(0), E::stage_entered, 0);
  b.event("a", day(10), E::stage_entered, 1);
  b.event("a", day(65), E::stage_entered, 2);
  b.event("b", day(0), E::stage_entered, 0);
  b.event("b", day(20), E::stage_entered, 1);
  b.event("b", day(50), E::churned);
  b.event("c", day(5), E::stage_entered, 0);
  b.event("c", day(40), E::stage_entered, 2);
  b.event("d", day(1), E::signup, 0);
  b.event("d", day(1), E::trial_started, 0);
  b.event("d", day(1), E::stage_entered, 0);
  b.event("d", day(15), E::trial_expired, 0);
  b.event("e", day(62), E::stage_entered, 0);
  return b.build();
}

KPI_TEST(StageDistribution, MonthEndCountsAndShareInTheLastStageAtTheEnd, "stage_distribution") {
  auto s = score1(stage_log(), "stage_distribution");
  // at the end (day 70): a mature, b churned, c mature, d expired, e onboarding -> [1, 0, 2]:
  // share in the last stage 2/3 of 3 staged customers
  expect_value(s, 2.0 / 3, 3);
  const auto& t = table(s.result, "stage_distribution");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"onboarding", "adoption", "mature"}));
  // whole months: floor(70 / 30.4375) = 2, labelled by the calendar month of their midpoint
  EXPECT_EQ(t.row_labels, (std::vector<std::string>{"2024-01", "2024-02"}));
  ASSERT_EQ(t.cells.size(), 2u);
  // day 30.4375: a adoption, b adoption, c onboarding, d expired -> [1, 2, 0]
  expect_row(t.cells[0], {1, 2, 0});
  // day 60.875: a adoption (mature at 65), b churned, c mature, e not yet -> [0, 1, 1]
  expect_row(t.cells[1], {0, 1, 1});
}

KPI_TEST(TimeInStage, CompletedStaysPerStage, "time_in_stage") {
  kpi::LogBuilder b(T0, day(60));
  b.names("stages", {"onboarding", "adoption", "mature"});
  b.event("a", day(0), E::stage_entered, 0);
  b.event("a", day(10), E::stage_entered, 1);
  b.event("a", day(40), E::stage_entered, 2);  // open at the end: not a completed stay
  b.event("b", day(5), E::stage_entered, 0);
  b.event("b", day(25), E::churned);
  b.event("c", day(0), E::stage_entered, 0);
  b.event("c", day(14), E::trial_expired, 0);
  b.event("d", day(2), E::stage_entered, 0);
  b.event("d", day(8), E::stage_entered, 1);
  b.event("d", day(20), E::churned);
  b.event("d", day(30), E::reactivated, 0, 10);
  b.event("d", day(30), E::stage_entered, 1);  // open
  b.event("e", day(50), E::stage_entered, 0);  // open
  auto s = score1(b.build(), "time_in_stage");
  // onboarding stays: a 10, b 20 (churn), c 14 (trial expiry), d 6 -> mean 50/4 = 12.5
  expect_value(s, 12.5, 4);
  const auto& t = table(s.result, "time_in_stage");
  ASSERT_EQ(t.cells.size(), 3u);
  // onboarding: 4 stays, mean 12.5, median of [6,10,14,20] = (10+14)/2 = 12
  expect_row(t.cells[0], {4, 12.5, 12});
  // adoption: a 40 - 10 = 30, d 20 - 8 = 12 -> mean 21, median 21
  expect_row(t.cells[1], {2, 21, 21});
  // mature: none completed
  expect_row(t.cells[2], {0, kNaN, kNaN});

  kpi::LogBuilder unnamed(T0, day(60));
  unnamed.event("a", day(0), E::stage_entered, 0);
  unnamed.event("a", day(5), E::stage_entered, 1);
  auto unnamed_log = unnamed.build();
  expect_unavailable(score1(unnamed_log, "time_in_stage"), "names no stages");
  expect_unavailable(score1(unnamed_log, "stage_distribution"), "names no stages");
}

// ======================================================================== retention

// Monthly churn over a 100-day log: whole months [0, 30.4375], [30.4375, 60.875],
// [60.875, 91.3125]; the partial month (91.3125, 100] is not one. MRR values for the CLV tests.
kpi::Log churn_log(bool with_channels) {
  kpi::LogBuilder b(T0, day(100));
  b.event("a", day(0), E::conversion, 0, 100);
  b.event("a", day(20), E::churned);
  b.event("b", day(0), E::conversion, 0, 100);
  b.event("b", day(45), E::churned);
  b.event("c", day(0), E::conversion, 0, 120);
  b.event("d", day(10), E::conversion, 0, 60);
  b.event("d", day(70), E::churned);
  b.event("d", day(80), E::reactivated, 0, 60);
  b.event("e", day(95), E::conversion, 0, 90);
  if (with_channels) {
    b.names("channels", {"search"});
    b.channel_day({0, 0, 0, day(0), 500, 10000, 100, 50, 10});
  }
  return b.build();
}

KPI_TEST(MonthlyChurn, MeanOverWholeMonthsAndPooled, "monthly_churn_rate") {
  auto s = score1(churn_log(false), "monthly_churn_rate");
  // month 0: paying at day 0: a, b, c (d converts at 10); churned within: a -> 1/3
  // month 1: paying at 30.4375: b, c, d; churned: b (45) -> 1/3
  // month 2: paying at 60.875: c, d; churned: d (70) -> 1/2
  // mean (1/3 + 1/3 + 1/2) / 3 = 7/18; pooled 3 / (3 + 3 + 2) = 3/8; n = 8 customer-months
  expect_value(s, 7.0 / 18, 8);
  EXPECT_NEAR(extra(s.result, "pooled"), 3.0 / 8, kTol);
  EXPECT_NEAR(extra(s.result, "months"), 3, kTol);
}

kpi::Log revenue_log() {
  kpi::LogBuilder b(T0, day(100));
  b.event("a", day(0), E::conversion, 0, 100);
  b.event("a", day(10), E::upgrade, 1, 50);
  b.event("b", day(0), E::conversion, 0, 200);
  b.event("b", day(40), E::downgrade, 0, -50);
  b.event("b", day(70), E::churned);
  b.event("c", day(20), E::conversion, 0, 100);
  b.event("c", day(80), E::seats_changed, -1, 25);
  return b.build();
}

KPI_TEST(RevenueRetention, GrossCapsEachCustomerAtItsStartingMrr, "gross_revenue_retention") {
  auto s = score1(revenue_log(), "gross_revenue_retention");
  // month 0 [0, 30.4]: start a 100 + b 200 = 300; end capped min(150,100) + min(200,200) = 300
  //   -> 1
  // month 1 [30.4, 60.9]: start a 150 + b 200 + c 100 = 450; end 150 + 150 + 100 = 400 -> 8/9
  // month 2 [60.9, 91.3]: start 150 + 150 + 100 = 400; end 150 + 0 + min(125,100) = 250 -> 5/8
  // mean (1 + 8/9 + 5/8) / 3 = (72 + 64 + 45) / 72 / 3 = 181/216; n = 3 months
  expect_value(s, 181.0 / 216, 3);
  EXPECT_NEAR(extra(s.result, "annualised"), std::pow(181.0 / 216, 12), kTol);
}

KPI_TEST(RevenueRetention, NetCountsExpansion, "net_revenue_retention") {
  auto s = score1(revenue_log(), "net_revenue_retention");
  // month 0: (150 + 200) / 300 = 7/6; month 1: 400/450 = 8/9; month 2: (150 + 0 + 125) / 400
  // = 11/16; mean (168 + 128 + 99) / 144 / 3 = 395/432
  expect_value(s, 395.0 / 432, 3);
  EXPECT_NEAR(extra(s.result, "annualised"), std::pow(395.0 / 432, 12), kTol);
}

KPI_TEST(Reactivation, ReactivatedAfterTheFirstChurn, "reactivation_rate") {
  kpi::LogBuilder b(T0, day(60));
  b.event("a", day(10), E::churned);
  b.event("a", day(20), E::reactivated, 0, 10);
  b.event("b", day(10), E::churned);
  b.event("c", day(5), E::reactivated, 0, 10);  // before its first churn: not a win-back
  b.event("c", day(10), E::churned);
  b.event("d", day(10), E::churned);
  b.event("d", day(20), E::reactivated, 0, 10);
  b.event("d", day(30), E::churned);
  // churned a, b, c, d; reactivated after the first churn a, d -> 2/4
  expect_value(score1(b.build(), "reactivation_rate"), 0.5, 4);
}

KPI_TEST(RepeatPurchase, TwoOrMorePurchasesAmongBuyers, "repeat_purchase_rate") {
  kpi::LogBuilder b(T0, day(60));
  for (double d : {1, 2, 3}) b.event("a", day(d), E::purchase, -1, 10);
  b.event("b", day(1), E::purchase, -1, 10);
  for (double d : {1, 5}) b.event("c", day(d), E::purchase, -1, 10);
  b.event("d", day(1), E::login);
  // buyers a, b, c; repeat a, c -> 2/3
  expect_value(score1(b.build(), "repeat_purchase_rate"), 2.0 / 3, 3);
}

KPI_TEST(Rfm, QuintileScoresTiesShareTheHighestScore, "rfm_segments") {
  kpi::LogBuilder b(T0, day(100));
  b.event("a", day(90), E::purchase, -1, 50);
  b.event("a", day(95), E::purchase, -1, 50);
  b.event("a", day(99), E::purchase, -1, 100);
  b.event("b", day(10), E::purchase, -1, 20);
  b.event("c", day(50), E::payment, 0, 30);
  b.event("c", day(80), E::payment, 0, 30);
  b.event("d", day(99), E::purchase, -1, 500);
  for (double d : {60, 70, 80, 90}) b.event("e", day(d), E::purchase, -1, 10);
  b.event("f", day(50), E::login);  // no purchase or payment: not scored
  auto s = score1(b.build(), "rfm_segments");
  // 5 scored; score = 1 + floor(5 * (last 0-based position of the tie block) / 5):
  // recency (days since last): b 90, c 20, e 10, a 1, d 1 -> b 1, c 2, e 3, a & d tie at
  //   positions 3-4 -> both 5
  // frequency: b 1, d 1 (tie, positions 0-1 -> 2), c 2 -> 3, a 3 -> 4, e 4 -> 5
  // monetary: b 20 -> 1, e 40 -> 2, c 60 -> 3, a 200 -> 4, d 500 -> 5
  // champions (R, F, M >= 4): a (5, 4, 4) only -> 1/5
  expect_value(s, 0.2, 5);
  const auto& t = table(s.result, "rfm");
  ASSERT_EQ(t.cells.size(), 5u);
  // R x F counts: b (1,2), c (2,3), e (3,5), a (5,4), d (5,2)
  expect_row(t.cells[0], {0, 1, 0, 0, 0});
  expect_row(t.cells[1], {0, 0, 1, 0, 0});
  expect_row(t.cells[2], {0, 0, 0, 0, 1});
  expect_row(t.cells[3], {0, 0, 0, 0, 0});
  expect_row(t.cells[4], {0, 1, 0, 1, 0});

  kpi::LogBuilder none(T0, day(100));
  none.event("a", day(1), E::login);
  expect_unavailable(score1(none.build(), "rfm_segments"), "no purchases or payments");
}

KPI_TEST(NonContractual, MrrBasedKpisAreNotAvailable, "gross_revenue_retention",
         "net_revenue_retention", "mrr", "arpa", "expansion_revenue",
         "referral_driven_expansion_revenue", "cac_payback_months") {
  // e-commerce: a conversion's value is the first purchase amount, not MRR
  kpi::LogBuilder b(T0, day(100));
  b.names("channels", {"ads"});
  b.channel_day({0, 0, 0, day(0), 100, 1000, 10, 5, 2});
  b.event("a", day(0), E::signup, 0);
  b.event("a", day(0), E::conversion, -1, 35);
  b.event("a", day(0), E::purchase, -1, 35);
  b.event("b", day(40), E::signup, 0);
  b.event("b", day(40), E::conversion, -1, 20);
  b.event("b", day(40), E::purchase, -1, 20);
  b.info(b.customer("b")).referrer = 0;
  auto log = b.build();
  for (const char* id :
       {"gross_revenue_retention", "net_revenue_retention", "mrr", "arpa", "expansion_revenue",
        "referral_driven_expansion_revenue", "cac_payback_months"})
    expect_unavailable(score1(log, id), "non-contractual");
  // CAC is defined: 100 spend / 2 new customers
  expect_value(score1(log, "cac"), 50, 2);
}

// ======================================================================== revenue

kpi::Log mrr_log() {
  kpi::LogBuilder b(T0, day(70));
  b.event("a", day(0), E::conversion, 0, 100);
  b.event("a", day(40), E::upgrade, 1, 50);
  b.event("b", day(10), E::conversion, 0, 200);
  b.event("b", day(50), E::churned);
  b.event("c", day(20), E::conversion, 0, 80);
  b.event("c", day(25), E::churned);
  b.event("c", day(65), E::reactivated, 0, 90);
  b.event("d", day(62), E::conversion, 0, 60);
  return b.build();
}

KPI_TEST(Mrr, MonthEndSeriesAndMrrAtTheEndOfTheLog, "mrr") {
  auto s = score1(mrr_log(), "mrr");
  // at the end (day 70): a 150 + b 0 + c 90 (reactivated) + d 60 = 300, 3 paying
  expect_value(s, 300, 3);
  const auto& t = table(s.result, "mrr");
  EXPECT_EQ(t.row_labels, (std::vector<std::string>{"2024-01", "2024-02"}));
  ASSERT_EQ(t.cells.size(), 2u);
  // day 30.4375: a 100 + b 200 + c 0 (churned at 25) = 300, 2 paying
  expect_row(t.cells[0], {300, 2});
  // day 60.875: a 150, b churned, c churned, d not yet -> 150, 1 paying
  expect_row(t.cells[1], {150, 1});
}

KPI_TEST(Arpa, MrrAtTheEndOverPayingAccounts, "arpa") {
  // 300 / 3 paying accounts (see the mrr test)
  expect_value(score1(mrr_log(), "arpa"), 100, 3);
}

KPI_TEST(Expansion, PositiveUpgradesAndSeatGrowth, "expansion_revenue") {
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(0), E::conversion, 0, 100);
  b.event("a", day(5), E::upgrade, 1, 50);
  b.event("a", day(6), E::seats_changed, -1, 10);
  b.event("a", day(7), E::seats_changed, -1, -5);
  b.event("a", day(8), E::downgrade, 0, -20);
  b.event("b", day(0), E::conversion, 0, 100);
  b.event("b", day(9), E::upgrade, 1, 30);
  // 50 + 10 + 30 = 90 over n = 3 expansion events
  expect_value(score1(b.build(), "expansion_revenue"), 90, 3);
}

KPI_TEST(Clv, ArpaTimesMarginOverMonthlyChurn, "clv", "cac_clv_ratio", "cac_payback_months") {
  auto log = churn_log(true);
  // ARPA at day 100: a, b churned; c 120, d 60 (reactivated), e 90 -> 270 / 3 = 90
  // monthly churn 7/18 (see MonthlyChurn) -> CLV = 90 * 0.8 / (7/18) = 1296/7
  auto clv = score1(log, "clv");
  expect_value(clv, 1296.0 / 7, 3);
  EXPECT_NEAR(extra(clv.result, "arpa"), 90, kTol);
  EXPECT_NEAR(extra(clv.result, "monthly_churn"), 7.0 / 18, kTol);
  // margin 0.5: 45 * 18 / 7 = 810/7
  expect_value(score1(log, "clv", {{"clv.margin", "0.5"}}), 810.0 / 7, 3);
  // CAC = 500 spend / 5 converted = 100 -> CLV:CAC = (1296/7) / 100
  expect_value(score1(log, "cac_clv_ratio"), 1296.0 / 7 / 100, 100);
  // payback = 100 / (90 * 0.8) = 25/18 months
  expect_value(score1(log, "cac_payback_months"), 25.0 / 18, 72);
  // a team cost row: fully loaded (the default) CAC = (500 + 250) / 5 = 150; marketing stays 100
  kpi::Log teams = log;
  teams.names["channels"].push_back("team:sales");
  teams.channels.push_back({0, 0, 1, day(0), 250, 0, 0, 0, 0});
  expect_value(score1(teams, "cac_clv_ratio"), 1296.0 / 7 / 150, 150);
  expect_value(score1(teams, "cac_payback_months"), 150.0 / 72, 72);
  expect_value(score1(teams, "cac_clv_ratio", {{"cac_clv_ratio.cost", "marketing"}}),
               1296.0 / 7 / 100, 100);
  expect_value(score1(teams, "cac_payback_months", {{"cac_payback_months.cost", "marketing"}}),
               25.0 / 18, 72);
  EXPECT_THROW(score1(teams, "cac_payback_months", {{"cac_payback_months.cost", "sales"}}),
               std::runtime_error);
}

KPI_TEST(Clv, NoChurnInAnyWholeMonthIsNotAvailable, "clv") {
  kpi::LogBuilder b(T0, day(100));
  b.event("a", day(0), E::conversion, 0, 100);
  b.event("b", day(0), E::conversion, 0, 100);
  b.event("b", day(95), E::churned);  // in the partial month only: monthly churn 0
  expect_unavailable(score1(b.build(), "clv"), "no churn observed");
}

KPI_TEST(ClvSurvival, ArpaTimesMarginTimesRestrictedMeanLifetime, "clv_survival") {
  auto log = lifespan_log();
  auto s = score1(log, "clv_survival");
  // ARPA at day 100 = (c 50 + d 150) / 2 = 100; RMST 60 days (see Lifespan) = 60/30.4375 months
  // -> 100 * 0.8 * 60 / 30.4375 = 157.70...
  expect_value(s, 100 * 0.8 * 60 / kMonth, 2);
  EXPECT_NEAR(extra(s.result, "restricted_mean_lifetime_months"), 60 / kMonth, kTol);
  // the lifetime follows avg_customer_lifespan's own tau: 17.5 days at tau = 20
  expect_value(score1(log, "clv_survival", {{"avg_customer_lifespan.tau_days", "20"}}),
               100 * 0.8 * 17.5 / kMonth, 2);
  expect_value(score1(log, "clv_survival", {{"clv_survival.margin", "0.5"}}),
               100 * 0.5 * 60 / kMonth, 2);
}

// ======================================================================== messages

kpi::Log message_log() {
  kpi::LogBuilder b(T0, day(30));
  b.names("campaigns", {"welcome", "winback"});
  b.event("a", day(1), E::message_sent, 0);
  b.event("a", day(1), E::message_delivered, 0);
  b.event("a", day(1) + kH, E::message_opened, 0);
  b.event("a", day(1) + 2 * kH, E::message_clicked, 0);
  b.event("a", day(5), E::message_sent, 1);
  b.event("a", day(5), E::message_bounced, 1);
  b.event("b", day(1), E::message_sent, 0);
  b.event("b", day(1), E::message_delivered, 0);
  b.event("b", day(2), E::message_opened, 0);
  b.event("b", day(5), E::message_sent, 1);
  b.event("b", day(5), E::message_delivered, 1);
  b.event("b", day(6), E::unsubscribed, 1);
  b.event("c", day(1), E::message_sent, 0);
  b.event("c", day(1), E::message_delivered, 0);
  return b.build();
}

KPI_TEST(Messages, RatesOverallAndPerCampaign, "message_delivery_rate", "message_bounce_rate",
         "message_open_rate", "message_click_rate", "message_click_to_open_rate",
         "message_unsubscribe_rate") {
  // sent 5 (welcome 3, winback 2); delivered 4 (welcome 3, winback 1); bounced 1 (winback);
  // opened 2, clicked 1 (welcome); unsubscribed 1 (winback)
  auto log = message_log();
  struct Case {
    const char* id;
    double value, n;
    std::vector<double> welcome, winback;  // {rate, base}
  };
  for (const Case& c : std::vector<Case>{
           {"message_delivery_rate", 4.0 / 5, 5, {3.0 / 3, 3}, {1.0 / 2, 2}},
           {"message_bounce_rate", 1.0 / 5, 5, {0.0 / 3, 3}, {1.0 / 2, 2}},
           {"message_open_rate", 2.0 / 4, 4, {2.0 / 3, 3}, {0.0 / 1, 1}},
           {"message_click_rate", 1.0 / 4, 4, {1.0 / 3, 3}, {0.0 / 1, 1}},
           {"message_click_to_open_rate", 1.0 / 2, 2, {1.0 / 2, 2}, {kNaN, 0}},  // no opens
           {"message_unsubscribe_rate", 1.0 / 4, 4, {0.0 / 3, 3}, {1.0 / 1, 1}},
       }) {
    SCOPED_TRACE(c.id);
    auto s = score1(log, c.id);
    expect_value(s, c.value, c.n);
    const auto& t = table(s.result, "by_campaign");
    EXPECT_EQ(t.row_labels, (std::vector<std::string>{"welcome", "winback"}));
    ASSERT_EQ(t.cells.size(), 2u);
    expect_row(t.cells[0], c.welcome);
    expect_row(t.cells[1], c.winback);
  }
}

KPI_TEST(Messages, NotAvailableWithoutTheDenominatorEvents, "message_click_to_open_rate",
         "message_open_rate", "message_delivery_rate") {
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(1), E::message_sent, 0);
  auto log = b.build();
  expect_unavailable(score1(log, "message_click_to_open_rate"), "no messages opened");
  expect_unavailable(score1(log, "message_open_rate"), "no messages delivered");
  expect_value(score1(log, "message_delivery_rate"), 0, 1);  // sent, none delivered: a real 0
  kpi::LogBuilder none(T0, day(30));
  none.event("a", day(1), E::message_delivered, 0);
  expect_unavailable(score1(none.build(), "message_delivery_rate"), "no message_sent events");
}

// ======================================================================== sentiment

KPI_TEST(Csat, ShareOfFourAndFive, "csat") {
  kpi::LogBuilder b(T0, day(30));
  const char* who[] = {"a", "b", "c", "d", "e"};
  const double answers[] = {5, 4, 3, 1, 4};
  for (int i = 0; i < 5; ++i) b.event(who[i], day(i), E::csat, -1, answers[i]);
  // 4 or 5: 5, 4, 4 -> 3/5
  expect_value(score1(b.build(), "csat"), 0.6, 5);
}

KPI_TEST(Nps, PromotersMinusDetractors, "nps") {
  kpi::LogBuilder b(T0, day(30));
  const char* who[] = {"a", "b", "c", "d", "e", "f", "g"};
  const double answers[] = {10, 9, 9, 8, 7, 6, 0};
  for (int i = 0; i < 7; ++i) b.event(who[i], day(i), E::nps, -1, answers[i]);
  auto s = score1(b.build(), "nps");
  // promoters (9-10): 3; passives 8, 7; detractors (0-6): 6, 0 -> 100 * (3 - 2) / 7
  expect_value(s, 100.0 / 7, 7);
  EXPECT_NEAR(extra(s.result, "promoters"), 3.0 / 7, kTol);
  EXPECT_NEAR(extra(s.result, "detractors"), 2.0 / 7, kTol);
}

// ======================================================================== referral and advocacy

// a, b, c, f converted; c and d were referred by a; e (never converted) sent an invite too.
kpi::Log referral_log() {
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(0), E::conversion, 0, 10);
  b.event("a", day(1), E::referral_prompt_shown);
  b.event("a", day(2), E::referral_invite_sent);
  b.event("a", day(3), E::referral_invite_sent);
  b.event("a", day(4), E::nps, -1, 10);
  b.event("a", day(4), E::review_posted);
  b.event("b", day(0), E::conversion, 0, 10);
  b.event("b", day(1), E::referral_prompt_shown);
  b.event("b", day(5), E::social_share);
  b.event("c", day(10), E::conversion, 0, 10);
  b.event("c", day(12), E::referral_invite_sent);
  b.event("d", day(10), E::signup, 0);
  b.event("e", day(0), E::signup, 0);
  b.event("e", day(5), E::referral_invite_sent);
  b.event("f", day(0), E::conversion, 0, 10);
  const auto a = b.info(b.customer("a")).id;
  b.info(b.customer("c")).referrer = static_cast<std::int64_t>(a);
  b.info(b.customer("d")).referrer = static_cast<std::int64_t>(a);
  return b.build();
}

KPI_TEST(Referral, ParticipationInvitesConversionViralityAdvocacy, "referral_participation_rate",
         "invites_per_customer", "invite_conversion_rate", "viral_coefficient", "advocacy_rate") {
  auto log = referral_log();
  // converted customers: a, b, c, f = 4
  // participation: converted with an invite: a, c -> 2/4
  expect_value(score1(log, "referral_participation_rate"), 0.5, 4);
  // invites by converted customers: a 2 + c 1 = 3 (e's is not a customer's) -> 3/4
  expect_value(score1(log, "invites_per_customer"), 0.75, 4);
  // referred customers c, d = 2 / all invites 4 (a 2, c 1, e 1) -> 1/2
  expect_value(score1(log, "invite_conversion_rate"), 0.5, 4);
  // converted referred customers: c (d never converted) = 1 / non-referred converted (a, b, f) 3
  // -> 1/3 (both sides count converted customers only)
  expect_value(score1(log, "viral_coefficient"), 1.0 / 3, 3);
  // converted with a review or share: a (review), b (share) -> 2/4
  expect_value(score1(log, "advocacy_rate"), 0.5, 4);
}

// ======================================================================== adoption

KPI_TEST(ActiveCustomers, EngagedCustomersPerWholeMonth, "active_customers") {
  kpi::LogBuilder b(T0, day(70));
  b.event("a", day(1), E::login);
  b.event("a", day(40), E::login);
  b.event("b", day(10), E::feature_used, 0);
  b.event("c", day(35), E::purchase, -1, 20);
  b.event("c", day(65), E::value_action);   // in the partial third month: not in the table
  b.event("d", day(5), E::support_ticket);  // not engagement
  b.event("e", day(65), E::login);
  auto s = score1(b.build(), "active_customers");
  // month 0 [0, 30.4375): a, b = 2; month 1 [30.4375, 60.875): a, c = 2; headline: the last
  // whole month = 2; n = 5 customers
  expect_value(s, 2, 5);
  const auto& t = table(s.result, "active_customers");
  EXPECT_EQ(t.row_labels, (std::vector<std::string>{"2024-01", "2024-02"}));
  ASSERT_EQ(t.cells.size(), 2u);
  expect_row(t.cells[0], {2});
  expect_row(t.cells[1], {2});

  kpi::LogBuilder none(T0, day(70));
  none.event("a", day(5), E::support_ticket);
  expect_unavailable(score1(none.build(), "active_customers"), "no engagement events");
}

// ======================================================================== cross-cutting rules

// With none of the events a KPI needs, no KPI reports a number: each one is "not available"
// with a reason (never 0, never NaN).
TEST(KpiAvailability, EveryKpiIsNotAvailableOnALogWithoutItsEvents) {
  kpi::LogBuilder one(T0, day(100));
  one.event("a", day(5), E::support_ticket);
  kpi::LogBuilder empty(T0, day(100));
  for (const kpi::Log& log : {one.build(), empty.build()}) {
    auto r = report(log, {});
    ASSERT_EQ(r.scores.size(), kpi::registry().size());
    for (const auto& s : r.scores) {
      SCOPED_TRACE(s.id);
      expect_unavailable(s, "");
      // what the reports print
      EXPECT_EQ(
          kpi::to_json(r)["kpis"][static_cast<std::size_t>(&s - r.scores.data())]["available"],
          false);
    }
  }
}

TEST(KpiAvailability, NeedsNameTheMissingEventType) {
  kpi::LogBuilder b(T0, day(100));
  b.event("a", day(5), E::support_ticket);
  auto log = b.build();
  for (const auto& d : kpi::registry()) {
    if (d.needs.empty()) continue;
    SCOPED_TRACE(d.id);
    expect_unavailable(score1(log, d.id),
                       "no " + std::string(eventlog::event_type_name(d.needs[0])) + " events");
  }
}

// Customers in replications 0, 1, 2 (the LogBuilder does not set Log::replications: score()
// counts the replications present). Across replications: mean, se = sd / sqrt(n), and the 95%
// CI mean +/- t_{0.975, n-1} * se.
KPI_TEST(Replications, MeanStandardErrorAndStudentTInterval, "csat", "nps", "impressions") {
  kpi::LogBuilder b(T0, day(30));
  auto add = [&](const std::string& who, int rep, E type, double v) {
    b.info(b.customer(who)).replication = static_cast<std::uint16_t>(rep);
    b.event(who, day(1), type, -1, v);
  };
  add("r0a", 0, E::csat, 5);
  add("r0b", 0, E::csat, 1);
  add("r0a", 0, E::nps, 10);
  for (auto [who, v] :
       std::vector<std::pair<std::string, double>>{{"r1a", 5}, {"r1b", 5}, {"r1c", 4}, {"r1d", 1}})
    add(who, 1, E::csat, v);
  add("r1a", 1, E::nps, 0);
  add("r2a", 2, E::csat, 5);  // replication 2 has no NPS answer
  b.names("channels", {"search"});
  for (auto [rep, imp] : std::vector<std::pair<int, std::int64_t>>{{0, 1000}, {1, 2000}, {2, 6000}})
    b.channel_day({0, static_cast<std::uint16_t>(rep), 0, day(0), 10, imp, 10, 1, 1});
  auto log = b.build();
  EXPECT_EQ(log.replications, 3);  // LogBuilder counts the replications its customers name
  auto r = report(log, {"csat", "nps", "impressions"});
  EXPECT_EQ(r.replications, 3);
  ASSERT_EQ(r.scores.size(), 3u);

  // t quantiles: t_{0.975,2} = 4.302653, t_{0.975,1} = 12.706205
  EXPECT_NEAR(kpi::t_quantile_975(2), 4.302653, 5e-7);
  EXPECT_NEAR(kpi::t_quantile_975(1), 12.706205, 5e-7);

  // CSAT per replication: rep0 1/2 = 0.5, rep1 3/4 = 0.75, rep2 1/1 = 1
  // mean 0.75; sample variance ((-0.25)^2 + 0 + 0.25^2) / 2 = 0.0625; se = sqrt(0.0625 / 3)
  // = 0.144337567...; half-width 4.302653 * 0.144337567 = 0.621034...
  const auto& csat = r.scores[0];
  EXPECT_EQ(csat.replications, 3);
  EXPECT_NEAR(csat.mean, 0.75, kTol);
  const double se = std::sqrt(0.0625 / 3);
  EXPECT_NEAR(csat.se, se, kTol);
  EXPECT_NEAR(csat.ci_low, 0.75 - 4.302653 * se, 1e-6);
  EXPECT_NEAR(csat.ci_high, 0.75 + 4.302653 * se, 1e-6);
  EXPECT_NEAR(csat.ci_high - csat.mean, 0.621034, 1e-6);
  EXPECT_NEAR(csat.result.value, 0.5, kTol);  // extras and tables: replication 0

  // NPS: rep0 +100, rep1 -100, rep2 not available -> 2 replications: mean 0,
  // se = sqrt((100^2 + 100^2) / 1 / 2) = 100, CI 0 +/- 12.706205 * 100
  const auto& nps = r.scores[1];
  EXPECT_EQ(nps.replications, 2);
  EXPECT_NEAR(nps.mean, 0, kTol);
  EXPECT_NEAR(nps.se, 100, kTol);
  EXPECT_NEAR(nps.ci_low, -1270.6205, 1e-4);
  EXPECT_NEAR(nps.ci_high, 1270.6205, 1e-4);

  // channel rows are scoped to their replication: 1000, 2000, 6000 -> mean 3000; variance
  // (2000^2 + 1000^2 + 3000^2) / 2 = 7e6; se = sqrt(7e6 / 3) = 1527.525...
  const auto& imp = r.scores[2];
  EXPECT_EQ(imp.replications, 3);
  EXPECT_NEAR(imp.mean, 3000, kTol);
  EXPECT_NEAR(imp.se, std::sqrt(7e6 / 3), 1e-6);
  EXPECT_NEAR(imp.ci_high, 3000 + 4.302653 * std::sqrt(7e6 / 3), 1e-3);
}

TEST(KpiParams, ParseAndErrors) {
  auto p = kpi::parse_params({"activation_rate.window_days=14", "clv.margin=0.7"});
  EXPECT_EQ(p, (kpi::Params{{"activation_rate.window_days", "14"}, {"clv.margin", "0.7"}}));
  EXPECT_EQ(error_of([] { kpi::parse_params({"nosuchkpi.x=1"}); }),
            "--kpi-param nosuchkpi.x=1: unknown KPI 'nosuchkpi' (see `journeysim kpis`)");
  EXPECT_EQ(error_of([] { kpi::parse_params({"csta.margin=1"}); }),
            "--kpi-param csta.margin=1: unknown KPI 'csta' (did you mean 'csat'?) (see "
            "`journeysim kpis`)");
  EXPECT_EQ(error_of([] { kpi::parse_params({"activation_rate.window_dys=3"}); }),
            "--kpi-param activation_rate.window_dys=3: KPI 'activation_rate' has no parameter "
            "'window_dys' (did you mean 'window_days'?) (it takes: window_days)");
  EXPECT_EQ(error_of([] { kpi::parse_params({"csat.window=3"}); }),
            "--kpi-param csat.window=3: KPI 'csat' has no parameter 'window' (it takes none)");
  EXPECT_EQ(error_of([] { kpi::parse_params({"activation_rate.days=3"}); }),
            "--kpi-param activation_rate.days=3: KPI 'activation_rate' has no parameter 'days' (it "
            "takes: window_days)");
  EXPECT_EQ(error_of([] { kpi::parse_params({"activation_rate"}); }),
            "--kpi-param activation_rate: expected kpi_id.param=value");
  EXPECT_EQ(error_of([] { kpi::parse_params({"window_days=3"}); }),
            "--kpi-param window_days=3: expected kpi_id.param=value");
}

TEST(KpiParams, ScoreErrors) {
  kpi::LogBuilder b(T0, day(60));
  b.event("a", day(0), E::signup, 0);
  b.event("a", day(1), E::activated);
  auto log = b.build();
  EXPECT_EQ(error_of([&] { report(log, {"nosuchkpi"}); }),
            "unknown KPI 'nosuchkpi' (see `journeysim kpis`)");
  EXPECT_EQ(error_of([&] {
              report(log, {"activation_rate"}, {{"activation_rate.window_days", "abc"}});
            }),
            "KPI parameter activation_rate.window_days: expected a number, found 'abc'");
  EXPECT_NE(error_of([&] { report(log, {"activation_rate"}, {}, "bogus"); }).find("--by"),
            std::string::npos);
}

// Registry sanity: unique ids, definitions, units and parameter defaults.
TEST(KpiRegistry, IdsAreUniqueAndDocumented) {
  std::set<std::string> ids;
  for (const auto& d : kpi::registry()) {
    SCOPED_TRACE(d.id);
    EXPECT_TRUE(ids.insert(d.id).second) << "duplicate id";
    EXPECT_EQ(kpi::find_kpi(d.id), &d);
    EXPECT_FALSE(d.name.empty());
    EXPECT_FALSE(d.definition.empty());
    EXPECT_FALSE(d.unit.empty());
    EXPECT_TRUE(d.compute);
    for (const auto& p : d.params) EXPECT_FALSE(p.doc.empty()) << p.name;
  }
  EXPECT_EQ(kpi::find_kpi("nope"), nullptr);
}

// A KPI added to the registry without a hand-computed test above fails here.
TEST(KpiRegistry, EveryKpiHasAHandComputedTest) {
  std::set<std::string> ids;
  for (const auto& d : kpi::registry()) {
    ids.insert(d.id);
    EXPECT_TRUE(covered().count(d.id)) << d.id << " has no KPI_TEST in tests/test_kpis.cpp";
  }
  for (const auto& id : covered()) EXPECT_TRUE(ids.count(id)) << id << " is not a registry id";
  EXPECT_EQ(covered().size(), ids.size());
}

// docs/kpis.md is `journeysim kpis --markdown`: regenerate it when the registry changes.
TEST(KpiRegistry, DocsMatchTheRegistry) {
  const std::string path = std::string(JOURNEYSIM_SOURCE_DIR) + "/docs/kpis.md";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_TRUE(ss.str() == kpi::registry_markdown())
      << path << " is out of date: run `journeysim kpis --markdown > docs/kpis.md`";
}

namespace {

// Customers of two segments, interleaved (A s0, B s1, C s0, D s1): the KPIs that walk the rows
// of a few event types (Log::rows_of) instead of every event must see exactly their group's
// events, including customers with none and events before a group's first customer.
kpi::Log interleaved_segments_log() {
  kpi::LogBuilder b(T0, day(90));
  b.names("segments", {"s0", "s1"});
  b.names("campaigns", {"welcome", "winback"});
  for (const char* id : {"A", "B", "C", "D"}) b.customer(id);
  b.info(0).segment = 0;
  b.info(1).segment = 1;
  b.info(2).segment = 0;
  b.info(3).segment = 1;
  b.event("A", day(1), E::csat, -1, 5);
  b.event("A", day(2), E::csat, -1, 2);
  b.event("A", day(3), E::nps, -1, 10);
  b.event("A", day(4), E::payment, -1, 100);
  b.event("A", day(5), E::message_sent, 0);
  b.event("A", day(5), E::message_delivered, 0);
  b.event("A", day(6), E::message_opened, 0);
  b.event("B", day(1), E::csat, -1, 4);
  b.event("B", day(2), E::nps, -1, 3);
  b.event("B", day(3), E::payment, -1, 50);
  b.event("B", day(3), E::discount_applied, -1, 10);
  b.event("B", day(5), E::message_sent, 0);
  b.event("B", day(5), E::message_delivered, 0);
  b.event("C", day(2), E::nps, -1, 8);
  b.event("C", day(7), E::message_sent, 1);
  b.event("C", day(7), E::message_delivered, 1);
  b.event("C", day(8), E::message_opened, 1);
  b.event("C", day(9), E::payment, -1, 25);
  // D only logs in, often enough that the types above are rare (at most an eighth of the log,
  // so Log::rows_of indexes them) and login is not
  for (int i = 0; i < 40; ++i) b.event("D", day(1 + i), E::login);
  return b.build();
}

const kpi::KpiScore& score_of(const kpi::ScoreReport& r, const std::string& id,
                              const std::string& group) {
  for (const auto& s : r.scores)
    if (s.id == id && s.group == group) return s;
  ADD_FAILURE() << "no score " << id << " for group " << group;
  static const kpi::KpiScore none;
  return none;
}

}  // namespace

TEST(Kpis, EventTypeWalksSeeExactlyTheirGroupsEvents) {
  const kpi::Log log = interleaved_segments_log();
  const auto r =
      report(log, {"csat", "nps", "message_open_rate", "revenue_collected"}, {}, "segment");
  // s0 = {A, C}: CSAT 5 (good), 2 -> 1/2; NPS 10 (promoter), 8 (passive) -> +50; opened 2 of 2
  // delivered (welcome 1/1, winback 1/1); revenue 100 + 25, no discounts.
  EXPECT_NEAR(score_of(r, "csat", "s0").result.value, 0.5, kTol);
  EXPECT_NEAR(score_of(r, "nps", "s0").result.value, 50, kTol);
  const auto& open0 = score_of(r, "message_open_rate", "s0").result;
  EXPECT_NEAR(open0.value, 1.0, kTol);
  expect_row(table(open0, "by_campaign").cells.at(0), {1.0, 1});
  expect_row(table(open0, "by_campaign").cells.at(1), {1.0, 1});
  EXPECT_NEAR(score_of(r, "revenue_collected", "s0").result.value, 125, kTol);
  EXPECT_NEAR(extra(score_of(r, "revenue_collected", "s0").result, "discounts_given"), 0, kTol);
  // s1 = {B, D}: CSAT 4 -> 1/1; NPS 3 (detractor) -> -100; opened 0 of 1 (welcome), winback has
  // no deliveries; revenue 50, discount 10.
  EXPECT_NEAR(score_of(r, "csat", "s1").result.value, 1.0, kTol);
  EXPECT_NEAR(score_of(r, "nps", "s1").result.value, -100, kTol);
  const auto& open1 = score_of(r, "message_open_rate", "s1").result;
  EXPECT_NEAR(open1.value, 0.0, kTol);
  expect_row(table(open1, "by_campaign").cells.at(0), {0.0, 1});
  expect_row(table(open1, "by_campaign").cells.at(1), {kNaN, 0});
  EXPECT_NEAR(score_of(r, "revenue_collected", "s1").result.value, 50, kTol);
  EXPECT_NEAR(extra(score_of(r, "revenue_collected", "s1").result, "discounts_given"), 10, kTol);
  // the whole log (walks the rows without customers): CSAT 2/3; NPS (1 - 1) / 3 -> 0; opened
  // 2 of 3 delivered (welcome 1/2, winback 1/1); revenue 100 + 50 + 25, discount 10
  const auto all = report(log, {"csat", "nps", "message_open_rate", "revenue_collected"});
  EXPECT_NEAR(score_of(all, "csat", "all").result.value, 2.0 / 3, kTol);
  EXPECT_NEAR(score_of(all, "nps", "all").result.value, 0, kTol);
  const auto& open = score_of(all, "message_open_rate", "all").result;
  EXPECT_NEAR(open.value, 2.0 / 3, kTol);
  expect_row(table(open, "by_campaign").cells.at(0), {0.5, 2});
  expect_row(table(open, "by_campaign").cells.at(1), {1.0, 1});
  EXPECT_NEAR(score_of(all, "revenue_collected", "all").result.value, 175, kTol);
  EXPECT_NEAR(extra(score_of(all, "revenue_collected", "all").result, "discounts_given"), 10, kTol);
}

TEST(Kpis, RowsOfATypeAreItsRowsInOrder) {
  const kpi::Log log = interleaved_segments_log();
  // 58 events: a type of at most 58 / 8 = 7 events is indexed, login (40) is not
  for (std::size_t t = 0; t < eventlog::kEventTypeCount; ++t) {
    std::vector<std::uint64_t> want;
    for (std::uint64_t i = 0; i < log.event_count(); ++i)
      if (log.type[i] == t) want.push_back(i);
    const auto got = log.rows_of(static_cast<E>(t));
    ASSERT_EQ(got.has_value(), want.size() <= 7) << "type " << t;
    if (got) {
      EXPECT_EQ(std::vector<std::uint64_t>(got->begin(), got->end()), want) << "type " << t;
    }
  }
}

TEST(Kpis, CopiedAndMovedLogsIndexTheirOwnRows) {
  const kpi::Log log = interleaved_segments_log();
  kpi::Log copy = log;
  // a copy whose columns then change indexes its own columns, not the original's
  copy.type[0] = static_cast<std::uint8_t>(E::nps);
  ASSERT_TRUE(log.rows_of(E::nps).has_value());
  ASSERT_TRUE(copy.rows_of(E::nps).has_value());
  EXPECT_EQ(copy.rows_of(E::nps)->size(), log.rows_of(E::nps)->size() + 1);
  // a moved-from Log has no index (callers scan) rather than a null one
  kpi::Log moved = std::move(copy);
  EXPECT_TRUE(moved.rows_of(E::nps).has_value());
  EXPECT_FALSE(copy.rows_of(E::nps).has_value());  // NOLINT(bugprone-use-after-move)
  EXPECT_FALSE(log.rows_of(static_cast<E>(eventlog::kEventTypeCount)).has_value());
}

// The memo of component KPIs computes a (computation, parameters' KPI, population) once, and
// keeps apart what differs in any of the three.
TEST(Kpis, MemoComputesEachComponentOncePerPopulationAndDefinition) {
  kpi::KpiMemo memo;
  const std::vector<std::uint32_t> a{0, 1, 2}, b{0, 1, 2}, c{0, 1};
  const kpi::KpiDef* lifespan = kpi::find_kpi("avg_customer_lifespan");
  const kpi::KpiDef* clv = kpi::find_kpi("clv");
  ASSERT_TRUE(lifespan && clv);
  int calls = 0;
  auto compute = [&](double v) {
    return [&calls, v] {
      ++calls;
      kpi::Result r;
      r.value = v;
      return r;
    };
  };
  int tag1 = 0, tag2 = 0;  // two computations, told apart by address
  EXPECT_EQ(memo.get(&tag1, nullptr, a, compute(1)).value, 1);
  EXPECT_EQ(memo.get(&tag1, nullptr, a, compute(99)).value, 1);  // kept, not computed again
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(memo.get(&tag1, nullptr, b, compute(2)).value, 2);   // another population
  EXPECT_EQ(memo.get(&tag1, nullptr, c, compute(3)).value, 3);   // a shorter one
  EXPECT_EQ(memo.get(&tag2, nullptr, a, compute(4)).value, 4);   // another computation
  EXPECT_EQ(memo.get(&tag1, lifespan, a, compute(5)).value, 5);  // another definition's params
  EXPECT_EQ(memo.get(&tag1, clv, a, compute(6)).value, 6);
  EXPECT_EQ(memo.get(&tag1, lifespan, a, compute(7)).value, 5);
  EXPECT_EQ(calls, 6);
}

// Amounts that add up past the largest double make a sum infinite: the KPI says so (it was
// reported as "an empty denominator", #15); an empty population still says empty denominator.
TEST(ScoreMessages, OverflowingAmountsAreNamedNotBlamedOnAnEmptyDenominator) {
  kpi::LogBuilder b(T0, day(100));
  b.event("a", day(10), E::purchase, -1, 1.5e308);
  b.event("b", day(20), E::purchase, -1, 1.5e308);
  const auto s = score1(b.build(), "revenue_collected");
  expect_unavailable(s, "add up past the largest number a double holds (largest amount 1.5e+308");
  kpi::LogBuilder c(T0, day(100));
  c.event("a", day(1), E::login);
  const auto e = score1(c.build(), "arpa");
  EXPECT_FALSE(e.result.available);
  EXPECT_EQ(e.result.reason.find("double holds"), std::string::npos) << e.result.reason;
  kpi::LogBuilder d(T0, day(100));
  d.event("a", day(10), E::purchase, -1, 10);
  const auto ok = score1(d.build(), "revenue_collected");
  EXPECT_TRUE(ok.result.available);
}

// By channel, a team's cost belongs to no channel: fully loaded CAC (and the ratios using it)
// are not available rather than equal to marketing CAC (#16); the whole population still has it.
TEST(ScoreByChannel, FullyLoadedCacIsNotAllocatedToChannels) {
  kpi::LogBuilder b(T0, day(60));
  b.names("channels", {"search", "team:sales"});
  const auto a = b.customer("a");
  b.info(a).channel = 0;
  b.event("a", day(1), E::lead_created, 0);
  b.event("a", day(5), E::conversion, 0, 100);
  b.channel_day({0, 0, 0, day(0), 50.0, 0, 0, 0, 0});
  b.channel_day({0, 0, 1, day(0), 30.0, 0, 0, 0, 0});
  const kpi::Log log = b.build();
  const auto by = report(log, {"cac", "cac_fully_loaded"}, {}, "channel");
  for (const auto& s : by.scores) {
    if (s.group != "search") continue;
    if (s.id == "cac") expect_value(s, 50, 1);
    if (s.id == "cac_fully_loaded") expect_unavailable(s, "not allocated to channels");
  }
  const auto all = report(log, {"cac_fully_loaded"});
  expect_value(all.scores.at(0), 80, 1);
}

// The service-level KPIs of the sales team (#16), on the log of
// LeadResponseTime.MeanMedianP90AndNeverTouchedApart plus a lead too recent to judge.
KPI_TEST(LeadResponseSla, MedianP90AndShareWithinHours, "lead_response_median", "lead_response_p90",
         "lead_response_within") {
  kpi::LogBuilder b(T0, day(30));
  b.event("a", day(0), E::lead_created, 0);
  b.event("a", day(0) + 2 * kH, E::sales_touch);
  b.event("b", day(1), E::lead_created, 0);
  b.event("b", day(1) + 4 * kH, E::sales_touch);
  b.event("c", day(2), E::lead_created, 0);
  b.event("c", day(2) + 12 * kH, E::sales_touch);
  b.event("d", day(3), E::lead_created, 0);  // never touched
  b.event("e", day(4), E::lead_created, 0);
  b.event("e", day(4) + 30 * kH, E::sales_touch);
  b.event("f", day(5), E::sales_touch);  // before its lead: does not answer it
  b.event("f", day(6), E::lead_created, 0);
  b.event("g", day(30) - kH / 2, E::lead_created, 0);  // 30 minutes before the end
  const auto log = b.build();
  // answered: 2, 4, 12, 30 hours -> median 8, p90 24.6 (as the extras of lead_response_time)
  expect_value(score1(log, "lead_response_median"), 8, 4);
  expect_value(score1(log, "lead_response_p90"), 24.6, 4);
  // within 1 hour (default): judged a..f (6; g is too recent), none in time
  auto w = score1(log, "lead_response_within");
  expect_value(w, 0.0, 6);
  EXPECT_NEAR(extra(w.result, "too_recent"), 1, kTol);
  // within 4 hours: a (2) and b (4, the limit counts) of 6; within 12: a, b, c -> 1/2
  expect_value(score1(log, "lead_response_within", {{"lead_response_within.hours", "4"}}), 2.0 / 6,
               6);
  expect_value(score1(log, "lead_response_within", {{"lead_response_within.hours", "12"}}), 0.5, 6);
}

KPI_TEST(FollowupSla, MedianP90AndShareWithinHours, "followup_response_median",
         "followup_response_p90", "followup_within") {
  kpi::LogBuilder b(T0, day(30));
  b.event("x", day(1), E::onboarding_completed);
  b.event("x", day(1) + 3 * kH, E::success_followup);
  b.event("y", day(2), E::onboarding_completed);
  b.event("y", day(2) + 30 * kH, E::success_followup);
  b.event("z", day(3), E::onboarding_completed);            // never followed up
  b.event("w", day(30) - 2 * kH, E::onboarding_completed);  // too recent for 24 hours
  const auto log = b.build();
  // [3, 30]: median 16.5; p90 at h = 0.9 -> 3 + 0.9 x 27 = 27.3
  expect_value(score1(log, "followup_response_median"), 16.5, 2);
  expect_value(score1(log, "followup_response_p90"), 27.3, 2);
  // within 24 hours (default): x of x, y, z
  auto w = score1(log, "followup_within");
  expect_value(w, 1.0 / 3, 3);
  EXPECT_NEAR(extra(w.result, "too_recent"), 1, kTol);
}
