// Referral: referred customers created from invites, in a deterministic order.
#include "market.hpp"

namespace journeysim::sim::detail {

void Market::create_referred(std::vector<ReferralArrival>& refs, std::int32_t next_epoch) {
  std::sort(refs.begin(), refs.end(), [](const ReferralArrival& a, const ReferralArrival& b) {
    return a.t != b.t ? a.t < b.t : a.stream_key < b.stream_key;
  });
  for (const auto& r : refs)
    if (r.t < s_.horizon_days)
      add_customer(r.t, s_.referral_channel, r.stream_key, r.referrer, next_epoch);
}

}  // namespace journeysim::sim::detail
