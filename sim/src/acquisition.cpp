// Acquisition and channels: each day's spend, impressions, clicks and leads by channel,
// new customers, and what a customer does on arrival (lead, trial, freemium, self-serve).
#include "market.hpp"

namespace journeysim::sim::detail {

// ---- arrivals
void Market::generate_day(int day, std::vector<eventlog::ChannelDayRow>& rows) {
  const double frac = std::min(1.0, s_.horizon_days - day);
  const double factor = season(day + 0.5) / season_norm_ * frac;
  struct Arr {
    double t;
    int channel;
    std::uint64_t key;
  };
  std::vector<Arr> arrivals;
  for (std::size_t ch = 0; ch < s_.channels.size(); ++ch) {
    const Channel& c = s_.channels[ch];
    if (c.referral) continue;
    const std::uint64_t day_key = mix(mix(0xc4a77e1ULL, ch), static_cast<std::uint64_t>(day));
    Stream st(run_key_, day_key, Purpose::channel_day);
    const double leads_mean = s_.customers * c.share * factor;
    const double p_lead = c.ctr * c.lead_rate;
    const double impr_mean = leads_mean / p_lead;
    std::int64_t impressions = impr_mean > 0 ? sample_poisson(st, impr_mean) : 0;
    std::int64_t clicks = sample_binomial(st, impressions, c.ctr);
    std::int64_t engaged = sample_binomial(st, clicks, c.engagement_rate);
    std::int64_t leads = sample_binomial(st, clicks, c.lead_rate);
    eventlog::ChannelDayRow r{};
    r.market = market_;
    r.replication = rep_;
    r.channel = static_cast<std::int32_t>(ch);
    r.day_start = s_.start_time + static_cast<std::int64_t>(day) * 86400;
    r.spend = impressions * c.cpm / 1000.0 + c.fixed_cost_per_day * frac;
    r.impressions = impressions;
    r.clicks = clicks;
    r.engaged = engaged;
    r.leads = leads;
    rows.push_back(r);
    for (std::int64_t k = 0; k < leads; ++k)
      arrivals.push_back({day + st.uniform53() * frac, static_cast<int>(ch),
                          mix(day_key, static_cast<std::uint64_t>(k))});
  }
  // team costs as pseudo-channel rows `team:<name>` (see docs/event-log.md)
  for (std::size_t t = 0; t < s_.teams.size(); ++t) {
    if (s_.teams[t].cost_per_agent_month <= 0) continue;
    eventlog::ChannelDayRow r{};
    r.market = market_;
    r.replication = rep_;
    r.channel = static_cast<std::int32_t>(s_.channels.size() + t);
    r.day_start = s_.start_time + static_cast<std::int64_t>(day) * 86400;
    r.spend = s_.teams[t].agents * s_.teams[t].cost_per_agent_month / kMonth * frac;
    rows.push_back(r);
  }
  std::sort(arrivals.begin(), arrivals.end(),
            [](const Arr& a, const Arr& b) { return a.t != b.t ? a.t < b.t : a.key < b.key; });
  for (const auto& a : arrivals) add_customer(a.t, a.channel, a.key, -1, 0);
}

std::uint32_t Market::add_customer(double t, int channel, std::uint64_t key, std::int64_t referrer,
                                   std::int32_t min_epoch) {
  auto idx = static_cast<std::uint32_t>(customers_.size());
  customers_.emplace_back();
  first_plan_.push_back(-1);
  scheduled_.push_back(-1);
  if (s_.model == Scenario::Model::non_contractual) purchase_.emplace_back();
  if (!counter_keys_.empty()) counts_.emplace_back();
  Customer& c = customers_.back();
  c.stream_key = key;
  c.referrer = referrer;
  c.created = t;
  c.channel = static_cast<std::int16_t>(channel);
  std::fill(std::begin(c.next), std::end(c.next), kInf);
  c.agenda.push({t, 0, Pend::arrival, 0});
  if (referrer >= 0) c.set(Flag::referred);
  schedule(idx, epoch_of(t), min_epoch);
  return idx;
}

void Market::arrive(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
  Stream st = stream(c, Purpose::segment);
  double u = st.uniform(), acc = 0;
  c.segment = static_cast<std::int16_t>(s_.segments.size() - 1);
  for (std::size_t g = 0; g < s_.segments.size(); ++g) {
    acc += s_.segments[g].share;
    if (u < acc) {
      c.segment = static_cast<std::int16_t>(g);
      break;
    }
  }
  double sm = s_.segments[c.segment].seats_mean;
  c.seats = 1 + (sm > 1 ? static_cast<int>(sample_poisson(st, sm - 1)) : 0);
  save(c, Purpose::segment, st, o);
  if (s_.model == Scenario::Model::non_contractual) {
    emit(c, o, idx, t, EventType::signup, c.channel);
    Stream ps = stream(c, Purpose::purchases);
    boost::random::gamma_distribution<double> lam(s_.bg_r, 1.0 / s_.bg_alpha);
    PurchaseTraits& pt = purchase_[idx];
    pt.rate = lam(ps);
    boost::random::beta_distribution<double> drop(s_.bg_a, s_.bg_b);
    pt.dropout_p = drop(ps);
    boost::random::gamma_distribution<double> nu(s_.gg_q, 1.0 / s_.gg_gamma);
    pt.spend_nu = nu(ps);
    boost::random::gamma_distribution<double> z(s_.gg_p, 1.0 / pt.spend_nu);
    double amount = z(ps);
    c.next[S_PURCHASE] = pt.rate > 0 ? t + ps.exponential(1.0 / pt.rate) : kInf;
    save(c, Purpose::purchases, ps, o);
    c.phase = Phase::paying;
    c.converted = t;
    first_plan_[idx] = -1;
    emit(c, o, idx, t, EventType::conversion, -1, amount);
    emit(c, o, idx, t, EventType::purchase, -1, amount);
    start_product(c, o, idx, t);
    return;
  }
  if (s_.acquisition == Scenario::Acquisition::sales_led) {
    c.phase = Phase::lead;
    emit(c, o, idx, t, EventType::lead_created, c.channel);
    o.requests.push_back({t, idx, Req::sales_lead, -1});
    return;
  }
  emit(c, o, idx, t, EventType::signup, c.channel);
  const Plan& p = s_.plans[s_.entry_plan];
  c.plan = static_cast<std::int16_t>(s_.entry_plan);
  if (p.trial_days > 0) {
    c.phase = Phase::trial;
    c.set(Flag::trial);
    emit(c, o, idx, t, EventType::trial_started, s_.entry_plan);
    c.next[S_TRIAL_END] = t + p.trial_days;
    start_product(c, o, idx, t);
  } else if (p.freemium) {
    c.phase = Phase::freemium;
    c.set(Flag::freemium);
    start_product(c, o, idx, t);
    schedule_freemium_upgrade(c, o, t);
  } else {
    convert(c, o, idx, t, s_.entry_plan);  // live before the product starts, as in sales-led
    start_product(c, o, idx, t);
  }
}

}  // namespace journeysim::sim::detail
