// Sweep tasks: KPIs computed in memory equal `score` on the task's written log; the Log built in
// memory equals the one loaded from the file; the journal survives a cut at any byte and refuses
// another sweep's records; the results file round-trips; part slices cover the task list.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "journeysim/kpi/score.hpp"
#include "journeysim/sim/driver.hpp"
#include "journeysim/sweep/execute.hpp"
#include "journeysim/sweep/journal.hpp"
#include "journeysim/sweep/results_file.hpp"
#include "journeysim/sweep/sweep_file.hpp"

namespace fs = std::filesystem;
using namespace journeysim;

namespace {

std::string source(const std::string& rel) {
  return std::string(JOURNEYSIM_SOURCE_DIR) + "/" + rel;
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("journeysim-sweep-test-" + std::to_string(getpid()) + "-" +
                                        std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// A small sweep over saas_b2b with every catalogue KPI (the default).
std::string small_sweep(const TempDir& dir, const std::string& extra = "") {
  const std::string path = dir.file("s.yaml");
  std::ofstream(path) << "format_version: 1\nname: t\nscenario: "
                      << source("scenarios/saas_b2b.yaml")
                      << "\nreplications: 2\ncustomers: 400\ndays: 90\n"
                      << "factors:\n  - {path: teams.sales.agents, levels: [1, 3]}\n"
                      << "  - {path: teams.sales.close_hour, range: [15, 22], count: 2}\n"
                      << "design: {type: full_factorial}\n"
                      << extra;
  return path;
}

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

}  // namespace

TEST(SweepTasks, InMemoryKpisEqualScoreOnTheWrittenLog) {
  TempDir dir;
  const sweep::SweepSpec spec = sweep::load_sweep(small_sweep(dir));
  ASSERT_EQ(spec.points(), 4u);
  ASSERT_EQ(spec.tasks(), 8u);
  int compared = 0;
  for (std::uint64_t task : {0ull, 3ull, 5ull, 6ull}) {
    const sweep::TaskRecord rec = sweep::run_task(spec, task);
    ASSERT_FALSE(rec.failed) << rec.error;
    // the same task written to a file and scored as `score` does
    sim::Scenario sc = sweep::point_scenario(spec, task / spec.replications);
    sim::DriverOptions d;
    d.run.threads = 1;
    d.run.replications = 1;
    d.run.first_replication = static_cast<std::uint16_t>(task % spec.replications);
    d.output = dir.file("task" + std::to_string(task) + ".h5");
    sim::run_to_file(sc, d);
    kpi::ScoreOptions so;
    so.kpis = spec.kpis;
    const kpi::ScoreReport rep = kpi::score(kpi::load_event_log(d.output), so);
    ASSERT_EQ(rep.scores.size(), spec.kpis.size());
    int available = 0;
    for (std::size_t k = 0; k < spec.kpis.size(); ++k) {
      const auto& s = rep.scores[k];
      ASSERT_EQ(s.id, spec.kpis[k]);
      const double file_value = s.values.empty() ? NAN : s.values[0];
      EXPECT_TRUE(same(rec.kpis[k], file_value))
          << "task " << task << " " << s.id << ": memory " << rec.kpis[k] << " file " << file_value;
      available += std::isfinite(file_value);
    }
    EXPECT_GT(available, 30) << "most KPIs are computable on saas_b2b";
    ++compared;
  }
  EXPECT_EQ(compared, 4);
}

TEST(SweepTasks, LogFromRowsEqualsTheLoadedLog) {
  TempDir dir;
  const sweep::SweepSpec spec = sweep::load_sweep(small_sweep(dir));
  sim::Scenario sc = sweep::point_scenario(spec, 1);
  sim::DriverOptions d;
  d.run.threads = 2;
  d.run.markets = 3;  // several units: the multi-unit output order
  d.output = dir.file("m.h5");
  sim::run_to_file(sc, d);
  const kpi::Log a = kpi::load_event_log(d.output);
  d.output.clear();
  const sim::MemoryRun run = sim::run_to_memory(sc, d);
  const kpi::Log b =
      kpi::log_from_rows(run.meta, "memory", run.customers, run.events, run.channels);
  ASSERT_EQ(a.customers.size(), b.customers.size());
  ASSERT_EQ(a.event_count(), b.event_count());
  EXPECT_GT(a.event_count(), 1000u);
  EXPECT_TRUE(std::equal(a.offsets.begin(), a.offsets.end(), b.offsets.begin()));
  EXPECT_TRUE(std::equal(a.time.begin(), a.time.end(), b.time.begin()));
  EXPECT_TRUE(std::equal(a.type.begin(), a.type.end(), b.type.begin()));
  EXPECT_TRUE(std::equal(a.arg.begin(), a.arg.end(), b.arg.begin()));
  EXPECT_EQ(0, std::memcmp(a.value.data(), b.value.data(), a.value.size() * sizeof(double)));
  EXPECT_EQ(a.type_counts, b.type_counts);
  EXPECT_EQ(a.channels.size(), b.channels.size());
  EXPECT_EQ(a.start, b.start);
  EXPECT_EQ(a.end, b.end);
  EXPECT_EQ(a.names, b.names);
  for (std::size_t i = 0; i < a.customers.size(); ++i) {
    ASSERT_EQ(a.customers[i].id, b.customers[i].id);
    ASSERT_EQ(a.customers[i].converted, b.customers[i].converted);
    ASSERT_EQ(a.customers[i].churned, b.customers[i].churned);
  }
}

TEST(SweepTasks, CommonRandomNumbersAcrossPoints) {
  // Points that differ only in the sales team share every customer's arrival: replication r of
  // every point uses the same streams, so the leads (arrivals) are identical.
  TempDir dir;
  const sweep::SweepSpec spec =
      sweep::load_sweep(small_sweep(dir, "kpis: [lead_rate, conversion_rate]\n"));
  const auto a = sweep::run_task(spec, 0 * 2 + 1), b = sweep::run_task(spec, 3 * 2 + 1);
  EXPECT_EQ(a.kpis[0], b.kpis[0]) << "lead_rate does not depend on the sales team";
  EXPECT_NE(a.kpis[1], b.kpis[1]) << "conversion does";
  const auto c = sweep::run_task(spec, 0 * 2 + 0);
  EXPECT_NE(a.kpis[1], c.kpis[1]) << "replications differ";
}

TEST(SweepTasks, AFailingTaskIsRecordedNotThrown) {
  TempDir dir;
  sweep::SweepSpec spec = sweep::load_sweep(small_sweep(dir));
  spec.design.points[2][0].number = -3;  // sales agents: the scenario refuses it
  const auto r = sweep::run_task(spec, 2 * 2);
  EXPECT_TRUE(r.failed);
  EXPECT_NE(r.error.find("teams.sales.agents"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("point 2"), std::string::npos) << r.error;
  for (double v : r.kpis) EXPECT_TRUE(std::isnan(v));
}

TEST(SweepTasks, PartsCoverTheTaskListOnce) {
  for (std::uint64_t tasks : {1ull, 7ull, 100ull, 1001ull})
    for (std::uint32_t n : {1u, 2u, 3u, 16u}) {
      std::uint64_t next = 0;
      for (std::uint32_t k = 1; k <= n; ++k) {
        auto [a, b] = sweep::part_tasks(tasks, k, n);
        EXPECT_EQ(a, next);
        EXPECT_LE(a, b);
        next = b;
      }
      EXPECT_EQ(next, tasks);
    }
  EXPECT_THROW(sweep::part_tasks(10, 0, 3), std::runtime_error);
  EXPECT_THROW(sweep::part_tasks(10, 4, 3), std::runtime_error);
}

TEST(SweepJournal, ACutAtAnyByteKeepsTheWholeRecordsBeforeIt) {
  TempDir dir;
  sweep::JournalHeader h;
  h.fingerprint = 42;
  h.tasks = 10;
  h.kpis = 3;
  h.build = "test build";
  h.sweep = "t";
  const std::string path = dir.file("j.jnl");
  {
    sweep::JournalWriter w(path, h);
    for (std::uint64_t t = 0; t < 5; ++t) {
      sweep::TaskRecord r;
      r.task = t * 2;
      r.events = 100 + t;
      r.seconds = 0.5;
      r.kpis = {1.0 * t, NAN, -2.5};
      r.failed = t == 3;
      if (r.failed) r.error = "boom";
      w.append(r);
    }
  }
  std::vector<std::uint64_t> seen;
  auto scan = sweep::read_journal(path, h, [&](const sweep::TaskRecord& r) {
    seen.push_back(r.task);
    if (r.task == 6) {
      EXPECT_TRUE(r.failed);
      EXPECT_EQ(r.error, "boom");
    }
    EXPECT_EQ(r.kpis[2], -2.5);
    EXPECT_TRUE(std::isnan(r.kpis[1]));
  });
  EXPECT_EQ(scan.records, 5u);
  EXPECT_FALSE(scan.damaged_tail);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{0, 2, 4, 6, 8}));
  // cut the file at every byte: the records before the cut are read, the torn one is not
  const auto full = fs::file_size(path);
  std::string bytes(full, '\0');
  std::ifstream(path, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(full));
  std::uint64_t last = 0;
  for (std::size_t cut = 0; cut <= full; ++cut) {
    const std::string p = dir.file("cut.jnl");
    std::ofstream(p, std::ios::binary | std::ios::trunc)
        .write(bytes.data(), static_cast<std::streamsize>(cut));
    std::uint64_t n = 0;
    auto s = sweep::read_journal(p, h, [&](const sweep::TaskRecord&) { ++n; });
    EXPECT_GE(n, last) << "cut at " << cut;
    last = n;
    if (cut < full) {
      EXPECT_TRUE(s.damaged_tail || n < 5) << "cut at " << cut;
    }
  }
  EXPECT_EQ(last, 5u);
  // a flipped byte inside a record stops the scan there (checksum)
  std::string flipped = bytes;
  flipped[full - 20] ^= 0x40;
  std::ofstream(dir.file("flip.jnl"), std::ios::binary)
      .write(flipped.data(), static_cast<std::streamsize>(full));
  std::uint64_t n = 0;
  auto s = sweep::read_journal(dir.file("flip.jnl"), h, [&](const sweep::TaskRecord&) { ++n; });
  EXPECT_EQ(n, 4u);
  EXPECT_TRUE(s.damaged_tail);
}

TEST(SweepJournal, AnotherSweepsOrBuildsJournalIsRefused) {
  TempDir dir;
  sweep::JournalHeader h;
  h.fingerprint = 42;
  h.tasks = 10;
  h.kpis = 3;
  h.build = "0.1.0 aaa";
  h.sweep = "first (a.yaml)";
  const std::string path = dir.file("j.jnl");
  { sweep::JournalWriter w(path, h); }
  auto noop = [](const sweep::TaskRecord&) {};
  sweep::JournalHeader other = h;
  other.fingerprint = 43;
  other.sweep = "second (b.yaml)";
  try {
    sweep::read_journal(path, other, noop);
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("belongs to a different sweep (first (a.yaml)"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("--restart"), std::string::npos) << e.what();
  }
  other = h;
  other.build = "0.1.0 bbb";
  try {
    sweep::read_journal(path, other, noop);
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("written by journeysim 0.1.0 aaa"), std::string::npos)
        << e.what();
  }
  // not a journal at all
  std::ofstream(dir.file("x.jnl")) << "hello";
  EXPECT_THROW(sweep::read_journal(dir.file("x.jnl"), h, noop), std::runtime_error);
}

