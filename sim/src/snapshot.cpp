// Ground truth for datasets: every customer's latent state at the snapshot boundary
// (RunOptions::snapshot_day).
#include "market.hpp"

namespace journeysim::sim::detail {

// Records every customer's latent state at `day`, an epoch boundary: every event before it
// has been simulated, none after it, except for customers with something due before `day`
// still waiting (a referred customer created in the last epoch, a team's response scheduled
// into the next one): their row is recorded when their next event reaches `day` (advance).
void Market::take_snapshot(double day) {
  static_assert(static_cast<int>(Phase::gone) == static_cast<int>(CustomerPhase::gone));
  snapshot_at_ = day;
  truth_.resize(customers_.size());
  for (std::size_t i = 0; i < customers_.size(); ++i) {
    Customer& c = customers_[i];
    double due = c.agenda.min_time();
    for (double x : c.next) due = std::min(due, x);
    if (due < day)
      c.flags |= kSnapshotPending;
    else
      record_truth(static_cast<std::uint32_t>(i));
  }
}

void Market::record_truth(std::uint32_t i) {
  Customer& c = customers_[i];
  c.flags &= ~kSnapshotPending;
  const double day = snapshot_at_;
  CustomerTruth& t = truth_[i];
  t.id = eventlog::make_customer_id(market_, i);
  t.market = market_;
  t.replication = rep_;
  t.phase = static_cast<CustomerPhase>(c.phase);
  t.segment = c.segment;
  t.plan = c.plan;
  t.seats = c.seats;
  t.stage = c.stage;
  t.snapshot_day = day;
  t.created_day = c.created;
  const bool paying = c.phase == Phase::paying;
  t.mrr = paying ? c.mrr : 0.0;
  t.login_rate_week = live(c) ? 7.0 * login_base_rate(c) : 0.0;
  if (s_.model == Scenario::Model::non_contractual) {
    const PurchaseTraits& pt = purchase_[i];
    t.purchase_rate_day = pt.rate;
    t.dropout_p = pt.dropout_p;
    t.spend_mean = pt.spend_nu > 0 ? s_.gg_p / pt.spend_nu : 0.0;
    // dropped out: no next purchase was scheduled after the last one
    t.alive = c.created <= day && pt.rate > 0 && c.next[S_PURCHASE] < kInf;
  } else {
    t.alive = paying;
    t.churn_hazard_month = churn_rate_now(c, day) * kMonth;
    if (paying && !s_.plans[c.plan].freemium && neighbour_plan(c.plan, +1) >= 0)
      t.upgrade_rate_month = s_.upgrade_monthly;
  }
}

}  // namespace journeysim::sim::detail
