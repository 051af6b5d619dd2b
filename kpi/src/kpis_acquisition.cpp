// Acquisition KPIs: lead response time, channel reach and funnel ratios, lead and trial conversion.
#include <string>

#include "kpi_families.hpp"
#include "kpi_shared.hpp"

namespace journeysim::kpi::kpis_detail {

Result lead_response_time(const Context& x) {
  return response_time(x, E::lead_created, E::sales_touch, "lead");
}
Result lead_response_median(const Context& x) {
  return response_quantile(x, E::lead_created, E::sales_touch, "lead", 0.5);
}
Result lead_response_p90(const Context& x) {
  return response_quantile(x, E::lead_created, E::sales_touch, "lead", 0.9);
}
Result lead_response_within(const Context& x) {
  return response_within(x, E::lead_created, E::sales_touch, "lead", x.num("hours"));
}

Result impressions(const Context& x) {
  Result r = need_channels(x);
  if (!r.available) return r;
  r.value = channel_sum(
      x, [](const ChannelDay& d) { return static_cast<double>(d.impressions); }, false);
  r.n = static_cast<double>(x.channel_rows->size());
  return r;
}

namespace {

template <class N, class D>
Result channel_ratio(const Context& x, N num, D den, const std::string& what, bool teams = false) {
  Result r = need_channels(x);
  if (!r.available) return r;
  return ratio(channel_sum(x, num, teams), channel_sum(x, den, false), what);
}

}  // namespace

Result click_through_rate(const Context& x) {
  return channel_ratio(
      x, [](const ChannelDay& d) { return double(d.clicks); },
      [](const ChannelDay& d) { return double(d.impressions); }, "impressions");
}
Result content_engagement_rate(const Context& x) {
  return channel_ratio(
      x, [](const ChannelDay& d) { return double(d.engaged); },
      [](const ChannelDay& d) { return double(d.clicks); }, "clicks");
}
Result lead_rate(const Context& x) {
  return channel_ratio(
      x, [](const ChannelDay& d) { return double(d.leads); },
      [](const ChannelDay& d) { return double(d.clicks); }, "clicks");
}
Result cost_per_lead(const Context& x) {
  return channel_ratio(
      x, [](const ChannelDay& d) { return d.spend; },
      [](const ChannelDay& d) { return double(d.leads); }, "leads");
}

Result lead_conversion(const Context& x) {
  double leads = 0, conv = 0;
  for (auto c : x.customers) {
    if (first_time(x, c, E::lead_created) == kNone && first_time(x, c, E::signup) == kNone)
      continue;
    leads += 1;
    conv += x.log.customers[c].converted != kNone;
  }
  return ratio(conv, leads, "leads or sign-ups");
}

Result trial_to_paid(const Context& x) {
  double ended = 0, paid = 0;
  for (auto c : x.customers) {
    std::int64_t t = first_time(x, c, E::trial_started);
    if (t == kNone) continue;
    std::int64_t conv = first_time(x, c, E::conversion, t),
                 exp = first_time(x, c, E::trial_expired, t);
    if (conv == kNone && exp == kNone) continue;  // trial still running at the end
    ended += 1;
    paid += conv != kNone && (exp == kNone || conv <= exp);
  }
  return ratio(paid, ended, "trials that ended");
}

}  // namespace journeysim::kpi::kpis_detail
