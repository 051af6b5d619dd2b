// The ranks of an MPI launch as the sweep executor sees them (private to sweep/): broadcasts
// from rank 0, sums, a barrier, and the dynamic hand-out of tasks. mpi_dispatch.cpp implements
// it over Open MPI (only the main thread calls MPI: MPI_THREAD_FUNNELED); mpi_none.cpp is the
// build without MPI.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "task_queue.hpp"

namespace journeysim::sweep {

class Cluster {
 public:
  virtual ~Cluster() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual void broadcast(std::vector<std::uint64_t>& values) = 0;  // rank 0's values to all
  virtual std::uint64_t sum(std::uint64_t value) = 0;
  virtual void sum(std::vector<double>& values) = 0;  // element-wise, in place, on every rank
  virtual void barrier() = 0;
  // Hands out the indices [0, n) of the shared task list: rank 0 keeps the counter and answers
  // requests; every rank keeps its local `queue` topped up for its `threads` workers. Returns
  // when this rank has been told that no task is left (its queue is then closed). `tick` is
  // called now and then on the main thread (progress). Once `stopped` is true (an interrupt)
  // no more tasks go to the queue; the ranks still finish the exchange, so none waits forever.
  virtual void hand_out(TaskQueue& queue, std::uint64_t n, int threads,
                        const std::function<void()>& tick,
                        const std::function<bool()>& stopped) = 0;
};

// The cluster of this MPI launch (MPI_Init_thread on first call), or nullptr when the process
// was not started by mpirun. Throws when started by mpirun but built without MPI.
Cluster* mpi_cluster();
// MPI_Finalize, when mpi_cluster() initialised MPI.
void mpi_finalize();

}  // namespace journeysim::sweep
