#include "journeysim/kpi/log.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "journeysim/common/huge_pages.hpp"
#include "journeysim/eventlog/reader.hpp"

namespace journeysim::kpi {

namespace {
constexpr std::size_t kHugeFrom = std::size_t{1} << 24;  // columns of 16 MiB and more
}  // namespace

void* allocate_column(std::size_t bytes) {
  if (bytes < kHugeFrom) return ::operator new(bytes);
  void* p = common::allocate_huge_pages(bytes);
  if (!p) throw std::bad_alloc();
  return p;
}

void free_column(void* p, std::size_t bytes) noexcept {
  if (bytes < kHugeFrom)
    ::operator delete(p);
  else
    std::free(p);
}

std::string month_label(std::int64_t t) {
  using namespace std::chrono;
  year_month_day ymd{floor<std::chrono::days>(sys_seconds{seconds{t}})};
  char b[16];
  std::snprintf(b, sizeof b, "%04d-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()));
  return b;
}

struct Log::TypeRows {
  std::once_flag once;
  std::array<bool, eventlog::kEventTypeCount> indexed{};
  std::array<Column<std::uint64_t>, eventlog::kEventTypeCount> rows;
};

Log::TypeIndex::TypeIndex() : p_(std::make_unique<TypeRows>()) {}
Log::TypeIndex::~TypeIndex() = default;
Log::TypeIndex::TypeIndex(const TypeIndex&) : p_(std::make_unique<TypeRows>()) {}
Log::TypeIndex& Log::TypeIndex::operator=(const TypeIndex& o) {
  if (this != &o) p_ = std::make_unique<TypeRows>();
  return *this;
}
Log::TypeIndex::TypeIndex(TypeIndex&&) noexcept = default;
Log::TypeIndex& Log::TypeIndex::operator=(TypeIndex&&) noexcept = default;

std::optional<std::span<const std::uint64_t>> Log::rows_of(EventType t) const {
  const auto k = static_cast<std::size_t>(t);
  TypeRows* x = type_rows_.get();
  if (k >= eventlog::kEventTypeCount || !x) return std::nullopt;
  std::call_once(x->once, [&] {
    // every type of at most an eighth of the events, in one pass without a branch per event
    // (rows of the other types, and of bytes that are no type, go to a slot never read)
    constexpr std::size_t kTypes = eventlog::kEventTypeCount;
    const std::uint64_t n = type.size();
    std::array<std::uint64_t, kTypes + 1> count{};
    for (std::uint8_t y : type) ++count[std::min<std::size_t>(y, kTypes)];
    std::array<std::uint64_t*, kTypes + 1> dst{};
    std::array<std::uint64_t, kTypes + 1> step{};
    std::uint64_t scratch = 0;
    for (std::size_t y = 0; y <= kTypes; ++y) {
      const bool keep = y < kTypes && count[y] <= n / 8;
      if (y < kTypes) x->indexed[y] = keep;
      if (keep) x->rows[y].resize(count[y]);
      dst[y] = keep && count[y] > 0 ? x->rows[y].data() : &scratch;
      step[y] = keep && count[y] > 0 ? 1 : 0;
    }
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::size_t y = std::min<std::size_t>(type[i], kTypes);
      *dst[y] = i;
      dst[y] += step[y];
    }
  });
  if (!x->indexed[k]) return std::nullopt;
  return std::span<const std::uint64_t>(x->rows[k]);
}

const std::vector<std::string>& Log::names_of(const std::string& ns) const {
  static const std::vector<std::string> empty;
  auto it = names.find(ns);
  return it == names.end() ? empty : it->second;
}
std::string Log::name(const std::string& ns, std::int64_t index) const {
  const auto& v = names_of(ns);
  if (index < 0 || index >= static_cast<std::int64_t>(v.size()))
    return index < 0 ? "(none)" : std::to_string(index);
  return v[static_cast<std::size_t>(index)];
}
int Log::index_of(const std::string& ns, const std::string& n) const {
  const auto& v = names_of(ns);
  auto it = std::find(v.begin(), v.end(), n);
  return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}

namespace {

// Sorts each customer's slice of the event arrays by time, keeping file order for ties.
void sort_per_customer(Log& log) {
  const std::size_t n = log.customers.size();
  tbb::parallel_for(std::size_t{0}, n, [&](std::size_t c) {
    std::uint64_t lo = log.offsets[c], hi = log.offsets[c + 1];
    bool sorted = true;
    for (std::uint64_t i = lo + 1; i < hi && sorted; ++i) sorted = log.time[i - 1] <= log.time[i];
    if (sorted) return;
    std::vector<std::uint64_t> idx(hi - lo);
    std::iota(idx.begin(), idx.end(), lo);
    std::stable_sort(idx.begin(), idx.end(),
                     [&](std::uint64_t a, std::uint64_t b) { return log.time[a] < log.time[b]; });
    std::vector<std::int64_t> t(idx.size());
    std::vector<std::uint8_t> ty(idx.size());
    std::vector<std::int32_t> a(idx.size());
    std::vector<double> v(idx.size());
    for (std::size_t k = 0; k < idx.size(); ++k) {
      t[k] = log.time[idx[k]];
      ty[k] = log.type[idx[k]];
      a[k] = log.arg[idx[k]];
      v[k] = log.value[idx[k]];
    }
    std::copy(t.begin(), t.end(), log.time.begin() + lo);
    std::copy(ty.begin(), ty.end(), log.type.begin() + lo);
    std::copy(a.begin(), a.end(), log.arg.begin() + lo);
    std::copy(v.begin(), v.end(), log.value.begin() + lo);
  });
}

// Customer of an event row: (replication, customer id) -> position in Log::customers. The
// simulator writes /customers grouped by (replication, market) with ids market << 40 | k for
// k = 0, 1, ... (eventlog::make_customer_id), so a position is the group's first position plus k:
// a small table of groups, no hashing per event. Any other layout falls back to a hash map.
class CustomerIndex {
 public:
  struct Cache {  // the last group looked up (events come in runs of one market)
    std::uint64_t key = ~std::uint64_t{0};
    std::int64_t base = 0;
  };
  explicit CustomerIndex(const std::vector<CustomerInfo>& customers) : customers_(customers) {
    for (std::size_t p = 0; p < customers.size() && dense_; ++p) {
      const auto& c = customers[p];
      const std::int64_t base =
          static_cast<std::int64_t>(p) - static_cast<std::int64_t>(local(c.id));
      auto [it, inserted] = groups_.try_emplace(group_key(c.replication, c.id), base);
      dense_ = it->second == base;
    }
    if (dense_) return;
    groups_.clear();
    hash_.reserve(customers.size() * 2);
    for (std::size_t p = 0; p < customers.size(); ++p)
      hash_.emplace(hash_key(customers[p].replication, customers[p].id), p);
  }
  // Position of the customer, or -1 when /customers has no such customer.
  std::int64_t find(std::uint16_t replication, std::uint64_t id, Cache& cache) const {
    if (!dense_) {
      auto it = hash_.find(hash_key(replication, id));
      return it == hash_.end() || customers_[it->second].id != id ||
                     customers_[it->second].replication != replication
                 ? -1
                 : static_cast<std::int64_t>(it->second);
    }
    const std::uint64_t key = group_key(replication, id);
    if (key != cache.key) {
      auto it = groups_.find(key);
      if (it == groups_.end()) return -1;
      cache = {key, it->second};
    }
    const std::int64_t p = cache.base + static_cast<std::int64_t>(local(id));
    if (p < 0 || p >= static_cast<std::int64_t>(customers_.size())) return -1;
    const auto& c = customers_[static_cast<std::size_t>(p)];
    return c.id == id && c.replication == replication ? p : -1;
  }

