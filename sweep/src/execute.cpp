#include "journeysim/sweep/execute.hpp"

#include <tbb/task_arena.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "cluster.hpp"
#include "journeysim/kpi/score.hpp"
#include "journeysim/sim/driver.hpp"
#include "journeysim/sim/engine.hpp"
#include "journeysim/version.hpp"
#include "task_queue.hpp"

namespace journeysim::sweep {

namespace {

using Clock = std::chrono::steady_clock;

std::string part_prefix(const ExecOptions& o) {
  if (o.part_count == 1) return "all";
  char b[64];
  std::snprintf(b, sizeof b, "part-%04u-of-%04u", o.part_index, o.part_count);
  return b;
}

std::string duration_text(double s) {
  char b[32];
  if (!std::isfinite(s) || s < 0) return "?";
  if (s < 60)
    std::snprintf(b, sizeof b, "%.0fs", s);
  else if (s < 3600)
    std::snprintf(b, sizeof b, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else
    std::snprintf(b, sizeof b, "%dh%02dm", static_cast<int>(s) / 3600,
                  static_cast<int>(s) / 60 % 60);
  return b;
}

// The progress line (a terminal only): tasks done/total, failed, events/s, ETA.
class Progress {
 public:
  Progress(bool show, std::uint64_t total, std::uint64_t before)
      : show_(show && isatty(STDERR_FILENO)), total_(total), before_(before) {}
  void update(std::uint64_t done, std::uint64_t failed, std::uint64_t events, bool force = false) {
    if (!show_) return;
    auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - t0_).count();
    const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    const std::uint64_t left = total_ - before_ - std::min(done, total_ - before_);
    std::fprintf(stderr, "\r  sweep: %llu/%llu tasks, %llu failed, %.2f M events/s, ETA %s   ",
                 static_cast<unsigned long long>(before_ + done),
                 static_cast<unsigned long long>(total_), static_cast<unsigned long long>(failed),
                 secs > 0 ? static_cast<double>(events) / secs / 1e6 : 0.0,
                 rate > 0 ? duration_text(static_cast<double>(left) / rate).c_str() : "?");
    std::fflush(stderr);
  }
  void clear() {
    if (show_) std::fprintf(stderr, "\r%78s\r", "");
  }

 private:
  bool show_;
  std::uint64_t total_, before_;
  Clock::time_point t0_ = Clock::now(), last_{};
};

}  // namespace

JournalHeader journal_header(const SweepSpec& spec) {
  JournalHeader h;
  h.fingerprint = spec.fingerprint;
  h.tasks = spec.tasks();
  h.kpis = static_cast<std::uint32_t>(spec.kpis.size());
  h.build = std::string(kVersion) + " " + kGitCommit;
  h.sweep = spec.name + " (" + spec.path + ")";
  return h;
}

std::pair<std::uint64_t, std::uint64_t> part_tasks(std::uint64_t tasks, std::uint32_t k,
                                                   std::uint32_t n) {
  if (n == 0 || k < 1 || k > n) throw std::runtime_error("--part must be k/N with 1 <= k <= N");
  // 128-bit products: tasks * k cannot overflow
  auto at = [&](std::uint32_t i) {
    return static_cast<std::uint64_t>(static_cast<unsigned __int128>(tasks) * i / n);
  };
  return {at(k - 1), at(k)};
}

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

kpi::Log simulate_log(const sim::Scenario& scenario, std::uint32_t markets,
                      std::uint16_t replication, std::uint64_t* events) {
  sim::DriverOptions d;
  d.run.threads = 0;  // the caller's arena decides
  d.run.markets = markets;
  d.run.replications = 1;
  d.run.first_replication = replication;  // common random numbers: the same streams for r
  sim::MemoryRun run = sim::run_to_memory(scenario, d);
  if (events) *events = run.stats.events;
  return kpi::log_from_rows(run.meta, scenario.name + " replication " + std::to_string(replication),
                            run.customers, run.events, run.channels);
}

TaskRecord run_task(const SweepSpec& spec, std::uint64_t task, PointCache* cache) {
  TaskRecord rec;
  rec.task = task;
  rec.kpis.assign(spec.kpis.size(), NAN);
  const auto t0 = Clock::now();
  const std::uint64_t point = task / spec.replications;
  const auto rep = static_cast<std::uint16_t>(task % spec.replications);
  try {
    PointCache local;
    PointCache& pc = cache ? *cache : local;
    if (pc.point != point) {
      pc.point = ~std::uint64_t{0};  // (not kept if the point throws)
      pc.scenario = point_scenario(spec, point, false);
      pc.point = point;
    }
    const kpi::Log log = simulate_log(pc.scenario, spec.markets, rep, &rec.events);
    kpi::ScoreOptions so;
    so.kpis = spec.kpis;
    so.params = spec.params;
    const kpi::ScoreReport report = kpi::score(log, so);
    for (const auto& s : report.scores) {
      auto it = std::find(spec.kpis.begin(), spec.kpis.end(), s.id);
      if (it != spec.kpis.end() && !s.values.empty())
        rec.kpis[static_cast<std::size_t>(it - spec.kpis.begin())] = s.values[0];
    }
  } catch (const sim::Interrupted&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;  // not the point's fault: a worker error, and the task runs again on --resume
  } catch (const std::exception& e) {
    rec.failed = true;
    rec.error = std::string(e.what()).substr(0, 4000);
    rec.kpis.assign(spec.kpis.size(), NAN);
  }
  rec.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return rec;
}

ExecSummary run_sweep(const SweepSpec& spec, const ExecOptions& o) {
  const auto t0 = Clock::now();
  Cluster* cluster = mpi_cluster();
  const int rank = cluster ? cluster->rank() : 0;
  const int ranks = cluster ? cluster->size() : 1;
  ExecSummary sum;
  sum.rank = rank;
  sum.ranks = ranks;
  if (o.output.empty() && o.journal_dir.empty())
    throw std::runtime_error("give -o RESULTS.h5 (or a journal directory for a part run)");
  const std::string jdir = o.journal_dir.empty() ? o.output + ".journal" : o.journal_dir;
  const std::string prefix = part_prefix(o);
  const JournalHeader header = journal_header(spec);
  auto [first, last] = part_tasks(spec.tasks(), o.part_index, o.part_count);
  sum.tasks = last - first;

  // Rank 0 reads the journals and decides what is left; every rank gets the same list.
  std::vector<std::uint64_t> todo;  // task ids left, then the attempt number last
  std::string setup_error;
  if (rank == 0) {
    try {
      std::filesystem::create_directories(jdir);
      // a whole run owns every journal in the folder (an earlier sliced run's parts count as
      // done); a part only its own (the other array tasks may be writing theirs)
      auto files = o.part_count == 1 ? journal_files(jdir) : journal_files(jdir, prefix);
      if (!files.empty() && o.restart) {
        for (const auto& f : files) std::filesystem::remove(f);  // this part's only
        files.clear();
      }
      if (!files.empty() && !o.resume)
        throw std::runtime_error(
            "a journal of an earlier run of this sweep is in " + jdir + " (" +
            std::to_string(files.size()) +
            " files): give --resume to skip the tasks it holds, or --restart to discard it");
      std::vector<bool> done(sum.tasks, false);
      for (const auto& f : files)
        read_journal(f, header, [&](const TaskRecord& r) {
          if (r.task >= first && r.task < last && !done[r.task - first]) {
            done[r.task - first] = true;
            ++sum.done_before;
          }
        });
      for (std::uint64_t t = first; t < last; ++t)
        if (!done[t - first]) todo.push_back(t);
      todo.push_back(next_attempt(jdir, prefix));
      // the sweep file's path, for `sweep merge DIR`
      std::ofstream(std::filesystem::path(jdir) / "sweep-path")
          << std::filesystem::absolute(spec.path).string() << "\n";
    } catch (const std::exception& e) {
      setup_error = e.what();
      todo.assign(1, ~std::uint64_t{0});  // tells the other ranks to stop
    }
  }
  if (cluster) cluster->broadcast(todo);
  if (todo.size() == 1 && todo[0] == ~std::uint64_t{0}) {
    if (cluster) mpi_finalize();
    throw std::runtime_error(setup_error.empty() ? "rank 0 could not set the sweep up (see its "
                                                   "message)"
                                                 : setup_error);
  }
  const auto attempt = static_cast<std::uint32_t>(todo.back());
  todo.pop_back();
  if (cluster) {
    std::vector<std::uint64_t> before{sum.done_before};
    cluster->broadcast(before);
    sum.done_before = before[0];
  }

  // Workers: each pulls task indices from the queue and runs them in its own arena.
  const int threads =
      o.threads > 0 ? o.threads : static_cast<int>(tbb::this_task_arena::max_concurrency());
  std::atomic<std::uint64_t> ran{0}, failed{0}, events{0};
  std::atomic<bool> stop{false};
  TaskQueue queue;
  Progress progress(o.progress && rank == 0, sum.tasks, sum.done_before);
  std::unique_ptr<JournalWriter> journal;
  std::string journal_error;
  try {
    if (!todo.empty() || !cluster)
      journal = std::make_unique<JournalWriter>(
          (std::filesystem::path(jdir) / journal_name(prefix, attempt, rank)).string(), header);
  } catch (const std::exception& e) {
    journal_error = e.what();
  }
  // every rank learns whether any could not open its journal, and all stop together (a rank
  // that threw alone would leave the others waiting in the hand-out)
  const std::uint64_t journal_failures =
      cluster ? cluster->sum(journal_error.empty() ? 0 : 1) : (journal_error.empty() ? 0 : 1);
  if (journal_failures) {
    if (cluster) mpi_finalize();
    throw std::runtime_error(journal_error.empty()
                                 ? "another rank could not create its journal (see its message)"
                                 : journal_error);
  }
  std::string worker_error;
  std::mutex error_mutex;
  // Few tasks: fewer workers, each with more threads (a task's markets run in parallel).
  const std::uint64_t expect =
      cluster ? std::max<std::uint64_t>(1, todo.size() / static_cast<std::uint64_t>(ranks))
              : todo.size();
  const int workers =
      static_cast<int>(std::max<std::uint64_t>(1, std::min<std::uint64_t>(threads, expect)));
  const int arena_threads = std::max(1, threads / workers);
  std::vector<std::thread> pool;
  std::atomic<int> alive{0};
  if (journal) {
    alive = workers;
    for (int w = 0; w < workers; ++w)
      pool.emplace_back([&] {
        tbb::task_arena arena(arena_threads);
        PointCache cache;
        while (!stop) {
          auto i = queue.pop();
          if (!i) break;
          try {
            TaskRecord r;
            arena.execute([&] { r = run_task(spec, todo[*i], &cache); });
            journal->append(r);
            if (r.failed) ++failed;
            events += r.events;
            ++ran;
          } catch (const sim::Interrupted&) {
            stop = true;
            queue.cancel();
          } catch (const std::exception& e) {  // out of memory, or the journal not written
            std::lock_guard lock(error_mutex);
            if (worker_error.empty()) worker_error = e.what();
            stop = true;
            queue.cancel();
          }
        }
        --alive;
      });
  }
  auto tick = [&] {
    if (sim::g_interrupt && !stop) {
      stop = true;
      queue.cancel();
    }
    progress.update(ran, failed, events);
  };
  if (cluster) {
    cluster->hand_out(queue, todo.size(), journal ? workers : 0, tick, [&] { return stop.load(); });
  } else {
    queue.push_range(0, todo.size());
    queue.close();
  }
  while (alive > 0) {
    tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& t : pool) t.join();
  progress.update(ran, failed, events, true);
  progress.clear();
  if (journal) journal->sync();
  sum.ran = ran;
  sum.failed = failed;
  sum.events = events;
  sum.interrupted = stop && worker_error.empty();
  std::uint64_t errors = worker_error.empty() ? 0 : 1;
  std::uint64_t interrupted = sum.interrupted ? 1 : 0;
  if (cluster) {
    sum.ran = cluster->sum(sum.ran);
    sum.failed = cluster->sum(sum.failed);
    sum.events = cluster->sum(sum.events);
    errors = cluster->sum(errors);
    interrupted = cluster->sum(interrupted);
    sum.interrupted = interrupted > 0;
  }
  journal.reset();
  if (!worker_error.empty()) {
    if (cluster) mpi_finalize();
    throw std::runtime_error(worker_error);
  }
  if (errors) {
    if (cluster) mpi_finalize();
    throw std::runtime_error("another rank could not write its journal (see its message)");
  }
  // The results: written by rank 0 from every journal (all ranks' and earlier attempts').
  std::string final_error;
  if (!sum.interrupted && !o.output.empty() && o.part_count == 1) {
    if (cluster) cluster->barrier();
    if (rank == 0) {
      try {
        RunInfo info;
        info.command_line = o.command_line;
        info.threads = threads;
        info.ranks = ranks;
        info.parts = "1/1";
        sum.results = write_results(spec, journal_files(jdir), o.output, info);
        sum.finalised = true;
        if (!o.keep_journal) remove_journal(jdir);
      } catch (const std::exception& e) {
        final_error = e.what();
      }
    }
    if (cluster) {
      std::vector<std::uint64_t> ok{final_error.empty() ? 1u : 0u};
      cluster->broadcast(ok);
      if (!ok[0] && rank != 0) final_error = "rank 0 could not write the results (see its message)";
      sum.finalised = ok[0] != 0;
    }
  }
  if (cluster) mpi_finalize();
  if (!final_error.empty()) throw std::runtime_error(final_error);
  sum.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return sum;
}

}  // namespace journeysim::sweep
