// The KPI registry (each KPI's definition and compute function, in catalogue order) and lookups.
#include "journeysim/kpi/kpis.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "journeysim/common/text.hpp"
#include "kpi_families.hpp"
#include "kpi_shared.hpp"

namespace journeysim::kpi {

namespace {

using namespace kpis_detail;

// ---------------------------------------------------------------- the registry
std::vector<KpiDef> build() {
  using D = Direction;
  const auto H = D::higher_is_better, L = D::lower_is_better, N = D::neutral;
  std::vector<KpiDef> k;
  auto add = [&](KpiDef d) { k.push_back(std::move(d)); };
  // seed 000
  add({"avg_customer_lifespan",
       "Average Customer Lifespan",
       "retention",
       "Kaplan-Meier survival of paying customers from conversion to first churn, right-censored "
       "at the "
       "end of the log. Headline: restricted mean survival time to tau (default: the log's "
       "length); "
       "also the KM median (first time S(t) <= 0.5) and, labelled as biased, the mean over churned "
       "customers only.",
       "days",
       {E::conversion, E::churned},
       false,
       {{"tau_days", "0", "RMST horizon in days; 0 = the log's length"}},
       H,
       lifespan});
  add({"lead_response_time",
       "Lead Response Time",
       "acquisition",
       "Hours from a lead's creation to its first sales touch: mean (headline), median, p90 "
       "(linear "
       "interpolation, numpy default). Leads never touched are counted apart (never_touched).",
       "hours",
       {E::lead_created, E::sales_touch},
       false,
       {},
       L,
       lead_response_time});
  add({"lead_response_median",
       "Lead Response Time (median)",
       "acquisition",
       "Median hours from a lead's creation to its first sales touch, over the leads answered "
       "(linear interpolation); leads never touched are counted apart (never_touched).",
       "hours",
       {E::lead_created, E::sales_touch},
       false,
       {},
       L,
       lead_response_median});
  add({"lead_response_p90",
       "Lead Response Time (p90)",
       "acquisition",
       "90th percentile of the hours from a lead's creation to its first sales touch, over the "
       "leads answered (linear interpolation); leads never touched are counted apart.",
       "hours",
       {E::lead_created, E::sales_touch},
       false,
       {},
       L,
       lead_response_p90});
  add({"lead_response_within",
       "Leads Answered Within SLA",
       "acquisition",
       "Share of leads whose first sales touch came within `hours` of their creation, among the "
       "leads created at least `hours` before the end of the log (later ones cannot be judged "
       "yet: too_recent). A lead never touched counts as not answered in time.",
       "share",
       {E::lead_created},
       false,
       {{"hours", "1", "the service level, hours (> 0)"}},
       H,
       lead_response_within});
  add({"lead_response_time_post_onboarding",
       "Lead Response Time (Post-Onboarding)",
       "activation",
       "Hours from onboarding completion to the first success-team follow-up: mean, median, p90; "
       "customers never followed up are counted apart.",
       "hours",
       {E::onboarding_completed, E::success_followup},
       false,
       {},
       L,
       lead_response_time_post_onboarding});
  add({"followup_response_median",
       "Success Follow-up Time (median)",
       "activation",
       "Median hours from onboarding completion to the first success-team follow-up, over the "
       "customers followed up; those never followed up are counted apart.",
       "hours",
       {E::onboarding_completed, E::success_followup},
       false,
       {},
       L,
       followup_response_median});
  add({"followup_response_p90",
       "Success Follow-up Time (p90)",
       "activation",
       "90th percentile of the hours from onboarding completion to the first success-team "
       "follow-up, over the customers followed up.",
       "hours",
       {E::onboarding_completed, E::success_followup},
       false,
       {},
       L,
       followup_response_p90});
  add({"followup_within",
       "Follow-ups Within SLA",
       "activation",
       "Share of onboarding completions followed up by the success team within `hours`, among "
       "those at least `hours` before the end of the log (too_recent: counted apart). One never "
       "followed up counts as not in time.",
       "share",
       {E::onboarding_completed},
       false,
       {{"hours", "24", "the service level, hours (> 0)"}},
       H,
       followup_within});
  add({"cohort_retention",
       "Cohort Retention Analysis",
       "retention",
       "Cohorts by conversion month; cell (cohort, k) = share of the cohort paying k months (30.44 "
       "days) "
       "after their own conversion (logo retention; customers whose k-th month is beyond the log "
       "are "
       "left out of that cell), and a second matrix with the share active (any login, feature use, "
       "value action or purchase) in their k-th month. Headline: logo retention at `month`, "
       "pooled.",
       "share",
       {E::conversion, E::churned},
       false,
       {{"month", "3", "months since conversion for the headline"}},
       H,
       cohort_retention});
  add({"feature_adoption_rate",
       "Feature Adoption Rate (Ongoing)",
       "adoption",
       "Among customers active (any engagement event) in the last `weeks` weeks of the log, the "
       "share "
       "who used the key feature in at least `min_weeks` distinct weeks of them.",
       "share",
       {E::feature_used},
       false,
       {{"key_feature", "", "feature name (default: the first feature)"},
        {"weeks", "8", "window length in weeks"},
        {"min_weeks", "6", "weeks with use needed"}},
       H,
       feature_adoption});
  add({"referral_prompt_acceptance_rate",
       "Referral Prompt Acceptance Rate",
       "referral",
       "Referral prompts accepted / referral prompts shown.",
       "share",
       {E::referral_prompt_shown},
       false,
       {},
       H,
       referral_prompt_acceptance_rate});
  add({"time_between_logins",
       "Time Between Logins (Post-Activation)",
       "adoption",
       "Gaps in days between consecutive logins that both happen at or after the customer's "
       "activation: "
       "mean (headline), median, p90.",
       "days",
       {E::login, E::activated},
       false,
       {},
       L,
       time_between_logins});
  add({"time_to_first_habitual_action",
       "Time to First Habitual Action",
       "adoption",
       "Days from sign-up (or conversion, for sales-led customers) to the k-th value action, among "
       "customers who reach it (mean headline, median, p90), plus share_reaching among all who "
       "signed up.",
       "days",
       {E::value_action},
       false,
       {{"k", "3", "occurrence of the value action that marks the habit"}},
       L,
       habitual_action});
  add({"referral_driven_expansion_revenue",
       "Referral-Driven Expansion Revenue",
       "revenue",
       "Sum of positive MRR changes (upgrades and seat growth) of customers acquired through "
       "referral "
       "(customers with a referrer), over the log. Not available for non-contractual logs "
       "(purchases but no payment events).",
       "currency/month (MRR)",
       {E::conversion},
       false,
       {},
       H,
       referral_expansion});
  add({"activation_tasks_completion",
       "Percent Completing Key Activation Tasks",
       "activation",
       "Among customers who signed up (or converted) at least `window_days` before the end of the "
       "log, "
       "the share completing at least one activation task within `window_days` of sign-up "
       "(headline), and the share completing all tasks (share_all_tasks).",
       "share",
       {E::activation_task},
       false,
       {{"window_days", "14", "days after sign-up"}},
       H,
       activation_tasks});
  add({"activation_milestones",
       "Percent of Accounts Completing Key Activation Milestones",
       "activation",
       "Per milestone, the share of accounts (signed up at least `window_days` before the end) "
       "reaching "
       "it within `window_days` of sign-up; headline: the first milestone.",
       "share",
       {E::milestone},
       false,
       {{"window_days", "30", "days after sign-up"}},
       H,
       activation_milestones});
  add({"pql_rate",
       "Percent of Accounts Reaching PQL Status",
       "activation",
       "Among trial or freemium accounts (a trial_started event, or a sign-up not converted at "
       "once), "
       "the share with a pql_reached event.",
       "share",
       {E::pql_reached},
       false,
       {},
       H,
       pql_rate});
  add({"referral_funnel_dropoff",
       "Referral Funnel Drop-Off Rate",
       "referral",
       "Referral flows started with no invite sent before the customer's next flow (or the end) / "
       "referral flows started.",
       "share",
       {E::referral_flow_started},
       false,
       {},
       L,
       referral_dropoff});
  add({"referral_prompt_interaction_rate",
       "Referral Prompt Interaction Rate",
       "referral",
       "Referral prompts interacted with (click, expand, accept or decline) / prompts shown.",
       "share",
       {E::referral_prompt_shown},
       false,
       {},
       H,
       referral_prompt_interaction_rate});
  add({"activated_followup_engagement",
       "Activated-to-Follow-Up Engagement Rate",
       "adoption",
       "Among customers activated at least `window_days` before the end, the share with an "
       "engagement "
       "event (login, feature use, value action, purchase) within `window_days` after activation.",
       "share",
       {E::activated},
       false,
       {{"window_days", "7", "days after activation"}},
       H,
       activated_followup});
  add({"referral_readiness_score",
       "Referral Readiness Score",
       "referral",
       "Per paying account at T0 = end - `horizon_days`: score = 30 min(1, logins in the 30 days "
       "before T0 / 12) "
       "+ 30 min(1, value actions in those days / 6) + 25 sentiment (last NPS/10, else (last "
       "CSAT-1)/4, "
       "else 0.5) + 15 min(1, tenure days / 180), in 0..100. Headline: ROC AUC of the score for a "
       "referral (invite sent or prompt accepted) in (T0, T0 + horizon_days]; also the score "
       "quartiles.",
       "AUC",
       {E::referral_prompt_shown, E::login},
       false,
       {{"horizon_days", "30", "prediction window"}},
       H,
       readiness});
  add({"downgrade_to_churn_rate",
       "Downgrade to Churn Conversion Rate",
       "retention",
       "Among customers whose first downgrade is at least `window_days` before the end, the share "
       "who "
       "churn within `window_days` after it.",
       "share",
       {E::downgrade},
       false,
       {{"window_days", "90", "days after the downgrade"}},
       L,
       downgrade_churn});
  // reach and acquisition
  add({"impressions",
       "Impressions",
       "acquisition",
       "Sum of channel impressions.",
       "impressions",
       {},
       true,
       {},
       N,
       impressions});
  add({"click_through_rate",
       "Click-Through Rate",
       "acquisition",
       "Channel clicks / impressions.",
       "share",
       {},
       true,
       {},
       H,
       click_through_rate});
  add({"content_engagement_rate",
       "Content Engagement",
       "acquisition",
       "Clicks that read content or downloaded / clicks (per visitor).",
       "share",
       {},
       true,
       {},
       H,
       content_engagement_rate});
  add({"lead_rate",
       "Lead Rate",
       "acquisition",
       "Leads or sign-ups / clicks.",
       "share",
       {},
       true,
       {},
       H,
       lead_rate});
  add({"cost_per_lead",
       "Cost per Lead",
       "acquisition",
       "Marketing spend (channel rows, teams excluded) / leads from the channel table.",
       "currency",
       {},
       true,
       {},
       L,
       cost_per_lead});
  add({"conversion_rate",
       "Conversion Rate (lead -> customer)",
       "acquisition",
       "Customers with a lead or sign-up event who converted to paying / customers with a lead or "
       "sign-up.",
       "share",
       {E::conversion},
       false,
       {},
       H,
       lead_conversion});
  add({"trial_to_paid_rate",
       "Trial-to-Paid Conversion",
       "acquisition",
       "Trials that ended in a conversion / trials that ended (conversion or expiry; running "
       "trials excluded).",
       "share",
       {E::trial_started},
       false,
       {},
       H,
       trial_to_paid});
  add({"cac",
       "Customer Acquisition Cost",
       "revenue",
       "Marketing spend (channel rows, teams excluded) / customers who converted in the log.",
       "currency",
       {E::conversion},
       true,
       {},
       L,
       cac});
  add({"cac_fully_loaded",
       "CAC (fully loaded)",
       "revenue",
       "All spend in the channel table, team costs included / customers who converted. Not "
       "defined by channel (--by channel): team costs are not allocated to channels.",
       "currency",
       {E::conversion},
       true,
       {},
       L,
       cac_fully_loaded});
  // activation
  add({"activation_rate",
       "Activation Rate",
       "activation",
       "Among customers who signed up (or converted) at least `window_days` before the end, the "
       "share "
       "activated (all required activation tasks done) within `window_days`.",
       "share",
       {E::activated},
       false,
       {{"window_days", "30", "days after sign-up"}},
       H,
       activation_rate});
  add({"time_to_first_value",
       "Time to First Value",
       "activation",
       "Days from sign-up (or conversion) to the first milestone, among those reaching one: mean, "
       "median, p90; share_reaching among all who signed up.",
       "days",
       {E::milestone},
       false,
       {},
       L,
       time_to_first_value});
  add({"stage_distribution",
       "Stage Distribution over Time",
       "activation",
       "Customers in each stage at each month end (table). Headline: share of staged customers in "
       "the "
       "last (most mature) stage at the end of the log.",
       "share",
       {E::stage_entered},
       false,
       {},
       H,
       stage_distribution});
  add({"time_in_stage",
       "Time in Stage",
       "activation",
       "Completed stays per stage (entry to next stage entry, churn or trial expiry): count, mean, "
       "median days (table). Headline: mean days in the first stage.",
       "days",
       {E::stage_entered},
       false,
       {},
       N,
       time_in_stage});
  // retention
  add({"monthly_churn_rate",
       "Monthly Logo Churn",
       "retention",
       "For each whole month of the log (30.44 days from the start): customers paying at its start "
       "who "
       "churn within it / customers paying at its start; headline: the mean over months; also "
       "pooled.",
       "share/month",
       {E::conversion, E::churned},
       false,
       {},
       L,
       monthly_churn});
  add({"gross_revenue_retention",
       "Gross Revenue Retention (monthly)",
       "retention",
       "For each month: MRR at its end of the customers paying at its start, each capped at its "
       "starting "
       "MRR / their MRR at its start; mean over months (annualised = mean^12). Not available for "
       "non-contractual logs (purchases but no payment events).",
       "share",
       {E::conversion},
       false,
       {},
       H,
       gross_revenue_retention});
  add({"net_revenue_retention",
       "Net Revenue Retention (monthly)",
       "retention",
       "As gross revenue retention, without the cap (expansion counts).",
       "share",
       {E::conversion},
       false,
       {},
       H,
       net_revenue_retention});
  add({"reactivation_rate",
       "Reactivation Rate (win-back)",
       "retention",
       "Churned customers who were reactivated after their first churn / churned customers.",
       "share",
       {E::churned},
       false,
       {},
       H,
       reactivation_rate});
  add({"repeat_purchase_rate",
       "Repeat Purchase Rate",
       "retention",
       "Customers with two or more purchases / customers with a purchase.",
       "share",
       {E::purchase},
       false,
       {},
       H,
       repeat_purchase});
  add({"rfm_segments",
       "RFM Segments",
       "retention",
       "Customers with purchases or payments scored 1..5 by quintile of recency (days since the "
       "last "
       "one, recent = 5), frequency (count) and monetary (sum), tied values sharing the highest "
       "score of their tie block; table: counts by R (rows) x F "
       "(columns). Headline: share of champions (R, F and M all >= 4).",
       "share",
       {},
       false,
       {},
       H,
       rfm});
  // revenue
  add({"mrr",
       "Monthly Recurring Revenue",
       "revenue",
       "MRR replayed from conversion, upgrade, downgrade, seat and churn/reactivation events, at "
       "each "
       "month end (table); headline: MRR at the end of the log. Not available for non-contractual "
       "logs (purchases but no payment events).",
       "currency/month",
       {E::conversion},
       false,
       {},
       H,
       mrr_series});
  add({"arpa",
       "Average Revenue per Account",
       "revenue",
       "MRR at the end / accounts paying at the end. Not available for non-contractual logs "
       "(purchases but no payment events).",
       "currency/month",
       {E::conversion},
       false,
       {},
       H,
       arpa});
  add({"expansion_revenue",
       "Expansion Revenue",
       "revenue",
       "Sum of positive MRR changes from upgrades and seat growth. Not available for "
       "non-contractual logs (purchases but no payment events).",
       "currency/month (MRR)",
       {E::conversion},
       false,
       {},
       H,
       expansion});
  add({"clv",
       "Customer Lifetime Value (subscription)",
       "revenue",
       "ARPA x margin / monthly logo churn (the mean of monthly_churn_rate).",
       "currency",
       {E::conversion, E::churned},
       false,
       {{"margin", "0.8", "gross margin"}},
       H,
       clv_subscription});
  add({"clv_survival",
       "Customer Lifetime Value (survival-based)",
       "revenue",
       "ARPA x margin x Kaplan-Meier restricted mean lifetime (months, as avg_customer_lifespan "
       "computes it: to its `tau_days`, by default the log's length; a lower bound when many "
       "customers survive the horizon).",
       "currency",
       {E::conversion, E::churned},
       false,
       {{"margin", "0.8", "gross margin"}},
       H,
       clv_survival});
  add({"cac_clv_ratio",
       "CLV:CAC Ratio",
       "revenue",
       "clv / CAC (3 is the common benchmark). CAC is fully loaded (channel spend and team costs, "
       "as cac_fully_loaded, the convention of published benchmarks) unless cost = marketing "
       "(as cac).",
       "ratio",
       {E::conversion, E::churned},
       true,
       {{"margin", "0.8", "gross margin"},
        {"cost", "fully_loaded",
         "fully_loaded (sales and marketing) or marketing (channel spend)"}},
       H,
       cac_clv});
  add({"cac_payback_months",
       "CAC Payback",
       "revenue",
       "CAC / (ARPA x margin); CAC fully loaded unless cost = marketing (see cac_clv_ratio).",
       "months",
       {E::conversion},
       true,
       {{"margin", "0.8", "gross margin"},
        {"cost", "fully_loaded",
         "fully_loaded (sales and marketing) or marketing (channel spend)"}},
       L,
       cac_payback});
  // messages
  auto msg = [&](const char* id, const char* name, const char* def, D dir,
                 Result (*compute)(const Context&)) {
    add({id, name, "messages", def, "share", {E::message_sent}, false, {}, dir, compute});
  };
  msg("message_delivery_rate", "Delivery Rate", "Messages delivered / sent; table per campaign.", H,
      message_delivery_rate);
  msg("message_bounce_rate", "Bounce Rate", "Messages bounced / sent; table per campaign.", L,
      message_bounce_rate);
  msg("message_open_rate", "Open Rate", "Messages opened / delivered; table per campaign.", H,
      message_open_rate);
  msg("message_click_rate", "Click-Through Rate (messages)",
      "Messages clicked / delivered; table per campaign.", H, message_click_rate);
  msg("message_click_to_open_rate", "Click-to-Open Rate",
      "Messages clicked / opened; table per campaign.", H, message_click_to_open_rate);
  msg("message_unsubscribe_rate", "Unsubscribe Rate",
      "Unsubscribes / messages delivered; table per campaign.", L, message_unsubscribe_rate);
  // sentiment
  add({"csat",
       "CSAT",
       "sentiment",
       "Share of CSAT answers scoring 4 or 5 (of 1..5).",
       "share",
       {E::csat},
       false,
       {},
       H,
       csat});
  add({"nps",
       "Net Promoter Score",
       "sentiment",
       "100 x (share of NPS answers 9-10 minus share 0-6).",
       "points",
       {E::nps},
       false,
       {},
       H,
       nps});
  // referral and advocacy
  add({"referral_participation_rate",
       "Referral Participation",
       "referral",
       "Converted customers who sent at least one referral invite / converted customers.",
       "share",
       {E::referral_prompt_shown},
       false,
       {},
       H,
       referral_participation_rate});
  add({"invites_per_customer",
       "Invites per Customer",
       "referral",
       "Referral invites sent by converted customers / converted customers.",
       "invites",
       {E::referral_prompt_shown},
       false,
       {},
       H,
       invites_per_customer});
  add({"invite_conversion_rate",
       "Invite Conversion",
       "referral",
       "Referred customers (customers with a referrer) / referral invites sent.",
       "share",
       {E::referral_invite_sent},
       false,
       {},
       H,
       invite_conversion});
  add({"viral_coefficient",
       "Viral Coefficient",
       "referral",
       "Converted referred customers / converted customers who were not referred (new customers "
       "each "
       "brings).",
       "ratio",
       {E::referral_prompt_shown},
       false,
       {},
       H,
       viral_coefficient});
  add({"advocacy_rate",
       "Advocacy Rate",
       "referral",
       "Converted customers with a review or social share / converted customers.",
       "share",
       {E::nps},
       false,
       {},
       H,
       advocacy_rate});
  add({"revenue_collected",
       "Revenue Collected",
       "revenue",
       "Sum of payment and purchase amounts within the log (net of discounts, which payments "
       "already are; extra discounts_given sums discount_applied amounts).",
       "currency",
       {},
       false,
       {},
       H,
       revenue_collected});
  add({"total_cost",
       "Total Cost",
       "revenue",
       "All spend in the channel table (media and team costs) plus the cost of playbook actions "
       "(incentives and message sends, the playbook_action values) of the population; extras "
       "split it into channel_spend, team_cost and playbook_cost.",
       "currency",
       {},
       true,
       {},
       L,
       costs});
  add({"net_contribution",
       "Net Contribution",
       "revenue",
       "revenue_collected - total_cost over the log: what the lifecycle earned after acquisition, "
       "team and playbook costs (the base of a playbook's ROI in `journeysim compare`).",
       "currency",
       {},
       true,
       {},
       H,
       net_contribution});
  add({"active_customers",
       "Active Customers",
       "adoption",
       "Customers with an engagement event (login, feature use, value action, purchase) in each "
       "whole month of the log (30.44 days from the start; table); headline: the last whole month.",
       "customers",
       {},
       false,
       {},
       H,
       active_customers});
  return k;
}

}  // namespace

const std::vector<KpiDef>& registry() {
  static const std::vector<KpiDef> r = build();
  return r;
}
const KpiDef* find_kpi(const std::string& id) {
  for (const auto& d : registry())
    if (d.id == id) return &d;
  return nullptr;
}

Params parse_params(const std::vector<std::string>& assignments) {
  Params p;
  std::vector<std::string> ids;
  for (const auto& d : registry()) ids.push_back(d.id);
  for (const auto& a : assignments) {
    auto eq = a.find('='), dot = a.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq)
      throw std::runtime_error("--kpi-param " + a + ": expected kpi_id.param=value");
    std::string id = a.substr(0, dot), param = a.substr(dot + 1, eq - dot - 1);
    const KpiDef* d = find_kpi(id);
    if (!d)
      throw std::runtime_error("--kpi-param " + a + ": unknown KPI '" + id + "'" +
                               common::did_you_mean(id, ids) + " (see `journeysim kpis`)");
    std::vector<std::string> names;
    for (const auto& pd : d->params) names.push_back(pd.name);
    if (std::find(names.begin(), names.end(), param) == names.end())
      throw std::runtime_error(
          "--kpi-param " + a + ": KPI '" + id + "' has no parameter '" + param + "'" +
          (names.empty()
               ? " (it takes none)"
               : common::did_you_mean(param, names) + " (it takes: " + common::join(names) + ")"));
    p[id + "." + param] = a.substr(eq + 1);
  }
  return p;
}

