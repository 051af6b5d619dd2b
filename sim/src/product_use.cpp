// Product use and activation: logins (a thinned non-homogeneous Poisson process), features,
// value actions, onboarding tasks and milestones, lifecycle stages, support tickets, inactivity.
#include "market.hpp"

namespace journeysim::sim::detail {

// The first envelope point after t (kInf past the horizon); c.login_envelope is the base rate
// of the envelope.
double Market::next_login_candidate(Customer& c, double t, Stream& st) {
  const double rate = c.login_envelope;
  double e = st.exponential(1.0);  // > 0
  for (double cur = t;;) {
    if (!(cur < s_.horizon_days)) return kInf;
    // cur >= 0: truncation is floor, and much cheaper than std::floor without SSE4.1
    const double day_end = static_cast<double>(static_cast<std::int64_t>(cur)) + 1;
    const double lam = rate * season(cur);
    const double mass = lam * (day_end - cur);
    if (e < mass) return std::min(cur + e / lam, day_end);
    e -= mass;
    cur = day_end;
  }
}

void Market::schedule_login(Customer& c, double t, BlockOut& o) {
  if (!live(c) || s_.logins_per_week <= 0) {
    c.next[S_LOGIN] = kInf;
    return;
  }
  c.login_envelope = login_base_rate(c);
  if (c.login_envelope <= 0) {
    c.next[S_LOGIN] = kInf;
    return;
  }
  Stream st = stream(c, Purpose::login);
  c.next[S_LOGIN] = next_login_candidate(c, t, st);
  save(c, Purpose::login, st, o);
}

void Market::schedule_ticket(Customer& c, double t, BlockOut& o) {
  if (s_.tickets_per_month <= 0) return;
  Stream tk = stream(c, Purpose::tickets);
  c.next[S_TICKET] = t + tk.exponential(kMonth / s_.tickets_per_month);
  save(c, Purpose::tickets, tk, o);
}

void Market::enter_stage(Customer& c, BlockOut& o, std::uint32_t idx, double t, int stage,
                         int depth) {
  if (c.stage == 0 && stage != 0 && !c.onboarding_done) {
    c.onboarding_done = true;
    emit(c, o, idx, t, EventType::onboarding_completed);
    if (s_.success_team >= 0) o.requests.push_back({t, idx, Req::followup, -1});
  }
  c.stage = static_cast<std::int16_t>(stage);
  c.stage_entered_at = t;
  emit(c, o, idx, t, EventType::stage_entered, stage);
  // time-based transitions out of this stage: the earliest wins (competing risks)
  Stream st = stream(c, Purpose::stages);
  double best = kInf;
  int target = -1;
  for (const auto& tr : s_.transitions)
    if (tr.from == stage && tr.after) {
      double d = sample(*tr.after, st);
      if (d < best) best = d, target = tr.to;
    }
  save(c, Purpose::stages, st, o);
  c.next[S_STAGE] = t + best;
  c.next_stage = static_cast<std::int16_t>(target);
  update_churn(c, t);
  schedule_login(c, t, o);
  // event-based transitions whose counts were already reached
  if (depth < static_cast<int>(s_.stages.size()))
    for (const auto& tr : s_.transitions)
      if (tr.from == stage && tr.on_event >= 0) {
        int k = find_counter(tr.on_event, tr.on_arg);
        if (k >= 0 && counts_[idx][k] >= tr.count) {
          enter_stage(c, o, idx, t, tr.to, depth + 1);
          return;
        }
      }
}

void Market::start_product(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
  c.product_start = t;
  c.last_login = t;
  Stream st = stream(c, Purpose::tasks);
  for (std::size_t k = 0; k < s_.tasks.size(); ++k) {
    const auto& task = s_.tasks[k];
    bool done = st.bernoulli(task.prob);
    double d = sample(task.time, st);
    if (done) c.agenda.push({t + d, 0, Pend::task, static_cast<std::int16_t>(k)});
  }
  save(c, Purpose::tasks, st, o);
  enter_stage(c, o, idx, t, 0);
  schedule_ticket(c, t, o);
  if (has_inactivity()) arm_inactivity(c, t);
}

void Market::arm_inactivity(Customer& c, double t) {
  double best = kInf;
  for (std::size_t i = 0; i < s_.playbooks.size(); ++i) {
    const auto& p = s_.playbooks[i];
    if (p.inactive_days > 0 && !(c.inactive_fired & (1u << i)))
      best = std::min(best, c.last_login + p.inactive_days);
  }
  c.next[S_INACTIVE] = live(c) ? std::max(best, t) : kInf;
}

void Market::check_milestones(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
  for (std::size_t m = 0; m < s_.milestones.size(); ++m) {
    if (c.milestones_done & (1u << m)) continue;
    const auto& ms = s_.milestones[m];
    bool ok = c.value_actions >= static_cast<std::uint32_t>(ms.value_actions);
    for (int k : ms.tasks) ok = ok && (c.tasks_done & (1u << k));
    if (ok) {
      c.milestones_done |= 1u << m;
      emit(c, o, idx, t, EventType::milestone, static_cast<int>(m));
    }
  }
}

void Market::login_due(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
  Stream st = stream(c, Purpose::login);
  // the base rate only changes where schedule_login redraws, so this is engagement(t)
  const double base = login_base_rate(c);
  bool ok = st.uniform() * c.login_envelope < base * engagement(c, t);
  c.login_envelope = base;
  c.next[S_LOGIN] = base > 0 ? next_login_candidate(c, t, st) : kInf;
  save(c, Purpose::login, st, o);
  if (!ok) return;
  c.last_login = t;
  if (has_inactivity()) {
    // arm_inactivity with no inactivity playbook fired yet in this spell, which is the
    // shortest one from now (t + d is monotone in d); a loop over every playbook at
    // every login was a twentieth of the run
    c.inactive_fired = 0;
    c.next[S_INACTIVE] = live(c) ? t + min_inactive_days_ : kInf;
  }
  emit(c, o, idx, t, EventType::login);
  if (!s_.features.empty()) {
    Stream fs = stream(c, Purpose::features);
    for (std::size_t f = 0; f < s_.features.size(); ++f)
      if (fs.bernoulli(s_.features[f].prob_per_login))
        emit(c, o, idx, t, EventType::feature_used, static_cast<int>(f));
    save(c, Purpose::features, fs, o);
  }
  Stream vs = stream(c, Purpose::value_action);
  bool value = vs.bernoulli(s_.value_action_prob);
  save(c, Purpose::value_action, vs, o);
  if (value) {
    ++c.value_actions;
    emit(c, o, idx, t, EventType::value_action);
    check_milestones(c, o, idx, t);
    if (s_.pql_value_actions > 0 && !c.has(Flag::pql) &&
        (c.phase == Phase::trial || c.phase == Phase::freemium) &&
        c.value_actions >= static_cast<std::uint32_t>(s_.pql_value_actions) &&
        t - c.product_start <= s_.pql_within_days) {
      c.set(Flag::pql);
      emit(c, o, idx, t, EventType::pql_reached);
      if (c.phase == Phase::freemium) schedule_freemium_upgrade(c, o, t);
    }
  }
}

}  // namespace journeysim::sim::detail
