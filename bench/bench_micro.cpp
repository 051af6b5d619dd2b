// Microbenchmarks of the hot paths: random streams, the engine, event output, KPI kernels.
// Run: build/bin/bench_micro [--benchmark_filter=REGEX]
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "checksum.hpp"  // eventlog/src
#include "journeysim/eventlog/writer.hpp"
#include "journeysim/kpi/log.hpp"
#include "journeysim/kpi/score.hpp"
#include "journeysim/kpi/survival.hpp"
#include "journeysim/sim/engine.hpp"
#include "journeysim/sim/rng.hpp"
#include "journeysim/sim/scenario.hpp"
#include "sampling.hpp"

using namespace journeysim;

namespace {

void BM_PhiloxWords(benchmark::State& st) {
  sim::Stream s(1, 2, sim::Purpose::login);
  std::uint32_t acc = 0;
  for (auto _ : st) acc ^= s();
  benchmark::DoNotOptimize(acc);
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_PhiloxWords);

// A fresh stream per draw, as the engine does per event (the real pattern).
void BM_StreamPerEventExponential(benchmark::State& st) {
  double acc = 0;
  std::uint32_t block = 0;
  for (auto _ : st) {
    sim::Stream s(1, 2, sim::Purpose::login, block);
    acc += s.exponential(1.0);
    block = s.block();
  }
  benchmark::DoNotOptimize(acc);
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_StreamPerEventExponential);

void BM_SampleLogNormal(benchmark::State& st) {
  sim::Stream s(1, 2, sim::Purpose::tasks);
  sim::Distribution d;
  d.kind = sim::Distribution::Kind::LogNormal;
  d.a = 0.5;
  d.b = 0.8;
  double acc = 0;
  for (auto _ : st) acc += sim::sample(d, s);
  benchmark::DoNotOptimize(acc);
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_SampleLogNormal);

// The engine without output: events per second on saas_b2b (items = events).
void BM_SimulateSaas(benchmark::State& st) {
  auto s = sim::load_scenario(std::string(JOURNEYSIM_SOURCE_DIR) + "/scenarios/saas_b2b.yaml",
                              {"customers=" + std::to_string(st.range(0))});
  sim::RunOptions o;
  o.threads = 1;
  std::uint64_t events = 0;
  for (auto _ : st) {
    sim::EventSink discard;
    events += sim::simulate(s, o, discard).events;
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(events));
}
BENCHMARK(BM_SimulateSaas)->Arg(2000)->Arg(20000)->Unit(benchmark::kMillisecond);

std::vector<eventlog::Event> synthetic_events(std::size_t n) {
  std::vector<eventlog::Event> v(n);
  std::mt19937_64 rng(1);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = {
        1767225600 + static_cast<std::int64_t>(i * 7), i / 25, static_cast<std::int32_t>(rng() % 4),
        static_cast<double>(rng() % 1000) / 10,        0,      0,
        static_cast<eventlog::EventType>(rng() % 20)};
  return v;
}

// Appending events to the writer and writing chunks (0 = raw, 4 = shuffle+deflate 4,
// -1 = shuffle+LZ4).
void BM_WriteEvents(benchmark::State& st) {
  auto ev = synthetic_events(1 << 20);
  const auto path = (std::filesystem::temp_directory_path() / "journeysim_bench.h5").string();
  for (auto _ : st) {
    eventlog::WriterOptions wo;
    wo.compression = st.range(0) < 0 ? eventlog::parse_compression("lz4")
                                     : eventlog::parse_compression(std::to_string(st.range(0)));
    eventlog::EventLogWriter w(path, eventlog::Metadata{}, wo);
    for (std::size_t i = 0; i < ev.size(); i += 4096)
      w.append_events(std::span(ev).subspan(i, std::min<std::size_t>(4096, ev.size() - i)));
    w.commit();
  }
  std::filesystem::remove(path);
  st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(ev.size()));
  st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(ev.size() * 35));
}
BENCHMARK(BM_WriteEvents)->Arg(0)->Arg(4)->Arg(-1)->Unit(benchmark::kMillisecond);

// The chunk checksum of event-log format 2 (HDF5's Fletcher32) over 1 MiB: the bare cost per
// stored byte, written once per chunk and checked once per read.
void BM_Fletcher32(benchmark::State& st) {
  std::vector<unsigned char> bytes(1 << 20);
  std::mt19937 rng(5);
  for (auto& b : bytes) b = static_cast<unsigned char>(rng());
  for (auto _ : st)
    benchmark::DoNotOptimize(eventlog::checksum::fletcher32(bytes.data(), bytes.size()));
  st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_Fletcher32);

void BM_KaplanMeier(benchmark::State& st) {
  std::mt19937_64 rng(3);
  std::exponential_distribution<double> ex(1 / 60.0);
  std::vector<double> t(static_cast<std::size_t>(st.range(0)));
  std::vector<std::uint8_t> e(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    double life = ex(rng), cens = 365 * std::uniform_real_distribution<>(0, 1)(rng);
    t[i] = std::min(life, cens);
    e[i] = life <= cens;
  }
  kpi::KmOptions o;
  o.rmst_tau = 365;
  for (auto _ : st) benchmark::DoNotOptimize(kpi::kaplan_meier(t, e, o));
  st.SetItemsProcessed(st.iterations() * st.range(0));
}
BENCHMARK(BM_KaplanMeier)->Arg(100000)->Unit(benchmark::kMillisecond);

// KPI kernels on a simulated log (items = events of the log per KPI evaluation).
void BM_ScoreKpi(benchmark::State& st, const char* id) {
  static kpi::Log log = [] {
    auto s = sim::load_scenario(std::string(JOURNEYSIM_SOURCE_DIR) + "/scenarios/saas_b2b.yaml",
                                {"customers=20000"});
    struct Sink : sim::EventSink {
      kpi::LogBuilder b;
      explicit Sink(const sim::Scenario& s)
          : b(s.start_time, s.start_time + static_cast<std::int64_t>(s.horizon_days * 86400)) {}
      void events(std::span<const eventlog::Event> ev) override {
        for (const auto& e : ev)
          b.event(std::to_string(e.customer), e.time, e.type, e.arg, e.value);
      }
    } sink(s);
    sim::RunOptions o;
    sim::simulate(s, o, sink);
    return sink.b.build();
  }();
  kpi::ScoreOptions o;
  o.kpis = {id};
  for (auto _ : st) benchmark::DoNotOptimize(kpi::score(log, o));
  st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(log.event_count()));
}
BENCHMARK_CAPTURE(BM_ScoreKpi, nps, "nps")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ScoreKpi, cohort_retention, "cohort_retention")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ScoreKpi, monthly_churn_rate, "monthly_churn_rate")
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
