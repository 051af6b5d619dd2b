#include "journeysim/sim/engine.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <boost/random/beta_distribution.hpp>
#include <boost/random/binomial_distribution.hpp>
#include <boost/random/gamma_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <queue>

#include "journeysim/common/huge_pages.hpp"
#include "journeysim/sim/rng.hpp"
#include "sampling.hpp"

namespace journeysim::sim {

std::atomic<bool> g_interrupt{false};

std::pair<std::uint64_t, std::uint64_t> part_units(std::uint64_t units, std::uint32_t k,
                                                   std::uint32_t n) {
  return {units * (k - 1) / n, units * k / n};
}

namespace {

using eventlog::Event;
using eventlog::EventType;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMonth = 365.25 / 12.0;  // days

// Fixed-time processes of a customer (the frequent ones); rarer ones live in the agenda.
enum Slot : int {
  S_LOGIN,
  S_CHURN,
  S_STAGE,
  S_PAYMENT,
  S_REVCHANGE,
  S_TICKET,
  S_PURCHASE,
  S_CONVERT,
  S_TRIAL_END,
  S_REACTIVATE,
  S_INACTIVE,
  kSlots
};

enum class Phase : std::uint8_t { none, lead, cycle, trial, freemium, paying, churned, lost, gone };

enum class Pend : std::uint8_t { task, playbook, effect_start, effect_end, nps, response, arrival };
enum class Req : std::uint8_t { sales_lead, followup, support, call };

struct Pending {
  double t;
  double v;
  Pend kind;
  std::int16_t arg;
};

// A customer's rarer timed items, with the earliest one kept at hand: advance() asks for it
// before every event, and scanning the items each time was ~6% of a run's instructions. The
// earliest is the first in item order among equal times (as a scan with a strict < finds it), so
// the order in which items are handled does not depend on this cache.
class Agenda {
 public:
  bool empty() const { return items_.empty(); }
  double min_time() const { return min_t_; }
  void push(const Pending& p) {
    items_.push_back(p);
    if (p.t < min_t_) min_t_ = p.t, min_i_ = items_.size() - 1;
  }
  // Removes and returns the earliest item (the last item takes its place).
  Pending take_earliest() {
    const Pending p = items_[min_i_];
    items_[min_i_] = items_.back();
    items_.pop_back();
    rescan();
    return p;
  }
  template <class Pred>
  void erase_if(Pred pred) {
    std::erase_if(items_, pred);
    rescan();
  }
  // Applies f to every item (f may change their times).
  template <class F>
  void update(F f) {
    for (auto& p : items_) f(p);
    rescan();
  }

 private:
  void rescan() {
    min_t_ = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < items_.size(); ++i)
      if (items_[i].t < min_t_) min_t_ = items_[i].t, min_i_ = i;
  }
  std::vector<Pending> items_;
  double min_t_ = std::numeric_limits<double>::infinity();
  std::size_t min_i_ = 0;
};

struct ActiveEffect {
  double until;
  std::int16_t playbook;
};

constexpr int kPurposes = 32;
constexpr int kMaxDrainRounds = 100000;
constexpr int kCounters = 16;

struct Customer {
  std::uint64_t stream_key = 0;
  std::int64_t referrer = -1;
  double created = 0, converted = -1, churn_time = -1;
  double clock = 0;
  double next[kSlots];
  std::uint32_t blocks[kPurposes] = {};
  // the unused words of the current block of the per-login streams (login, features,
  // value_action), which draw a few words per login
  struct Cached {
    unsigned used = 4;
    std::uint32_t out[4] = {};
  } cached[3];
  Agenda agenda;
  std::vector<ActiveEffect> effects;
  // churn hazard budget (piecewise-constant hazard; exact rescheduling when factors change)
  double churn_budget = 0, churn_acc = 0, churn_since = 0, churn_rate = 0;
  double login_envelope = 0;  // base login rate of the thinning envelope (see schedule_login)
  double stage_entered_at = 0, product_start = -1, last_login = 0, downgraded_at = -1e18;
  double mrr = 0, pending_discount = 0;
  double purchase_rate = 0, dropout_p = 0, spend_nu = 0;
  std::int32_t scheduled_epoch = -1;
  std::uint32_t flags = 0;
  std::uint32_t tasks_done = 0, milestones_done = 0;
  std::uint32_t value_actions = 0;
  std::uint32_t fired = 0;           // playbooks fired (non-repeating ones fire once)
  std::uint32_t inactive_fired = 0;  // inactivity playbooks fired in this inactivity spell
  std::uint16_t counters[kCounters] = {};
  std::int16_t stage = -1, next_stage = -1, plan = -1, segment = 0, channel = 0;
  std::int32_t seats = 1;
  Phase phase = Phase::none;
  bool onboarding_done = false;

