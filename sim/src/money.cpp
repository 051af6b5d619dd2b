// Money: conversion to a paid plan, trials, payments, upgrades, downgrades, seat expansion and
// non-contractual purchases (BG/NBD + Gamma-Gamma).
#include "market.hpp"

namespace journeysim::sim::detail {

double Market::sample_revchange_gap(Customer& c, BlockOut& o) {
  double total = (s_.upgrade_monthly + s_.downgrade_monthly + s_.seat_expansion_monthly) / kMonth;
  if (total <= 0 || c.phase != Phase::paying || s_.plans[c.plan].freemium) return kInf;
  Stream st = stream(c, Purpose::revenue_change);
  double g = st.exponential(1.0 / total);
  save(c, Purpose::revenue_change, st, o);
  return g;
}

void Market::convert(Customer& c, BlockOut& o, std::uint32_t idx, double t, int plan) {
  bool first = c.converted < 0;
  c.phase = Phase::paying;
  c.plan = static_cast<std::int16_t>(plan);
  c.mrr = plan_mrr(c, plan);
  if (first) {
    c.converted = t;
    first_plan_[idx] = plan;
  }
  c.set(Flag::paying);
  c.set(Flag::trial, false);
  c.set(Flag::freemium, false);
  emit(c, o, idx, t, EventType::conversion, plan, c.mrr);
  c.next[S_TRIAL_END] = kInf;
  c.next[S_CONVERT] = kInf;
  if (s_.model == Scenario::Model::subscription) {
    c.next[S_PAYMENT] = t;  // first payment at conversion
    c.next[S_REVCHANGE] = t + sample_revchange_gap(c, o);
    start_churn_clock(c, t, o);
    if (first && !s_.nps_days.empty()) {
      c.agenda.push({t + s_.nps_days[0], 0, Pend::nps, 0});
    }
  }
}

void Market::schedule_freemium_upgrade(Customer& c, BlockOut& o, double t) {
  double rate = s_.freemium_upgrade_monthly / kMonth * conversion_multiplier(c);
  if (c.phase != Phase::freemium || rate <= 0) {
    c.next[S_CONVERT] = kInf;
    return;
  }
  Stream st = stream(c, Purpose::conversion);
  c.next[S_CONVERT] = t + st.exponential(1.0 / rate);
  save(c, Purpose::conversion, st, o);
}

void Market::payment_due(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
  if (c.phase != Phase::paying) return;
  double amount = std::max(0.0, c.mrr - c.pending_discount);
  c.pending_discount = 0;
  if (c.mrr > 0) emit(c, o, idx, t, EventType::payment, c.plan, amount);
  c.next[S_PAYMENT] = t + kMonth;
}

void Market::revenue_change_due(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
  if (c.phase != Phase::paying) return;
  Stream st = stream(c, Purpose::revenue_change);
  double total = s_.upgrade_monthly + s_.downgrade_monthly + s_.seat_expansion_monthly;
  double u = st.uniform() * total;
  int seats_added = 1 + static_cast<int>(sample_poisson(st, s_.seat_expansion_mean - 1 + 1e-12));
  save(c, Purpose::revenue_change, st, o);
  double before = c.mrr;
  if (u < s_.upgrade_monthly) {
    int np = neighbour_plan(c.plan, +1);
    if (np >= 0) {
      c.plan = static_cast<std::int16_t>(np);
      c.mrr = plan_mrr(c, np);
      emit(c, o, idx, t, EventType::upgrade, np, c.mrr - before);
    }
  } else if (u < s_.upgrade_monthly + s_.downgrade_monthly) {
    int np = neighbour_plan(c.plan, -1);
    if (np >= 0) {
      c.plan = static_cast<std::int16_t>(np);
      c.mrr = plan_mrr(c, np);
      c.set(Flag::downgraded);
      c.downgraded_at = t;
      emit(c, o, idx, t, EventType::downgrade, np, c.mrr - before);
      update_churn(c, t);
      c.agenda.push({t + s_.downgrade_churn_days, 0, Pend::effect_end, -1});
    }
  } else if (s_.plans[c.plan].per_seat) {
    c.seats += seats_added;
    c.mrr = plan_mrr(c, c.plan);
    emit(c, o, idx, t, EventType::seats_changed, seats_added, c.mrr - before);
  }
  c.next[S_REVCHANGE] = t + sample_revchange_gap(c, o);
}

void Market::purchase_due(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
  const PurchaseTraits& pt = purchase_[idx];  // (only the non-contractual model purchases)
  Stream ps = stream(c, Purpose::purchases);
  boost::random::gamma_distribution<double> z(s_.gg_p, 1.0 / pt.spend_nu);
  double amount = z(ps);
  bool drop = ps.bernoulli(pt.dropout_p);
  double gap = ps.exponential(1.0 / pt.rate);
  save(c, Purpose::purchases, ps, o);
  emit(c, o, idx, t, EventType::purchase, -1, amount);
  c.next[S_PURCHASE] = drop ? kInf : t + gap;  // BG/NBD: may drop out after a repeat purchase
}

void Market::conversion_due(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
  if (c.phase == Phase::cycle) {
    convert(c, o, idx, t, s_.sales_plan);
    start_product(c, o, idx, t);
  } else if (c.phase == Phase::freemium) {
    convert(c, o, idx, t, s_.upgrade_plan);
  }
}

void Market::trial_end_due(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
  if (c.phase != Phase::trial) return;
  Stream st = stream(c, Purpose::trial);
  bool ok = st.bernoulli(std::min(1.0, s_.trial_conversion * conversion_multiplier(c)));
  save(c, Purpose::trial, st, o);
  if (ok) {
    convert(c, o, idx, t, s_.upgrade_plan);
  } else {
    c.phase = Phase::lost;
    c.set(Flag::trial, false);
    emit(c, o, idx, t, EventType::trial_expired, c.plan);
    for (int k : {S_LOGIN, S_TICKET, S_STAGE, S_INACTIVE}) c.next[k] = kInf;
    c.agenda.erase_if([](const Pending& p) { return p.kind == Pend::task; });
  }
}

}  // namespace journeysim::sim::detail
