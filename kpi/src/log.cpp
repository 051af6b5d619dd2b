#include "journeysim/kpi/log.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <stdexcept>

#include "journeysim/eventlog/reader.hpp"

namespace journeysim::kpi {

std::string month_label(std::int64_t t) {
  using namespace std::chrono;
  year_month_day ymd{floor<std::chrono::days>(sys_seconds{seconds{t}})};
  char b[16];
  std::snprintf(b, sizeof b, "%04d-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()));
  return b;
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

}  // namespace

Log load_event_log(const std::string& path) {
  eventlog::EventLogReader r(path);
  const auto& m = r.metadata();
  Log log;
  log.source = path;
  log.scenario_name = m.scenario_name;
  log.start = m.start_time;
  log.end = m.start_time + static_cast<std::int64_t>(m.horizon_days * 86400.0 + 0.5);
  log.replications = m.replications;
  log.first_replication = m.first_replication;
  log.names = m.names;
  // the file's enum must agree with this build's event types
  const auto& tn = r.event_type_names();
  for (std::size_t i = 0; i < tn.size() && i < eventlog::kEventTypeCount; ++i)
    if (tn[i] != eventlog::kEventTypeNames[i])
      throw std::runtime_error(path + ": event type " + std::to_string(i) + " is '" + tn[i] +
                               "' in the file but '" + std::string(eventlog::kEventTypeNames[i]) +
                               "' in this build");
  auto rows = r.read_customers();
  std::unordered_map<std::uint64_t, std::uint32_t> index;  // (replication, id) -> customer
  index.reserve(rows.size() * 2);
  auto key = [](std::uint16_t rep, std::uint64_t id) {
    return id ^ (static_cast<std::uint64_t>(rep) << 56);
  };
  log.customers.reserve(rows.size());
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
    index[key(c.replication, c.id)] = static_cast<std::uint32_t>(log.customers.size());
    log.customers.push_back(ci);
  }
  const std::uint64_t n = r.event_count();
  // pass 1: customer of every event (in blocks), counts per customer
  std::vector<std::uint32_t> cust(n);
  std::vector<std::uint64_t> counts(log.customers.size() + 1, 0);
  eventlog::EventColumns cols;
  const std::uint64_t block = 1 << 22;
  log.offsets.assign(log.customers.size() + 1, 0);
  std::vector<std::int64_t> time(n);
  std::vector<std::uint8_t> type(n);
  std::vector<std::int32_t> arg(n);
  std::vector<double> value(n);
  for (std::uint64_t s = 0; s < n; s += block) {
    r.read_events(s, std::min(block, n - s), cols);
    for (std::size_t i = 0; i < cols.size(); ++i) {
      auto it = index.find(key(cols.replication[i], cols.customer[i]));
      if (it == index.end())
        throw std::runtime_error(path + ": event row " + std::to_string(s + i) +
                                 " names customer " + std::to_string(cols.customer[i]) +
                                 " absent from /customers");
      cust[s + i] = it->second;
      ++counts[it->second];
      if (cols.type[i] >= eventlog::kEventTypeCount)
        throw std::runtime_error(path + ": unknown event type " + std::to_string(cols.type[i]));
      ++log.type_counts[cols.type[i]];
    }
    std::copy(cols.time.begin(), cols.time.end(), time.begin() + s);
    std::copy(cols.type.begin(), cols.type.end(), type.begin() + s);
    std::copy(cols.arg.begin(), cols.arg.end(), arg.begin() + s);
    std::copy(cols.value.begin(), cols.value.end(), value.begin() + s);
  }
  for (std::size_t c = 0; c < log.customers.size(); ++c)
    log.offsets[c + 1] = log.offsets[c] + counts[c];
  // pass 2: counting sort by customer (stable: file order within a customer)
  log.time.resize(n);
  log.type.resize(n);
  log.arg.resize(n);
  log.value.resize(n);
  std::vector<std::uint64_t> pos(log.offsets.begin(), log.offsets.end() - 1);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t p = pos[cust[i]]++;
    log.time[p] = time[i];
    log.type[p] = type[i];
    log.arg[p] = arg[i];
    log.value[p] = value[i];
  }
  sort_per_customer(log);
  for (const auto& c : r.read_channels()) {
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
  return log;
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