  bool has(Flag f) const { return flags & (1u << static_cast<int>(f)); }
  void set(Flag f, bool on = true) {
    if (on)
      flags |= 1u << static_cast<int>(f);
    else
      flags &= ~(1u << static_cast<int>(f));
  }
};

struct Request {
  double t;
  std::uint32_t customer;
  Req kind;
  std::int16_t arg;
};

struct ReferralArrival {
  double t;
  std::int64_t referrer;
  std::uint64_t stream_key;
};

// Per-block output of the parallel phase.
struct BlockOut {
  std::vector<Event> events;
  std::vector<Request> requests;
  std::vector<ReferralArrival> referrals;
  std::vector<std::pair<std::int32_t, std::uint32_t>> schedule;  // (epoch, customer)
  std::uint64_t words = 0;
};

// Counter ids for (event type, arg) pairs that transitions or playbooks count.
struct CounterKey {
  int type, arg;
};

class Market {
 public:
  Market(const Scenario& s, std::uint64_t run_key, std::uint32_t market, std::uint16_t rep)
      : s_(s), run_key_(run_key), market_(market), rep_(rep) {
    n_epochs_ = static_cast<std::int32_t>(std::ceil(s.horizon_days / s.epoch_days));
    // the expected arrivals and a margin for chance and referrals: growing the array of
    // customers (each moved element by element) was a sixth of a 10,000-lead run
    const auto expected = static_cast<std::size_t>(std::max(0.0, s.customers) * 1.25) + 64;
    customers_.reserve(std::min<std::size_t>(expected, std::size_t{1} << 24));
    first_plan_.reserve(customers_.capacity());
    // a market's customers are first touched as they arrive: one fault per 2 MiB, not per 4 KiB
    common::advise_huge_pages(customers_.data(), customers_.capacity() * sizeof(Customer));
    buckets_.resize(n_epochs_ + 1);
    for (const auto& tr : s.transitions)
      if (tr.on_event >= 0) counter_of(tr.on_event, tr.on_arg);
    for (const auto& p : s.playbooks)
      if (p.on_event >= 0) counter_of(p.on_event, p.event_arg);
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

  void set_snapshot_day(double day) { snapshot_day_ = day; }

  // One epoch's customers (bucket e), advanced to t1 in parallel; their requests and referrals
  // resolved after, scheduled no earlier than epoch `next`.
  void step(std::int32_t e, double t1, std::int32_t next, EventSink& sink, RunStats& stats) {
    // 2. advance every customer due in this epoch, in parallel, in fixed blocks
    std::vector<std::uint32_t> due;
    due.swap(buckets_[e]);
    // keep each customer once, and only if this is still its epoch (it may also sit in a
    // later bucket from an earlier schedule, or twice in this one after being rescheduled)
    std::erase_if(due, [&](std::uint32_t c) {
      if (customers_[c].scheduled_epoch != e) return true;
      customers_[c].scheduled_epoch = -2;  // taken
      return false;
    });
    for (std::uint32_t c : due) customers_[c].scheduled_epoch = -1;
    constexpr std::size_t kBlock = 256;
    const std::size_t nblocks = (due.size() + kBlock - 1) / kBlock;
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
    }
    tbb::parallel_for(std::size_t{0}, nblocks, [&](std::size_t b) {
      BlockOut& o = blocks_[b];
      const std::size_t end = std::min(due.size(), (b + 1) * kBlock);
      for (std::size_t i = b * kBlock; i < end; ++i) advance(due[i], t1, o);
    });
    // 3. merge in block order (deterministic whatever the thread count)
    std::vector<Request>& requests = requests_;
    std::vector<ReferralArrival>& referrals = referrals_;
    requests.clear();
    referrals.clear();
    for (std::size_t b = 0; b < nblocks; ++b) {
      BlockOut& o = blocks_[b];
      for (const auto& ev : o.events) ++stats.by_type[static_cast<std::size_t>(ev.type)];
      stats.events += o.events.size();
      if (!o.events.empty()) sink.take_events(std::move(o.events));
      requests.insert(requests.end(), o.requests.begin(), o.requests.end());
      referrals.insert(referrals.end(), o.referrals.begin(), o.referrals.end());
      for (auto [ep, c] : o.schedule) schedule(c, ep, next);
      stats.random_words += o.words;
    }
    // 4. shared resources, in a deterministic order
    serve_requests(requests, next);
    create_referred(referrals, next);
  }

  void run(EventSink& sink, RunStats& stats, const std::function<void(double)>& progress) {
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
    stats.peak_live_customers =
        std::max<std::uint64_t>(stats.peak_live_customers, customers_.size());
  }

 private:
  // ---- time and seasonality
  std::int64_t ts(double day) const {
    // nearest second: an opening hour computed in floating point lands on its exact second
    return s_.start_time + static_cast<std::int64_t>(day * 86400.0 + 0.5);  // day >= 0
  }
  // Seasonality factor at simulated time `day` (a table lookup on the hot path).
  double season(double day) const {
    auto d = static_cast<std::size_t>(day < 0 ? 0 : day);
    return d < season_table_.size() ? season_table_[d] : season_calendar(day);
  }
  double season_calendar(double day) const {
    // weekday: 1970-01-01 was a Thursday (index 3 with Monday = 0)
    double abs_day = s_.start_time / 86400.0 + day;
    auto d = static_cast<std::int64_t>(std::floor(abs_day));
    int wd = static_cast<int>(((d % 7) + 7 + 3) % 7);
    std::chrono::sys_days sd{std::chrono::days{d}};
    std::chrono::year_month_day ymd{sd};
    int mo = static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;
    return s_.weekly[wd] * s_.yearly[mo];
  }

