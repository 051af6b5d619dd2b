// RESULTS.h5 of a sweep (docs/sweeps.md): /points (one row per point: its id and factor values),
// /results (one row per task (point, replication): status, events, one column per KPI), /errors
// (failed tasks and their messages), /design (what the estimators need: unit coordinates, levels,
// the Morris steps), /meta (the sweep file, the resolved base scenario, seeds, version) and /run
// (how this file was produced: command line, threads, ranks, seconds per task).
//
// Everything but /run is a function of the sweep file and the build: byte-identical whatever the
// thread count, rank count, array split or the order in which tasks finished (rows are written at
// their task's place in fixed-size contiguous datasets, no timestamps). The file is written from
// the journals under a temporary name and renamed when complete.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "journeysim/sweep/design.hpp"
#include "journeysim/sweep/sweep_file.hpp"

namespace journeysim::sweep {

struct RunInfo {
  std::string command_line;
  int threads = 0, ranks = 1;
  std::string parts;  // "1/1", or how the journals were produced ("16 array parts")
};

// Writes RESULTS.h5 from the records of the journal files (the first record of each task).
// Throws std::runtime_error when a task has no record (naming how many and the first ones).
struct FinaliseSummary {
  std::uint64_t tasks = 0, failed = 0, events = 0;
  std::vector<std::string> dropped_kpis;  // default KPIs no task could compute
};
FinaliseSummary write_results(const SweepSpec& spec, const std::vector<std::string>& journals,
                              const std::string& output, const RunInfo& run);

// A results file read back (for analyse, report and export).
struct SweepResults {
  std::string path;
  std::string name, sweep_text, base_text, scenario_path, version, commit, command_line;
  std::uint64_t seed = 0;
  std::uint32_t replications = 1;
  std::vector<Factor> factors;
  Design design;  // kind, points, unit, level, sobol_n, morris structure
  std::vector<std::string> kpis;
  std::vector<std::string> kpis_not_available;
  // per task t = point * replications + replication
  std::vector<std::uint8_t> status;  // 0 ok, 1 failed
  std::vector<std::uint64_t> events;
  std::vector<double> seconds;
  std::vector<std::vector<double>> values;  // values[k][t]: KPI k at task t (NaN: none)
  std::vector<std::pair<std::uint64_t, std::string>> errors;  // failed task, message
  std::uint64_t points() const { return design.points.size(); }
  std::uint64_t tasks() const { return status.size(); }
  int kpi_index(const std::string& id) const;  // -1 if absent
};
SweepResults read_results(const std::string& path);

// Is this file a sweep's results (not an event log)?
bool is_sweep_results(const std::string& path);

}  // namespace journeysim::sweep
