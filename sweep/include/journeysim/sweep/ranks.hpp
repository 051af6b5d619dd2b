// The MPI ranks of this process, for code that runs the same deterministic computation on every
// rank and shares out its pieces (a calibration's replications): the rank and size when launched
// by mpirun (MPI initialised on first use; a build without MPI refuses to run under mpirun), else
// rank 0 of 1. The sweep's dynamic hand-out uses the same MPI (execute.hpp).
#pragma once
#include <vector>

namespace journeysim::sweep {

struct Ranks {
  int rank = 0, size = 1;
};
Ranks mpi_ranks();

// Element-wise sum over the ranks, in place, on every rank (MPI_Allreduce); nothing without MPI.
// A value computed by one rank and left 0 by the others arrives exactly (x + 0 = x), so results
// gathered this way do not depend on the rank count.
void sum_across_ranks(std::vector<double>& values);

// MPI_Finalize, when MPI was initialised.
void finish_ranks();

}  // namespace journeysim::sweep