  // Earliest time >= t at which `team` works (opening hours, optionally weekdays only).
  double next_open(const Team& team, double t) const {
    if (team.open_hour <= 0 && team.close_hour >= 24 && !team.weekdays_only) return t;
    for (int guard = 0; guard < 8; ++guard) {
      double abs_day = s_.start_time / 86400.0 + t;
      double day = std::floor(abs_day);
      double hour = (abs_day - day) * 24.0;
      int wd = static_cast<int>(((static_cast<std::int64_t>(day) % 7) + 7 + 3) % 7);
      bool workday = !team.weekdays_only || wd < 5;
      if (workday && hour >= team.open_hour && hour < team.close_hour) return t;
      if (workday && hour < team.open_hour) return t + (team.open_hour - hour) / 24.0;
      t += (24.0 - hour + team.open_hour) / 24.0 - 1e-12;  // next day's opening
      t = std::max(t, (day + 1 - s_.start_time / 86400.0) + team.open_hour / 24.0);
    }
    return t;
  }

  int counter_of(int type, int arg) {
    if (int k = find_counter(type, arg); k >= 0) return k;
    if (counter_keys_.size() >= kCounters)
      throw std::runtime_error(
          "scenario counts more than 16 distinct events in transitions and playbooks");
    counter_keys_.push_back({type, arg});
    return static_cast<int>(counter_keys_.size() - 1);
  }
  int find_counter(int type, int arg) const {
    for (std::size_t i = 0; i < counter_keys_.size(); ++i)
      if (counter_keys_[i].type == type && counter_keys_[i].arg == arg) return static_cast<int>(i);
    return -1;
  }

  // ---- scheduling
  void schedule(std::uint32_t c, std::int32_t epoch, std::int32_t min_epoch) {
    epoch = std::max(epoch, min_epoch);
    if (epoch > n_epochs_) return;  // bucket n_epochs_: the rounds at the horizon
    Customer& cu = customers_[c];
    if (cu.scheduled_epoch >= 0 && cu.scheduled_epoch <= epoch) return;
    cu.scheduled_epoch = epoch;
    buckets_[epoch].push_back(c);
  }
  std::int32_t epoch_of(double t) const {
    if (!(t < s_.horizon_days)) return n_epochs_;
    return static_cast<std::int32_t>(t / s_.epoch_days);  // t >= 0: truncation is floor
  }

  static constexpr int cached_index(Purpose p) {
    return p == Purpose::login          ? 0
           : p == Purpose::features     ? 1
           : p == Purpose::value_action ? 2
                                        : -1;
  }
  Stream stream(Customer& c, Purpose p) {
    const int k = cached_index(p);
    if (k >= 0)
      return Stream(run_key_, c.stream_key, p, c.blocks[static_cast<int>(p)], c.cached[k].used,
                    c.cached[k].out);
    return Stream(run_key_, c.stream_key, p, c.blocks[static_cast<int>(p)]);
  }
  void save(Customer& c, Purpose p, const Stream& st, BlockOut& o) {
    o.words += (st.block() - c.blocks[static_cast<int>(p)]) * 4ull;
    c.blocks[static_cast<int>(p)] = st.block();
    if (const int k = cached_index(p); k >= 0) st.save_block(c.cached[k].used, c.cached[k].out);
  }

