// The simulation of one market (private to sim/): the customer record, its agenda and the
// Market class. Market is defined by domain, one file each, named in the declarations below:
// market.cpp (the orchestrator: epochs, the per-customer event loop, dispatch), acquisition.cpp,
// team_queues.cpp, product_use.cpp, money.cpp, churn.cpp, playbooks.cpp, referral.cpp and
// snapshot.cpp; engine.cpp runs markets in parallel (simulate).
#pragma once
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <boost/random/beta_distribution.hpp>
#include <boost/random/binomial_distribution.hpp>
#include <boost/random/gamma_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <vector>

#include "journeysim/common/huge_pages.hpp"
#include "journeysim/sim/engine.hpp"
#include "journeysim/sim/rng.hpp"
#include "sampling.hpp"
#include "small_vector.hpp"

namespace journeysim::sim::detail {

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
  const Pending* data() const { return items_.data(); }  // (for prefetching)
  void push(const Pending& p) {
    items_.push_back(p);
    if (p.t < min_t_) min_t_ = p.t, min_i_ = static_cast<std::uint32_t>(items_.size() - 1);
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
    items_.erase_if(pred);
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
      if (items_[i].t < min_t_) min_t_ = items_[i].t, min_i_ = static_cast<std::uint32_t>(i);
  }
  SmallVector<Pending> items_;
  double min_t_ = std::numeric_limits<double>::infinity();
  std::uint32_t min_i_ = 0;
};

struct ActiveEffect {
  double until;
  std::int16_t playbook;
};

// one block counter per purpose (Purpose values start at 1; the last is Purpose::trial)
constexpr int kPurposes = static_cast<int>(Purpose::trial) + 1;
constexpr int kMaxDrainRounds = 100000;
constexpr int kCounters = 16;

// A customer's record. The fields a login (the most frequent event by far), the event loop and
// the emission of an event read and write come first, in the record's first cache lines (the
// hot part, Customer::hot_bytes(): four lines); everything else follows. The record is cache-line
// aligned, so the hot part is always the same few lines: a due customer's visit brings in those,
// not the whole 512-byte record (#18). Field order changes nothing simulated.
struct alignas(64) Customer {
  // ---- hot: every visit and every login
  double next[kSlots];
  std::uint64_t stream_key = 0;
  double login_envelope = 0;  // base login rate of the thinning envelope (see schedule_login)
  double last_login = 0, product_start = -1;
  Agenda agenda;
  SmallVector<ActiveEffect> effects;
  // the per-login streams (login, features, value_action) draw a few words per login: the
  // unused words of their current block, their block counters and how many words of the block
  // are used (4: none left); indexed by cached_index
  std::uint32_t cached_out[3][4] = {};
  std::uint32_t cached_block[3] = {};
  std::uint8_t cached_used[3] = {4, 4, 4};
  std::uint32_t flags = 0;
  std::uint32_t value_actions = 0;
  // (at most 16 milestones and 16 activation tasks: scenario.cpp) tasks_done is read on the
  // value-action path by check_milestones, so it is hot
  std::uint16_t milestones_done = 0, tasks_done = 0;
  std::uint32_t inactive_fired = 0;  // inactivity playbooks fired in this inactivity spell
  std::int16_t stage = -1, segment = 0;
  Phase phase = Phase::none;
  bool onboarding_done = false;
  // ---- cold: payments, churn, conversion, playbooks, the other random streams
  double mrr = 0, pending_discount = 0;
  // churn hazard budget (piecewise-constant hazard; exact rescheduling when factors change)
  double churn_budget = 0, churn_acc = 0, churn_since = 0, churn_rate = 0;
  std::int64_t referrer = -1;
  double created = 0, converted = -1, churn_time = -1;
  double stage_entered_at = 0, downgraded_at = -1e18;
  // block counters of the other purposes (the per-login ones keep theirs in `cached_block`)
  std::uint32_t blocks[kPurposes] = {};
  std::uint32_t fired = 0;  // playbooks fired (non-repeating ones fire once)
  std::int16_t next_stage = -1, plan = -1, channel = 0;
  std::int32_t seats = 1;

