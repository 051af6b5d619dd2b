// Scenario parsing: every shipped scenario loads; `extends:` and `--set` resolve to the expected
// values; the resolved text re-parses to the same scenario; documented defaults and units hold;
// an unknown key is rejected wherever it appears.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "journeysim/sim/scenario.hpp"

namespace {

using namespace journeysim::sim;

std::string src(const std::string& rel) {
  return std::string(JOURNEYSIM_SOURCE_DIR) + "/" + rel;
}

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> out;
  // Not recursive: scenarios/baselines/ (if any) holds outputs, not scenarios.
  for (const auto& e : std::filesystem::directory_iterator(src("scenarios")))
    if (e.is_regular_file() && e.path().extension() == ".yaml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

void expect_same(const Distribution& a, const Distribution& b, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.a, b.a);
  EXPECT_EQ(a.b, b.b);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.cdf, b.cdf);
}

// Field-by-field equality of two parsed scenarios (resolved_text excepted).
void expect_same(const Scenario& a, const Scenario& b) {
#define SAME(f) EXPECT_EQ(a.f, b.f) << #f
  SAME(name);
  SAME(description);
  SAME(format_version);
  SAME(start_time);
  SAME(start_date);
  SAME(horizon_days);
  SAME(seed);
  SAME(customers);
  SAME(epoch_days);
  SAME(weekly);
  SAME(yearly);
  SAME(model);
  SAME(acquisition);
  ASSERT_EQ(a.segments.size(), b.segments.size());
  for (std::size_t i = 0; i < a.segments.size(); ++i) {
    SAME(segments[i].name);
    SAME(segments[i].share);
    SAME(segments[i].churn_x);
    SAME(segments[i].login_x);
    SAME(segments[i].conversion_x);
    SAME(segments[i].seats_mean);
  }
  ASSERT_EQ(a.channels.size(), b.channels.size());
  for (std::size_t i = 0; i < a.channels.size(); ++i) {
    SAME(channels[i].name);
    SAME(channels[i].referral);
    SAME(channels[i].share);
    SAME(channels[i].cpm);
    SAME(channels[i].ctr);
    SAME(channels[i].engagement_rate);
    SAME(channels[i].lead_rate);
    SAME(channels[i].fixed_cost_per_day);
  }
  ASSERT_EQ(a.teams.size(), b.teams.size());
  for (std::size_t i = 0; i < a.teams.size(); ++i) {
    SAME(teams[i].name);
    SAME(teams[i].agents);
    expect_same(a.teams[i].service, b.teams[i].service, "teams[i].service");
    SAME(teams[i].cost_per_agent_month);
    SAME(teams[i].open_hour);
    SAME(teams[i].close_hour);
    SAME(teams[i].weekdays_only);
  }
  SAME(sales_team);
  SAME(success_team);
  SAME(support_team);
  ASSERT_EQ(a.plans.size(), b.plans.size());
  for (std::size_t i = 0; i < a.plans.size(); ++i) {
    SAME(plans[i].name);
    SAME(plans[i].price_month);
    SAME(plans[i].per_seat);
    SAME(plans[i].trial_days);
    SAME(plans[i].freemium);
  }
  SAME(entry_plan);
  SAME(sales_plan);
  SAME(upgrade_plan);
  SAME(lead_conversion);
  SAME(response_half_life_hours);
  expect_same(a.sales_cycle, b.sales_cycle, "sales_cycle");
  SAME(trial_conversion);
  SAME(activated_conversion_x);
  SAME(pql_conversion_x);
  SAME(freemium_upgrade_monthly);
  ASSERT_EQ(a.stages.size(), b.stages.size());
  for (std::size_t i = 0; i < a.stages.size(); ++i) {
    SAME(stages[i].name);
    SAME(stages[i].churn_x);
    SAME(stages[i].login_x);
  }
  ASSERT_EQ(a.transitions.size(), b.transitions.size());
  for (std::size_t i = 0; i < a.transitions.size(); ++i) {
    SAME(transitions[i].from);
    SAME(transitions[i].to);
    ASSERT_EQ(a.transitions[i].after.has_value(), b.transitions[i].after.has_value());
    if (a.transitions[i].after)
      expect_same(*a.transitions[i].after, *b.transitions[i].after, "transitions[i].after");
    SAME(transitions[i].on_event);
    SAME(transitions[i].on_arg);
    SAME(transitions[i].count);
  }
  SAME(reactivation_stage);
  SAME(logins_per_week);
  SAME(engagement_decay_days);
  SAME(engagement_floor);
  ASSERT_EQ(a.features.size(), b.features.size());
  for (std::size_t i = 0; i < a.features.size(); ++i) {
    SAME(features[i].name);
    SAME(features[i].prob_per_login);
  }
  SAME(value_action_name);
  SAME(value_action_prob);
  ASSERT_EQ(a.tasks.size(), b.tasks.size());
  for (std::size_t i = 0; i < a.tasks.size(); ++i) {
    SAME(tasks[i].name);
    SAME(tasks[i].prob);
    expect_same(a.tasks[i].time, b.tasks[i].time, "tasks[i].time");
    SAME(tasks[i].required);
  }
  ASSERT_EQ(a.milestones.size(), b.milestones.size());
  for (std::size_t i = 0; i < a.milestones.size(); ++i) {
    SAME(milestones[i].name);
    SAME(milestones[i].tasks);
    SAME(milestones[i].value_actions);
  }
  SAME(pql_value_actions);
  SAME(pql_within_days);
  SAME(tickets_per_month);
  SAME(churn_monthly);
  SAME(activated_churn_x);
  SAME(detractor_churn_x);
  SAME(promoter_churn_x);
  SAME(downgrade_churn_x);
  SAME(downgrade_churn_days);
  SAME(low_csat_churn_x);
  SAME(followup_churn_x);
  SAME(followup_effect_days);
  SAME(reactivation_monthly);
  SAME(upgrade_monthly);
  SAME(downgrade_monthly);
  SAME(seat_expansion_monthly);
  SAME(seat_expansion_mean);
  SAME(bg_r);
  SAME(bg_alpha);
  SAME(bg_a);
  SAME(bg_b);
  SAME(gg_p);
  SAME(gg_q);
  SAME(gg_gamma);
  SAME(csat_response_prob);
  SAME(csat_mean);
  SAME(csat_sd);
  SAME(csat_wait_penalty_per_hour);
  SAME(nps_days);
  SAME(nps_response_prob);
  SAME(nps_mean);
  SAME(nps_sd);
  SAME(nps_activated_bonus);
  SAME(review_prob);
  SAME(share_prob);
  SAME(referral_interact_prob);
  SAME(referral_accept_prob);
  SAME(referral_promoter_x);
  SAME(referral_complete_prob);
  SAME(invites_mean);
  SAME(invite_conversion);
  expect_same(a.invite_delay, b.invite_delay, "invite_delay");
  SAME(referral_channel);
  ASSERT_EQ(a.campaigns.size(), b.campaigns.size());
  for (std::size_t i = 0; i < a.campaigns.size(); ++i) {
    SAME(campaigns[i].name);
    SAME(campaigns[i].medium);
    SAME(campaigns[i].delivery_rate);
    SAME(campaigns[i].open_rate);
    SAME(campaigns[i].click_rate);
    SAME(campaigns[i].unsubscribe_rate);
    SAME(campaigns[i].cost_per_send);
  }
  ASSERT_EQ(a.playbooks.size(), b.playbooks.size());
  for (std::size_t i = 0; i < a.playbooks.size(); ++i) {
    SAME(playbooks[i].name);
    SAME(playbooks[i].on_event);
    SAME(playbooks[i].event_arg);
    SAME(playbooks[i].count);
    SAME(playbooks[i].inactive_days);
    SAME(playbooks[i].delay_days);
    SAME(playbooks[i].repeat);
    SAME(playbooks[i].if_flags);
    SAME(playbooks[i].unless_flags);
    SAME(playbooks[i].action);
    SAME(playbooks[i].campaign);
    SAME(playbooks[i].discount);
    SAME(playbooks[i].effect.on);
    SAME(playbooks[i].effect.churn_x);
    SAME(playbooks[i].effect.login_x);
    SAME(playbooks[i].effect.task_speed_x);
    SAME(playbooks[i].effect.conversion_x);
    SAME(playbooks[i].effect.days);
    SAME(playbooks[i].effect.reactivate_prob);
    SAME(playbooks[i].cost);
  }
#undef SAME
}