  // ---- arrivals
  void generate_day(int day, std::vector<eventlog::ChannelDayRow>& rows) {
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

  std::uint32_t add_customer(double t, int channel, std::uint64_t key, std::int64_t referrer,
                             std::int32_t min_epoch) {
    auto idx = static_cast<std::uint32_t>(customers_.size());
    customers_.emplace_back();
    first_plan_.push_back(-1);
    Customer& c = customers_.back();
    c.stream_key = key;
    c.referrer = referrer;
    c.created = t;
    c.clock = t;
    c.channel = static_cast<std::int16_t>(channel);
    std::fill(std::begin(c.next), std::end(c.next), kInf);
    c.agenda.push({t, 0, Pend::arrival, 0});
    if (referrer >= 0) c.set(Flag::referred);
    schedule(idx, epoch_of(t), min_epoch);
    return idx;
  }

  void create_referred(std::vector<ReferralArrival>& refs, std::int32_t next_epoch) {
    std::sort(refs.begin(), refs.end(), [](const ReferralArrival& a, const ReferralArrival& b) {
      return a.t != b.t ? a.t < b.t : a.stream_key < b.stream_key;
    });
    for (const auto& r : refs)
      if (r.t < s_.horizon_days)
        add_customer(r.t, s_.referral_channel, r.stream_key, r.referrer, next_epoch);
  }

  // ---- shared resources: FIFO queues of c agents, served in (time, customer, kind) order
  void serve_requests(std::vector<Request>& reqs, std::int32_t next_epoch) {
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
        start = next_open(s_.teams[team], std::max(r.t, free));
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

  // ---- per-customer simulation
  void emit(Customer& c, BlockOut& o, std::uint32_t idx, double t, EventType type, int arg = -1,
            double value = 0) {
    o.events.push_back(
        Event{ts(t), eventlog::make_customer_id(market_, idx), arg, value, market_, rep_, type});
    on_event(c, o, idx, t, type, arg);
  }

  void advance(std::uint32_t idx, double t1, BlockOut& o) {
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
      c.clock = std::max(c.clock, t);
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
    if (nxt < s_.horizon_days) o.schedule.emplace_back(epoch_of(nxt), idx);
  }

  bool live(const Customer& c) const {
    return c.phase == Phase::trial || c.phase == Phase::freemium || c.phase == Phase::paying;
  }

  double effect_product(const Customer& c, double Effect::*field) const {
    double x = 1;
    for (const auto& e : c.effects) x *= s_.playbooks[e.playbook].effect.*field;
    return x;
  }

  // -- churn hazard
  double churn_rate_now(const Customer& c, double t) const {
    if (c.phase != Phase::paying || s_.model != Scenario::Model::subscription) return 0;
    double r = s_.churn_monthly / kMonth * s_.segments[c.segment].churn_x;
    if (c.stage >= 0) r *= s_.stages[c.stage].churn_x;
    if (c.has(Flag::activated)) r *= s_.activated_churn_x;
    if (c.has(Flag::promoter)) r *= s_.promoter_churn_x;
    if (c.has(Flag::detractor)) r *= s_.detractor_churn_x;
    if (c.has(Flag::downgraded) && t < c.downgraded_at + s_.downgrade_churn_days)
      r *= s_.downgrade_churn_x;
    if (c.flags & kLowCsat) r *= s_.low_csat_churn_x;
    if (c.flags & kFollowedUp) r *= s_.followup_churn_x;
    return r * effect_product(c, &Effect::churn_x);
  }
  void update_churn(Customer& c, double t) {
    c.churn_acc += c.churn_rate * (t - c.churn_since);
    c.churn_since = t;
    c.churn_rate = churn_rate_now(c, t);
    c.next[S_CHURN] =
        c.churn_rate > 0 ? t + std::max(0.0, c.churn_budget - c.churn_acc) / c.churn_rate : kInf;
  }
  void start_churn_clock(Customer& c, double t, BlockOut& o) {
    Stream st = stream(c, Purpose::churn);
    c.churn_budget = st.exponential(1.0);
    save(c, Purpose::churn, st, o);
    c.churn_acc = 0;
    c.churn_since = t;
    c.churn_rate = 0;
    update_churn(c, t);
  }

  // -- logins: a non-homogeneous Poisson process, rate = base x engagement(t) x season(day).
  // Sampled by thinning against the envelope base x season(day), piecewise constant by day of
  // the horizon: the seasonal factor is followed exactly (not thinned against its maximum), and a
  // candidate at u is kept with probability engagement(u) <= 1. The candidate times depend only
  // on the base rate and the calendar, not on when the product started, so two scenarios that
  // differ elsewhere keep their login candidates in step (common random numbers in `compare`).
  // Logins per day before engagement decay and seasonality: segment x stage x effects.
  double login_base_rate(const Customer& c) const {
    double r = s_.logins_per_week / 7.0 * s_.segments[c.segment].login_x;
    if (c.stage >= 0) r *= s_.stages[c.stage].login_x;
    return r * effect_product(c, &Effect::login_x);
  }
  double engagement(const Customer& c, double t) const {
    if (s_.engagement_decay_days > 0 && c.product_start >= 0)
      return s_.engagement_floor + (1 - s_.engagement_floor) *
                                       std::exp(-(t - c.product_start) / s_.engagement_decay_days);
    return 1;
  }
  // The first envelope point after t (kInf past the horizon); c.login_envelope is the base rate
  // of the envelope.
  double next_login_candidate(Customer& c, double t, Stream& st) {
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
  void schedule_login(Customer& c, double t, BlockOut& o) {
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

  void schedule_ticket(Customer& c, double t, BlockOut& o) {
    if (s_.tickets_per_month <= 0) return;
    Stream tk = stream(c, Purpose::tickets);
    c.next[S_TICKET] = t + tk.exponential(kMonth / s_.tickets_per_month);
    save(c, Purpose::tickets, tk, o);
  }

  double sample_revchange_gap(Customer& c, BlockOut& o) {
    double total = (s_.upgrade_monthly + s_.downgrade_monthly + s_.seat_expansion_monthly) / kMonth;
    if (total <= 0 || c.phase != Phase::paying || s_.plans[c.plan].freemium) return kInf;
    Stream st = stream(c, Purpose::revenue_change);
    double g = st.exponential(1.0 / total);
    save(c, Purpose::revenue_change, st, o);
    return g;
  }

  double plan_mrr(const Customer& c, int plan) const {
    const Plan& p = s_.plans[plan];
    return p.price_month * (p.per_seat ? c.seats : 1);
  }

  void enter_stage(Customer& c, BlockOut& o, std::uint32_t idx, double t, int stage,
                   int depth = 0) {
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
          if (k >= 0 && c.counters[k] >= tr.count) {
            enter_stage(c, o, idx, t, tr.to, depth + 1);
            return;
          }
        }
  }

  void start_product(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
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

  void arm_inactivity(Customer& c, double t) {
    double best = kInf;
    for (std::size_t i = 0; i < s_.playbooks.size(); ++i) {
      const auto& p = s_.playbooks[i];
      if (p.inactive_days > 0 && !(c.inactive_fired & (1u << i)))
        best = std::min(best, c.last_login + p.inactive_days);
    }
    c.next[S_INACTIVE] = live(c) ? std::max(best, t) : kInf;
  }

  void convert(Customer& c, BlockOut& o, std::uint32_t idx, double t, int plan) {
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

  void arrive(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
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
      c.purchase_rate = lam(ps);
      boost::random::beta_distribution<double> drop(s_.bg_a, s_.bg_b);
      c.dropout_p = drop(ps);
      boost::random::gamma_distribution<double> nu(s_.gg_q, 1.0 / s_.gg_gamma);
      c.spend_nu = nu(ps);
      boost::random::gamma_distribution<double> z(s_.gg_p, 1.0 / c.spend_nu);
      double amount = z(ps);
      c.next[S_PURCHASE] = c.purchase_rate > 0 ? t + ps.exponential(1.0 / c.purchase_rate) : kInf;
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

  double conversion_multiplier(const Customer& c) const {
    double x = s_.segments[c.segment].conversion_x * effect_product(c, &Effect::conversion_x);
    if (c.has(Flag::activated)) x *= s_.activated_conversion_x;
    if (c.has(Flag::pql)) x *= s_.pql_conversion_x;
    return x;
  }
  void schedule_freemium_upgrade(Customer& c, BlockOut& o, double t) {
    double rate = s_.freemium_upgrade_monthly / kMonth * conversion_multiplier(c);
    if (c.phase != Phase::freemium || rate <= 0) {
      c.next[S_CONVERT] = kInf;
      return;
    }
    Stream st = stream(c, Purpose::conversion);
    c.next[S_CONVERT] = t + st.exponential(1.0 / rate);
    save(c, Purpose::conversion, st, o);
  }

  void handle_slot(Customer& c, BlockOut& o, std::uint32_t idx, int slot, double t) {
    switch (slot) {
      case S_LOGIN: {
        Stream st = stream(c, Purpose::login);
        // the base rate only changes where schedule_login redraws, so this is engagement(t)
        const double base = login_base_rate(c);
        bool ok = st.uniform() * c.login_envelope < base * engagement(c, t);
        c.login_envelope = base;
        c.next[S_LOGIN] = base > 0 ? next_login_candidate(c, t, st) : kInf;
        save(c, Purpose::login, st, o);
        if (!ok) break;
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
        break;
      }
      case S_CHURN: {
        c.phase = Phase::churned;
        c.set(Flag::churned);
        c.set(Flag::paying, false);
        if (c.churn_time < 0) c.churn_time = t;
        c.mrr = 0;
        for (int k : {S_LOGIN, S_PAYMENT, S_REVCHANGE, S_TICKET, S_STAGE, S_INACTIVE})
          c.next[k] = kInf;
        c.agenda.erase_if([](const Pending& p) { return p.kind == Pend::task; });
        emit(c, o, idx, t, EventType::churned);
        if (s_.reactivation_monthly > 0) {
          Stream st = stream(c, Purpose::reactivation);
          c.next[S_REACTIVATE] = t + st.exponential(kMonth / s_.reactivation_monthly);
          save(c, Purpose::reactivation, st, o);
        }
        break;
      }
      case S_STAGE:
        if (c.next_stage >= 0 && live(c)) enter_stage(c, o, idx, t, c.next_stage);
        break;
      case S_PAYMENT: {
        if (c.phase != Phase::paying) break;
        double amount = std::max(0.0, c.mrr - c.pending_discount);
        c.pending_discount = 0;
        if (c.mrr > 0) emit(c, o, idx, t, EventType::payment, c.plan, amount);
        c.next[S_PAYMENT] = t + kMonth;
        break;
      }
      case S_REVCHANGE: {
        if (c.phase != Phase::paying) break;
        Stream st = stream(c, Purpose::revenue_change);
        double total = s_.upgrade_monthly + s_.downgrade_monthly + s_.seat_expansion_monthly;
        double u = st.uniform() * total;
        int seats_added =
            1 + static_cast<int>(sample_poisson(st, s_.seat_expansion_mean - 1 + 1e-12));
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
        break;
      }
      case S_TICKET: {
        if (!live(c)) break;
        emit(c, o, idx, t, EventType::support_ticket);
        o.requests.push_back({t, idx, Req::support, -1});
        schedule_ticket(c, t, o);
        break;
      }
      case S_PURCHASE: {
        Stream ps = stream(c, Purpose::purchases);
        boost::random::gamma_distribution<double> z(s_.gg_p, 1.0 / c.spend_nu);
        double amount = z(ps);
        bool drop = ps.bernoulli(c.dropout_p);
        double gap = ps.exponential(1.0 / c.purchase_rate);
        save(c, Purpose::purchases, ps, o);
        emit(c, o, idx, t, EventType::purchase, -1, amount);
        c.next[S_PURCHASE] = drop ? kInf : t + gap;  // BG/NBD: may drop out after a repeat purchase
        break;
      }
      case S_CONVERT: {
        if (c.phase == Phase::cycle) {
          convert(c, o, idx, t, s_.sales_plan);
          start_product(c, o, idx, t);
        } else if (c.phase == Phase::freemium) {
          convert(c, o, idx, t, s_.upgrade_plan);
        }
        break;
      }
      case S_TRIAL_END: {
        if (c.phase != Phase::trial) break;
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
        break;
      }
      case S_REACTIVATE:
        if (c.phase == Phase::churned) reactivate(c, o, idx, t);
        break;
      case S_INACTIVE: {
        if (!live(c)) break;
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
        break;
      }
      default:
        break;
    }
  }

  int neighbour_plan(int plan, int dir) const {
    // the next paid plan by price, up or down
    int best = -1;
    double p0 = s_.plans[plan].price_month;
    for (std::size_t i = 0; i < s_.plans.size(); ++i) {
      const Plan& p = s_.plans[i];
      if (p.freemium || p.price_month <= 0 || static_cast<int>(i) == plan) continue;
      if (dir > 0 && p.price_month > p0 && (best < 0 || p.price_month < s_.plans[best].price_month))
        best = static_cast<int>(i);
      if (dir < 0 && p.price_month < p0 && (best < 0 || p.price_month > s_.plans[best].price_month))
        best = static_cast<int>(i);
    }
    return best;
  }

  void reactivate(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
    c.next[S_REACTIVATE] = kInf;
    c.set(Flag::churned, false);
    c.phase = Phase::paying;
    c.set(Flag::paying);
    c.mrr = plan_mrr(c, c.plan);
    emit(c, o, idx, t, EventType::reactivated, c.plan, c.mrr);
    c.next[S_PAYMENT] = t;
    c.next[S_REVCHANGE] = t + sample_revchange_gap(c, o);
    start_churn_clock(c, t, o);
    c.last_login = t;
    enter_stage(c, o, idx, t, s_.reactivation_stage);
    schedule_ticket(c, t, o);
  }

  void check_milestones(Customer& c, BlockOut& o, std::uint32_t idx, double t) {
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

  void handle_pending(Customer& c, BlockOut& o, std::uint32_t idx, const Pending& p) {
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
        std::erase_if(c.effects, [&](const ActiveEffect& e) { return e.until <= t; });
        rates_changed(c, o, t);
        break;
    }
  }

  void rates_changed(Customer& c, BlockOut& o, double t) {
    update_churn(c, t);
    // not "if a login is pending": none is pending when the last draw fell past the horizon or
    // the rate was 0, and a higher rate from now on must still get its logins
    if (live(c) && c.product_start >= 0) schedule_login(c, t, o);
    if (c.phase == Phase::freemium) schedule_freemium_upgrade(c, o, t);
  }

  void handle_response(Customer& c, BlockOut& o, std::uint32_t idx, double t, Req kind, int arg,
                       double wait_hours) {
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

  // -- events drive stage transitions and playbook triggers
  void on_event(Customer& c, BlockOut& o, std::uint32_t idx, double t, EventType type, int arg) {
    const int ti = static_cast<int>(type);
    const auto& pbs = playbooks_by_event_[ti];
    const auto& trs = transitions_by_event_[ti];
    if (pbs.empty() && trs.empty()) return;
    // count
    for (std::size_t k = 0; k < counter_keys_.size(); ++k)
      if (counter_keys_[k].type == ti &&
          (counter_keys_[k].arg < 0 || counter_keys_[k].arg == arg) && c.counters[k] < 65535)
        ++c.counters[k];
    for (std::size_t i : pbs) {
      const Playbook& p = s_.playbooks[i];
      if (p.event_arg >= 0 && p.event_arg != arg) continue;
      int k = find_counter(p.on_event, p.event_arg);
      bool reached = p.repeat ? c.counters[k] >= p.count : c.counters[k] == p.count;
      if (reached && (p.repeat || !(c.fired & (1u << i)))) arm_playbook(c, i, t);
    }
    for (std::size_t i : trs) {
      const Transition& tr = s_.transitions[i];
      if (tr.from != c.stage || !live(c)) continue;
      if (tr.on_arg >= 0 && tr.on_arg != arg) continue;
      int k = find_counter(tr.on_event, tr.on_arg);
      if (c.counters[k] >= tr.count) {
        enter_stage(c, o, idx, t, tr.to);
        break;
      }
    }
  }

  void arm_playbook(Customer& c, std::size_t i, double t) {
    if (!s_.playbooks[i].repeat) c.fired |= 1u << i;
    c.agenda.push(
        {t + s_.playbooks[i].delay_days, 0, Pend::playbook, static_cast<std::int16_t>(i)});
  }

  void fire_playbook(Customer& c, BlockOut& o, std::uint32_t idx, double t, int i) {
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

  static constexpr std::uint32_t kLowCsat = 1u << 20;
  static constexpr std::uint32_t kFollowedUp = 1u << 21;
  // the customer's snapshot row waits for its events before the snapshot (see take_snapshot)
  static constexpr std::uint32_t kSnapshotPending = 1u << 22;

  const Scenario& s_;
  std::uint64_t run_key_;
  std::uint32_t market_;
  std::uint16_t rep_;
  // Records every customer's latent state at `day`, an epoch boundary: every event before it
  // has been simulated, none after it, except for customers with something due before `day`
  // still waiting (a referred customer created in the last epoch, a team's response scheduled
  // into the next one): their row is recorded when their next event reaches `day` (advance).
  void take_snapshot(double day) {
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
  void record_truth(std::uint32_t i) {
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
      t.purchase_rate_day = c.purchase_rate;
      t.dropout_p = c.dropout_p;
      t.spend_mean = c.spend_nu > 0 ? s_.gg_p / c.spend_nu : 0.0;
      // dropped out: no next purchase was scheduled after the last one
      t.alive = c.created <= day && c.purchase_rate > 0 && c.next[S_PURCHASE] < kInf;
    } else {
      t.alive = paying;
      t.churn_hazard_month = churn_rate_now(c, day) * kMonth;
      if (paying && !s_.plans[c.plan].freemium && neighbour_plan(c.plan, +1) >= 0)
        t.upgrade_rate_month = s_.upgrade_monthly;
    }
  }

  double snapshot_at_ = kInf;  // the boundary the snapshot was taken at
  double snapshot_day_ = -1;
  std::vector<CustomerTruth> truth_;
  std::int32_t n_epochs_ = 0;
  double season_norm_ = 1;
  std::vector<double> season_table_;
  double min_inactive_days_ = kInf;  // the shortest inactive_days of the inactivity playbooks
  bool has_inactivity() const { return min_inactive_days_ < kInf; }
  std::vector<Customer> customers_;
  std::vector<BlockOut> blocks_;  // per-epoch output of the parallel phase, reused
  std::vector<Request> requests_;
  std::vector<ReferralArrival> referrals_;
  std::vector<std::int32_t> first_plan_;
  std::vector<std::vector<std::uint32_t>> buckets_;
  std::vector<std::priority_queue<double, std::vector<double>, std::greater<>>> servers_;
  std::vector<CounterKey> counter_keys_;
  std::vector<std::vector<std::size_t>> playbooks_by_event_, transitions_by_event_;
};

}  // namespace

RunStats simulate(const Scenario& scenario, const RunOptions& options, EventSink& sink) {
  if (options.part_count == 0 || options.part_index < 1 || options.part_index > options.part_count)
    throw std::runtime_error("--part must be k/N with 1 <= k <= N");
  if (options.markets == 0 || options.replications == 0)
    throw std::runtime_error("--markets and --replications must be at least 1");
  if (options.first_replication + options.replications > 65536)
    throw std::runtime_error("--first-replication + --replications must be at most 65536");
  std::unique_ptr<tbb::global_control> limit;
  if (options.threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  options.threads);
  const std::uint64_t units = static_cast<std::uint64_t>(options.markets) * options.replications;
  // (not a structured binding: lambdas below capture the bounds, which clang 14 refuses)
  const auto part = part_units(units, options.part_index, options.part_count);
  std::uint64_t u0 = part.first, u1 = part.second;
  if (options.unit_end > options.unit_begin) {
    if (options.unit_end > units) throw std::runtime_error("unit range past the run's units");
    u0 = options.unit_begin;
    u1 = options.unit_end;
  }
  RunStats stats;
  auto run_unit = [&](std::uint64_t u, EventSink& out, RunStats& st,
                      const std::function<void(double)>& progress) {
    auto rep = static_cast<std::uint16_t>(options.first_replication + u / options.markets);
    auto market = static_cast<std::uint32_t>(u % options.markets);
    std::uint64_t run_key = mix(mix(scenario.seed, rep), market);
    Market m(scenario, run_key, market, rep);
    m.set_snapshot_day(options.snapshot_day);
    m.run(out, st, progress);
    ++st.units;
  };
  const int threads = static_cast<int>(std::min<std::size_t>(
      tbb::this_task_arena::max_concurrency(),
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism)));
  if (u1 - u0 <= 1) {
    // one unit: stream it, parallel within the market
    for (std::uint64_t u = u0; u < u1; ++u) {
      const double done = static_cast<double>(u - u0), total = static_cast<double>(u1 - u0);
      std::unique_ptr<EventSink> own = sink.unit_sink(u);
      run_unit(u, own ? *own : sink, stats, [&](double frac) {
        if (options.progress) options.progress(done + frac, total, stats.events);
      });
      if (own) sink.take_unit(std::move(own));
    }
    return stats;
  }
  // Several units: simulate up to `threads` of them at once (each into its own buffer) and hand
  // them to the sink in unit order, whole: channels, events, customers. A unit's rows are the same
  // whoever simulates it and the sink sees the same calls at any thread count (one thread
  // included), so the file is byte-identical across thread counts. Memory grows by the buffered
  // rows of the units in flight (at most `threads` of them).
  struct Unit {
    std::uint64_t u = 0;
    RunStats stats;
    std::vector<std::vector<eventlog::Event>> events;  // the market's blocks, kept as produced
    std::vector<eventlog::CustomerRow> customers;
    std::vector<eventlog::ChannelDayRow> channels;
    std::vector<CustomerTruth> truth;
    std::unique_ptr<EventSink> own;  // the sink's own unit sink, if it has one
  };
  class BufferSink : public EventSink {
   public:
    explicit BufferSink(Unit& unit) : unit_(unit) {}
    void events(std::span<const eventlog::Event> e) override {
      unit_.events.emplace_back(e.begin(), e.end());
    }
    void take_events(std::vector<eventlog::Event>&& e) override {
      unit_.events.push_back(std::move(e));  // no copy, and no regrowing of one large buffer
    }
    void customers(std::span<const eventlog::CustomerRow> r) override {
      unit_.customers.insert(unit_.customers.end(), r.begin(), r.end());
    }
    void channels(std::span<const eventlog::ChannelDayRow> r) override {
      unit_.channels.insert(unit_.channels.end(), r.begin(), r.end());
    }
    void truth(std::span<const CustomerTruth> r) override {
      unit_.truth.insert(unit_.truth.end(), r.begin(), r.end());
    }

   private:
    Unit& unit_;
  };
  // The units in flight are owned here, not by the items passed between the filters: a
  // cancelled pipeline (an interrupted run) does not destroy the items it holds.
  std::mutex live_mutex;
  std::deque<std::unique_ptr<Unit>> live;  // in unit order: created by the input filter, retired
                                           // (oldest first) by the in-order output filter
  std::uint64_t next = u0;
  tbb::parallel_pipeline(
      static_cast<std::size_t>(threads),
      tbb::make_filter<void, Unit*>(tbb::filter_mode::serial_in_order,
                                    [&](tbb::flow_control& fc) -> Unit* {
                                      if (next == u1) {
                                        fc.stop();
                                        return nullptr;
                                      }
                                      std::lock_guard lock(live_mutex);
                                      live.push_back(std::make_unique<Unit>());
                                      live.back()->u = next++;
                                      return live.back().get();
                                    }) &
          tbb::make_filter<Unit*, Unit*>(
              tbb::filter_mode::parallel,
              [&](Unit* unit) {
                // one thread per unit: units are the parallelism here;
                // sharing a market's small per-epoch blocks between
                // threads only costs synchronisation
                BufferSink buffer(*unit);
                unit->own = sink.unit_sink(unit->u);
                EventSink& out = unit->own ? *unit->own : static_cast<EventSink&>(buffer);
                tbb::task_arena one(1);
                one.execute([&] { run_unit(unit->u, out, unit->stats, {}); });
                return unit;
              }) &
          tbb::make_filter<Unit*, void>(tbb::filter_mode::serial_in_order, [&](Unit* unit) {
            if (unit->own) sink.take_unit(std::move(unit->own));
            if (!unit->channels.empty()) sink.channels(unit->channels);
            for (auto& block : unit->events) sink.take_events(std::move(block));
            if (!unit->customers.empty()) sink.customers(unit->customers);
            if (!unit->truth.empty()) sink.truth(unit->truth);
            const RunStats& st = unit->stats;
            stats.customers += st.customers;
            stats.events += st.events;
            stats.random_words += st.random_words;
            stats.units += st.units;
            for (std::size_t t = 0; t < st.by_type.size(); ++t) stats.by_type[t] += st.by_type[t];
            stats.peak_live_customers = std::max(stats.peak_live_customers, st.peak_live_customers);
            if (options.progress)
              options.progress(static_cast<double>(unit->u - u0 + 1), static_cast<double>(u1 - u0),
                               stats.events);
            std::lock_guard lock(live_mutex);
            live.pop_front();  // == unit: units leave in the order they came
          }));
  return stats;
}

}  // namespace journeysim::sim
