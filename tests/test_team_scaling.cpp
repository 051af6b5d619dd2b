// --scale-teams: every team's agents scaled with the customers, rounded up (team_scaling.hpp;
// docs/scenario-format.md, "Scaling the teams").
#include <gtest/gtest.h>

#include "journeysim/sim/team_scaling.hpp"
#include "sim_test_util.hpp"

using namespace journeysim;

namespace {

std::string saas() {
  return test::source_path("scenarios/saas_b2b.yaml");
}

// agents by team name, after the scaling's overrides
std::map<std::string, int> agents(const std::string& path, std::vector<std::string> sets) {
  const auto ts = sim::scale_teams(path, sets);
  sets.insert(sets.end(), ts.sets.begin(), ts.sets.end());
  std::map<std::string, int> out;
  for (const auto& t : sim::load_scenario(path, sets).teams) out[t.name] = t.agents;
  return out;
}

}  // namespace

TEST(TeamScaling, AgentsScaleWithTheCustomersRoundedUp) {
  // saas_b2b: 20,000 leads; sales 9, success 3, support 2 (by hand: x50, x2.5, x0.05)
  using M = std::map<std::string, int>;
  EXPECT_EQ(agents(saas(), {"customers=1000000"}),
            (M{{"sales", 450}, {"success", 150}, {"support", 100}}));
  EXPECT_EQ(agents(saas(), {"customers=50000"}),
            (M{{"sales", 23}, {"success", 8}, {"support", 5}}));
  EXPECT_EQ(agents(saas(), {}), (M{{"sales", 9}, {"success", 3}, {"support", 2}}));
  // a factor that makes a whole number stays whole (9 x 2 is 18, not 19 by rounding error)
  EXPECT_EQ(agents(saas(), {"customers=40000"})["sales"], 18);
  // never below one agent
  EXPECT_EQ(agents(saas(), {"customers=1000"}), (M{{"sales", 1}, {"success", 1}, {"support", 1}}));
}

TEST(TeamScaling, AnOverriddenTeamIsScaledFromItsOverride) {
  EXPECT_EQ(agents(saas(), {"customers=40000", "teams.sales.agents=4"})["sales"], 8);
}

TEST(TeamScaling, TheNoteGivesTheFactorAndEveryTeam) {
  const auto ts = sim::scale_teams(saas(), {"customers=1000000"});
  EXPECT_NE(ts.note.find("saas_b2b.yaml: customers x50 (20000 to 1000000)"), std::string::npos)
      << ts.note;
  EXPECT_NE(ts.note.find("sales 9 to 450"), std::string::npos) << ts.note;
  EXPECT_NE(ts.note.find("support 2 to 100"), std::string::npos) << ts.note;
}

TEST(TeamScaling, AVariantIsScaledFromTheCustomersItInherits) {
  // saas_b2b_fast_response extends saas_b2b (20,000 leads) and sets sales to 14 agents
  const auto a =
      agents(test::source_path("scenarios/saas_b2b_fast_response.yaml"), {"customers=100000"});
  EXPECT_EQ(a.at("sales"), 70);
}

TEST(TeamScaling, AScenarioWithoutTeamsIsLeftAlone) {
  const auto ts =
      sim::scale_teams(test::source_path("bench/peers/minimal_app.yaml"), {"customers=1000000"});
  EXPECT_TRUE(ts.sets.empty());
  EXPECT_NE(ts.note.find("no teams"), std::string::npos) << ts.note;
}

TEST(TeamScaling, MoreAgentsThanATeamMayHaveIsAnErrorNamingTheTeam) {
  try {
    sim::scale_teams(saas(), {"customers=1e10"});
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("team sales would need 4500000 agents"), std::string::npos)
        << e.what();
  }
}
