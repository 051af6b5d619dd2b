// Every shipped scenario (scenarios/*.yaml; baselines/ is not a scenario), simulated small
// (3000 customers, 240 days) into an HDF5 event log, read back and scored with every KPI.
// A KPI whose needed events (and channel table) are in the log must be available with a finite
// value, unless its "not available" reason is allowlisted below for that scenario, with the
// reason why the scenario cannot produce it. A KPI whose events are missing must say which.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "journeysim/kpi/kpis.hpp"
#include "journeysim/kpi/log.hpp"
#include "journeysim/kpi/score.hpp"
#include "journeysim/sim/driver.hpp"
#include "sim_test_util.hpp"

using namespace journeysim;
namespace fs = std::filesystem;

namespace {

struct Allowed {
  std::string kpi;
  std::string reason;  // a substring of the "not available" reason
};

// KPIs whose events are in a scenario's log but which that scenario cannot give a value, and why.
const std::map<std::string, std::vector<Allowed>>& allowlist() {
  // D2C e-commerce is non-contractual (model: non_contractual): its conversion event carries the
  // first purchase amount, not MRR (docs/event-log.md), and there are no subscription payments,
  // so every MRR-based KPI (and the CAC payback, which divides by ARPA) is not defined.
  static const std::vector<Allowed> non_contractual = {
      {"mrr", "non-contractual log"},
      {"arpa", "non-contractual log"},
      {"gross_revenue_retention", "non-contractual log"},
      {"net_revenue_retention", "non-contractual log"},
      {"expansion_revenue", "non-contractual log"},
      {"referral_driven_expansion_revenue", "non-contractual log"},
      {"cac_payback_months", "non-contractual log"},
  };
  // PLG freemium shows its referral prompt once per user, at sign-up (or, in the
  // referral_later variant, at the third value action), i.e. while the user is still on the free
  // plan: a customer paying at T0 = end - 30 days has had its prompt already, so nobody in the
  // scored population refers in (T0, end] and the ROC AUC of the readiness score has no positives.
  static const std::vector<Allowed> plg = {
      {"referral_readiness_score", "needs customers who referred and who did not"},
  };
  static const std::map<std::string, std::vector<Allowed>> m = {
      {"ecommerce_d2c", non_contractual},
      {"plg_freemium", plg},
      {"plg_freemium_day3_email", plg},
      {"plg_freemium_referral_later", plg},
  };
  return m;
}

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(test::source_path("scenarios")))
    if (e.is_regular_file() && e.path().extension() == ".yaml")
      names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

fs::path temp_log(const std::string& name) {
  return fs::temp_directory_path() /
         ("journeysim_test_kpis_" + name + "_" + std::to_string(::getpid()) + ".h5");
}

kpi::Log simulate_and_load(const std::string& name) {
  sim::Scenario s = sim::load_scenario(test::source_path("scenarios/" + name + ".yaml"),
                                       {"customers=3000", "horizon_days=240"});
  const fs::path path = temp_log(name);
  sim::DriverOptions o;
  o.output = path.string();
  o.command_line = "test_kpis_scenarios";
  sim::run_to_file(s, o);
  kpi::Log log = kpi::load_event_log(path.string());
  fs::remove(path);
  return log;
}

class ShippedScenario : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST(ShippedScenarios, AreFound) {
  auto names = shipped_scenarios();
  EXPECT_GE(names.size(), 8u);
  for (const auto& [name, allowed] : allowlist())
    EXPECT_TRUE(std::count(names.begin(), names.end(), name))
        << "the allowlist names a scenario that does not ship: " << name;
}

TEST_P(ShippedScenario, EveryKpiWithItsEventsIsAvailable) {
  const std::string name = GetParam();
  const kpi::Log log = simulate_and_load(name);
  ASSERT_GT(log.customers.size(), 0u);
  const auto report = kpi::score(log, {});
  ASSERT_EQ(report.scores.size(), kpi::registry().size());
  static const std::vector<Allowed> none;
  auto it = allowlist().find(name);
  const auto& allowed = it == allowlist().end() ? none : it->second;

  int available = 0;
  for (const auto& s : report.scores) {
    SCOPED_TRACE(name + ": " + s.id);
    const kpi::KpiDef& d = *kpi::find_kpi(s.id);
    std::string missing;
    for (auto t : d.needs)
      if (!log.has(t) && missing.empty()) missing = std::string(eventlog::event_type_name(t));
    const bool channels_ok = !d.needs_channels || log.has_channel_table;
    if (!missing.empty()) {
      // not computable: says which events are missing
      EXPECT_EQ(s.replications, 0);
      EXPECT_NE(s.result.reason.find("no " + missing + " events"), std::string::npos)
          << s.result.reason;
      continue;
    }
    ASSERT_TRUE(channels_ok);  // a simulated log always has its channel table
    if (s.replications > 0) {
      ++available;
      EXPECT_TRUE(s.result.available);
      EXPECT_EQ(s.replications, 1);
      EXPECT_TRUE(std::isfinite(s.mean)) << s.mean;
      EXPECT_TRUE(std::isfinite(s.result.value)) << s.result.value;
      EXPECT_TRUE(std::isfinite(s.result.n)) << s.result.n;
      EXPECT_GE(s.result.n, 0);
      continue;
    }
    EXPECT_FALSE(s.result.reason.empty());
    const bool ok = std::any_of(allowed.begin(), allowed.end(), [&](const Allowed& a) {
      return a.kpi == s.id && s.result.reason.find(a.reason) != std::string::npos;
    });
    EXPECT_TRUE(ok) << s.id << " has its events in the " << name
                    << " log but is not available: " << s.result.reason;
  }
  // every scenario gives most of the catalogue
  EXPECT_GE(available, 25) << name;
  // the reports render
  EXPECT_FALSE(kpi::to_text(report).empty());
  EXPECT_FALSE(kpi::to_csv(report).empty());
  EXPECT_EQ(kpi::to_json(report)["kpis"].size(), report.scores.size());
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ShippedScenario, ::testing::ValuesIn(shipped_scenarios()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
