// Playbooks and messages: triggered actions (emails, discounts, calls, offers), their
// costs, effects and frequency caps.
#include "market.hpp"

namespace journeysim::sim::detail {

void Market::arm_playbook(Customer& c, std::size_t i, double t) {
  if (!s_.playbooks[i].repeat) c.fired |= 1u << i;
  c.agenda.push({t + s_.playbooks[i].delay_days, 0, Pend::playbook, static_cast<std::int16_t>(i)});
}

void Market::fire_playbook(Customer& c, BlockOut& o, std::uint32_t idx, double t, int i) {
  const Playbook& p = s_.playbooks[i];
  for (Flag f : p.if_flags)
    if (!c.has(f)) return;
  for (Flag f : p.unless_flags)
    if (c.has(f)) return;
  bool winback = p.action == Playbook::Action::winback;
  if (!winback && !live(c)) return;
  if (winback && c.phase != Phase::churned) return;
  Stream st = stream(c, Purpose::playbooks);
  switch (p.action) {
    case Playbook::Action::email:
    case Playbook::Action::in_app:
    case Playbook::Action::push:
    case Playbook::Action::winback: {
      const Campaign& cm = s_.campaigns[p.campaign];
      if (cm.medium == "email" && c.has(Flag::unsubscribed)) break;
      emit(c, o, idx, t, EventType::playbook_action, i, p.cost + cm.cost_per_send);
      emit(c, o, idx, t, EventType::message_sent, p.campaign);
      bool delivered = st.bernoulli(cm.delivery_rate);
      bool opened = delivered && st.bernoulli(cm.open_rate);
      double p_click = cm.open_rate > 0 ? std::min(1.0, cm.click_rate / cm.open_rate) : 0;
      bool clicked = opened && st.bernoulli(p_click);
      bool unsub = delivered && st.bernoulli(cm.unsubscribe_rate);
      double t_open = t + st.exponential(0.25), t_click = t_open + st.exponential(0.01);
      double t_effect = t;
      if (!delivered) {
        emit(c, o, idx, t, EventType::message_bounced, p.campaign);
        break;
      }
      emit(c, o, idx, t, EventType::message_delivered, p.campaign);
      bool effective = p.effect.on == Effect::On::always || p.effect.on == Effect::On::delivered;
      if (opened) {
        emit(c, o, idx, t_open, EventType::message_opened, p.campaign);
        if (p.effect.on == Effect::On::opened) effective = true, t_effect = t_open;
      }
      if (clicked) {
        emit(c, o, idx, t_click, EventType::message_clicked, p.campaign);
        if (p.effect.on == Effect::On::clicked) effective = true, t_effect = t_click;
      }
      if (unsub) {
        c.set(Flag::unsubscribed);
        emit(c, o, idx, t_open, EventType::unsubscribed, p.campaign);
      }
      if (effective) {
        if (winback && st.bernoulli(p.effect.reactivate_prob))
          c.agenda.push({t_effect, 0, Pend::effect_start, static_cast<std::int16_t>(i)}),
              reactivate(c, o, idx, t_effect);
        else if (!winback)
          c.agenda.push({t_effect, 0, Pend::effect_start, static_cast<std::int16_t>(i)});
      }
      break;
    }
    case Playbook::Action::call:
      o.requests.push_back({t, idx, Req::call, static_cast<std::int16_t>(i)});
      break;
    case Playbook::Action::discount:
      emit(c, o, idx, t, EventType::playbook_action, i, p.cost);
      emit(c, o, idx, t, EventType::discount_applied, i, p.discount);
      c.pending_discount += p.discount;
      c.agenda.push({t, 0, Pend::effect_start, static_cast<std::int16_t>(i)});
      break;
    case Playbook::Action::referral_prompt: {
      emit(c, o, idx, t, EventType::playbook_action, i, p.cost);
      emit(c, o, idx, t, EventType::referral_prompt_shown);
      double px = c.has(Flag::promoter) ? s_.referral_promoter_x : 1.0;
      bool interact = st.bernoulli(std::min(1.0, s_.referral_interact_prob * px));
      bool accept = st.bernoulli(s_.referral_accept_prob);
      bool complete = st.bernoulli(s_.referral_complete_prob);
      if (!interact) break;
      emit(c, o, idx, t, EventType::referral_prompt_interacted);
      if (!accept) {
        emit(c, o, idx, t, EventType::referral_prompt_declined);
        break;
      }
      emit(c, o, idx, t, EventType::referral_prompt_accepted);
      emit(c, o, idx, t, EventType::referral_flow_started);
      if (!complete) break;
      Stream inv = stream(c, Purpose::invites);
      int n = 1 + static_cast<int>(sample_poisson(inv, s_.invites_mean - 1 + 1e-12));
      for (int k = 0; k < n; ++k) {
        double ti = t + inv.exponential(1.0 / 24);
        std::uint64_t serial = c.blocks[static_cast<int>(Purpose::invites)] * 64ull + k;
        emit(c, o, idx, ti, EventType::referral_invite_sent, -1, k);
        if (inv.bernoulli(s_.invite_conversion)) {
          double arrival = ti + sample(s_.invite_delay, inv);
          o.referrals.push_back(
              {arrival, static_cast<std::int64_t>(eventlog::make_customer_id(market_, idx)),
               mix(mix(c.stream_key, 0x5eedULL), serial)});
        }
      }
      save(c, Purpose::invites, inv, o);
      break;
    }
  }
  save(c, Purpose::playbooks, st, o);
}

void Market::inactivity_due(Customer& c, BlockOut& /*o*/, std::uint32_t /*idx*/, double t) {
  if (!live(c)) return;
  for (std::size_t i = 0; i < s_.playbooks.size(); ++i) {
    const auto& p = s_.playbooks[i];
    if (p.inactive_days > 0 && !(c.inactive_fired & (1u << i)) &&
        c.last_login + p.inactive_days <= t) {
      c.inactive_fired |= 1u << i;
      if (!(c.fired & (1u << i)) || p.repeat) arm_playbook(c, i, t);
    }
  }
  arm_inactivity(c, t);
  if (c.next[S_INACTIVE] <= t) c.next[S_INACTIVE] = kInf;
}

}  // namespace journeysim::sim::detail
