// journeysim: one program, many subcommands. See `journeysim --help`.
#include <malloc.h>

#include <algorithm>
#include <exception>
#include <iostream>
#include <vector>

#include "command.hpp"
#include "journeysim/common/huge_pages.hpp"
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

int main(int argc, char** argv) {
  using namespace journeysim::cli;
  // Keep freed memory for reuse instead of returning it to the kernel: every market of a run
  // (and every epoch's buffers) allocates the same large vectors again, and glibc's defaults
  // (mmap above 128 KB-32 MB, trim at 128 KB) made each reuse a fresh round of page faults
  // (measured: a third of the wall time of `run --markets 20 --discard` was the kernel zeroing
  // pages). Peak memory is unchanged; only the release at free() is deferred.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#if !defined(__SANITIZE_ADDRESS__)
  // Grow the main heap once and ask for transparent huge pages over it (kept, as above): the
  // small blocks the first markets allocate (event buffers, agendas) are then faulted in 2 MiB
  // at a time instead of 4 KiB (what glibc.malloc.hugetlb=1 does, which a tunable can only set
  // from the environment). Measured: run --markets 10 --threads 1 --discard, 5.5k -> 1k page
  // faults, 0.334 -> 0.285 s (medians of six); only touched memory counts in RSS (+2-5 MB).
  {
    constexpr std::size_t kHeap = std::size_t{256} << 20;
    void* p = std::malloc(kHeap);
    if (p) journeysim::common::advise_huge_pages(p, kHeap);
    std::free(p);
  }
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto& [sub, run] : subs)
      if (sub->parsed()) return run();
  } catch (const std::exception& e) {
    std::cerr << "journeysim: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
