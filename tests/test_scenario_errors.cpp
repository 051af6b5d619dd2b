// Every broken scenario in tests/scenario_errors/ must fail to load with a ScenarioError that
// points at the offending line and column, names the key path and says what is wrong. The
// expected positions were counted by hand from the files (each file's first line says what is
// wrong); a change in the parser's positions, key paths or wording makes these tests fail.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "journeysim/sim/scenario.hpp"

namespace {

using journeysim::sim::load_scenario;
using journeysim::sim::ScenarioError;

std::string errors_dir() {
  return std::string(JOURNEYSIM_SOURCE_DIR) + "/tests/scenario_errors";
}
std::string error_file(const std::string& name) {
  return errors_dir() + "/" + name;
}

struct BrokenCase {
  const char* file;      // in tests/scenario_errors/
  int line;              // 1-based; 0 = no line (the error names no place in the file)
  int column;            // 1-based; 0 = no column
  const char* key_path;  // ScenarioError::key_path()
  const char* fragment;  // must occur in what()
};

// Prints the case by file name in gtest output.
void PrintTo(const BrokenCase& c, std::ostream* os) {
  *os << c.file;
}

const BrokenCase kCases[] = {
    // YAML itself
    {"syntax_error.yaml", 3, 14, "", "YAML syntax error: illegal map value"},
    // aliases that expand without end: refused where the expansion goes too far
    {"self_alias.yaml", 3, 14, "", "nested deeper than 64 levels (a self-referential alias?)"},
    {"billion_laughs.yaml", 4, 45, "",
     "expands to more than 100000 values (aliases nested inside aliases?)"},
    {"duplicate_key.yaml", 6, 1, "horizon_days",
     "duplicate key (each key may appear once in a map)"},
    // unknown keys, with a suggestion
    {"unknown_top_level_key.yaml", 5, 1, "horizon_dayz",
     "unknown key (did you mean 'horizon_days'?); known keys here: format_version, name,"},
    {"unknown_channel_key.yaml", 7, 27, "channels.web.cmp", "unknown key (did you mean 'cpm'?)"},
    {"unknown_effect_key.yaml", 21, 40, "playbooks.day3_tips.effect.dayz",
     "unknown key (did you mean 'days'?)"},
    // values out of range
    {"probability_above_one.yaml", 13, 21, "acquisition.trial_conversion",
     "expected a number in [0, 1] (a probability), found 1.5"},
    {"negative_rate.yaml", 16, 19, "churn.monthly_hazard",
     "expected a number in [0, 1000] (per month), found -0.02"},
    // rates and multipliers are bounded, and so is their product for logins (#15)
    {"huge_rate.yaml", 16, 19, "churn.monthly_hazard",
     "expected a number in [0, 1000] (per month), found 1e300"},
    {"huge_multiplier.yaml", 9, 36, "segments.all.login_x",
     "expected a number in [0, 1000] (a multiplier), found 9223372036854775808"},
    {"login_rate_product.yaml", 18, 20, "behaviour.logins_per_week",
     "is 2.5e+04 per week; at most 10000"},
    {"name_not_utf8.yaml", 7, 12, "channels.web\xff.name", "not valid UTF-8 (byte 4 of the text)"},
    {"extends_directory.yaml", 3, 10, "extends", "is a directory, not a scenario file"},
    {"extends_name_too_long.yaml", 3, 10, "extends",
     "a path of 5000 characters: expected the path of a base scenario file"},
    {"format_version_2.yaml", 2, 17, "format_version",
     "unsupported format_version 2 (this build reads 1)"},
    {"close_before_open.yaml", 20, 17, "teams.support.close_hour",
     "expected close_hour > open_hour (17)"},
    // wrong types
    {"string_for_number.yaml", 5, 15, "horizon_days",
     "expected a number in [1, 36500] (days), found 'ninety'"},
    {"quoted_number.yaml", 6, 12, "customers",
     "expected a number in [0, 1e+12] (expected arrivals over the horizon), found '500'"},
    {"list_for_map.yaml", 15, 9, "engine", "expected a map of keys, found a list"},
    {"map_for_list.yaml", 19, 12, "milestones.first_value.tasks", "expected a list, found a map"},
    {"yes_for_bool.yaml", 9, 46, "plans.basic.per_seat", "expected true or false, found 'yes'"},
    // missing required keys: the error points at the map that lacks the key
    {"missing_name.yaml", 2, 1, "name", "required key is missing: expected a string"},
    {"missing_start_date.yaml", 2, 1, "start_date",
     "required key is missing: expected a date YYYY-MM-DD"},
    {"missing_plans.yaml", 2, 1, "plans", "required key is missing: expected a list"},
    {"missing_team_agents.yaml", 16, 5, "teams.support.agents",
     "required key is missing: expected a number in [1, 1e+06] (a whole number)"},
    {"required_key_typo.yaml", 13, 1, "stages",
     "required key is missing: expected a list (found 'stage' here: a typo for 'stages'?)"},
    {"trial_without_converts_to.yaml", 11, 3, "acquisition.converts_to",
     "required key is missing: a trial or freemium entry plan needs the paid plan it converts to"},
    // dates
    {"invalid_date.yaml", 4, 13, "start_date", "not a calendar date: 2026-02-30"},
    {"malformed_date.yaml", 4, 13, "start_date", "expected a date YYYY-MM-DD, found '01/02/2026'"},
    // shares (the error points at the first item of the list)
    {"channel_shares.yaml", 7, 3, "channels",
     "expected shares of the non-referral channels that sum to 1, found 0.9"},
    {"segment_shares.yaml", 7, 3, "segments", "expected segment shares that sum to 1, found 0.9"},
    // references to named items
    {"undefined_stage.yaml", 17, 28, "transitions[0].to",
     "undefined stage 'implementaton' (did you mean 'implementation'?); defined: onboarding, "
     "implementation"},
    {"undefined_plan.yaml", 12, 9, "acquisition.plan", "undefined plan 'premium'; defined: basic"},
    {"undefined_campaign.yaml", 20, 37, "playbooks.day3_tips.action.campaign",
     "undefined campaign 'tipz' (did you mean 'tips'?); defined: tips"},
    {"undefined_team.yaml", 19, 23, "team_roles.success",
     "undefined team 'sucess' (did you mean 'success'?); defined: success"},
    {"duplicate_names.yaml", 10, 5, "plans.basic", "duplicate name 'basic'"},
    // distributions
    {"bad_dist_kind.yaml", 18, 21, "teams.support.service.dist",
     "expected one of exponential, weibull, lognormal, gamma, empirical, fixed, found 'lognormla' "
     "(did you mean 'lognormal'?)"},
    {"dist_missing_param.yaml", 18, 14, "teams.support.service.mean_days",
     "required key is missing: exponential needs mean_days or mean_hours"},
    {"dist_days_and_hours.yaml", 18, 60, "teams.support.service.mean_hours",
     "give mean_days or mean_hours, not both"},
    // transitions, triggers, flags
    {"transition_after_and_on.yaml", 17, 5, "transitions[0].after",
     "a transition needs exactly one of 'after' (a distribution) or 'on' (an event)"},
    {"bad_trigger_event.yaml", 19, 22, "playbooks.day3_tips.trigger.event",
     "(optionally event:name), found 'signpu' (did you mean 'signup'?)"},
    {"bad_event_arg.yaml", 18, 36, "transitions[0].on",
     "undefined name 'activ' for stage_entered (did you mean 'active'?); defined: onboarding, "
     "active, mature"},
    {"bad_flag.yaml", 20, 17, "playbooks.day3_tips.if", "found 'payng' (did you mean 'paying'?)"},
    {"inactive_days_zero.yaml", 17, 30, "playbooks.nudge.trigger.inactive_days",
     "expected a number > 0 (days without a login), found 0: such a trigger would never fire"},
    // checks across keys point at the offending value
    {"referral_prompt_without_channel.yaml", 18, 20, "playbooks.ask_referral.action.type",
     "a referral_prompt playbook needs a channel with 'referral: true'"},
    {"campaign_on_discount.yaml", 20, 51, "playbooks.loyalty.action.campaign",
     "only email, in_app, push and winback actions send a campaign"},
    {"call_without_success_team.yaml", 18, 20, "playbooks.check_in.action.type",
     "a call needs a success team (team_roles.success)"},
    {"effect_on_for_discount.yaml", 19, 18, "playbooks.loyalty.effect.on",
     "only message actions have delivered/opened/clicked outcomes"},
    {"undefined_milestone_task.yaml", 19, 41, "milestones.first_value.tasks",
     "undefined activation task 'imprt' (did you mean 'import'?); defined: import, invite"},
    {"fractional_seed.yaml", 6, 7, "seed", "expected a whole number, found 7.5"},
    // lists of numbers: the key path names the item
    {"weekly_bad_factor.yaml", 16, 32, "seasonality.weekly[6]",
     "expected a number in [0, 100] (a factor), found 'lots'"},
    {"weekly_six_factors.yaml", 16, 11, "seasonality.weekly",
     "expected 7 factors (Monday..Sunday), found 6"},
    {"nps_bad_survey_day.yaml", 17, 27, "sentiment.nps.survey_days[2]",
     "expected a number in [0, 36500] (days), found -5"},
    {"empirical_bad_weight.yaml", 18, 64, "teams.support.service.weights[1]",
     "expected a number in [0, inf] (a weight), found 'heavy'"},
    // extends
    {"extends_missing_base.yaml", 2, 10, "extends", "no_such_base.yaml' does not exist"},
    {"extends_variant_error.yaml", 5, 21, "acquisition.trial_conversion",
     "expected a number in [0, 1] (a probability), found 1.2"},
    {"extends_variant_unknown_key.yaml", 5, 17, "channels.web.cmp",
     "unknown key (did you mean 'cpm'?)"},
    {"extends_circular.yaml", 2, 10, "extends",
     "circular extends chain through 'extends_circular.yaml' (extends_circular.yaml -> "
     "extends_circular.yaml)"},
};

class BrokenScenario : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(BrokenScenario, FailsAtTheOffendingPlace) {
  const BrokenCase& c = GetParam();
  const std::string path = error_file(c.file);
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  try {
    load_scenario(path);
    FAIL() << c.file << " loaded without error";
  } catch (const ScenarioError& e) {
    const std::string what = e.what();
    std::string file_suffix = "/";
    file_suffix += c.file;
    EXPECT_TRUE(e.pos().file.ends_with(file_suffix)) << "file: " << e.pos().file << "\n" << what;
    EXPECT_EQ(e.pos().line, c.line) << what;
    EXPECT_EQ(e.pos().column, c.column) << what;
    EXPECT_EQ(e.key_path(), c.key_path) << what;
    EXPECT_NE(what.find(c.fragment), std::string::npos)
        << "expected fragment: " << c.fragment << "\nactual: " << what;
    // The message format: file:line:col: key.path: message (line and column only when known).
    std::string prefix = e.pos().file;
    if (c.line > 0) {
      prefix += ':';
      prefix += std::to_string(c.line);
      prefix += ':';
      prefix += std::to_string(c.column);
    }
    prefix += ": ";
    if (*c.key_path) {
      prefix += c.key_path;
      prefix += ": ";
    }
    EXPECT_TRUE(what.starts_with(prefix)) << "expected prefix: " << prefix << "\nactual: " << what;
  }
}

std::string case_name(const ::testing::TestParamInfo<BrokenCase>& info) {
  std::string n = info.param.file;
  n = n.substr(0, n.find('.'));
  return n;
}

INSTANTIATE_TEST_SUITE_P(ScenarioErrors, BrokenScenario, ::testing::ValuesIn(kCases), case_name);

// Every file in the folder is either a valid fixture (ok_*.yaml) or has an entry above, and
// every broken file starts with a comment line saying what is wrong.
TEST(ScenarioErrorFiles, EveryFileIsCoveredAndDescribed) {
  std::set<std::string> listed;
  for (const auto& c : kCases) EXPECT_TRUE(listed.insert(c.file).second) << "twice: " << c.file;
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(errors_dir())) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::string first;
    std::getline(in, first);
    EXPECT_TRUE(first.starts_with("# ") && first.size() > 10) << name << ": " << first;
    if (name.starts_with("ok_")) continue;
    on_disk.insert(name);
    EXPECT_TRUE(listed.count(name)) << name << " has no expected error in kCases";
  }
  for (const auto& name : listed) EXPECT_TRUE(on_disk.count(name)) << name << " is missing";
  EXPECT_GE(on_disk.size(), 20u);
}

