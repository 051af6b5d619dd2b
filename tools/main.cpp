// journeysim: one program, many subcommands. See `journeysim --help`.
#include <malloc.h>
#include <tbb/task_scheduler_observer.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <optional>
#include <vector>

#include "command.hpp"
#include "journeysim/common/huge_pages.hpp"
#include "journeysim/common/input_file.hpp"
#include "journeysim/version.hpp"

namespace journeysim::cli {
namespace {
struct Entry {
  int order;
  std::string name;
  std::string description;
  Setup setup;
};
std::vector<Entry>& registry() {
  static std::vector<Entry> entries;
  return entries;
}
}  // namespace

bool register_command(int order, std::string name, std::string description, Setup setup) {
  registry().push_back({order, std::move(name), std::move(description), std::move(setup)});
  return true;
}
}  // namespace journeysim::cli

namespace {
#if !defined(__SANITIZE_ADDRESS__)
// Grows the calling thread's malloc heap by `bytes` and advises transparent huge pages over it.
void advise_heap(std::size_t bytes) {
  void* p = std::malloc(bytes);
  if (p) journeysim::common::advise_huge_pages(p, bytes);
  std::free(p);
}
class HugeHeapObserver : public tbb::task_scheduler_observer {
 public:
  HugeHeapObserver() { observe(true); }
  ~HugeHeapObserver() override { observe(false); }
  void on_scheduler_entry(bool worker) override {
    thread_local bool done = false;
    if (worker && !done) {
      done = true;
      advise_heap(std::size_t{32} << 20);  // within glibc's 64 MiB per thread-arena heap
    }
  }
};
#endif
}  // namespace

int main(int argc, char** argv) {
  using namespace journeysim::cli;
  // Keep freed memory for reuse instead of returning it to the kernel: every market of a run
  // (and every epoch's buffers) allocates the same large vectors again, and glibc's defaults
  // (mmap above 128 KB-32 MB, trim at 128 KB) made each reuse a fresh round of page faults
  // (measured: a third of the wall time of `run --markets 20 --discard` was the kernel zeroing
  // pages). Peak memory is unchanged; only the release at free() is deferred.
  const bool mmap_set = mallopt(M_MMAP_THRESHOLD, 1 << 30) == 1;
  const bool trim_set = mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
  [[maybe_unused]] const bool kept = mmap_set && trim_set;
#if !defined(__SANITIZE_ADDRESS__)
  // Grow the main heap once and ask for transparent huge pages over it (kept, as above): the
  // small blocks the first markets allocate (event buffers, agendas) are then faulted in 2 MiB
  // at a time instead of 4 KiB (what glibc.malloc.hugetlb=1 does, which a tunable can only set
  // from the environment). Measured: run --markets 10 --threads 1 --discard, 5.5k -> 1k page
  // faults, 0.334 -> 0.285 s (medians of six); only touched memory counts in RSS (+2-5 MB), the
  // rest is address space (256 MiB, and 32 MiB per worker). Only when the heap is kept (a glibc
  // that refused the thresholds would mmap and unmap the block: no use).
  if (kept) advise_heap(std::size_t{256} << 20);
  // the same for each TBB worker's own malloc arena (2 threads, the same run: 10k -> 1.5k
  // faults, 0.222 -> 0.168 s; one shared arena instead, glibc.malloc.arena_max=1, was slower)
  std::optional<HugeHeapObserver> worker_heaps;
  if (kept) worker_heaps.emplace();
#endif
  CLI::App app{
      "journeysim: simulate customer lifecycles from scenario files, write HDF5 event logs,\n"
      "score them with lifecycle KPIs and compare strategies.\n"
      "Pipeline: scenario.yaml -> run -> events.h5 -> score/compare/benchmark/report.",
      "journeysim"};
  app.set_version_flag("--version", std::string("journeysim ") + journeysim::kVersion);
  app.require_subcommand(1);
  GlobalOptions global;
  app.add_flag("-q,--quiet", global.quiet, "No progress output");
  auto& entries = registry();
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, Runner>> subs;
  for (auto& e : entries) {
    CLI::App* sub = app.add_subcommand(e.name, e.description);
    sub->add_flag("-q,--quiet", global.quiet, "No progress output");
    subs.emplace_back(sub, e.setup(*sub, global));
  }
  journeysim::common::guard_outputs_against_inputs(true);
  // SIGTERM, SIGINT, SIGHUP remove the temporary files of commands that do not stop gracefully
  // (run, sweep, calibrate and dataset install their own handlers and stop at the next step)
  journeysim::common::install_temporary_cleanup();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  int rc = 0;
  try {
    for (auto& [sub, run] : subs)
      if (sub->parsed()) {
        rc = run();
        break;
      }
  } catch (const std::exception& e) {
    std::cerr << "journeysim: error: " << e.what() << "\n";
    return 1;
  }
  // What went to standard output must have arrived: a full disk or a closed pipe behind
  // `> file` was reported as success (#15).
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::cerr << "journeysim: error: cannot write to standard output"
              << (errno ? std::string(" (") + std::strerror(errno) + ")" : std::string()) << "\n";
    return rc ? rc : 1;
  }
  return rc;
}
