// Market's orchestration: construction, epochs (step, run), the per-customer event loop
// (advance) and the dispatch of a customer's due slots, agenda items and events.
#include "market.hpp"

namespace journeysim::sim::detail {

Market::Market(const Scenario& s, std::uint64_t run_key, std::uint32_t market, std::uint16_t rep)
    : s_(s), run_key_(run_key), market_(market), rep_(rep) {
  n_epochs_ = static_cast<std::int32_t>(std::ceil(s.horizon_days / s.epoch_days));
  // the expected arrivals and a margin for chance and referrals: growing the array of
  // customers (each moved element by element) was a sixth of a 10,000-lead run
  const auto expected = static_cast<std::size_t>(std::max(0.0, s.customers) * 1.25) + 64;
  customers_.reserve(std::min<std::size_t>(expected, std::size_t{1} << 24));
  first_plan_.reserve(customers_.capacity());
  scheduled_.reserve(customers_.capacity());
  // a market's customers are first touched as they arrive: one fault per 2 MiB, not per 4 KiB
  common::advise_huge_pages(customers_.data(), customers_.capacity() * sizeof(Customer));
  // The arrivals are simulated serially, and their first touch of the records (the kernel
  // zeroing each fresh page) was a sixth of a one-market run of 10^6 customers, so a serial
  // part that held two threads to 1.6x (#18). The expected customers' pages are touched here
  // in parallel instead; the margin stays untouched until used. Nothing simulated changes.
  const std::size_t touch =
      std::min(customers_.capacity(), static_cast<std::size_t>(std::max(0.0, s.customers))) *
      sizeof(Customer);
  if (touch >= (std::size_t{32} << 20)) {
    char* base = reinterpret_cast<char*>(customers_.data());
    constexpr std::size_t kChunk = std::size_t{2} << 20;
    tbb::parallel_for(std::size_t{0}, (touch + kChunk - 1) / kChunk, [&](std::size_t k) {
      const std::size_t a = k * kChunk, b = std::min(touch, a + kChunk);
      for (std::size_t off = a; off < b; off += 4096) static_cast<volatile char*>(base)[off] = 0;
    });
  }
  buckets_.resize(n_epochs_ + 1);
  for (const auto& tr : s.transitions)
    if (tr.on_event >= 0) counter_of(tr.on_event, tr.on_arg);
  for (const auto& p : s.playbooks)
    if (p.on_event >= 0) counter_of(p.on_event, p.event_arg);
  if (s.model == Scenario::Model::non_contractual) purchase_.reserve(customers_.capacity());
  if (!counter_keys_.empty()) counts_.reserve(customers_.capacity());
  for (const auto& t : s.teams) {
    servers_.emplace_back();
    for (int i = 0; i < t.agents; ++i) servers_.back().push(0.0);
  }
  // seasonality by day of the horizon (start_time is midnight UTC, so a day has one factor)
  for (int d = 0; d < static_cast<int>(std::ceil(s.horizon_days)) + 2; ++d)
    season_table_.push_back(season_calendar(d + 0.5));
  // normalisation of seasonality over the horizon, so `customers` is the expected total
  double sum = 0;
  int days = static_cast<int>(std::ceil(s.horizon_days));
  for (int d = 0; d < days; ++d) sum += season(d + 0.5) * std::min(1.0, s.horizon_days - d);
  season_norm_ = sum > 0 ? sum : 1;
  for (const auto& p : s.playbooks)
    if (p.inactive_days > 0) min_inactive_days_ = std::min(min_inactive_days_, p.inactive_days);
  playbooks_by_event_.resize(eventlog::kEventTypeCount);
  for (std::size_t i = 0; i < s.playbooks.size(); ++i)
    if (s.playbooks[i].on_event >= 0) playbooks_by_event_[s.playbooks[i].on_event].push_back(i);
  transitions_by_event_.resize(eventlog::kEventTypeCount);
  for (std::size_t i = 0; i < s.transitions.size(); ++i)
    if (s.transitions[i].on_event >= 0)
      transitions_by_event_[s.transitions[i].on_event].push_back(i);
}

// One epoch's customers (bucket e), advanced to t1 in parallel; their requests and referrals
// resolved after, scheduled no earlier than epoch `next`.
void Market::step(std::int32_t e, double t1, std::int32_t next, EventSink& sink, RunStats& stats) {
  // 2. advance every customer due in this epoch, in parallel, in fixed blocks
  std::vector<std::uint32_t> due;
  due.swap(buckets_[e]);
  // keep each customer once, and only if this is still its epoch (it may also sit in a
  // later bucket from an earlier schedule, or twice in this one after being rescheduled).
  // This pass is serial: its reads of scheduled_ are asked for ahead, as the customers of a
  // large market are scattered over it (#18). An iteration takes a few nanoseconds, so the
  // distance is large: at 16 ahead half of the pass still waited for scheduled_ (4 MB at 10^6
  // customers). advance() sets the taken customers' next epoch.
  constexpr std::size_t kFilterAhead = 64;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < due.size(); ++i) {
    if (i + kFilterAhead < due.size()) __builtin_prefetch(&scheduled_[due[i + kFilterAhead]], 1);
    const std::uint32_t c = due[i];
    if (scheduled_[c] != e) continue;
    scheduled_[c] = -2;  // taken
    due[kept++] = c;
  }
  due.resize(kept);
  stats.visits += due.size();
  // Blocks of 32 to 256 customers, about 64 blocks an epoch: with blocks of 256, two threads
  // on a market of 10^5 (some 5,000 due customers an epoch, 20 blocks) waited for each other's
  // last block at the end of every epoch (#18). The size depends only on the due customers,
  // never on the thread count, and the output does not depend on it: blocks are merged in
  // order, so the events, requests and schedules are those of the due order.
  const std::size_t block_size = std::clamp<std::size_t>((due.size() + 63) / 64, 32, 256);
  // how far ahead a visit's memory is asked for (#18: measured at 10^6 customers, where 4 and 2
  // left the prefetches waiting on each other's misses more than 6 and 3)
  constexpr std::size_t kAhead = 6, kAheadItems = 3;
  const std::size_t nblocks = (due.size() + block_size - 1) / block_size;
  // the blocks' buffers are kept from epoch to epoch (allocating them every epoch was a
  // tenth of the instructions)
  if (blocks_.size() < nblocks) blocks_.resize(nblocks);
  for (std::size_t b = 0; b < nblocks; ++b) {
    BlockOut& o = blocks_[b];
    o.events.clear();
    o.requests.clear();
    o.referrals.clear();
    o.schedule.clear();
    o.words = 0;
    o.by_type = {};
  }
  // The due customers of a large market are scattered over memory: the first read of a record
  // was a third of the run at 300,000 customers (#18). What a visit touches is asked for ahead,
  // so that the misses of several customers overlap; the simulation and its output do not
  // change. kAhead customers ahead: the record's hot part (the fields of the event loop and of a
  // login), the customer's entry of scheduled_ (advance() writes it: at 10^6 customers that
  // array is 4 MB and the write missed), and its entries in the side arrays the scenario uses.
  // kAheadItems ahead, once the record is there: the agenda's items if one is due in this epoch
  // (most agendas hold nothing due, and asking for their block anyway took a miss buffer a
  // visit) and the active effects if there are any.
  const std::size_t hot = Customer::hot_bytes();
  tbb::parallel_for(std::size_t{0}, nblocks, [&](std::size_t b) {
    BlockOut& o = blocks_[b];
    const std::size_t begin = b * block_size, end = std::min(due.size(), begin + block_size);
    for (std::size_t i = begin; i < std::min(end, begin + kAhead); ++i) ask_for_visit(due[i], hot);
    for (std::size_t i = begin; i < end; ++i) {
      if (i + kAhead < end) ask_for_visit(due[i + kAhead], hot);
      if (i + kAheadItems < end) {
        const Customer& n = customers_[due[i + kAheadItems]];
        if (n.agenda.min_time() < t1) __builtin_prefetch(n.agenda.data());
        if (!n.effects.empty()) __builtin_prefetch(n.effects.data());
      }
      advance(due[i], t1, next, o);
    }
  });
  // 3. merge in block order (deterministic whatever the thread count)
  std::vector<Request>& requests = requests_;
  std::vector<ReferralArrival>& referrals = referrals_;
  requests.clear();
  referrals.clear();
  for (std::size_t b = 0; b < nblocks; ++b) {
    BlockOut& o = blocks_[b];
    // counted as emitted, in the parallel phase: a serial pass over every event here was a
    // part of an epoch that two threads could not share (#18)
    for (std::size_t k = 0; k < o.by_type.size(); ++k) stats.by_type[k] += o.by_type[k];
    stats.events += o.events.size();
    if (!o.events.empty()) sink.take_events(std::move(o.events));
    requests.insert(requests.end(), o.requests.begin(), o.requests.end());
    referrals.insert(referrals.end(), o.referrals.begin(), o.referrals.end());
    // advance() has set each one's scheduled_ (the customers of a step are distinct)
    for (auto [ep, c] : o.schedule) push_to_bucket(ep, e, c);
    stats.random_words += o.words;
  }
  // 4. shared resources, in a deterministic order
  serve_requests(requests, next);
  create_referred(referrals, next);
  // this epoch's bucket is done with: its storage goes to a bucket about to fill
  due.clear();
  if (due.capacity() > 0 && spare_buckets_.size() < kSpareBuckets)
    spare_buckets_.push_back(std::move(due));
}