 private:
  static std::uint64_t local(std::uint64_t id) { return id & ((std::uint64_t{1} << 40) - 1); }
  static std::uint64_t group_key(std::uint16_t replication, std::uint64_t id) {
    return (static_cast<std::uint64_t>(replication) << 48) ^ (id >> 40);
  }
  static std::uint64_t hash_key(std::uint16_t replication, std::uint64_t id) {
    return id ^ (static_cast<std::uint64_t>(replication) << 56);
  }
  const std::vector<CustomerInfo>& customers_;
  bool dense_ = true;
  std::unordered_map<std::uint64_t, std::int64_t> groups_;
  std::unordered_map<std::uint64_t, std::size_t> hash_;
};

void set_header(Log& log, const eventlog::Metadata& m, const std::string& source) {
  log.source = source;
  log.scenario_name = m.scenario_name;
  log.start = m.start_time;
  log.end = m.start_time + static_cast<std::int64_t>(m.horizon_days * 86400.0 + 0.5);
  log.replications = m.replications;
  log.first_replication = m.first_replication;
  log.names = m.names;
}

void add_customers(Log& log, std::span<const eventlog::CustomerRow> rows) {
  log.customers.reserve(log.customers.size() + rows.size());
  for (const auto& c : rows) {
    CustomerInfo ci;
    ci.id = c.id;
    ci.market = c.market;
    ci.replication = c.replication;
    ci.segment = c.segment;
    ci.channel = c.channel;
    ci.first_plan = c.first_plan;
    ci.referrer = c.referrer;
    ci.created = c.created_time;
    ci.converted = c.converted_time;
    ci.churned = c.churn_time;
    ci.end = c.end_time;
    log.customers.push_back(ci);
  }
}

void add_channels(Log& log, std::span<const eventlog::ChannelDayRow> rows) {
  for (const auto& c : rows) {
    ChannelDay d;
    d.market = c.market;
    d.replication = c.replication;
    d.channel = c.channel;
    d.day = c.day_start;
    d.spend = c.spend;
    d.impressions = c.impressions;
    d.clicks = c.clicks;
    d.engaged = c.engaged;
    d.leads = c.leads;
    log.channels.push_back(d);
  }
  log.has_channel_table = true;
}

}  // namespace

Log load_event_log(const std::string& path) {
  eventlog::EventLogReader r(path);
  const auto& m = r.metadata();
  Log log;
  set_header(log, m, path);
  // the file's enum must agree with this build's event types
  const auto& tn = r.event_type_names();
  for (std::size_t i = 0; i < tn.size() && i < eventlog::kEventTypeCount; ++i)
    if (tn[i] != eventlog::kEventTypeNames[i])
      throw std::runtime_error(path + ": event type " + std::to_string(i) + " is '" + tn[i] +
                               "' in the file but '" + std::string(eventlog::kEventTypeNames[i]) +
                               "' in this build");
  add_customers(log, r.read_customers());
  const CustomerIndex index(log.customers);
  const std::uint64_t n = r.event_count();
  const std::size_t n_customers = log.customers.size();
  // pass 1: the customer of every event (decoded in blocks, looked up in parallel)
  Column<std::uint32_t> cust(n);
  const std::uint64_t block = 1 << 22;
  {
    Column<std::uint64_t> id(std::min(block, n));
    Column<std::uint16_t> rep(std::min(block, n));
    for (std::uint64_t s = 0; s < n; s += block) {
      const std::uint64_t m = std::min(block, n - s);
      r.read_event_column("customer", s, m, id.data());
      r.read_event_column("replication", s, m, rep.data());
      std::atomic<std::uint64_t> bad{n};  // first row naming an unknown customer
      tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, m, 1 << 16), [&](const auto& range) {
        CustomerIndex::Cache cache;
        for (std::uint64_t i = range.begin(); i < range.end(); ++i) {
          const std::int64_t c = index.find(rep[i], id[i], cache);
          if (c < 0) {
            std::uint64_t row = s + i, cur = bad.load();
            while (row < cur && !bad.compare_exchange_weak(cur, row)) {
            }
            return;
          }
          cust[s + i] = static_cast<std::uint32_t>(c);
        }
      });
      if (const std::uint64_t row = bad.load(); row < n)
        throw std::runtime_error(path + ": event row " + std::to_string(row) + " names customer " +
                                 std::to_string(id[row - s]) + " absent from /customers");
    }
  }
  log.offsets.assign(n_customers + 1, 0);
  for (std::uint64_t i = 0; i < n; ++i) ++log.offsets[cust[i] + 1];
  for (std::size_t c = 0; c < n_customers; ++c) log.offsets[c + 1] += log.offsets[c];
  // pass 2: the other columns, scattered to their customer's slice (a counting sort, stable:
  // file order within a customer)
  log.time.resize(n);
  log.type.resize(n);
  log.arg.resize(n);
  log.value.resize(n);
  {
    Column<std::uint64_t> pos(log.offsets.begin(), log.offsets.end() - 1);
    Column<std::int64_t> time(std::min(block, n));
    Column<std::uint8_t> type(std::min(block, n));
    Column<std::int32_t> arg(std::min(block, n));
    Column<double> value(std::min(block, n));
    // parts of about equal events: customer bounds from the offsets
    const std::size_t parts =
        std::max<std::size_t>(1, static_cast<std::size_t>(tbb::this_task_arena::max_concurrency()));
    std::vector<std::uint32_t> bounds(parts + 1, static_cast<std::uint32_t>(n_customers));
    bounds[0] = 0;
    for (std::size_t k = 1; k < parts; ++k)
      bounds[k] = static_cast<std::uint32_t>(
          std::lower_bound(log.offsets.begin(), log.offsets.end() - 1, n * k / parts) -
          log.offsets.begin());
    std::vector<std::array<std::uint64_t, eventlog::kEventTypeCount>> part_counts(parts);
    std::vector<std::uint64_t> bad_type(parts, n), bad_value(parts, n);
    for (std::uint64_t s = 0; s < n; s += block) {
      const std::uint64_t m = std::min(block, n - s);
      r.read_event_column("time", s, m, time.data());
      r.read_event_column("type", s, m, type.data());
      r.read_event_column("arg", s, m, arg.data());
      r.read_event_column("value", s, m, value.data());
      // Scattered in parallel: part k takes the events of customers [bounds[k], bounds[k+1]),
      // so every slot is written by one task in file order, whatever the thread count.
      tbb::parallel_for(std::size_t{0}, parts, [&](std::size_t k) {
        const std::uint32_t lo = bounds[k], hi = bounds[k + 1];
        auto& counts = part_counts[k];
        for (std::uint64_t i = 0; i < m; ++i) {
          const std::uint32_t c = cust[s + i];
          if (c < lo || c >= hi) continue;
          const std::uint8_t t = type[i];
          if (t >= eventlog::kEventTypeCount) {
            bad_type[k] = std::min(bad_type[k], s + i);
            continue;
          }
          if (!std::isfinite(value[i])) {
            bad_value[k] = std::min(bad_value[k], s + i);
            continue;
          }
          ++counts[t];
          const std::uint64_t p = pos[c]++;
          log.time[p] = time[i];
          log.type[p] = t;
          log.arg[p] = arg[i];
          log.value[p] = value[i];
        }
      });
      for (std::size_t k = 0; k < parts; ++k)
        if (bad_value[k] < n)
          throw std::runtime_error(path + ": /events/value is not a finite number (" +
                                   std::to_string(value[bad_value[k] - s]) + ") in event row " +
                                   std::to_string(bad_value[k]) +
                                   ": a log journeysim writes has none");
      for (std::size_t k = 0; k < parts; ++k)
        if (bad_type[k] < n)
          throw std::runtime_error(path + ": unknown event type " +
                                   std::to_string(type[bad_type[k] - s]) + " in event row " +
                                   std::to_string(bad_type[k]));
    }
    for (const auto& counts : part_counts)
      for (std::size_t t = 0; t < counts.size(); ++t) log.type_counts[t] += counts[t];
  }
  sort_per_customer(log);
  add_channels(log, r.read_channels());
  return log;
}