TEST(ScenarioErrorFiles, ValidFixturesLoad) {
  for (const char* f : {"ok_base.yaml", "ok_variant.yaml"}) {
    SCOPED_TRACE(f);
    EXPECT_NO_THROW(load_scenario(error_file(f)));
  }
}

// --set overrides: an error in an overridden value names the --set, not the file.
ScenarioError set_error(const std::vector<std::string>& overrides) {
  try {
    load_scenario(error_file("ok_base.yaml"), overrides);
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for --set " << overrides.back();
  return ScenarioError({}, "", "");
}

TEST(SetOverride, BadValueNamesTheSet) {
  ScenarioError e = set_error({"churn.monthly_hazard=-1"});
  EXPECT_EQ(e.pos().file, "--set churn.monthly_hazard=-1");
  EXPECT_EQ(e.pos().line, 0);
  EXPECT_EQ(e.key_path(), "churn.monthly_hazard");
  EXPECT_STREQ(
      e.what(),
      "--set churn.monthly_hazard=-1: churn.monthly_hazard: expected a number in [0, 1000] "
      "(per month), found -1");
}

// A self-referential alias in a --set value is refused like one in a file (it overflowed the
// stack), and so is a scenario path that is not a regular file (it blocked or read forever).
TEST(SetOverride, SelfReferentialAliasIsRefused) {
  ScenarioError e = set_error({"description=&r [*r]"});
  EXPECT_NE(std::string(e.what()).find("a self-referential alias?"), std::string::npos) << e.what();
}

TEST(ScenarioFile, OnlyARegularFileIsRead) {
  for (const char* path : {"/dev/zero", "/dev/urandom", "/tmp"}) {
    try {
      journeysim::sim::load_scenario(path);
      ADD_FAILURE() << path << " was read as a scenario";
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.pos().file, path);
      EXPECT_NE(std::string(e.what()).find(std::string(path) == "/tmp" ? "is a directory"
                                                                       : "not a regular file"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(SetOverride, LaterSetOfTheSameKeyIsTheOneReported) {
  ScenarioError e = set_error({"customers=10", "customers=-5"});
  EXPECT_EQ(e.pos().file, "--set customers=-5");
  EXPECT_EQ(e.key_path(), "customers");
  EXPECT_NE(std::string(e.what()).find("found -5"), std::string::npos) << e.what();
}

TEST(SetOverride, UnknownKeySuggestsTheKnownOne) {
  ScenarioError e = set_error({"churn.monthly_hazzard=0.1"});
  EXPECT_EQ(e.pos().file, "--set churn.monthly_hazzard=0.1");
  EXPECT_EQ(e.key_path(), "churn.monthly_hazzard");
  EXPECT_NE(std::string(e.what()).find("unknown key (did you mean 'monthly_hazard'?)"),
            std::string::npos)
      << e.what();
}

TEST(SetOverride, NamedListItemMustExist) {
  ScenarioError e = set_error({"channels.nope.cpm=1"});
  EXPECT_EQ(e.pos().file, "--set channels.nope.cpm=1");
  EXPECT_EQ(e.key_path(), "channels.nope");
  EXPECT_NE(std::string(e.what()).find("no list item named 'nope'"), std::string::npos) << e.what();
}

TEST(SetOverride, ListIndexOutOfRangeIsNoItem) {
  ScenarioError e = set_error({"channels.2.cpm=1"});  // ok_base has 2 channels
  EXPECT_EQ(e.key_path(), "channels.2");
  EXPECT_NE(std::string(e.what()).find("no list item named '2'"), std::string::npos) << e.what();
}

TEST(SetOverride, CannotDescendIntoAScalar) {
  ScenarioError e = set_error({"customers.x=1"});
  EXPECT_EQ(e.pos().file, "--set customers.x=1");
  EXPECT_EQ(e.key_path(), "customers.x");
  EXPECT_NE(std::string(e.what()).find("cannot set a key inside '200'"), std::string::npos)
      << e.what();
}

TEST(SetOverride, NeedsAnEqualsSign) {
  ScenarioError e = set_error({"customers"});
  EXPECT_EQ(e.pos().file, "--set customers");
  EXPECT_EQ(e.key_path(), "");
  EXPECT_NE(std::string(e.what()).find("expected key.path=value"), std::string::npos) << e.what();
}

TEST(SetOverride, ValueIsParsedAsYaml) {
  ScenarioError e = set_error({"customers=[1,"});
  EXPECT_EQ(e.key_path(), "");
  EXPECT_EQ(e.pos().file, "--set customers=[1,");
  EXPECT_EQ(e.pos().line, 0);
  EXPECT_TRUE(std::string(e.what()).starts_with("--set customers=[1,: YAML syntax error"))
      << e.what();
}

// A map or list value records the same position as a scalar one: the --set, no line:col.
TEST(SetOverride, ItemsOfAListValueNameTheSet) {
  ScenarioError e = set_error({"seasonality.weekly=[1, 1, 1, 1, 1, 1, x]"});
  EXPECT_EQ(e.pos().file, "--set seasonality.weekly=[1, 1, 1, 1, 1, 1, x]");
  EXPECT_EQ(e.pos().line, 0);
  EXPECT_EQ(e.pos().column, 0);
  EXPECT_EQ(e.key_path(), "seasonality.weekly[6]");
  EXPECT_STREQ(e.what(),
               "--set seasonality.weekly=[1, 1, 1, 1, 1, 1, x]: seasonality.weekly[6]: expected a "
               "number in [0, 100] (a factor), found 'x'");
}

TEST(SetOverride, KeysOfAMapValueNameTheSet) {
  ScenarioError e = set_error({"sentiment.nps={survey_days: [30], mena: 8}"});
  EXPECT_EQ(e.pos().file, "--set sentiment.nps={survey_days: [30], mena: 8}");
  EXPECT_EQ(e.pos().line, 0);
  EXPECT_EQ(e.key_path(), "sentiment.nps.mena");
  EXPECT_NE(std::string(e.what()).find("unknown key (did you mean 'mean'?)"), std::string::npos)
      << e.what();
}

TEST(SetOverride, DuplicateKeyInAMapValueNamesTheSet) {
  ScenarioError e = set_error({"engine={epoch_hours: 1, epoch_hours: 2}"});
  EXPECT_EQ(e.pos().file, "--set engine={epoch_hours: 1, epoch_hours: 2}");
  EXPECT_EQ(e.pos().line, 0);
  EXPECT_EQ(e.key_path(), "engine.epoch_hours");
  EXPECT_NE(std::string(e.what()).find("duplicate key"), std::string::npos) << e.what();
}

TEST(SetOverride, IndexPastTheEndSaysHowLongTheListIs) {
  ScenarioError e = set_error({"channels.7.cpm=1"});
  EXPECT_EQ(e.key_path(), "channels.7");
  EXPECT_NE(std::string(e.what()).find(
                "no list item named '7' (nor at that index: the list has 2 items)"),
            std::string::npos)
      << e.what();
}

TEST(SetOverride, AppliesAfterExtendsAndCanRepairAVariant) {
  // extends_variant_error.yaml sets trial_conversion 1.2; a --set replaces the bad value.
  journeysim::sim::Scenario s =
      load_scenario(error_file("extends_variant_error.yaml"), {"acquisition.trial_conversion=0.3"});
  EXPECT_EQ(s.name, "variant_with_error");
  EXPECT_DOUBLE_EQ(s.trial_conversion, 0.3);
}

// Bugs the parser once had (coarse positions, stray key-path suffixes, a trigger that never
// fires, keys listed twice, an uncaught std::out_of_range); kept as regression tests. The main
// table has the same positions for these files.
TEST(KnownParserBugs, PreciseErrorPositions) {
  struct Want {
    const char* file;
    int line, column;
    const char* key_path;
  };
  const Want wants[] = {
      // the `type: referral_prompt` value, not the top of the file
      {"referral_prompt_without_channel.yaml", 18, 20, "playbooks.ask_referral.action.type"},
      // the campaign value, not the playbook map
      {"campaign_on_discount.yaml", 20, 51, "playbooks.loyalty.action.campaign"},
      // no internal ".f" suffix in the key path
      {"weekly_bad_factor.yaml", 16, 32, "seasonality.weekly[6]"},
      // the `extends:` value that closes the cycle
      {"extends_circular.yaml", 2, 10, "extends"},
      // inactive_days: 0 makes a trigger that never fires
      {"inactive_days_zero.yaml", 17, 30, "playbooks.nudge.trigger.inactive_days"},
  };
  for (const Want& w : wants) {
    SCOPED_TRACE(w.file);
    try {
      load_scenario(error_file(w.file));
      ADD_FAILURE() << "loaded without error";
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.pos().line, w.line) << e.what();
      EXPECT_EQ(e.pos().column, w.column) << e.what();
      EXPECT_EQ(e.key_path(), w.key_path) << e.what();
    }
  }
}

TEST(KnownParserBugs, KnownKeysAreListedOnce) {
  try {
    load_scenario(error_file("unknown_effect_key.yaml"));
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_EQ(std::string(e.what()).find("on, on"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("known keys here: on, churn_x, login_x, task_speed_x, "
                                         "conversion_x, days, reactivate_prob"),
              std::string::npos)
        << e.what();
  }
}

TEST(KnownParserBugs, HugeListIndexInSetIsAScenarioError) {
  EXPECT_THROW(load_scenario(error_file("ok_base.yaml"), {"channels.99999999999999999999.cpm=1"}),
               ScenarioError);
  ScenarioError e = set_error({"channels.99999999999999999999.cpm=1"});
  EXPECT_EQ(e.key_path(), "channels.99999999999999999999");
  EXPECT_NE(std::string(e.what()).find("no list item named '99999999999999999999'"),
            std::string::npos)
      << e.what();
}

// A cycle through several files is reported at the `extends:` value that closes it.
TEST(Extends, CycleThroughTwoFilesIsReportedWhereItCloses) {
  std::string dir_name = "journeysim_extends_cycle_";
  dir_name += std::to_string(::getpid());
  const auto dir = std::filesystem::temp_directory_path() / dir_name;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.yaml") << "# a\nextends: b.yaml\nname: a\n";
  std::ofstream(dir / "b.yaml") << "# b\nname: b\nextends: a.yaml\n";
  try {
    load_scenario((dir / "a.yaml").string());
    ADD_FAILURE() << "loaded a cycle";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pos().file, (dir / "b.yaml").string());
    EXPECT_EQ(e.pos().line, 3);
    EXPECT_EQ(e.pos().column, 10);
    EXPECT_EQ(e.key_path(), "extends");
    EXPECT_NE(std::string(e.what()).find(
                  "circular extends chain through 'a.yaml' (a.yaml -> b.yaml -> a.yaml)"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
