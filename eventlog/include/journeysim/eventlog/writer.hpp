// Streaming HDF5 writer for the event-log contract (schema.hpp, docs/event-log.md).
// Columns are cut into fixed-size chunks; full chunks are shuffled and compressed in parallel
// (oneTBB) and written in order with H5Dwrite_chunk, so compression never serialises a run and
// the bytes do not depend on the thread count. The file is written as OUT.tmp-<pid> and renamed
// to OUT only by commit(); a writer destroyed without commit() removes its temporary file.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "journeysim/eventlog/schema.hpp"

namespace journeysim::eventlog {

// How the columns are filtered. Each choice is a standard HDF5 filter pipeline, so other HDF5
// readers decode the file: shuffle + deflate is built into HDF5; shuffle + LZ4 is the registered
// filter 32004 (Debian's hdf5-filter-plugin lets h5dump and h5py read it; journeysim itself needs
// no plugin). LZ4 costs a few times less CPU per byte than deflate, for larger files.
struct Compression {
  enum class Codec : std::uint8_t { none, deflate, lz4 };
  Codec codec = Codec::deflate;
  int level = 4;  // deflate level 1..9
};
// "none", "lz4", "deflate" (level 4), "deflate:N" or a bare level "0".."9" (0 = none, N = deflate
// at N); anything else throws, naming what was expected.
Compression parse_compression(const std::string& text);
// The canonical spelling: "none", "lz4" or "deflate:N".
std::string compression_name(const Compression& c);

struct WriterOptions {
  Compression compression;
  std::size_t chunk_rows = 1 << 16;  // rows per chunk of every column
  std::size_t flush_chunks = 16;     // chunks gathered before a parallel compress + write
};

// Everything /meta records about a run.
struct Metadata {
  std::string scenario_name;
  std::string scenario_text;  // the resolved scenario (after extends and --set)
  std::uint64_t seed = 0;
  std::string version;
  std::string command_line;
  std::string options_json;     // the run options as JSON
  std::int64_t start_time = 0;  // Unix seconds of the simulated horizon's start
  double horizon_days = 0;
  std::uint32_t markets = 1;
  std::uint16_t replications = 1;
  std::uint16_t first_replication = 0;  // replications are first .. first + replications - 1
  std::string part;                     // "k/N" or "1/1"
  // Name tables for the `arg` namespaces and the dimensions: channels, plans, stages, ...
  std::map<std::string, std::vector<std::string>> names;
};

class EventLogWriter {
 public:
  EventLogWriter(std::string path, const Metadata& meta, WriterOptions options = {});
  ~EventLogWriter();
  EventLogWriter(const EventLogWriter&) = delete;
  EventLogWriter& operator=(const EventLogWriter&) = delete;

  void append_events(std::span<const Event> events);
  void append_customers(std::span<const CustomerRow> rows);
  void append_channels(std::span<const ChannelDayRow> rows);
  // Flushes everything, closes the file and renames it to its final path.
  void commit();

  std::uint64_t events_written() const;
  std::uint64_t bytes_compressed() const;  // bytes of event chunks written (after filters)
  const std::string& temp_path() const { return temp_path_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  std::string temp_path_;
  bool committed_ = false;
};

}  // namespace journeysim::eventlog

namespace journeysim::eventlog {

// KPI results stored into an existing event log under /kpi (replacing any earlier /kpi).
struct KpiRows {
  std::vector<std::string> id, group;
  std::vector<double> value, se, ci_low, ci_high, n;
  std::vector<std::uint8_t> available;
};
// The log is copied to a temporary file, /kpi written there, and the copy renamed over the log,
// so an interrupted write leaves the original untouched.
void write_kpi_results(const std::string& log_path, const std::string& report_json,
                       const std::string& params_json, const KpiRows& rows);

}  // namespace journeysim::eventlog
