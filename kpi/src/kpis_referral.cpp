// Referral and advocacy KPIs: prompts, funnel drop-off, readiness, invites, virality, advocacy.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "kpi_families.hpp"
#include "kpi_shared.hpp"

namespace journeysim::kpi::kpis_detail {

Result referral_prompt_acceptance_rate(const Context& x) {
  return count_ratio(x, E::referral_prompt_accepted, E::referral_prompt_shown,
                     "referral prompts shown");
}
Result referral_prompt_interaction_rate(const Context& x) {
  return count_ratio(x, E::referral_prompt_interacted, E::referral_prompt_shown,
                     "referral prompts shown");
}

Result referral_dropoff(const Context& x) {
  double flows = 0, dropped = 0;
  for (auto c : x.customers) {
    bool open = false, sent = false;
    for (Ev e : events(x, c)) {
      if (e.type == E::referral_flow_started) {
        if (open) dropped += !sent;
        open = true;
        sent = false;
        flows += 1;
      } else if (e.type == E::referral_invite_sent && open) {
        sent = true;
      }
    }
    if (open) dropped += !sent;
  }
  return ratio(dropped, flows, "referral flows started");
}

namespace {

bool paying_at(const Context& x, std::uint32_t c, std::int64_t t) {
  return replay_to(x, c, t, false, paying_step);
}

// Mann-Whitney AUC: P(score of a positive > score of a negative), ties count 1/2.
double auc(const std::vector<double>& pos, const std::vector<double>& neg) {
  std::vector<std::pair<double, int>> all;
  for (double s : pos) all.push_back({s, 1});
  for (double s : neg) all.push_back({s, 0});
  std::sort(all.begin(), all.end());
  double rank_sum = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k)
      if (all[k].second) rank_sum += avg_rank;
    i = j;
  }
  double np = pos.size(), nn = neg.size();
  return (rank_sum - np * (np + 1) / 2) / (np * nn);
}

}  // namespace

Result readiness(const Context& x) {
  const double horizon = x.num("horizon_days");
  const std::int64_t t0 = x.log.end - static_cast<std::int64_t>(horizon * kDay);
  const std::int64_t lookback = static_cast<std::int64_t>(30 * kDay);
  std::vector<double> pos, neg, all;
  for (auto c : x.customers) {
    const auto& ci = x.log.customers[c];
    if (ci.converted == kNone || ci.converted > t0 || !paying_at(x, c, t0)) continue;
    double logins = 0, values = 0, nps = -1, csat = -1;
    bool referred_next = false;
    for (Ev e : events(x, c)) {
      if (e.t <= t0) {
        if (e.t > t0 - lookback) logins += e.type == E::login, values += e.type == E::value_action;
        if (e.type == E::nps) nps = e.value;
        if (e.type == E::csat) csat = e.value;
      } else if (e.t <= t0 + static_cast<std::int64_t>(horizon * kDay) &&
                 (e.type == E::referral_invite_sent || e.type == E::referral_prompt_accepted)) {
        referred_next = true;
      }
    }
    double tenure = days(t0 - ci.converted);
    double sentiment = nps >= 0 ? nps / 10.0 : (csat >= 0 ? (csat - 1) / 4.0 : 0.5);
    double score = 30 * std::min(1.0, logins / 12.0) + 30 * std::min(1.0, values / 6.0) +
                   25 * sentiment + 15 * std::min(1.0, tenure / 180.0);
    all.push_back(score);
    (referred_next ? pos : neg).push_back(score);
  }
  if (all.empty()) return Result::unavailable("no paying customer at the scoring time");
  if (pos.empty() || neg.empty())
    return Result::unavailable(
        "the ROC AUC needs customers who referred and who did not in the next " +
        std::to_string(static_cast<int>(horizon)) + " days");
  Result r;
  r.value = auc(pos, neg);
  r.n = static_cast<double>(all.size());
  r.extra = {{"score_p25", quantile(all, 0.25)},
             {"score_median", quantile(all, 0.5)},
             {"score_p75", quantile(all, 0.75)},
             {"referrers", static_cast<double>(pos.size())}};
  return r;
}

namespace {

Result per_converted(const Context& x, const std::function<double(std::uint32_t)>& f,
                     const std::string&) {
  double n = 0, s = 0;
  for (auto c : x.customers) {
    if (x.log.customers[c].converted == kNone) continue;
    n += 1;
    s += f(c);
  }
  return ratio(s, n, "converted customers");
}
double count_of(const Context& x, std::uint32_t c, E t) {
  double n = 0;
  for (Ev e : events(x, c)) n += e.type == t;
  return n;
}

}  // namespace

Result referral_participation_rate(const Context& x) {
  return per_converted(
      x, [&](std::uint32_t c) { return count_of(x, c, E::referral_invite_sent) > 0 ? 1.0 : 0.0; },
      "");
}
Result invites_per_customer(const Context& x) {
  return per_converted(
      x, [&](std::uint32_t c) { return count_of(x, c, E::referral_invite_sent); }, "");
}
Result invite_conversion(const Context& x) {
  double invites = 0, referred = 0;
  for (auto c : x.customers) {
    invites += count_of(x, c, E::referral_invite_sent);
    referred += x.log.customers[c].referrer >= 0;
  }
  return ratio(referred, invites, "referral invites");
}
Result viral_coefficient(const Context& x) {
  double referred = 0, others = 0;
  for (auto c : x.customers) {
    // both sides count converted customers: referred ones per non-referred one
    if (x.log.customers[c].converted == kNone) continue;
    if (x.log.customers[c].referrer >= 0)
      referred += 1;
    else
      others += 1;
  }
  return ratio(referred, others, "non-referred converted customers");
}
Result advocacy_rate(const Context& x) {
  return per_converted(
      x,
      [&](std::uint32_t c) {
        return count_of(x, c, E::review_posted) + count_of(x, c, E::social_share) > 0 ? 1.0 : 0.0;
      },
      "");
}

}  // namespace journeysim::kpi::kpis_detail
