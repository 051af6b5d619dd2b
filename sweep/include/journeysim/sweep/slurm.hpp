// Slurm job arrays for a sweep: `journeysim sweep SWEEP.yaml --emit-slurm DIR` writes an sbatch
// script whose array task k runs the deterministic slice `--part k/N` of the task list with
// SLURM_CPUS_PER_TASK threads into DIR/journal; `journeysim sweep merge DIR -o RESULTS.h5`
// writes the results from every part's journal (equal to a single-machine run's).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "journeysim/sweep/sweep_file.hpp"

namespace journeysim::sweep {

struct SlurmOptions {
  std::string dir;                        // where the script, logs and journals go
  std::uint32_t parts = 0;                // array tasks (default: about 4 tasks' worth... see .cpp)
  std::optional<std::uint32_t> throttle;  // %M: at most M array tasks at once
  int cpus_per_task = 2;
  std::string time = "01:00:00";   // per array task
  std::string partition, account;  // optional #SBATCH lines
  std::string mem = "4G";
  std::string executable;  // the journeysim binary (absolute)
};

// Writes DIR/sweep.sbatch (and DIR/logs, DIR/journal, DIR/sweep-path); returns the script path.
std::string emit_slurm(const SweepSpec& spec, const SlurmOptions& options);

// The sbatch script text (tested without a file system).
std::string slurm_script(const SweepSpec& spec, const SlurmOptions& options);

}  // namespace journeysim::sweep