  bool has(Flag f) const { return flags & (1u << static_cast<int>(f)); }
  void set(Flag f, bool on = true) {
    if (on)
      flags |= 1u << static_cast<int>(f);
    else
      flags &= ~(1u << static_cast<int>(f));
  }
  // The hot part's size in bytes, whole cache lines: the fields before `mrr`.
  static std::size_t hot_bytes() {
    static const std::size_t n = [] {
      const Customer c{};
      const auto off = static_cast<std::size_t>(reinterpret_cast<const char*>(&c.mrr) -
                                                reinterpret_cast<const char*>(&c));
      return (off + 63) / 64 * 64;
    }();
    return n;
  }
};
// eight cache lines, the first four hot (hot_bytes()): grow them only knowing that every due
// customer's visit pays for it, and that one market of 10^6 customers holds 10^6 of them (#18)
static_assert(sizeof(Customer) <= 512);

// What only some scenarios need of a customer lives beside the record, in arrays by customer
// index that are empty in the other scenarios (#18: the record is 512 bytes, not 576):
// a non-contractual customer's latent purchase traits (BG/NBD and Gamma-Gamma) ...
struct PurchaseTraits {
  double rate = 0, dropout_p = 0, spend_nu = 0;
};
// ... and the counts of the events that transitions and playbooks count (Market::counter_keys_)
using EventCounts = std::array<std::uint16_t, kCounters>;

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
  std::array<std::uint32_t, eventlog::kEventTypeCount> by_type{};  // events emitted, by type
};

// Counter ids for (event type, arg) pairs that transitions or playbooks count.
struct CounterKey {
  int type, arg;
};

class Market {
 public:
  // (market.cpp)
  Market(const Scenario& s, std::uint64_t run_key, std::uint32_t market, std::uint16_t rep);

  void set_snapshot_day(double day) { snapshot_day_ = day; }

  // (market.cpp)
  void step(std::int32_t e, double t1, std::int32_t next, EventSink& sink, RunStats& stats);

