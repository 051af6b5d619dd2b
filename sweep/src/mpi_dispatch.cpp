// Open MPI ranks for `mpirun -n R journeysim sweep ...`: tasks are handed out dynamically (as
// FLAME GPU 2 hands out ensemble runs): rank 0 keeps the counter over the shared task list and
// answers requests for chunks; each rank's main thread keeps its workers' queue topped up, so
// a rank that draws small tasks asks again sooner and none sits idle while tasks are left.
// Only the main thread calls MPI (MPI_THREAD_FUNNELED); workers never do.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "cluster.hpp"
#include "journeysim/sweep/execute.hpp"
#include "journeysim/sweep/ranks.hpp"

namespace journeysim::sweep {

namespace {

constexpr int kTagRequest = 1, kTagGrant = 2;

class MpiCluster : public Cluster {
 public:
  MpiCluster() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    if (provided < MPI_THREAD_FUNNELED)
      throw std::runtime_error("MPI does not provide MPI_THREAD_FUNNELED");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void broadcast(std::vector<std::uint64_t>& v) override {
    std::uint64_t n = v.size();
    MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    v.resize(n);
    // in pieces: a count must fit an int
    for (std::uint64_t s = 0; s < n; s += (1u << 30)) {
      const int c = static_cast<int>(std::min<std::uint64_t>(n - s, 1u << 30));
      MPI_Bcast(v.data() + s, c, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    }
  }
  std::uint64_t sum(std::uint64_t value) override {
    std::uint64_t out = 0;
    MPI_Allreduce(&value, &out, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    return out;
  }
  void sum(std::vector<double>& values) override {
    for (std::size_t s = 0; s < values.size(); s += (1u << 30)) {
      const int c = static_cast<int>(std::min<std::size_t>(values.size() - s, 1u << 30));
      MPI_Allreduce(MPI_IN_PLACE, values.data() + s, c, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    }
  }
  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }

  void hand_out(TaskQueue& queue, std::uint64_t n, int threads, const std::function<void()>& tick,
                const std::function<bool()>& stopped) override {
    // Chunks shrink as the list drains (guided): large enough early to keep messages few,
    // one task at the end so that the last tasks spread over every rank.
    std::uint64_t total_threads = sum(static_cast<std::uint64_t>(std::max(threads, 0)));
    if (total_threads == 0) total_threads = 1;
    auto chunk = [&](std::uint64_t left) {
      return std::clamp<std::uint64_t>(left / (4 * total_threads), 1, 64);
    };
    const auto low_water = static_cast<std::size_t>(std::max(threads, 0));
    auto idle = [] { std::this_thread::sleep_for(std::chrono::microseconds(500)); };
    if (rank_ == 0) {
      std::uint64_t next = 0;
      int told_done = 0;  // other ranks told that nothing is left
      bool local_done = false;
      while (!local_done || told_done < size_ - 1) {
        bool busy = false;
        if (stopped()) next = n;
        // this rank's own workers
        if (!local_done) {
          if (next == n) {
            queue.close();
            local_done = true;
          } else if (threads > 0 && queue.size() < low_water) {
            const std::uint64_t c = std::min(chunk(n - next), n - next);
            queue.push_range(next, next + c);
            next += c;
            busy = true;
          } else if (threads == 0) {
            queue.close();
            local_done = true;
          }
        }
        // requests of the other ranks
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, kTagRequest, MPI_COMM_WORLD, &flag, &st);
        if (flag) {
          std::uint64_t want = 0;
          MPI_Recv(&want, 1, MPI_UINT64_T, st.MPI_SOURCE, kTagRequest, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE);
          std::uint64_t grant[2] = {next, next};
          if (want > 0 && next < n) {
            grant[1] = next + std::min(chunk(n - next), n - next);
            next = grant[1];
          }
          if (grant[0] == grant[1]) ++told_done;
          MPI_Send(grant, 2, MPI_UINT64_T, st.MPI_SOURCE, kTagGrant, MPI_COMM_WORLD);
          busy = true;
        }
        tick();
        if (!busy) idle();
      }
      return;
    }
    // other ranks: ask rank 0 whenever the queue runs low, until it says nothing is left
    for (;;) {
      tick();
      if (!stopped() && threads > 0 && queue.size() >= low_water) {
        idle();
        continue;
      }
      std::uint64_t want = stopped() || threads == 0 ? 0 : 1;
      MPI_Send(&want, 1, MPI_UINT64_T, 0, kTagRequest, MPI_COMM_WORLD);
      std::uint64_t grant[2] = {0, 0};
      MPI_Request req;
      MPI_Irecv(grant, 2, MPI_UINT64_T, 0, kTagGrant, MPI_COMM_WORLD, &req);
      for (int done = 0; !done;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (!done) {
          tick();
          idle();
        }
      }
      if (grant[0] == grant[1]) break;
      if (!stopped()) queue.push_range(grant[0], grant[1]);
    }
    queue.close();
  }

 private:
  int rank_ = 0, size_ = 1;
};

MpiCluster* g_cluster = nullptr;
bool g_finalized = false;

}  // namespace

Cluster* mpi_cluster() {
  if (g_cluster) return g_cluster;
  if (!launched_by_mpi() || g_finalized) return nullptr;
  g_cluster = new MpiCluster();
  return g_cluster;
}

Ranks mpi_ranks() {
  Cluster* c = mpi_cluster();
  return c ? Ranks{c->rank(), c->size()} : Ranks{};
}

void sum_across_ranks(std::vector<double>& values) {
  if (Cluster* c = mpi_cluster()) c->sum(values);
}

void finish_ranks() {
  mpi_finalize();
}

void mpi_finalize() {
  if (g_cluster && !g_finalized) {
    MPI_Finalize();
    g_finalized = true;
  }
}

}  // namespace journeysim::sweep
