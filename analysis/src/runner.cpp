#include "journeysim/analysis/runner.hpp"

#include "journeysim/kpi/log.hpp"
#include "journeysim/sim/driver.hpp"

namespace journeysim::analysis {

kpi::Log simulate_to_log(const sim::Scenario& scenario, const SimulateOptions& options) {
  sim::DriverOptions d;
  d.run.threads = options.threads;
  d.run.replications = options.replications;
  d.run.first_replication = options.first_replication;
  d.writer.compression = options.compression;
  d.command_line = options.command_line;
  d.progress = options.progress;
  if (options.keep_path.empty()) {
    // scored in memory: no temporary log in /tmp (a SIGTERM left 44 MB of it behind, #15), and
    // the same Log as the file would give (tests/test_sweep_tasks.cpp compares them column by
    // column)
    sim::MemoryRun run = sim::run_to_memory(scenario, d);
    return kpi::log_from_rows(run.meta, scenario.name, run.customers, run.events, run.channels);
  }
  d.output = options.keep_path;
  sim::run_to_file(scenario, d);
  return kpi::load_event_log(d.output);
}

}  // namespace journeysim::analysis
