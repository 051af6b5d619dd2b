// The scenario model: one market of customers, its channels, teams, product, money, playbooks.
// Parsed and validated from YAML (docs/scenario-format.md). Times are in days unless named
// otherwise; rates are per the unit in their name (per_week, monthly_...).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "journeysim/sim/config.hpp"

namespace journeysim::sim {

// A time-to-event distribution, in days.
struct Distribution {
  enum class Kind { Exponential, Weibull, LogNormal, Gamma, Empirical, Fixed };
  Kind kind = Kind::Fixed;
  double a = 0;  // exponential: mean; weibull: shape; lognormal: mu (log-days); gamma: shape;
                 // fixed: value
  double b = 0;  // weibull: scale; lognormal: sigma; gamma: scale
  std::vector<double> values;  // empirical support (days)
  std::vector<double> cdf;     // empirical cumulative weights, last = 1
  double mean() const;
};

struct Segment {
  std::string name;
  double share = 1;
  double churn_x = 1, login_x = 1, conversion_x = 1;
  double seats_mean = 1;  // seats ~ 1 + Poisson(seats_mean - 1)
};

struct Channel {
  std::string name;
  bool referral = false;  // arrivals only from referral invites; no spend
  double share = 0;       // share of the scenario's `customers` arriving through this channel
  double cpm = 0;         // cost per 1000 impressions
  double ctr = 0.01;      // clicks / impressions
  double engagement_rate = 0.3;  // clicks that read content or download
  double lead_rate = 0.05;       // clicks that become a lead or sign-up
  double fixed_cost_per_day = 0;
};

struct Team {
  std::string name;
  int agents = 1;
  Distribution service;  // days per request
  double cost_per_agent_month = 0;
  double open_hour = 0, close_hour = 24;  // agents start requests only within these hours (UTC)
  // a request reaches an agent no sooner than this after it is made (routing, reading it): the
  // shortest response time, even from an idle 24/7 team
  double min_response_days = 5.0 / 1440;
  bool weekdays_only = false;
};

struct Plan {
  std::string name;
  double price_month = 0;
  bool per_seat = false;
  double trial_days = 0;
  bool freemium = false;  // price 0, upgrade to a paid plan by a hazard
};

struct Stage {
  std::string name;
  double churn_x = 1, login_x = 1;
};

// Entry criterion of a transition: time in stage, or an event reaching a count.
struct Transition {
  int from = -1, to = -1;
  std::optional<Distribution> after;  // time since entering `from`
  int on_event = -1;                  // eventlog::EventType, or -1
  int on_arg = -1;                    // milestone/task index for on_event, or -1 for any
  int count = 1;                      // occurrences (over the customer's life) needed
};

struct Feature {
  std::string name;
  double prob_per_login = 0;
};

struct ActivationTask {
  std::string name;
  double prob = 1;       // probability the task is ever completed
  Distribution time;     // time from start of product use
  bool required = true;  // needed for `activated`
};

struct Milestone {
  std::string name;
  std::vector<int> tasks;  // tasks that must be done
  int value_actions = 0;   // value actions needed
};

struct Campaign {
  std::string name;
  std::string medium = "email";  // email, in_app, push, sms
  double delivery_rate = 0.98, open_rate = 0.2, click_rate = 0.03, unsubscribe_rate = 0.002;
  double cost_per_send = 0;
};

// Customer flags used by playbook conditions.
enum class Flag {
  activated,
  paying,
  trial,
  freemium,
  promoter,
  detractor,
  churned,
  downgraded,
  unsubscribed,
  referred,
  pql
};

struct Effect {
  enum class On { always, delivered, opened, clicked };
  On on = On::always;
  double churn_x = 1, login_x = 1, task_speed_x = 1, conversion_x = 1;
  double days = 30;
  double reactivate_prob = 0;
};

struct Playbook {
  std::string name;
  // trigger: one of
  int on_event = -1;         // event type that arms it (stage_entered with stage filter too)
  int event_arg = -1;        // e.g. the stage for stage_entered
  int count = 1;             // fire when the event's count reaches this
  double inactive_days = 0;  // > 0: fire after this many days without a login
  double delay_days = 0;
  bool repeat = false;  // fire on every occurrence, not only the first
  std::vector<Flag> if_flags, unless_flags;
  enum class Action { email, in_app, push, call, discount, referral_prompt, winback };
  Action action = Action::email;
  int campaign = -1;
  double discount = 0;  // currency
  Effect effect;
  double cost = 0;  // per action, besides message costs
};

struct Scenario {
  std::string name;
  std::string description;
  std::string resolved_text;  // the scenario as run (after extends and --set), YAML
  int format_version = 1;
  std::int64_t start_time = 0;  // Unix seconds of start_date 00:00 UTC
  std::string start_date;
  double horizon_days = 365;
  std::uint64_t seed = 1;
  double customers = 1000;   // expected leads/sign-ups from non-referral channels over the horizon
  double epoch_days = 0.25;  // synchronisation epoch for shared resources