std::string registry_markdown() {
  std::ostringstream o;
  o << "# KPI catalogue\n\nGenerated from the registry (`journeysim kpis --markdown`); a test "
       "checks this "
       "file is current.\nEvery KPI is computed per group of a breakdown (`score --by`) and per "
       "replication; across replications it is reported as mean, standard error and 95% confidence "
       "interval (Student t). A KPI whose events the log lacks is reported \"not available\" with "
       "the "
       "reason.\n\n";
  // grouped by area (in order of first appearance), registry order within an area
  std::vector<std::string> areas;
  for (const auto& d : registry())
    if (std::find(areas.begin(), areas.end(), d.area) == areas.end()) areas.push_back(d.area);
  std::vector<const KpiDef*> ordered;
  for (const auto& a : areas)
    for (const auto& d : registry())
      if (d.area == a) ordered.push_back(&d);
  std::string area;
  for (const KpiDef* dp : ordered) {
    const KpiDef& d = *dp;
    if (d.area != area) o << "## " << (area = d.area) << "\n\n";
    o << "### `" << d.id << "` — " << d.name << "\n"
      << d.definition << "\n\n- unit: " << d.unit
      << "\n- direction: " << direction_phrase(d.direction) << "\n- needs: ";
    std::string needs;
    for (E t : d.needs)
      needs += (needs.empty() ? "" : ", ") + std::string(eventlog::event_type_name(t));
    if (d.needs_channels) needs += (needs.empty() ? "" : ", ") + std::string("the channel table");
    o << (needs.empty() ? "nothing beyond customers" : needs) << "\n";
    for (const auto& p : d.params)
      o << "- parameter `" << p.name << "` (default "
        << (p.default_value.empty() ? "none" : p.default_value) << "): " << p.doc << "\n";
    o << "\n";
  }
  return o.str();
}

const char* direction_id(Direction d) {
  switch (d) {
    case Direction::higher_is_better:
      return "higher_is_better";
    case Direction::lower_is_better:
      return "lower_is_better";
    default:
      return "neutral";
  }
}
const char* direction_phrase(Direction d) {
  switch (d) {
    case Direction::higher_is_better:
      return "higher is better";
    case Direction::lower_is_better:
      return "lower is better";
    default:
      return "neutral";
  }
}

}  // namespace journeysim::kpi
