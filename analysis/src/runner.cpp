#include "journeysim/analysis/runner.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "journeysim/sim/driver.hpp"

namespace journeysim::analysis {

namespace {
std::atomic<unsigned> g_counter{0};

struct RemoveOnExit {
  std::filesystem::path path;
  ~RemoveOnExit() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove(path, ec);
  }
};
}  // namespace

kpi::Log simulate_to_log(const sim::Scenario& scenario, const SimulateOptions& options) {
  sim::DriverOptions d;
  d.run.threads = options.threads;
  d.run.replications = options.replications;
  d.run.first_replication = options.first_replication;
  d.writer.compression = options.compression;
  d.command_line = options.command_line;
  d.progress = options.progress;
  RemoveOnExit temp;
  if (options.keep_path.empty()) {
    temp.path =
        std::filesystem::temp_directory_path() /
        ("journeysim-" + std::to_string(getpid()) + "-" + std::to_string(g_counter++) + ".h5");
    d.output = temp.path.string();
  } else {
    d.output = options.keep_path;
  }
  sim::run_to_file(scenario, d);
  return kpi::load_event_log(d.output);
}

}  // namespace journeysim::analysis
