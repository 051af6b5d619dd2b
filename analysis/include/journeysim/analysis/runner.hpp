// The pipeline as one call: scenario -> sim -> HDF5 event log -> kpi::Log. Used by `compare`
// and by `benchmark SCENARIO.yaml`: the KPI module reads what the simulator wrote through the
// same file format a user's run produces, never through simulator internals.
#pragma once
#include <cstdint>
#include <string>

#include "journeysim/eventlog/writer.hpp"
#include "journeysim/kpi/log.hpp"
#include "journeysim/sim/scenario.hpp"

namespace journeysim::analysis {

struct SimulateOptions {
  std::uint16_t first_replication = 0, replications = 1;
  int threads = 0;  // 0 = all cores
  // the log is usually temporary: the cheapest compression to write and to read back
  eventlog::Compression compression{eventlog::Compression::Codec::lz4, 0};
  std::string keep_path;     // keep the HDF5 log here; empty = temporary file, removed
  std::string command_line;  // recorded in the log's /meta
  bool progress = false;     // progress line on stderr (only when it is a terminal)
};

// Simulates `scenario` (already loaded, overrides applied) and loads the log for scoring.
kpi::Log simulate_to_log(const sim::Scenario& scenario, const SimulateOptions& options);

}  // namespace journeysim::analysis