Log log_from_rows(const eventlog::Metadata& m, const std::string& source,
                  std::span<const eventlog::CustomerRow> customers,
                  std::span<const std::vector<eventlog::Event>> blocks,
                  std::span<const eventlog::ChannelDayRow> channels) {
  Log log;
  set_header(log, m, source);
  add_customers(log, customers);
  const CustomerIndex index(log.customers);
  const std::size_t n_customers = log.customers.size();
  std::uint64_t n = 0;
  for (const auto& b : blocks) n += b.size();
  // the customer of every event, in output order (as load_event_log's pass 1)
  Column<std::uint32_t> cust(n);
  {
    std::uint64_t row = 0;
    CustomerIndex::Cache cache;
    for (const auto& b : blocks)
      for (const auto& e : b) {
        const std::int64_t c = index.find(e.replication, e.customer, cache);
        if (c < 0)
          throw std::runtime_error(source + ": event row " + std::to_string(row) +
                                   " names customer " + std::to_string(e.customer) +
                                   " absent from the customers");
        cust[row++] = static_cast<std::uint32_t>(c);
      }
  }
  log.offsets.assign(n_customers + 1, 0);
  for (std::uint64_t i = 0; i < n; ++i) ++log.offsets[cust[i] + 1];
  for (std::size_t c = 0; c < n_customers; ++c) log.offsets[c + 1] += log.offsets[c];
  // scattered to each customer's slice in output order (stable), as load_event_log's pass 2
  log.time.resize(n);
  log.type.resize(n);
  log.arg.resize(n);
  log.value.resize(n);
  Column<std::uint64_t> pos(log.offsets.begin(), log.offsets.end() - 1);
  std::uint64_t row = 0;
  for (const auto& b : blocks)
    for (const auto& e : b) {
      const auto t = static_cast<std::uint8_t>(e.type);
      if (t >= eventlog::kEventTypeCount)
        throw std::runtime_error(source + ": unknown event type " + std::to_string(t) +
                                 " in event row " + std::to_string(row));
      ++log.type_counts[t];
      const std::uint64_t p = pos[cust[row++]]++;
      log.time[p] = e.time;
      log.type[p] = t;
      log.arg[p] = e.arg;
      log.value[p] = e.value;
    }
  sort_per_customer(log);
  add_channels(log, channels);
  return log;
}

