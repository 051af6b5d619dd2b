// The build without MPI: a sweep runs on the threads of one process (and as Slurm array parts).
// Started by mpirun all the same, it refuses: N copies would each run every task.
#include <stdexcept>

#include "cluster.hpp"
#include "journeysim/sweep/execute.hpp"
#include "journeysim/sweep/ranks.hpp"

namespace journeysim::sweep {

Cluster* mpi_cluster() {
  if (launched_by_mpi())
    throw std::runtime_error(
        "started by mpirun, but this journeysim was built without MPI (install Debian's "
        "libopenmpi-dev and rebuild: scripts/build), so every rank would run the whole sweep");
  return nullptr;
}

void mpi_finalize() {}

Ranks mpi_ranks() {
  mpi_cluster();  // refuses under mpirun
  return {};
}

void sum_across_ranks(std::vector<double>&) {}

void finish_ranks() {}

}  // namespace journeysim::sweep
