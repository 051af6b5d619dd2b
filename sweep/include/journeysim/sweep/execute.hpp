// Running a sweep: the task list (point, replication), each task simulated and scored in memory,
// handed out to threads (oneTBB arenas) and, under `mpirun`, to ranks (dynamic hand-out from
// rank 0); finished tasks go to the journal as they finish, the results file is written from the
// journals at the end. Replication r of every point uses the same random streams (the sweep's
// seed, replication r): common random numbers, so differences between points are paired.
#pragma once
#include <cstdint>
#include <string>

#include "journeysim/kpi/log.hpp"
#include "journeysim/sim/scenario.hpp"
#include "journeysim/sweep/journal.hpp"
#include "journeysim/sweep/results_file.hpp"
#include "journeysim/sweep/sweep_file.hpp"

namespace journeysim::sweep {

struct ExecOptions {
  int threads = 0;                               // per process; 0 = all cores
  std::uint32_t part_index = 1, part_count = 1;  // --part k/N: a contiguous slice of the tasks
  bool resume = false;                           // skip the tasks the journal holds
  bool restart = false;                          // discard an existing journal
  bool progress = true;                          // progress line on stderr when it is a terminal
  std::string output;       // RESULTS.h5; empty: a part run (journal only, merged later)
  std::string journal_dir;  // default: OUTPUT.journal
  bool keep_journal = false;
  std::string command_line;
};

struct ExecSummary {
  std::uint64_t tasks = 0;        // tasks of this part
  std::uint64_t done_before = 0;  // already in the journal (--resume)
  std::uint64_t ran = 0, failed = 0, events = 0;
  double seconds = 0;
  bool interrupted = false;
  bool finalised = false;  // the results file was written
  int rank = 0, ranks = 1;
  FinaliseSummary results;
};

// Runs the sweep (this part of it). Under mpirun (and when built with MPI) every rank calls this
// and rank 0 writes the results. Throws std::runtime_error for a journal that is not this
// sweep's, an existing journal without --resume/--restart, and I/O errors.
ExecSummary run_sweep(const SweepSpec& spec, const ExecOptions& options);

// One replication of a scenario simulated into memory and turned into the KPI module's Log (no
// file): what a task scores, and what a calibration's evaluation measures. `events` receives the
// number of events simulated.
kpi::Log simulate_log(const sim::Scenario& scenario, std::uint32_t markets,
                      std::uint16_t replication, std::uint64_t* events = nullptr);

// One task, simulated and scored in memory: its record for the journal (failed, with the
// message, when the scenario or the run throws).
// The last point's scenario, kept by a worker: the replications of a point (consecutive tasks)
// resolve it once.
struct PointCache {
  std::uint64_t point = ~std::uint64_t{0};
  sim::Scenario scenario;
};
TaskRecord run_task(const SweepSpec& spec, std::uint64_t task, PointCache* cache = nullptr);

// The header every journal of this sweep carries.
JournalHeader journal_header(const SweepSpec& spec);

// The tasks [first, last) of part k of N.
std::pair<std::uint64_t, std::uint64_t> part_tasks(std::uint64_t tasks, std::uint32_t k,
                                                   std::uint32_t n);

// Whether this process was started by an MPI launcher (mpirun / srun with PMI).
bool launched_by_mpi();

}  // namespace journeysim::sweep