  // (market.cpp)
  void run(EventSink& sink, RunStats& stats, const std::function<void(double)>& progress);

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
    std::int32_t& at = scheduled_[c];
    if (at >= 0 && at <= epoch) return;
    at = epoch;
    buckets_[epoch].push_back(c);
  }
  // Appends c to bucket ep (from the merge of epoch `now`). A near bucket's first push takes
  // the storage of a bucket already simulated (spare_buckets_): the next few epochs' buckets
  // hold most customers, and growing them from nothing every epoch (copies, fresh pages) was a
  // quarter of the serial merge at 10^6 customers (#18). Far buckets hold few and grow as needed.
  static constexpr std::int32_t kNearEpochs = 64;
  static constexpr std::size_t kSpareBuckets = 4;
  void push_to_bucket(std::int32_t ep, std::int32_t now, std::uint32_t c) {
    std::vector<std::uint32_t>& b = buckets_[ep];
    if (b.capacity() == 0 && ep - now <= kNearEpochs && !spare_buckets_.empty()) {
      b.swap(spare_buckets_.back());
      spare_buckets_.pop_back();
    }
    b.push_back(c);
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
  static std::uint32_t& block_of(Customer& c, Purpose p) {
    const int k = cached_index(p);
    return k >= 0 ? c.cached_block[k] : c.blocks[static_cast<int>(p)];
  }
  Stream stream(Customer& c, Purpose p) {
    const int k = cached_index(p);
    if (k >= 0)
      return Stream(run_key_, c.stream_key, p, c.cached_block[k], c.cached_used[k],
                    c.cached_out[k]);
    return Stream(run_key_, c.stream_key, p, c.blocks[static_cast<int>(p)]);
  }
  void save(Customer& c, Purpose p, const Stream& st, BlockOut& o) {
    std::uint32_t& block = block_of(c, p);
    o.words += (st.block() - block) * 4ull;
    block = st.block();
    if (const int k = cached_index(p); k >= 0) {
      unsigned used = 4;
      st.save_block(used, c.cached_out[k]);
      c.cached_used[k] = static_cast<std::uint8_t>(used);  // 0..4
    }
  }

  // (acquisition.cpp)
  void generate_day(int day, std::vector<eventlog::ChannelDayRow>& rows);

  // (acquisition.cpp)
  std::uint32_t add_customer(double t, int channel, std::uint64_t key, std::int64_t referrer,
                             std::int32_t min_epoch);

  // (referral.cpp)
  void create_referred(std::vector<ReferralArrival>& refs, std::int32_t next_epoch);

  // (team_queues.cpp)
  void serve_requests(std::vector<Request>& reqs, std::int32_t next_epoch);

  // ---- per-customer simulation
  void emit(Customer& c, BlockOut& o, std::uint32_t idx, double t, EventType type, int arg = -1,
            double value = 0) {
    o.events.push_back(
        Event{ts(t), eventlog::make_customer_id(market_, idx), arg, value, market_, rep_, type});
    ++o.by_type[static_cast<std::size_t>(type)];
    on_event(c, o, idx, t, type, arg);
  }

  // Asks for the memory a visit of customer c reads first (see step()): the record's hot part
  // (`hot` bytes), its entry of scheduled_, and its entries in the side arrays in use.
  // Always inlined: GCC counts a prefetch as no side effect, so it finds a function made only of
  // prefetches "const" and deletes the calls (it did, and the visits ran 40% slower).
  [[gnu::always_inline]] void ask_for_visit(std::uint32_t c, std::size_t hot) const {
    const char* p = reinterpret_cast<const char*>(&customers_[c]);
    for (std::size_t off = 0; off < hot; off += 64) __builtin_prefetch(p + off);
    __builtin_prefetch(&scheduled_[c], 1);
    if (!counts_.empty()) __builtin_prefetch(&counts_[c], 1);
    if (!purchase_.empty()) __builtin_prefetch(&purchase_[c]);
  }

  // (market.cpp)
  // Simulates customer idx up to t1 and sets its next epoch (no earlier than next_epoch).
  void advance(std::uint32_t idx, double t1, std::int32_t next_epoch, BlockOut& o);

  bool live(const Customer& c) const {
    return c.phase == Phase::trial || c.phase == Phase::freemium || c.phase == Phase::paying;
  }

  double effect_product(const Customer& c, double Effect::*field) const {
    double x = 1;
    for (const auto& e : c.effects) x *= s_.playbooks[e.playbook].effect.*field;
    return x;
  }

  // (churn.cpp)
  double churn_rate_now(const Customer& c, double t) const;
  // (churn.cpp)
  void update_churn(Customer& c, double t);
  // (churn.cpp)
  void start_churn_clock(Customer& c, double t, BlockOut& o);

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
  // (product_use.cpp)
  double next_login_candidate(Customer& c, double t, Stream& st);
  // (product_use.cpp)
  void schedule_login(Customer& c, double t, BlockOut& o);

  // (product_use.cpp)
  void schedule_ticket(Customer& c, double t, BlockOut& o);

  // (money.cpp)
  double sample_revchange_gap(Customer& c, BlockOut& o);

  double plan_mrr(const Customer& c, int plan) const {
    const Plan& p = s_.plans[plan];
    return p.price_month * (p.per_seat ? c.seats : 1);
  }

  // (product_use.cpp)
  void enter_stage(Customer& c, BlockOut& o, std::uint32_t idx, double t, int stage, int depth = 0);

  // (product_use.cpp)
  void start_product(Customer& c, BlockOut& o, std::uint32_t idx, double t);

  // (product_use.cpp)
  void arm_inactivity(Customer& c, double t);

  // (money.cpp)
  void convert(Customer& c, BlockOut& o, std::uint32_t idx, double t, int plan);

  // (acquisition.cpp)
  void arrive(Customer& c, BlockOut& o, std::uint32_t idx, double t);

  double conversion_multiplier(const Customer& c) const {
    double x = s_.segments[c.segment].conversion_x * effect_product(c, &Effect::conversion_x);
    if (c.has(Flag::activated)) x *= s_.activated_conversion_x;
    if (c.has(Flag::pql)) x *= s_.pql_conversion_x;
    return x;
  }
  // (money.cpp)
  void schedule_freemium_upgrade(Customer& c, BlockOut& o, double t);

  // (market.cpp)
  void handle_slot(Customer& c, BlockOut& o, std::uint32_t idx, int slot, double t);

  // a due slot, by domain (dispatched by handle_slot)
  void login_due(Customer& c, BlockOut& o, std::uint32_t idx, double t);    // (product_use.cpp)
  void churn_due(Customer& c, BlockOut& o, std::uint32_t idx, double t);    // (churn.cpp)
  void payment_due(Customer& c, BlockOut& o, std::uint32_t idx, double t);  // (money.cpp)
  void revenue_change_due(Customer& c, BlockOut& o, std::uint32_t idx, double t);  // (money.cpp)
  void purchase_due(Customer& c, BlockOut& o, std::uint32_t idx, double t);        // (money.cpp)
  void conversion_due(Customer& c, BlockOut& o, std::uint32_t idx, double t);      // (money.cpp)
  void trial_end_due(Customer& c, BlockOut& o, std::uint32_t idx, double t);       // (money.cpp)
  void ticket_due(Customer& c, BlockOut& o, std::uint32_t idx, double t);      // (team_queues.cpp)
  void inactivity_due(Customer& c, BlockOut& o, std::uint32_t idx, double t);  // (playbooks.cpp)

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

  // (churn.cpp)
  void reactivate(Customer& c, BlockOut& o, std::uint32_t idx, double t);

  // (product_use.cpp)
  void check_milestones(Customer& c, BlockOut& o, std::uint32_t idx, double t);

  // (market.cpp)
  void handle_pending(Customer& c, BlockOut& o, std::uint32_t idx, const Pending& p);

  // (churn.cpp)
  void rates_changed(Customer& c, BlockOut& o, double t);

  // (team_queues.cpp)
  void handle_response(Customer& c, BlockOut& o, std::uint32_t idx, double t, Req kind, int arg,
                       double wait_hours);

  // (market.cpp)
  void on_event(Customer& c, BlockOut& o, std::uint32_t idx, double t, EventType type, int arg);

  // (playbooks.cpp)
  void arm_playbook(Customer& c, std::size_t i, double t);

  // (playbooks.cpp)
  void fire_playbook(Customer& c, BlockOut& o, std::uint32_t idx, double t, int i);

  static constexpr std::uint32_t kLowCsat = 1u << 20;
  static constexpr std::uint32_t kFollowedUp = 1u << 21;
  // the customer's snapshot row waits for its events before the snapshot (see take_snapshot)
  static constexpr std::uint32_t kSnapshotPending = 1u << 22;

  const Scenario& s_;
  std::uint64_t run_key_;
  std::uint32_t market_;
  std::uint16_t rep_;
  // (snapshot.cpp)
  void take_snapshot(double day);
  // (snapshot.cpp)
  void record_truth(std::uint32_t i);

  double snapshot_at_ = kInf;  // the boundary the snapshot was taken at
  double snapshot_day_ = -1;
  std::vector<CustomerTruth> truth_;
  std::int32_t n_epochs_ = 0;
  double season_norm_ = 1;
  std::vector<double> season_table_;
  double min_inactive_days_ = kInf;  // the shortest inactive_days of the inactivity playbooks
  bool has_inactivity() const { return min_inactive_days_ < kInf; }
  std::vector<Customer> customers_;
  // each customer's scheduled epoch (-1: none), apart from the records: the serial part of an
  // epoch reads and writes it for every due customer, and 4 bytes a customer stay in cache
  // where the 580-byte records do not (#18)
  std::vector<std::int32_t> scheduled_;
  std::vector<BlockOut> blocks_;  // per-epoch output of the parallel phase, reused
  std::vector<Request> requests_;
  std::vector<ReferralArrival> referrals_;
  std::vector<std::int32_t> first_plan_;
  std::vector<PurchaseTraits> purchase_;  // by customer; the non-contractual model only
  std::vector<EventCounts> counts_;       // by customer; when counter_keys_ is not empty
  std::vector<std::vector<std::uint32_t>> buckets_;
  std::vector<std::vector<std::uint32_t>> spare_buckets_;  // emptied buckets, for push_to_bucket
  std::vector<std::priority_queue<double, std::vector<double>, std::greater<>>> servers_;
  std::vector<CounterKey> counter_keys_;
  std::vector<std::vector<std::size_t>> playbooks_by_event_, transitions_by_event_;
};

}  // namespace journeysim::sim::detail