Scenario reparse(const Scenario& s) {
  return parse_scenario(parse_yaml_string(s.resolved_text, "<resolved>"));
}

TEST(ShippedScenarios, AllLoadAndTheirResolvedTextReparses) {
  const auto files = shipped_scenarios();
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) {
    SCOPED_TRACE(f);
    Scenario s;
    try {
      s = load_scenario(f);
    } catch (const ScenarioError& e) {
      ADD_FAILURE() << e.what();
      continue;
    }
    EXPECT_FALSE(s.name.empty());
    EXPECT_EQ(s.resolved_text.find("extends"), std::string::npos);
    expect_same(s, reparse(s));
  }
}

int channel(const Scenario& s, const std::string& name) {
  int i = s.channel_index(name);
  EXPECT_GE(i, 0) << name;
  return i;
}

TEST(SetOverride, ChangesExactlyTheNamedValues) {
  const std::string f = src("scenarios/saas_b2b.yaml");
  Scenario base = load_scenario(f);
  Scenario s = load_scenario(f, {"channels.paid_search.cpm=12", "customers=500"});
  int ps = channel(s, "paid_search");
  ASSERT_GE(ps, 0);
  EXPECT_EQ(s.channels[ps].cpm, 12);
  EXPECT_EQ(s.customers, 500);
  // Everything else is as in the file.
  Scenario expected = base;
  expected.channels[ps].cpm = 12;
  expected.customers = 500;
  expect_same(expected, s);
  // The resolved text records the overrides and re-parses to the same scenario.
  EXPECT_NE(s.resolved_text, base.resolved_text);
  expect_same(s, reparse(s));
}

