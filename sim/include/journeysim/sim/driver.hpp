// Runs a scenario into an HDF5 event log (the `journeysim run` pipeline step).
#pragma once
#include <string>

#include "journeysim/eventlog/writer.hpp"
#include "journeysim/sim/engine.hpp"
#include "journeysim/sim/scenario.hpp"

namespace journeysim::sim {

struct DriverOptions {
  RunOptions run;
  eventlog::WriterOptions writer;
  std::string output;        // path of the .h5 file; empty = discard events (count only)
  std::string command_line;  // recorded in /meta
  bool progress = false;     // draw a progress line on stderr
};

struct DriverResult {
  RunStats stats;
  double seconds = 0;
  std::uint64_t bytes_written = 0;
};

// Names tables (/names/<ns>) of a scenario: channels (plus team:<name> cost rows), plans, ...
std::map<std::string, std::vector<std::string>> name_tables(const Scenario& s);

DriverResult run_to_file(const Scenario& scenario, const DriverOptions& options);

// The /meta a run of `scenario` with `options` records (what run_to_file writes).
eventlog::Metadata run_metadata(const Scenario& scenario, const DriverOptions& options);

// A run kept in memory: the rows run_to_file would write, in the same order (a sweep task's
// output, scored without a file: kpi::log_from_rows).
struct MemoryRun {
  eventlog::Metadata meta;
  std::vector<eventlog::CustomerRow> customers;
  std::vector<std::vector<eventlog::Event>> events;  // blocks in output order
  std::vector<eventlog::ChannelDayRow> channels;
  RunStats stats;
};
MemoryRun run_to_memory(const Scenario& scenario, const DriverOptions& options);

}  // namespace journeysim::sim