Log resample_customers(const Log& log, std::span<const std::uint32_t> picks) {
  Log out;
  out.source = log.source;
  out.scenario_name = log.scenario_name;
  out.start = log.start;
  out.end = log.end;
  out.replications = log.replications;
  out.first_replication = log.first_replication;
  out.names = log.names;
  out.channels = log.channels;
  out.has_channel_table = log.has_channel_table;
  std::uint64_t n = 0;
  for (std::uint32_t c : picks) n += log.offsets[c + 1] - log.offsets[c];
  out.customers.reserve(picks.size());
  out.offsets.assign(picks.size() + 1, 0);
  out.time.resize(n);
  out.type.resize(n);
  out.arg.resize(n);
  out.value.resize(n);
  std::uint64_t at = 0;
  for (std::size_t i = 0; i < picks.size(); ++i) {
    const std::uint32_t c = picks[i];
    out.customers.push_back(log.customers[c]);
    for (std::uint64_t k = log.offsets[c]; k < log.offsets[c + 1]; ++k, ++at) {
      out.time[at] = log.time[k];
      out.type[at] = log.type[k];
      out.arg[at] = log.arg[k];
      out.value[at] = log.value[k];
      ++out.type_counts[log.type[k]];
    }
    out.offsets[i + 1] = at;
  }
  return out;
}