TEST(SetOverride, SelectsListItemsByIndexCreatesMissingKeysAndLastWins) {
  const std::string f = src("tests/scenario_errors/ok_base.yaml");
  Scenario base = load_scenario(f);
  Scenario s = load_scenario(
      f, {"channels.1.cpm=3", "engine.epoch_hours=12", "customers=1", "customers=2",
          "description=a what-if", "playbooks.0.if=[trial]", "stages.active.login_x=1.5"});
  Scenario expected = base;
  expected.channels[1].cpm = 3;  // partner
  expected.epoch_days = 0.5;
  expected.customers = 2;
  expected.description = "a what-if";
  expected.playbooks[0].if_flags = {Flag::trial};
  expected.stages[1].login_x = 1.5;
  expect_same(expected, s);
  expect_same(s, reparse(s));
}

TEST(SetOverride, ReplacesAWholeMapOrList) {
  const std::string f = src("tests/scenario_errors/ok_base.yaml");
  Scenario s = load_scenario(f, {"sentiment.nps={survey_days: [7, 14, 21], mean: 8}",
                                 "seasonality.weekly=[2, 1, 1, 1, 1, 1, 0]"});
  EXPECT_EQ(s.nps_days, (std::vector<double>{7, 14, 21}));
  EXPECT_EQ(s.nps_mean, 8);
  EXPECT_EQ(s.weekly, (std::array<double, 7>{2, 1, 1, 1, 1, 1, 0}));
}

