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

}  // namespace journeysim::sim