void Market::run(EventSink& sink, RunStats& stats, const std::function<void(double)>& progress) {
  const double epoch = s_.epoch_days;
  int next_day = 0;
  const int days = static_cast<int>(std::ceil(s_.horizon_days));
  for (std::int32_t e = 0; e < n_epochs_; ++e) {
    if (g_interrupt.load()) throw Interrupted();
    const double t1 = std::min(s_.horizon_days, (e + 1) * epoch);
    // 1. arrivals of the days that start in this epoch
    std::vector<eventlog::ChannelDayRow> channel_rows;
    while (next_day < days && next_day < t1) {
      generate_day(next_day, channel_rows);
      ++next_day;
    }
    if (!channel_rows.empty()) sink.channels(channel_rows);
    step(e, t1, e + 1, sink, stats);
    // 5. the latent state at the snapshot: every event up to t1 has been simulated, none after
    if (snapshot_day_ >= 0 && snapshot_at_ == kInf &&
        (t1 >= snapshot_day_ - 1e-9 || e + 1 == n_epochs_))
      take_snapshot(t1);
    if (progress) progress(t1 / s_.horizon_days);
  }
  // A team's response (and a referred customer's arrival) is simulated in the epoch after the
  // one that made the request: those of the last epoch are simulated here, in rounds at the
  // horizon, until no customer has anything due before it. A request whose service would
  // start at or after the horizon is censored: no response is simulated.
  for (int round = 0; !buckets_[n_epochs_].empty(); ++round) {
    if (round == kMaxDrainRounds)
      throw std::logic_error("the simulation of the horizon's last requests did not end");
    step(n_epochs_, s_.horizon_days, n_epochs_, sink, stats);
  }
  // customers table
  std::vector<eventlog::CustomerRow> rows;
  rows.reserve(customers_.size());
  const std::int64_t end =
      s_.start_time + static_cast<std::int64_t>(std::llround(s_.horizon_days * 86400));
  for (std::size_t i = 0; i < customers_.size(); ++i) {
    const Customer& c = customers_[i];
    eventlog::CustomerRow r{};
    r.id = eventlog::make_customer_id(market_, i);
    r.market = market_;
    r.replication = rep_;
    r.segment = c.segment;
    r.channel = c.channel;
    r.referrer = c.referrer;
    r.created_time = ts(c.created);
    r.converted_time = c.converted >= 0 ? ts(c.converted) : -1;
    r.first_plan = first_plan_[i];
    r.churn_time = c.churn_time >= 0 ? ts(c.churn_time) : -1;
    r.end_time = end;
    r.final_stage = c.phase == Phase::churned ? -1 : c.stage;
    r.final_mrr = (c.phase == Phase::paying) ? c.mrr : 0.0;
    rows.push_back(r);
  }
  if (!rows.empty()) sink.customers(rows);
  if (!truth_.empty()) {
    // customers still waiting at the horizon: as they are
    for (std::size_t i = 0; i < truth_.size(); ++i)
      if (customers_[i].flags & kSnapshotPending) record_truth(static_cast<std::uint32_t>(i));
    sink.truth(truth_);
  }
  stats.customers += customers_.size();
  stats.peak_live_customers = std::max<std::uint64_t>(stats.peak_live_customers, customers_.size());
}

