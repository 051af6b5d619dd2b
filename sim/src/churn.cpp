// Churn and reactivation: the churn hazard in force (segment, plan, stage, effects), its
// clock, and win-back of churned customers.
#include "market.hpp"

namespace journeysim::sim::detail {

// -- churn hazard
double Market::churn_rate_now(const Customer& c, double t) const {
  if (c.phase != Phase::paying || s_.model != Scenario::Model::subscription) return 0;
  double r = s_.churn_monthly / kMonth * s_.segments[c.segment].churn_x;
  if (c.stage >= 0) r *= s_.stages[c.stage].churn_x;
  if (c.has(Flag::activated)) r *= s_.activated_churn_x;
  if (c.has(Flag::promoter)) r *= s_.promoter_churn_x;
  if (c.has(Flag::detractor)) r *= s_.detractor_churn_x;
  if (c.has(Flag::downgraded) && t < c.downgraded_at + s_.downgrade_churn_days)
    r *= s_.downgrade_churn_x;
  if (c.flags & kLowCsat) r *= s_.low_csat_churn_x;
  if (c.flags & kFollowedUp) r *= s_.followup_churn_x;
  return r * effect_product(c, &Effect::churn_x);
}

void Market::update_churn(Customer& c, double t) {
  c.churn_acc += c.churn_rate * (t - c.churn_since);
  c.churn_since = t;
  c.churn_rate = churn_rate_now(c, t);
  c.next[S_CHURN] =
      c.churn_rate > 0 ? t + std::max(0.0, c.churn_budget - c.churn_acc) / c.churn_rate : kInf;
}

void Market::start_churn_clock(Customer& c, double t, BlockOut& o) {
  Stream st = stream(c, Purpose::churn);
  c.churn_budget = st.exponential(1.0);
  save(c, Purpose::churn, st, o);
  c.churn_acc = 0;
  c.churn_since = t;
  c.churn_rate = 0;
  update_churn(c, t);
}

void Market::reactivate(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
  c.next[S_REACTIVATE] = kInf;
  c.set(Flag::churned, false);
  c.phase = Phase::paying;
  c.set(Flag::paying);
  c.mrr = plan_mrr(c, c.plan);
  emit(c, o, idx, t, EventType::reactivated, c.plan, c.mrr);
  c.next[S_PAYMENT] = t;
  c.next[S_REVCHANGE] = t + sample_revchange_gap(c, o);
  start_churn_clock(c, t, o);
  c.last_login = t;
  enter_stage(c, o, idx, t, s_.reactivation_stage);
  schedule_ticket(c, t, o);
}

void Market::rates_changed(Customer& c, BlockOut& o, double t) {
  update_churn(c, t);
  // not "if a login is pending": none is pending when the last draw fell past the horizon or
  // the rate was 0, and a higher rate from now on must still get its logins
  if (live(c) && c.product_start >= 0) schedule_login(c, t, o);
  if (c.phase == Phase::freemium) schedule_freemium_upgrade(c, o, t);
}

void Market::churn_due(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
  c.phase = Phase::churned;
  c.set(Flag::churned);
  c.set(Flag::paying, false);
  if (c.churn_time < 0) c.churn_time = t;
  c.mrr = 0;
  for (int k : {S_LOGIN, S_PAYMENT, S_REVCHANGE, S_TICKET, S_STAGE, S_INACTIVE}) c.next[k] = kInf;
  c.agenda.erase_if([](const Pending& p) { return p.kind == Pend::task; });
  emit(c, o, idx, t, EventType::churned);
  if (s_.reactivation_monthly > 0) {
    Stream st = stream(c, Purpose::reactivation);
    c.next[S_REACTIVATE] = t + st.exponential(kMonth / s_.reactivation_monthly);
    save(c, Purpose::reactivation, st, o);
  }
}

}  // namespace journeysim::sim::detail
