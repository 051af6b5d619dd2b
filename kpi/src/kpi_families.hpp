// The compute function of every KPI by catalogue family (docs/kpis.md), each in kpis_<family>.cpp.
#pragma once
#include "journeysim/kpi/kpis.hpp"

namespace journeysim::kpi::kpis_detail {

// kpis_acquisition.cpp
Result lead_response_time(const Context& x);
Result lead_response_median(const Context& x);
Result lead_response_p90(const Context& x);
Result lead_response_within(const Context& x);
Result impressions(const Context& x);
Result click_through_rate(const Context& x);
Result content_engagement_rate(const Context& x);
Result lead_rate(const Context& x);
Result cost_per_lead(const Context& x);
Result lead_conversion(const Context& x);  // conversion_rate
Result trial_to_paid(const Context& x);    // trial_to_paid_rate

// kpis_activation.cpp
Result lead_response_time_post_onboarding(const Context& x);
Result followup_response_median(const Context& x);
Result followup_response_p90(const Context& x);
Result followup_within(const Context& x);
Result activation_tasks(const Context& x);  // activation_tasks_completion
Result activation_milestones(const Context& x);
Result pql_rate(const Context& x);
Result activation_rate(const Context& x);
Result time_to_first_value(const Context& x);
Result stage_distribution(const Context& x);
Result time_in_stage(const Context& x);

// kpis_adoption.cpp
Result feature_adoption(const Context& x);  // feature_adoption_rate
Result time_between_logins(const Context& x);
Result habitual_action(const Context& x);     // time_to_first_habitual_action
Result activated_followup(const Context& x);  // activated_followup_engagement
Result active_customers(const Context& x);

// kpis_retention.cpp
Result lifespan(const Context& x);  // avg_customer_lifespan; also clv_survival's lifetime
Result cohort_retention(const Context& x);
Result downgrade_churn(const Context& x);  // downgrade_to_churn_rate
Result monthly_churn(const Context& x);    // monthly_churn_rate; also the churn-based CLVs
Result gross_revenue_retention(const Context& x);
Result net_revenue_retention(const Context& x);
Result reactivation_rate(const Context& x);
Result repeat_purchase(const Context& x);  // repeat_purchase_rate
Result rfm(const Context& x);              // rfm_segments

// kpis_revenue.cpp
Result referral_expansion(const Context& x);  // referral_driven_expansion_revenue
Result cac(const Context& x);
Result cac_fully_loaded(const Context& x);
Result mrr_series(const Context& x);  // mrr
Result arpa(const Context& x);
Result expansion(const Context& x);         // expansion_revenue
Result clv_subscription(const Context& x);  // clv
Result clv_survival(const Context& x);
Result cac_clv(const Context& x);      // cac_clv_ratio
Result cac_payback(const Context& x);  // cac_payback_months
Result revenue_collected(const Context& x);
Result costs(const Context& x);  // total_cost
Result net_contribution(const Context& x);

// kpis_messages.cpp
Result message_delivery_rate(const Context& x);
Result message_bounce_rate(const Context& x);
Result message_open_rate(const Context& x);
Result message_click_rate(const Context& x);
Result message_click_to_open_rate(const Context& x);
Result message_unsubscribe_rate(const Context& x);

// kpis_sentiment.cpp
Result csat(const Context& x);
Result nps(const Context& x);

// kpis_referral.cpp
Result referral_prompt_acceptance_rate(const Context& x);
Result referral_dropoff(const Context& x);  // referral_funnel_dropoff
Result referral_prompt_interaction_rate(const Context& x);
Result readiness(const Context& x);  // referral_readiness_score
Result referral_participation_rate(const Context& x);
Result invites_per_customer(const Context& x);
Result invite_conversion(const Context& x);  // invite_conversion_rate
Result viral_coefficient(const Context& x);
Result advocacy_rate(const Context& x);

}  // namespace journeysim::kpi::kpis_detail