TEST(Extends, MergeRules) {
  Scenario base = load_scenario(src("tests/scenario_errors/ok_base.yaml"));
  Scenario v = load_scenario(src("tests/scenario_errors/ok_variant.yaml"));
  EXPECT_EQ(v.name, "ok_variant");
  // maps merge key by key
  EXPECT_EQ(v.churn_monthly, 0.05);
  EXPECT_EQ(v.activated_churn_x, 0.5);
  // plain lists are replaced whole
  EXPECT_EQ(v.weekly, (std::array<double, 7>{1, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(v.nps_days, (std::vector<double>{30}));
  // named lists merge item by item on `name`; new names are appended in order
  ASSERT_EQ(v.channels.size(), 3u);
  EXPECT_EQ(v.channels[0].name, "web");
  EXPECT_EQ(v.channels[0].share, 0.3);
  EXPECT_EQ(v.channels[0].cpm, 5);
  EXPECT_EQ(v.channels[1].name, "partner");
  EXPECT_EQ(v.channels[1].share, 0.4);
  EXPECT_EQ(v.channels[1].fixed_cost_per_day, 10);
  EXPECT_EQ(v.channels[2].name, "ads");
  EXPECT_EQ(v.channels[2].share, 0.3);
  EXPECT_EQ(v.channels[2].cpm, 20);
  // inside a merged item, maps merge and lists are replaced
  ASSERT_EQ(v.playbooks.size(), 1u);
  EXPECT_EQ(v.playbooks[0].unless_flags, (std::vector<Flag>{Flag::activated, Flag::paying}));
  EXPECT_EQ(v.playbooks[0].effect.days, 7);
  EXPECT_EQ(v.playbooks[0].effect.on, Effect::On::opened);
  EXPECT_EQ(v.playbooks[0].effect.login_x, 1.2);
  EXPECT_EQ(v.playbooks[0].delay_days, 3);
  EXPECT_EQ(v.playbooks[0].campaign, 0);
  // nothing else changed
  Scenario expected = base;
  expected.name = "ok_variant";
  expected.churn_monthly = 0.05;
  expected.weekly = v.weekly;
  expected.nps_days = v.nps_days;
  expected.channels[0].share = 0.3;
  expected.channels.push_back(v.channels[2]);
  expected.playbooks[0].unless_flags = v.playbooks[0].unless_flags;
  expected.playbooks[0].effect.days = 7;
  expect_same(expected, v);
  // the resolved text is the merged scenario, without `extends`
  EXPECT_EQ(v.resolved_text.find("extends"), std::string::npos);
  expect_same(v, reparse(v));
}

TEST(Extends, SetAppliesToTheMergedScenario) {
  Scenario v = load_scenario(src("tests/scenario_errors/ok_variant.yaml"),
                             {"channels.ads.cpm=25", "playbooks.day3_tips.effect.days=3",
                              "channels.partner.share=0.2", "channels.web.share=0.5"});
  EXPECT_EQ(v.channels[v.channel_index("ads")].cpm, 25);
  EXPECT_EQ(v.channels[v.channel_index("partner")].share, 0.2);
  EXPECT_EQ(v.channels[v.channel_index("web")].share, 0.5);
  EXPECT_EQ(v.channels[v.channel_index("web")].cpm, 5);
  EXPECT_EQ(v.playbooks[0].effect.days, 3);
  expect_same(v, reparse(v));
}

const char* const kMinimal =
    "format_version: 1\nname: m\nstart_date: 2026-01-01\n"
    "channels: [{name: web, share: 1}]\nplans: [{name: basic, price_month: 10}]\n"
    "acquisition: {mode: self_serve, plan: basic}\nstages: [{name: onboarding}]\n";

Scenario parse_text(const std::string& text) {
  return parse_scenario(parse_yaml_string(text, "<test>"));
}

// The defaults documented in docs/scenario-format.md.
TEST(ScenarioDefaults, MinimalScenario) {
  Scenario s = parse_text(kMinimal);
  EXPECT_EQ(s.start_time, 1767225600);  // 2026-01-01T00:00:00Z
  EXPECT_EQ(s.horizon_days, 365);
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.customers, 1000);
  EXPECT_EQ(s.model, Scenario::Model::subscription);
  EXPECT_DOUBLE_EQ(s.epoch_days, 0.25);
  ASSERT_EQ(s.segments.size(), 1u);
  EXPECT_EQ(s.segments[0].name, "all");
  EXPECT_EQ(s.segments[0].share, 1);
  EXPECT_EQ(s.channels[0].ctr, 0.01);
  EXPECT_EQ(s.channels[0].engagement_rate, 0.3);
  EXPECT_EQ(s.channels[0].lead_rate, 0.05);
  EXPECT_EQ(s.upgrade_plan, -1);
  EXPECT_EQ(s.trial_conversion, 0.15);
  EXPECT_EQ(s.activated_conversion_x, 2);
  EXPECT_EQ(s.pql_conversion_x, 1.5);
  EXPECT_EQ(s.freemium_upgrade_monthly, 0.02);
  EXPECT_EQ(s.logins_per_week, 3);
  EXPECT_EQ(s.value_action_name, "value_action");
  EXPECT_EQ(s.value_action_prob, 0.2);
  EXPECT_EQ(s.pql_within_days, 14);
  EXPECT_EQ(s.churn_monthly, 0.03);
  EXPECT_EQ(s.activated_churn_x, 0.6);
  EXPECT_EQ(s.downgrade_churn_days, 90);
  EXPECT_EQ(s.followup_effect_days, 60);
  EXPECT_EQ(s.bg_alpha, 28);
  EXPECT_EQ(s.csat_mean, 4.3);
  EXPECT_TRUE(s.nps_days.empty());
  EXPECT_EQ(s.invites_mean, 2);
  EXPECT_EQ(s.invite_delay.kind, Distribution::Kind::Exponential);
  EXPECT_EQ(s.invite_delay.a, 3);
  EXPECT_EQ(s.referral_channel, -1);
  EXPECT_EQ(s.sales_team, -1);
  EXPECT_EQ(s.success_team, -1);
  EXPECT_EQ(s.weekly, (std::array<double, 7>{1, 1, 1, 1, 1, 1, 1}));
}

TEST(ScenarioValues, WholeNumbersMayBeWrittenWithAPointZero) {
  Scenario s = parse_text(std::string(kMinimal) + "seed: 42.0\n");
  EXPECT_EQ(s.seed, 42u);
  EXPECT_THROW(parse_text(std::string(kMinimal) + "seed: 42.5\n"), ScenarioError);
}

TEST(ScenarioValues, InactivityTriggerTakesPositiveDays) {
  const std::string pb =
      "playbooks:\n"
      "  - {name: nudge, trigger: {inactive_days: 0.5}, action: {type: discount, amount: 1}}\n";
  Scenario s = parse_text(std::string(kMinimal) + pb);
  ASSERT_EQ(s.playbooks.size(), 1u);
  EXPECT_EQ(s.playbooks[0].inactive_days, 0.5);
  EXPECT_EQ(s.playbooks[0].on_event, -1);
  std::string zero = pb;
  zero.replace(zero.find("0.5"), 3, "0");
  EXPECT_THROW(parse_text(std::string(kMinimal) + zero), ScenarioError);
  std::string null = pb;
  null.replace(null.find("0.5"), 3, "~");
  EXPECT_THROW(parse_text(std::string(kMinimal) + null), ScenarioError);
}

TEST(ScenarioUnits, DistributionsTakeDaysOrHours) {
  Scenario s =
      parse_text(std::string(kMinimal) +
                 "teams:\n"
                 "  - {name: a, agents: 1, service: {dist: exponential, mean_hours: 12}}\n"
                 "  - {name: b, agents: 1, service: {dist: fixed, value_days: 2}}\n"
                 "  - {name: c, agents: 1, service: {dist: gamma, shape: 2, mean_days: 6}}\n"
                 "  - {name: d, agents: 1, service: {dist: lognormal, median_hours: 48, "
                 "sigma: 0.5}}\n"
                 "  - {name: e, agents: 1, service: {dist: weibull, shape: 1.5, "
                 "scale_days: 10}}\n"
                 "  - {name: f, agents: 1, service: {dist: empirical, days: [1, 3], "
                 "weights: [3, 1]}}\n"
                 "engine: {epoch_hours: 12}\n");
  ASSERT_EQ(s.teams.size(), 6u);
  EXPECT_EQ(s.teams[0].service.kind, Distribution::Kind::Exponential);
  EXPECT_DOUBLE_EQ(s.teams[0].service.a, 0.5);
  EXPECT_EQ(s.teams[1].service.kind, Distribution::Kind::Fixed);
  EXPECT_EQ(s.teams[1].service.a, 2);
  EXPECT_EQ(s.teams[2].service.kind, Distribution::Kind::Gamma);
  EXPECT_EQ(s.teams[2].service.a, 2);
  EXPECT_EQ(s.teams[2].service.b, 3);  // scale = mean / shape
  EXPECT_DOUBLE_EQ(s.teams[2].service.mean(), 6);
  EXPECT_EQ(s.teams[3].service.kind, Distribution::Kind::LogNormal);
  EXPECT_DOUBLE_EQ(s.teams[3].service.a, std::log(2.0));  // mu = log(median in days)
  EXPECT_EQ(s.teams[3].service.b, 0.5);
  EXPECT_EQ(s.teams[4].service.kind, Distribution::Kind::Weibull);
  EXPECT_EQ(s.teams[4].service.a, 1.5);
  EXPECT_EQ(s.teams[4].service.b, 10);
  EXPECT_EQ(s.teams[5].service.kind, Distribution::Kind::Empirical);
  EXPECT_EQ(s.teams[5].service.values, (std::vector<double>{1, 3}));
  EXPECT_EQ(s.teams[5].service.cdf, (std::vector<double>{0.75, 1}));
  EXPECT_DOUBLE_EQ(s.teams[5].service.mean(), 1.5);
  EXPECT_DOUBLE_EQ(s.epoch_days, 0.5);
}

TEST(ScenarioUnits, EventReferencesResolveToIndices) {
  Scenario s = parse_text(std::string(kMinimal) +
                          "activation_tasks: [{name: a, time: {dist: fixed, value_days: 1}},\n"
                          "                   {name: b, time: {dist: fixed, value_days: 2}}]\n"
                          "milestones: [{name: m, tasks: [b]}]\n"
                          "transitions:\n"
                          "  - {from: onboarding, to: onboarding, on: \"milestone:m\", count: 2}\n"
                          "  - {from: onboarding, to: onboarding, on: activation_task}\n");
  ASSERT_EQ(s.transitions.size(), 2u);
  EXPECT_EQ(s.milestones[0].tasks, (std::vector<int>{1}));
  EXPECT_EQ(s.transitions[0].on_arg, 0);
  EXPECT_EQ(s.transitions[0].count, 2);
  EXPECT_FALSE(s.transitions[0].after.has_value());
  EXPECT_EQ(s.transitions[1].on_arg, -1);
  EXPECT_NE(s.transitions[0].on_event, s.transitions[1].on_event);
}

// Calls f on every map node of the tree.
void for_each_map(ConfigNode& n, const std::function<void(ConfigNode&)>& f) {
  if (n.kind == ConfigNode::Kind::Map) {
    f(n);
    for (auto& kv : n.map) for_each_map(kv.second, f);
  } else if (n.kind == ConfigNode::Kind::Seq) {
    for (auto& c : n.seq) for_each_map(c, f);
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The YAML block under "## Annotated example" in docs/scenario-format.md.
std::string doc_example() {
  std::string doc = read_text(src("docs/scenario-format.md"));
  auto at = doc.find("## Annotated example");
  if (at == std::string::npos) return "";
  auto begin = doc.find("```yaml\n", at);
  if (begin == std::string::npos) return "";
  begin += 8;
  auto end = doc.find("```", begin);
  return doc.substr(begin, end - begin);
}

// Scenario trees to probe: every shipped scenario, the extends fixture and the doc's example.
std::vector<std::pair<std::string, ConfigNode>> probe_trees() {
  std::vector<std::pair<std::string, ConfigNode>> out;
  std::vector<std::string> files = shipped_scenarios();
  files.push_back(src("tests/scenario_errors/ok_variant.yaml"));
  for (const auto& f : files) out.emplace_back(f, load_with_extends(f));
  out.emplace_back("doc example", parse_yaml_string(doc_example(), "doc example"));
  return out;
}

// Adds an unknown key to each map of the tree in turn and hands over the resulting error.
int probe_unknown_keys(ConfigNode& root, const std::function<void(const ScenarioError*, int)>& f) {
  int probed = 0;
  for_each_map(root, [&](ConfigNode& m) {
    ConfigNode extra;
    extra.kind = ConfigNode::Kind::Scalar;
    extra.scalar = "1";
    extra.key_pos = extra.pos = {"<probe>", 1000 + probed, 7};
    m.map.emplace_back("zz_not_a_key", extra);
    try {
      parse_scenario(root);
      f(nullptr, probed);
    } catch (const ScenarioError& e) {
      f(&e, probed);
    }
    m.map.pop_back();
    ++probed;
  });
  return probed;
}

TEST(DocExample, ParsesAndTakesTheDocumentedOverrides) {
  const std::string text = doc_example();
  ASSERT_FALSE(text.empty());
  ConfigNode root = parse_yaml_string(text, "doc example");
  Scenario s = parse_scenario(root);
  EXPECT_EQ(s.name, "trial_demo");
  apply_override(root, "channels.search.cpm=25");
  apply_override(root, "churn.monthly_hazard=0.03");
  apply_override(root, "transitions.0.count=3");
  Scenario t = parse_scenario(root);
  EXPECT_EQ(t.channels[t.channel_index("search")].cpm, 25);
  EXPECT_EQ(t.churn_monthly, 0.03);
  EXPECT_EQ(t.transitions[0].count, 3);
}

// An extra key in any map of a valid scenario is an error that points at that key.
TEST(UnknownKeys, RejectedAnywhere) {
  for (auto& [name, root] : probe_trees()) {
    SCOPED_TRACE(name);
    ASSERT_NO_THROW(parse_scenario(root));
    int probed = probe_unknown_keys(root, [&](const ScenarioError* e, int i) {
      if (!e) {
        ADD_FAILURE() << "accepted an unknown key (map " << i << ")";
        return;
      }
      EXPECT_EQ(e->pos().file, "<probe>") << e->what();
      EXPECT_EQ(e->pos().line, 1000 + i) << e->what();
      EXPECT_TRUE(e->key_path().ends_with("zz_not_a_key")) << e->what();
      EXPECT_NE(std::string(e->what()).find("unknown key"), std::string::npos) << e->what();
    });
    EXPECT_GE(probed, 10);
  }
}

// Every key the parser knows in any probed map is documented in docs/scenario-format.md.
TEST(UnknownKeys, EveryKnownKeyIsDocumented) {
  const std::string doc = read_text(src("docs/scenario-format.md"));
  ASSERT_FALSE(doc.empty());
  std::set<std::string> known;
  for (auto& [name, root] : probe_trees())
    probe_unknown_keys(root, [&](const ScenarioError* e, int) {
      if (!e) return;
      std::string w = e->what();
      auto at = w.find("known keys here: ");
      if (at == std::string::npos) return;
      std::stringstream ss(w.substr(at + 17));
      for (std::string k; std::getline(ss, k, ',');) {
        k.erase(0, k.find_first_not_of(' '));
        known.insert(k);
      }
    });
  EXPECT_GE(known.size(), 150u);
  for (const auto& k : known)
    EXPECT_NE(doc.find("`" + k + "`"), std::string::npos) << "undocumented key: " << k;
}

}  // namespace
