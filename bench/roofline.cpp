// The bare work of a run, to compare the simulator with: draw the same number of Philox blocks,
// produce the same event bytes in memory, and write the same events to HDF5 with the same layout
// and filters (shuffle + deflate or LZ4, parallel chunk compression). Nothing else: no model.
// And the bare work of `score`'s loading: decode the columns the loader reads from RUN.h5 into
// fresh memory of the loader's size (first touch included), without grouping or any KPI.
//
//   roofline --from RUN.h5 --blocks B [--threads T] [--compression deflate:N|lz4|none]
// prints one line of key=value figures (seconds and events per second for each phase).
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "journeysim/eventlog/reader.hpp"
#include "journeysim/eventlog/writer.hpp"
#include "journeysim/kpi/log.hpp"
#include "journeysim/sim/rng.hpp"

using namespace journeysim;
using Clock = std::chrono::steady_clock;

namespace {

int run(int argc, char** argv) {
  std::string from;
  std::uint64_t blocks = 0;
  int threads = 0;
  std::string compression = "deflate:4";
  // a whole number >= 0, or an error naming the option
  auto number = [](const std::string& option, const std::string& v) {
    std::size_t used = 0;
    unsigned long long x = 0;
    try {
      x = std::stoull(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != v.size() || v[0] == '-')
      throw std::runtime_error(option + ": expected a whole number, got '" + v + "'");
    return x;
  };
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--from")
      from = v;
    else if (a == "--blocks")
      blocks = number(a, v);
    else if (a == "--threads")
      if (const auto t = number(a, v); t <= 4096)
        threads = static_cast<int>(t);
      else
        throw std::runtime_error("--threads: at most 4096, got " + v);
    else if (a == "--compression")
      compression = v;
    else {
      std::fprintf(stderr,
                   "usage: roofline --from RUN.h5 --blocks B [--threads T] [--compression "
                   "deflate:N|lz4|none]\n");
      return 2;
    }
  }
  if (from.empty()) {
    std::fprintf(stderr, "roofline: --from RUN.h5 is required\n");
    return 2;
  }
  const eventlog::Compression comp = eventlog::parse_compression(compression);  // before any work
  std::unique_ptr<tbb::global_control> gc;
  if (threads > 0)
    gc = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                               threads);
  // the events of the real run (not timed)
  eventlog::EventLogReader r(from);
  const std::uint64_t n = r.event_count();
  // 0. loading for `score` (first, so that its memory is as fresh as in a `score` process): the
  // columns kpi::load_event_log decodes (customer, replication, time, type, arg, value), block by
  // block as it does, into fresh columns of its size (a customer index, time, type, arg, value per
  // event: first touch of new memory included), in file order: no lookup, no grouping, no KPI.
  auto t0 = Clock::now();
  std::uint64_t load_check = 0;
  {
    const std::uint64_t block = 1 << 22;
    kpi::Column<std::uint32_t> cust(n);
    kpi::Column<std::int64_t> time(n);
    kpi::Column<std::uint8_t> type(n);
    kpi::Column<std::int32_t> arg(n);
    kpi::Column<double> value(n);
    kpi::Column<std::uint64_t> id(std::min(block, n));
    kpi::Column<std::uint16_t> rep(std::min(block, n));
    for (std::uint64_t s = 0; s < n; s += block) {
      const std::uint64_t m = std::min(block, n - s);
      r.read_event_column("customer", s, m, id.data());
      r.read_event_column("replication", s, m, rep.data());
      tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, m, 1 << 16), [&](const auto& rg) {
        for (std::uint64_t i = rg.begin(); i < rg.end(); ++i)
          cust[s + i] = static_cast<std::uint32_t>(id[i] ^ rep[i]);
      });
      r.read_event_column("time", s, m, time.data() + s);
      r.read_event_column("type", s, m, type.data() + s);
      r.read_event_column("arg", s, m, arg.data() + s);
      r.read_event_column("value", s, m, value.data() + s);
    }
    load_check = cust[n - 1] + static_cast<std::uint64_t>(time[n - 1]) + type[0];
  }
  double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  eventlog::EventColumns cols;
  r.read_events(0, n, cols);
  std::vector<eventlog::Event> ev(n);
  for (std::uint64_t i = 0; i < n; ++i)
    ev[i] = {cols.time[i],
             cols.customer[i],
             cols.arg[i],
             cols.value[i],
             cols.market[i],
             cols.replication[i],
             static_cast<eventlog::EventType>(cols.type[i])};

  // 1. random numbers: the same number of Philox4x32-10 blocks, in parallel
  t0 = Clock::now();
  const std::uint64_t per = 4096;
  std::uint32_t sink = tbb::parallel_reduce(
      tbb::blocked_range<std::uint64_t>(0, (blocks + per - 1) / per), std::uint32_t{0},
      [&](const tbb::blocked_range<std::uint64_t>& rg, std::uint32_t acc) {
        for (std::uint64_t k = rg.begin(); k != rg.end(); ++k) {
          sim::Stream s(7, k, sim::Purpose::login);
          for (std::uint64_t j = 0; j < per * 4; ++j) acc ^= s();
        }
        return acc;
      },
      [](std::uint32_t a, std::uint32_t b) { return a ^ b; });
  double rng_s = std::chrono::duration<double>(Clock::now() - t0).count();

  // 2. producing the event bytes in memory, as the engine does: into an output buffer of one
  // block of events that is handed on and reused (the engine never holds a whole run in memory;
  // materialising all n events at once would charge the roofline page faults the engine does not
  // pay)
  t0 = Clock::now();
  constexpr std::uint64_t kBuffer = 1 << 16;
  std::uint64_t touched = tbb::parallel_reduce(
      tbb::blocked_range<std::uint64_t>(0, (n + kBuffer - 1) / kBuffer), std::uint64_t{0},
      [&](const tbb::blocked_range<std::uint64_t>& rg, std::uint64_t acc) {
        thread_local std::vector<eventlog::Event> out(kBuffer);
        for (std::uint64_t b = rg.begin(); b != rg.end(); ++b) {
          const std::uint64_t lo = b * kBuffer, m = std::min(kBuffer, n - lo);
          std::memcpy(out.data(), ev.data() + lo, m * sizeof(eventlog::Event));
          acc += static_cast<std::uint64_t>(out[m - 1].time);
        }
        return acc;
      },
      [](std::uint64_t a, std::uint64_t b) { return a + b; });
  double mem_s = std::chrono::duration<double>(Clock::now() - t0).count();

  // 3. writing them to HDF5 with the run's layout and filters
  const auto path = (std::filesystem::temp_directory_path() / "journeysim_roofline.h5").string();
  t0 = Clock::now();
  {
    eventlog::WriterOptions wo;
    wo.compression = comp;
    eventlog::EventLogWriter w(path, eventlog::Metadata{}, wo);
    for (std::uint64_t i = 0; i < n; i += 1 << 16)
      w.append_events(std::span(ev).subspan(i, std::min<std::uint64_t>(1 << 16, n - i)));
    w.commit();
  }
  double file_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::filesystem::remove(path);

  std::printf(
      "events=%llu blocks=%llu rng_s=%.4f memory_s=%.4f file_s=%.4f load_s=%.4f "
      "roofline_memory_eps=%.0f roofline_file_eps=%.0f roofline_load_eps=%.0f check=%u\n",
      static_cast<unsigned long long>(n), static_cast<unsigned long long>(blocks), rng_s, mem_s,
      file_s, load_s, n / (rng_s + mem_s), n / (rng_s + file_s), n / load_s,
      static_cast<unsigned>((sink ^ touched ^ load_check) & 1));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // a missing or corrupt log, a bad number or compression
    std::fprintf(stderr, "roofline: error: %s\n", e.what());
    return 1;
  }
}