  std::array<double, 7> weekly{1, 1, 1, 1, 1, 1, 1};  // Monday..Sunday
  std::array<double, 12> yearly{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

  enum class Model { subscription, non_contractual };
  Model model = Model::subscription;
  enum class Acquisition { sales_led, self_serve };
  Acquisition acquisition = Acquisition::self_serve;

  std::vector<Segment> segments;
  std::vector<Channel> channels;
  std::vector<Team> teams;
  int sales_team = -1, success_team = -1, support_team = -1;
  std::vector<Plan> plans;
  int entry_plan = 0;     // self-serve sign-up plan (trial or freemium)
  int sales_plan = 0;     // plan a sales-led conversion buys
  int upgrade_plan = -1;  // plan a freemium or trial customer converts to

  // sales-led conversion
  double lead_conversion = 0.2, response_half_life_hours = 24;
  Distribution sales_cycle;
  // self-serve conversion
  double trial_conversion = 0.15, activated_conversion_x = 2, pql_conversion_x = 1.5;
  double freemium_upgrade_monthly = 0.02;

  std::vector<Stage> stages;
  std::vector<Transition> transitions;
  int reactivation_stage = 0;

  // product behaviour
  double logins_per_week = 3;
  double engagement_decay_days = 0;  // >0: login rate decays as exp(-age/decay) toward a floor
  double engagement_floor = 1;       // share of the rate kept in the long run
  std::vector<Feature> features;
  std::string value_action_name = "value_action";
  double value_action_prob = 0.2;  // per login
  std::vector<ActivationTask> tasks;
  std::vector<Milestone> milestones;
  int pql_value_actions = 0;  // 0 = no PQL
  double pql_within_days = 14;
  double tickets_per_month = 0;

  // churn (subscription)
  double churn_monthly = 0.03;
  double activated_churn_x = 0.6, detractor_churn_x = 1.5, promoter_churn_x = 0.7;
  double downgrade_churn_x = 2.0, downgrade_churn_days = 90;
  double low_csat_churn_x = 1.3;
  double followup_churn_x = 0.85, followup_effect_days = 60;
  double reactivation_monthly = 0;

  // money
  double upgrade_monthly = 0, downgrade_monthly = 0, seat_expansion_monthly = 0;
  double seat_expansion_mean = 1;
  // non-contractual purchases (BG/NBD + Gamma-Gamma)
  double bg_r = 0.25, bg_alpha = 4.0 * 7, bg_a = 0.8, bg_b = 2.4;  // alpha in days
  double gg_p = 6.25, gg_q = 3.74, gg_gamma = 15.44;

  // sentiment
  double csat_response_prob = 0.3, csat_mean = 4.3, csat_sd = 0.9,
         csat_wait_penalty_per_hour = 0.02;
  std::vector<double> nps_days;  // survey times since conversion
  double nps_response_prob = 0.25, nps_mean = 7.2, nps_sd = 2.2, nps_activated_bonus = 0.8;
  double review_prob = 0.05, share_prob = 0.08;  // per promoter survey

  // referral
  double referral_interact_prob = 0.3, referral_accept_prob = 0.4, referral_promoter_x = 1.8;
  double referral_complete_prob = 0.6, invites_mean = 2.0, invite_conversion = 0.15;
  Distribution invite_delay;
  int referral_channel = -1;

  std::vector<Campaign> campaigns;
  std::vector<Playbook> playbooks;

  int channel_index(const std::string& n) const;
};

// Loads, resolves (extends, --set) and validates a scenario. Throws ScenarioError.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});
Scenario parse_scenario(const ConfigNode& root);

}  // namespace journeysim::sim