std::uint32_t LogBuilder::customer(const std::string& label) {
  auto [it, inserted] = ids_.try_emplace(label, static_cast<std::uint32_t>(log_.customers.size()));
  if (inserted) {
    CustomerInfo c;
    c.id = log_.customers.size();
    c.label = label;
    c.end = log_.end;
    log_.customers.push_back(c);
  }
  return it->second;
}

void LogBuilder::event(std::uint32_t c, std::int64_t time, EventType type, std::int32_t arg,
                       double value) {
  rows_.push_back({c, time, static_cast<std::uint8_t>(type), arg, value});
}

Log LogBuilder::build() {
  std::stable_sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
    return a.customer != b.customer ? a.customer < b.customer : a.time < b.time;
  });
  Log log = std::move(log_);
  log.offsets.assign(log.customers.size() + 1, 0);
  for (const auto& r : rows_) ++log.offsets[r.customer + 1];
  for (std::size_t c = 0; c < log.customers.size(); ++c) log.offsets[c + 1] += log.offsets[c];
  for (const auto& r : rows_) {
    log.time.push_back(r.time);
    log.type.push_back(r.type);
    log.arg.push_back(r.arg);
    log.value.push_back(r.value);
    ++log.type_counts[r.type];
    CustomerInfo& c = log.customers[r.customer];
    auto t = static_cast<EventType>(r.type);
    if (c.created == kNone || r.time < c.created) c.created = r.time;
    if ((t == EventType::conversion) && c.converted == kNone) {
      c.converted = r.time;
      c.first_plan = r.arg;
    }
    if (t == EventType::churned && c.churned == kNone) c.churned = r.time;
    if ((t == EventType::lead_created || t == EventType::signup) && c.channel < 0)
      c.channel = r.arg;
  }
  rows_.clear();
  for (const auto& c : log.customers)
    log.replications = std::max<std::uint16_t>(log.replications, c.replication + 1);
  return log;
}

}  // namespace journeysim::kpi