void Market::advance(std::uint32_t idx, double t1, std::int32_t next_epoch, BlockOut& o) {
  Customer& c = customers_[idx];
  const double end = std::min(t1, s_.horizon_days);
  for (;;) {
    int slot = -1;
    double t = kInf;
    for (int k = 0; k < kSlots; ++k)
      if (c.next[k] < t) t = c.next[k], slot = k;
    // an agenda item wins only if strictly earlier (ties: slots first)
    const bool ag = c.agenda.min_time() < t;
    if (ag) t = c.agenda.min_time();
    if (!(t < end)) break;
    if ((c.flags & kSnapshotPending) && t >= snapshot_at_) record_truth(idx);
    if (ag) {
      handle_pending(c, o, idx, c.agenda.take_earliest());
    } else {
      c.next[slot] = kInf;
      handle_slot(c, o, idx, slot, t);
    }
  }
  if ((c.flags & kSnapshotPending) && end >= snapshot_at_) record_truth(idx);
  double nxt = kInf;
  for (double x : c.next) nxt = std::min(nxt, x);
  nxt = std::min(nxt, c.agenda.min_time());
  // schedule(idx, epoch_of(nxt), next_epoch) for a customer taken in this step (scheduled_
  // is -2, so it is scheduled anew): the customer's own entry, written here in parallel; step()
  // appends it to its bucket in block order
  if (nxt < s_.horizon_days) {
    const std::int32_t ep = std::max(epoch_of(nxt), next_epoch);  // <= n_epochs_
    scheduled_[idx] = ep;
    o.schedule.emplace_back(ep, idx);
  } else {
    scheduled_[idx] = -1;
  }
}