TEST(SweepResults, WrittenFromJournalsInAnyOrderAndReadBack) {
  TempDir dir;
  const sweep::SweepSpec spec =
      sweep::load_sweep(small_sweep(dir, "kpis: [conversion_rate, trial_to_paid_rate, mrr]\n"));
  const auto header = sweep::journal_header(spec);
  // two journals, tasks in scrambled order, one task twice (the first record counts)
  std::vector<sweep::TaskRecord> recs;
  for (std::uint64_t t = 0; t < spec.tasks(); ++t) {
    sweep::TaskRecord r;
    r.task = t;
    r.events = t * 10;
    r.seconds = 0.1 * t;
    r.kpis = {0.01 * t, NAN, 100.0 + t};
    r.failed = t == 5;
    if (r.failed) r.error = "task five failed";
    recs.push_back(r);
  }
  {
    sweep::JournalWriter a(dir.file("a.jnl"), header), b(dir.file("b.jnl"), header);
    for (std::uint64_t t : {7u, 0u, 3u, 5u}) a.append(recs[t]);
    for (std::uint64_t t : {6u, 1u, 2u, 4u}) b.append(recs[t]);
    auto dup = recs[3];
    dup.kpis[0] = 999;
    b.append(dup);
  }
  sweep::RunInfo info;
  info.command_line = "test";
  const auto sum =
      sweep::write_results(spec, {dir.file("a.jnl"), dir.file("b.jnl")}, dir.file("r.h5"), info);
  EXPECT_EQ(sum.tasks, 8u);
  EXPECT_EQ(sum.failed, 1u);
  EXPECT_TRUE(sum.dropped_kpis.empty()) << "KPIs asked for are kept even when all NaN";
  const sweep::SweepResults r = sweep::read_results(dir.file("r.h5"));
  EXPECT_EQ(r.points(), 4u);
  EXPECT_EQ(r.replications, 2u);
  ASSERT_EQ(r.kpis, (std::vector<std::string>{"conversion_rate", "trial_to_paid_rate", "mrr"}));
  for (std::uint64_t t = 0; t < 8; ++t) {
    EXPECT_EQ(r.values[0][t], 0.01 * t);
    EXPECT_TRUE(std::isnan(r.values[1][t]));
    EXPECT_EQ(r.values[2][t], 100.0 + t);
    EXPECT_EQ(r.events[t], t * 10);
    EXPECT_EQ(r.status[t], t == 5 ? 1 : 0);
  }
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].first, 5u);
  EXPECT_EQ(r.errors[0].second, "task five failed");
  EXPECT_EQ(r.factors.size(), 2u);
  EXPECT_EQ(r.design.level, spec.design.level);
  EXPECT_EQ(r.design.points[3][1].number, 22);
  EXPECT_EQ(r.factors[1].range_levels, 2);
  // a missing task: no results file, and the message says which
  try {
    sweep::write_results(spec, {dir.file("a.jnl")}, dir.file("r2.h5"), info);
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("4 of 8 tasks have no result"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(dir.file("r2.h5")));
  for (const auto& e : fs::directory_iterator(dir.path))
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
  EXPECT_FALSE(sweep::is_sweep_results(dir.file("a.jnl")));
  EXPECT_TRUE(sweep::is_sweep_results(dir.file("r.h5")));
}
