// Export an event log to CSV (events.csv, customers.csv, channels.csv) with ISO-8601 UTC times,
// for people who do not use HDF5. Files are written as NAME.tmp and renamed when complete.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace journeysim::eventlog {

class EventLogReader;

// "2026-01-01T08:15:00Z" (before 1970 too); -1 (none, in the customers table) gives "".
std::string iso_time(std::int64_t unix_seconds);
// `v` as a CSV field: quoted, with quotes doubled, when it holds a comma, a quote or a line break.
std::string csv_field(std::string_view v);

struct ExportStats {
  std::uint64_t events = 0, customers = 0, channel_days = 0;
};
ExportStats export_csv(const EventLogReader& log, const std::string& directory);

}  // namespace journeysim::eventlog