void Market::handle_slot(Customer& c, BlockOut& o, std::uint32_t idx, int slot, double t) {
  switch (slot) {
    case S_LOGIN:
      return login_due(c, o, idx, t);
    case S_CHURN:
      return churn_due(c, o, idx, t);
    case S_STAGE:
      if (c.next_stage >= 0 && live(c)) enter_stage(c, o, idx, t, c.next_stage);
      break;
    case S_PAYMENT:
      return payment_due(c, o, idx, t);
    case S_REVCHANGE:
      return revenue_change_due(c, o, idx, t);
    case S_TICKET:
      return ticket_due(c, o, idx, t);
    case S_PURCHASE:
      return purchase_due(c, o, idx, t);
    case S_CONVERT:
      return conversion_due(c, o, idx, t);
    case S_TRIAL_END:
      return trial_end_due(c, o, idx, t);
    case S_REACTIVATE:
      if (c.phase == Phase::churned) reactivate(c, o, idx, t);
      break;
    case S_INACTIVE:
      return inactivity_due(c, o, idx, t);
    default:
      break;
  }
}

void Market::handle_pending(Customer& c, BlockOut& o, std::uint32_t idx, const Pending& p) {
  const double t = p.t;
  switch (p.kind) {
    case Pend::arrival:
      arrive(c, o, idx, t);
      break;
    case Pend::task: {
      if (!live(c)) break;
      c.tasks_done |= 1u << p.arg;
      emit(c, o, idx, t, EventType::activation_task, p.arg);
      bool all = true, any_required = false;
      for (std::size_t k = 0; k < s_.tasks.size(); ++k)
        if (s_.tasks[k].required) {
          any_required = true;
          all = all && (c.tasks_done & (1u << k));
        }
      if (all && any_required && !c.has(Flag::activated)) {
        c.set(Flag::activated);
        emit(c, o, idx, t, EventType::activated);
        update_churn(c, t);
        if (c.phase == Phase::freemium) schedule_freemium_upgrade(c, o, t);
      }
      check_milestones(c, o, idx, t);
      break;
    }
    case Pend::nps: {
      if (c.phase != Phase::paying) break;
      Stream st = stream(c, Purpose::nps);
      bool responds = st.bernoulli(s_.nps_response_prob);
      boost::random::normal_distribution<double> nd(
          s_.nps_mean + (c.has(Flag::activated) ? s_.nps_activated_bonus : 0), s_.nps_sd);
      double score = std::clamp(std::round(nd(st)), 0.0, 10.0);
      bool review = st.bernoulli(s_.review_prob), share = st.bernoulli(s_.share_prob);
      save(c, Purpose::nps, st, o);
      if (responds) {
        c.set(Flag::promoter, score >= 9);
        c.set(Flag::detractor, score <= 6);
        emit(c, o, idx, t, EventType::nps, -1, score);
        update_churn(c, t);
        if (score >= 9 && review) emit(c, o, idx, t, EventType::review_posted);
        if (score >= 9 && share) emit(c, o, idx, t, EventType::social_share);
      }
      std::size_t next = static_cast<std::size_t>(p.arg) + 1;
      if (next < s_.nps_days.size())
        c.agenda.push(
            {c.converted + s_.nps_days[next], 0, Pend::nps, static_cast<std::int16_t>(next)});
      break;
    }
    case Pend::response:
      handle_response(c, o, idx, t, static_cast<Req>(p.arg >> 8), (p.arg & 0xff) - 1, p.v);
      break;
    case Pend::playbook:
      fire_playbook(c, o, idx, t, p.arg);
      break;
    case Pend::effect_start: {
      // task_speed_x: activation tasks and the time-based stage transition still pending
      // finish that much sooner
      const double speed = s_.playbooks[p.arg].effect.task_speed_x;
      if (speed != 1.0) {
        c.agenda.update([&](Pending& a) {
          if (a.kind == Pend::task && a.t > t) a.t = t + (a.t - t) / speed;
        });
        // and a pending time-based stage transition (onboarding, implementation, ...)
        if (c.next[S_STAGE] > t && c.next[S_STAGE] < kInf)
          c.next[S_STAGE] = t + (c.next[S_STAGE] - t) / speed;
      }
      c.effects.push_back({t + s_.playbooks[p.arg].effect.days, p.arg});
      c.agenda.push({t + s_.playbooks[p.arg].effect.days, 0, Pend::effect_end, p.arg});
      rates_changed(c, o, t);
      break;
    }
    case Pend::effect_end:
      if (p.arg == -2) c.flags &= ~kFollowedUp;
      c.effects.erase_if([&](const ActiveEffect& e) { return e.until <= t; });
      rates_changed(c, o, t);
      break;
  }
}

