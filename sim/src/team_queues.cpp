// Team queues: the sales, success and support teams as FIFO queues of agents with opening
// hours, served in a deterministic order at each epoch's end, and the responses they give.
#include "market.hpp"

namespace journeysim::sim::detail {

// ---- shared resources: FIFO queues of c agents, served in (time, customer, kind) order
void Market::serve_requests(std::vector<Request>& reqs, std::int32_t next_epoch) {
  // stable: one customer's simultaneous requests keep their emission order
  std::stable_sort(reqs.begin(), reqs.end(), [](const Request& a, const Request& b) {
    if (a.t != b.t) return a.t < b.t;
    return a.customer < b.customer;
  });
  BlockOut scratch;
  for (const auto& r : reqs) {
    int team = r.kind == Req::sales_lead ? s_.sales_team
               : r.kind == Req::support  ? s_.support_team
                                         : s_.success_team;
    Customer& c = customers_[r.customer];
    double start = r.t;
    if (team >= 0) {
      auto& q = servers_[team];
      double free = q.top();
      q.pop();
      // no agent sees a request before its minimum response time (a 24/7 team with idle agents
      // answers in exactly that time, not in zero time)
      start = next_open(s_.teams[team], std::max(r.t + s_.teams[team].min_response_days, free));
      Purpose p = r.kind == Req::sales_lead ? Purpose::sales_service
                  : r.kind == Req::support  ? Purpose::support_service
                                            : Purpose::success_service;
      Stream st = stream(c, p);
      double service = sample(s_.teams[team].service, st);
      save(c, p, st, scratch);
      q.push(start + service);
    }
    c.agenda.push({start, (start - r.t) * 24.0, Pend::response,
                   static_cast<std::int16_t>((static_cast<int>(r.kind) << 8) | (r.arg + 1))});
    schedule(r.customer, epoch_of(start), next_epoch);
  }
}

void Market::handle_response(Customer& c, BlockOut& o, std::uint32_t idx, double t, Req kind,
                             int arg, double wait_hours) {
  switch (kind) {
    case Req::sales_lead: {
      emit(c, o, idx, t, EventType::sales_touch, -1, wait_hours);
      Stream st = stream(c, Purpose::sales);
      double p = s_.lead_conversion * s_.segments[c.segment].conversion_x *
                 std::exp2(-wait_hours / s_.response_half_life_hours);
      bool ok = st.bernoulli(std::min(1.0, p));
      double cycle = sample(s_.sales_cycle, st);
      save(c, Purpose::sales, st, o);
      if (ok) {
        c.phase = Phase::cycle;
        c.next[S_CONVERT] = t + cycle;
      } else {
        c.phase = Phase::lost;
        emit(c, o, idx, t, EventType::lead_lost);
      }
      break;
    }
    case Req::followup:
      if (!live(c)) break;
      // requested at onboarding completion, so the wait is the post-onboarding response time
      emit(c, o, idx, t, EventType::success_followup, -1, wait_hours);
      c.flags |= kFollowedUp;
      c.agenda.push({t + s_.followup_effect_days, 0, Pend::effect_end, -2});
      update_churn(c, t);
      break;
    case Req::support: {
      emit(c, o, idx, t, EventType::support_resolved, -1, wait_hours);
      Stream st = stream(c, Purpose::csat);
      bool responds = st.bernoulli(s_.csat_response_prob);
      boost::random::normal_distribution<double> nd(
          s_.csat_mean - s_.csat_wait_penalty_per_hour * wait_hours, s_.csat_sd);
      double score = std::clamp(std::round(nd(st)), 1.0, 5.0);
      save(c, Purpose::csat, st, o);
      if (responds) {
        emit(c, o, idx, t, EventType::csat, -1, score);
        if (score <= 2)
          c.flags |= kLowCsat;
        else if (score >= 4)
          c.flags &= ~kLowCsat;
        update_churn(c, t);
      }
      break;
    }
    case Req::call: {
      const Playbook& p = s_.playbooks[arg];
      emit(c, o, idx, t, EventType::playbook_action, arg, p.cost);
      c.agenda.push({t, 0, Pend::effect_start, static_cast<std::int16_t>(arg)});
      break;
    }
  }
}

void Market::ticket_due(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
  if (!live(c)) return;
  emit(c, o, idx, t, EventType::support_ticket);
  o.requests.push_back({t, idx, Req::support, -1});
  schedule_ticket(c, t, o);
}

}  // namespace journeysim::sim::detail
