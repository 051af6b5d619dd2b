// The KPI module's view of an event log: customers, and each customer's events in time order.
// Built from an HDF5 event log (load_event_log) or from flat events (LogBuilder: CSV imports and
// tests). It depends only on the event-log contract (eventlog/), never on the simulator.
#pragma once
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "journeysim/eventlog/schema.hpp"
#include "journeysim/eventlog/writer.hpp"

namespace journeysim::kpi {

using eventlog::EventType;
inline constexpr std::int64_t kNone = -1;  // "no such time"

// Memory for large event columns: 2 MiB-aligned and advised as transparent huge pages (one
// page fault per 2 MiB instead of per 4 KiB when the column is first written); small ones come
// from operator new.
void* allocate_column(std::size_t bytes);
void free_column(void* p, std::size_t bytes) noexcept;

// The allocator of event columns: large blocks as allocate_column, and a value-less construct()
// that leaves trivial elements uninitialised: the columns of a large log are filled right after
// resize(), so zeroing them first would only cost a pass over memory.
template <class T>
struct DefaultInitAllocator {
  using value_type = T;
  DefaultInitAllocator() = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_column(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { free_column(p, n * sizeof(T)); }
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  bool operator==(const DefaultInitAllocator<U>&) const noexcept {
    return true;
  }
};
// One event column of a Log.
template <class T>
using Column = std::vector<T, DefaultInitAllocator<T>>;

struct CustomerInfo {
  std::uint64_t id = 0;
  std::uint32_t market = 0;
  std::uint16_t replication = 0;
  std::int32_t segment = -1, channel = -1, first_plan = -1;
  std::int64_t referrer = -1;
  std::int64_t created = kNone, converted = kNone, churned = kNone;
  std::int64_t end = kNone;  // end of observation (censoring time)
  std::string label;         // external id for imported logs (empty for simulated ones)
};

struct ChannelDay {
  std::uint32_t market = 0;
  std::uint16_t replication = 0;
  std::int32_t channel = 0;
  std::int64_t day = 0;
  double spend = 0;
  std::int64_t impressions = 0, clicks = 0, engaged = 0, leads = 0;
};

struct Log {
  std::string source;  // file it came from
  std::string scenario_name;
  std::int64_t start = 0, end = 0;  // observation window (Unix seconds)
  std::uint16_t replications = 1;
  std::uint16_t first_replication = 0;  // replications first .. first + replications - 1
  std::map<std::string, std::vector<std::string>> names;  // channels, plans, stages, ...
  std::vector<CustomerInfo> customers;
  // events of customer i are rows offsets[i] .. offsets[i+1]-1, sorted by time (stable)
  Column<std::uint64_t> offsets;
  Column<std::int64_t> time;
  Column<std::uint8_t> type;
  Column<std::int32_t> arg;
  Column<double> value;
  std::vector<ChannelDay> channels;
  std::array<std::uint64_t, eventlog::kEventTypeCount> type_counts{};
  bool has_channel_table = false;

  std::size_t event_count() const { return time.size(); }
  bool has(EventType t) const { return type_counts[static_cast<std::size_t>(t)] > 0; }
  std::uint64_t count(EventType t) const { return type_counts[static_cast<std::size_t>(t)]; }
  const std::vector<std::string>& names_of(const std::string& ns) const;
  std::string name(const std::string& ns, std::int64_t index) const;
  int index_of(const std::string& ns, const std::string& name) const;
  // Rows of the events of type t, ascending, for the types of at most an eighth of the events
  // (nullopt for a more frequent one: walking its rows would not beat a scan). Built on first
  // use for all such types in one pass (safe from concurrent KPI jobs) and kept. A Log is
  // read-only once built: the index is not rebuilt if its columns change afterwards. A copy of
  // a Log builds its own; a moved-from Log has none (nullopt: callers scan).
  std::optional<std::span<const std::uint64_t>> rows_of(EventType t) const;

 private:
  struct TypeRows;
  // Owner of the rows_of index: a copy starts an empty index of its own, a move takes it.
  class TypeIndex {
   public:
    TypeIndex();
    ~TypeIndex();
    TypeIndex(const TypeIndex&);
    TypeIndex& operator=(const TypeIndex&);
    TypeIndex(TypeIndex&&) noexcept;
    TypeIndex& operator=(TypeIndex&&) noexcept;
    TypeRows* get() const { return p_.get(); }

   private:
    std::unique_ptr<TypeRows> p_;
  };
  TypeIndex type_rows_;
};

// Reads a journeysim HDF5 event log. Errors name the file.
Log load_event_log(const std::string& path);

// The Log that load_event_log would read from a file holding these rows and metadata, built in
// memory: a sweep scores each task's simulated events without writing and reloading a file.
// Events are given as the blocks a run produced, in output order. `source` names the rows in
// errors and in Log::source.
Log log_from_rows(const eventlog::Metadata& meta, const std::string& source,
                  std::span<const eventlog::CustomerRow> customers,
                  std::span<const std::vector<eventlog::Event>> event_blocks,
                  std::span<const eventlog::ChannelDayRow> channels);

// A Log of the customers `picks` (indices into log.customers, repeats allowed), each with its
// events, in the order given: a bootstrap resample over customers. Names, window and the
// /channels table are kept as they are.
Log resample_customers(const Log& log, std::span<const std::uint32_t> picks);

// Builds a Log from events in any order. Customers are created on first mention; their
// created/converted/churned times are derived from events unless given.
class LogBuilder {
 public:
  LogBuilder(std::int64_t start, std::int64_t end) {
    log_.start = start;
    log_.end = end;
  }
  // Returns the index of the customer with external id `label` (created if new).
  std::uint32_t customer(const std::string& label);
  CustomerInfo& info(std::uint32_t index) { return log_.customers[index]; }
  void event(std::uint32_t customer, std::int64_t time, EventType type, std::int32_t arg = -1,
             double value = 0);
  void event(const std::string& customer, std::int64_t time, EventType type, std::int32_t arg = -1,
             double value = 0) {
    event(this->customer(customer), time, type, arg, value);
  }
  void names(const std::string& ns, std::vector<std::string> values) {
    log_.names[ns] = std::move(values);
  }
  void channel_day(const ChannelDay& row) {
    log_.channels.push_back(row);
    log_.has_channel_table = true;
  }
  Log build();

 private:
  struct Row {
    std::uint32_t customer;
    std::int64_t time;
    std::uint8_t type;
    std::int32_t arg;
    double value;
  };
  Log log_;
  std::vector<Row> rows_;
  std::unordered_map<std::string, std::uint32_t> ids_;
};

// Day helpers.
inline constexpr double kDay = 86400.0;
inline double days(std::int64_t seconds) {
  return static_cast<double>(seconds) / kDay;
}
// "YYYY-MM" of a Unix time (UTC): cohort and time-series labels.
std::string month_label(std::int64_t unix_seconds);

}  // namespace journeysim::kpi