// -- events drive stage transitions and playbook triggers
void Market::on_event(Customer& c, BlockOut& o, std::uint32_t idx, double t, EventType type,
                      int arg) {
  const int ti = static_cast<int>(type);
  const auto& pbs = playbooks_by_event_[ti];
  const auto& trs = transitions_by_event_[ti];
  if (pbs.empty() && trs.empty()) return;
  // count
  EventCounts& counts = counts_[idx];  // (sized: a counted event has a playbook or transition)
  for (std::size_t k = 0; k < counter_keys_.size(); ++k)
    if (counter_keys_[k].type == ti && (counter_keys_[k].arg < 0 || counter_keys_[k].arg == arg) &&
        counts[k] < 65535)
      ++counts[k];
  for (std::size_t i : pbs) {
    const Playbook& p = s_.playbooks[i];
    if (p.event_arg >= 0 && p.event_arg != arg) continue;
    int k = find_counter(p.on_event, p.event_arg);
    bool reached = p.repeat ? counts[k] >= p.count : counts[k] == p.count;
    if (reached && (p.repeat || !(c.fired & (1u << i)))) arm_playbook(c, i, t);
  }
  for (std::size_t i : trs) {
    const Transition& tr = s_.transitions[i];
    if (tr.from != c.stage || !live(c)) continue;
    if (tr.on_arg >= 0 && tr.on_arg != arg) continue;
    int k = find_counter(tr.on_event, tr.on_arg);
    if (counts[k] >= tr.count) {
      enter_stage(c, o, idx, t, tr.to);
      break;
    }
  }
}

}  // namespace journeysim::sim::detail
