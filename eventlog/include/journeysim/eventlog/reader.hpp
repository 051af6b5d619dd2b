// Reader for the event-log contract. Errors (missing file, not HDF5, truncated, wrong schema)
// throw std::runtime_error naming the file; nothing here aborts.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "journeysim/eventlog/schema.hpp"
#include "journeysim/eventlog/writer.hpp"

namespace journeysim::eventlog {

// A block of events as columns.
struct EventColumns {
  std::vector<std::int64_t> time;
  std::vector<std::uint64_t> customer;
  std::vector<std::uint8_t> type;
  std::vector<std::int32_t> arg;
  std::vector<double> value;
  std::vector<std::uint32_t> market;
  std::vector<std::uint16_t> replication;
  std::size_t size() const { return time.size(); }
};

class EventLogReader {
 public:
  explicit EventLogReader(const std::string& path);
  ~EventLogReader();
  EventLogReader(const EventLogReader&) = delete;
  EventLogReader& operator=(const EventLogReader&) = delete;

  const std::string& path() const { return path_; }
  const Metadata& metadata() const { return meta_; }
  std::uint64_t event_count() const;
  // Reads rows [start, start+count) of /events into `out` (resized).
  void read_events(std::uint64_t start, std::uint64_t count, EventColumns& out) const;
  // Reads rows [start, start+count) of one /events column ("time", "customer", "type", "arg",
  // "value", "market", "replication") into dst, which holds `count` elements of the column's
  // type: for readers that need some columns only. A wrong name or type is an error.
  // T: std::int64_t, std::uint64_t, std::uint8_t, std::int32_t, double, std::uint32_t or
  // std::uint16_t (instantiated in reader.cpp).
  template <class T>
  void read_event_column(const char* name, std::uint64_t start, std::uint64_t count, T* dst) const;
  std::vector<CustomerRow> read_customers() const;
  std::vector<ChannelDayRow> read_channels() const;
  // Event type names as stored in the file's enum (index = numeric value).
  const std::vector<std::string>& event_type_names() const { return type_names_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  Metadata meta_;
  std::vector<std::string> type_names_;
};

}  // namespace journeysim::eventlog
