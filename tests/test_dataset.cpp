// The dataset library's pieces: the scale plan, the gzip members, the CSV reader, SHA-256, and
// the simulator's snapshot (CustomerTruth) against closed forms and the customers table.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numeric>

#include "../dataset/src/csv_read.hpp"
#include "../dataset/src/gzip_file.hpp"
#include "../dataset/src/sha256.hpp"
#include "journeysim/dataset/scale.hpp"
#include "journeysim/dataset/tasks.hpp"
#include "sim_test_util.hpp"

namespace ds = journeysim::dataset;
namespace sim = journeysim::sim;
namespace fs = std::filesystem;
using journeysim::test::source_path;

namespace {

struct TempDir {
  fs::path p =
      fs::temp_directory_path() / ("journeysim_test_dataset_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(p); }
  ~TempDir() { fs::remove_all(p); }
};

struct TruthSink : journeysim::test::VectorSink {
  std::vector<sim::CustomerTruth> latent;
  void truth(std::span<const sim::CustomerTruth> t) override {
    latent.insert(latent.end(), t.begin(), t.end());
  }
};

TruthSink run_with_snapshot(const sim::Scenario& s, double day, int threads = 2,
                            std::uint32_t markets = 1) {
  TruthSink sink;
  sim::RunOptions o;
  o.threads = threads;
  o.markets = markets;
  o.snapshot_day = day;
  sim::simulate(s, o, sink);
  return sink;
}

}  // namespace

TEST(ScalePlan, ScaleFactorOneIsOneHundredThousandCustomersInMarketsOfTheScenarioSize) {
  // 100,000 / 60,000 = 1.67 -> 2 markets of 50,000
  auto p = ds::plan_scale(60000, 365, 0.25, 1, 0, 90);
  EXPECT_EQ(p.markets, 2u);
  EXPECT_DOUBLE_EQ(p.customers_per_market, 50000);
  EXPECT_EQ(p.partitions, 2u);
  EXPECT_DOUBLE_EQ(p.cut_day, 275);
  EXPECT_DOUBLE_EQ(p.holdout_days, 90);
  // SF 10: 1,000,000 / 60,000 = 16.7 -> 17 markets
  p = ds::plan_scale(60000, 365, 0.25, 10, 4, 90);
  EXPECT_EQ(p.markets, 17u);
  EXPECT_NEAR(p.customers_per_market * 17, 1e6, 1e-6);
  EXPECT_EQ(p.partitions, 4u);
  // SF 0.01: one market of 1,000
  p = ds::plan_scale(60000, 365, 0.25, 0.01, 0, 90);
  EXPECT_EQ(p.markets, 1u);
  EXPECT_DOUBLE_EQ(p.customers_per_market, 1000);
  // SF 1000 plans without simulating: 1,250 markets of 80,000
  p = ds::plan_scale(80000, 365, 0.25, 1000, 0, 90);
  EXPECT_EQ(p.markets, 1250u);
  EXPECT_DOUBLE_EQ(p.customers_per_market, 80000);
  // weekly epochs: the cut is the last epoch boundary at or before 365 - 90 = 275 -> 273
  p = ds::plan_scale(60000, 365, 7, 1, 0, 90);
  EXPECT_DOUBLE_EQ(p.cut_day, 273);
  EXPECT_DOUBLE_EQ(p.holdout_days, 92);
}

TEST(ScalePlan, PartitionsHoldWholeMarketsInOrder) {
  auto p = ds::plan_scale(5000, 365, 0.25, 0.3, 4, 90);  // 6 markets
  ASSERT_EQ(p.markets, 6u);
  std::uint32_t next = 0;
  for (std::uint32_t k = 1; k <= 4; ++k) {
    auto [a, b] = ds::partition_markets(p, k);
    EXPECT_EQ(a, next);
    EXPECT_GT(b, a);
    next = b;
  }
  EXPECT_EQ(next, 6u);
  EXPECT_EQ(ds::partition_name(3, 16), "part-00003-of-00016");
}

TEST(ScalePlan, RejectsWhatCannotBeMade) {
  EXPECT_THROW(ds::plan_scale(5000, 365, 0.25, 0, 0, 90), std::invalid_argument);
  EXPECT_THROW(ds::plan_scale(5000, 365, 0.25, 1e9, 0, 90), std::invalid_argument);
  EXPECT_THROW(ds::plan_scale(5000, 365, 0.25, std::nan(""), 0, 90), std::invalid_argument);
  EXPECT_THROW(ds::plan_scale(5000, 365, 0.25, 0.3, 7, 90), std::invalid_argument);  // 6 markets
  EXPECT_THROW(ds::plan_scale(5000, 365, 0.25, 1, 0, 30), std::invalid_argument);    // < 90
  EXPECT_THROW(ds::plan_scale(5000, 120, 0.25, 1, 0, 120), std::invalid_argument);   // >= horizon
  try {
    ds::plan_scale(5000, 365, 0.25, 0.3, 7, 90);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--partitions: expected 1..6"), std::string::npos)
        << e.what();
  }
}

TEST(Gzip, MembersRoundTripAndAnEmptyFileIsAGzipStream) {
  TempDir t;
  const std::string path = (t.p / "x.csv.gz").string();
  std::string all = "a,b\n";
  {
    ds::GzipWriter w(path, 6, 100);  // members of about 100 bytes: many of them
    w.text() += "a,b\n";
    for (int i = 0; i < 5000; ++i) {
      std::string row = std::to_string(i) + "," + std::to_string(i * 7 % 13) + "\n";
      w.text() += row;
      all += row;
      w.row_done();
    }
    w.commit();
    EXPECT_EQ(w.rows(), 5000u);
    EXPECT_EQ(w.sha256(), ds::sha256_file(path).sha256);
    EXPECT_EQ(w.bytes(), fs::file_size(path));
  }
  EXPECT_EQ(ds::read_gzip(path), all);
  EXPECT_EQ(ds::read_text_file(path), all);
  const std::string empty = (t.p / "e.csv.gz").string();
  {
    ds::GzipWriter w(empty);
    w.commit();
  }
  EXPECT_EQ(ds::read_gzip(empty), "");
  // a writer never committed leaves nothing
  {
    ds::GzipWriter w((t.p / "never.csv.gz").string());
    w.text() += "x\n";
    w.row_done();
  }
  for (const auto& e : fs::directory_iterator(t.p))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  EXPECT_FALSE(fs::exists(t.p / "never.csv.gz"));
  // a truncated file is an error naming it
  fs::resize_file(path, fs::file_size(path) - 7);
  try {
    ds::read_gzip(path);
    FAIL() << "a truncated gzip file was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(Sha256, KnownVectors) {
  // FIPS 180-2 examples
  ds::Sha256 a;
  a.update("abc", 3);
  EXPECT_EQ(a.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ds::Sha256 e;
  EXPECT_EQ(e.hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CsvText, QuotesCrlfAndLineNumbers) {
  ds::CsvText c("a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\n\"two\nlines\",3\nlast,4", "f.csv");
  std::vector<std::string> f;
  ASSERT_TRUE(c.next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(c.next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"x,1", "say \"hi\""}));
  EXPECT_EQ(c.where(), "f.csv:2");
  ASSERT_TRUE(c.next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"two\nlines", "3"}));
  ASSERT_TRUE(c.next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"last", "4"}));
  EXPECT_EQ(c.where(), "f.csv:5");
  EXPECT_FALSE(c.next(f));
  ds::CsvText bad("\"open,1\n", "g.csv");
  EXPECT_THROW(bad.next(f), std::runtime_error);
}

TEST(Tasks, ByModel) {
  sim::Scenario s;
  s.model = sim::Scenario::Model::non_contractual;
  auto t = ds::tasks_for(s);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].name, "purchases_holdout");
  EXPECT_EQ(t[1].kind, ds::TaskKind::amount);
  s.model = sim::Scenario::Model::subscription;
  s.upgrade_monthly = 0;
  EXPECT_EQ(ds::tasks_for(s).size(), 1u);
  s.upgrade_monthly = 0.01;
  EXPECT_EQ(ds::tasks_for(s).back().name, "upgrade_90d");
}

// The snapshot taken at the horizon is the state the customers table reports: stage, MRR and
// whether the customer churned, customer by customer, for each shipped subscription kind.
TEST(Snapshot, AtTheHorizonAgreesWithTheCustomersTable) {
  for (const char* file : {"scenarios/saas_b2b.yaml", "scenarios/plg_freemium.yaml",
                           "scenarios/mobile_subscription_winback.yaml"}) {
    sim::Scenario s = sim::load_scenario(source_path(file), {"customers=1500", "horizon_days=200"});
    TruthSink r = run_with_snapshot(s, s.horizon_days);
    ASSERT_EQ(r.latent.size(), r.cu.size()) << file;
    std::size_t paying = 0;
    for (std::size_t i = 0; i < r.cu.size(); ++i) {
      const auto& c = r.cu[i];
      const auto& t = r.latent[i];
      ASSERT_EQ(c.id, t.id);
      const bool churned = t.phase == sim::CustomerPhase::churned;
      EXPECT_EQ(c.final_stage, churned ? -1 : t.stage) << file << " customer " << i;
      EXPECT_EQ(c.final_mrr, t.phase == sim::CustomerPhase::paying ? t.mrr : 0.0) << file;
      EXPECT_EQ(t.alive, t.phase == sim::CustomerPhase::paying);
      EXPECT_EQ(c.segment, t.segment);
      paying += t.alive;
      if (!t.alive) {
        EXPECT_EQ(t.churn_hazard_month, 0.0);
      }
    }
    EXPECT_GT(paying, 20u) << file;
  }
}

// Taking a snapshot changes nothing in the output (it only reads the customers).
TEST(Snapshot, LeavesTheRunUnchanged) {
  sim::Scenario s = sim::load_scenario(source_path("scenarios/saas_b2b.yaml"), {"customers=1500"});
  auto a = journeysim::test::run_in_memory(s);
  TruthSink b = run_with_snapshot(s, 100);
  ASSERT_EQ(a.ev.size(), b.ev.size());
  for (std::size_t i = 0; i < a.ev.size(); ++i)
    ASSERT_TRUE(journeysim::test::same_event(a.ev[i], b.ev[i])) << i;
  ASSERT_EQ(a.cu.size(), b.cu.size());
  EXPECT_FALSE(b.latent.empty());
  for (const auto& t : b.latent) EXPECT_EQ(t.snapshot_day, 100);
}

// Non-contractual truth: the drawn BG/NBD and Gamma-Gamma parameters have their population
// means (lambda ~ Gamma(r, alpha): r / alpha; p ~ Beta(a, b): a / (a + b)), within 4 standard
// errors, and a customer who dropped out made no purchase after the snapshot.
TEST(Snapshot, NonContractualTruthHasTheModelsMoments) {
  sim::Scenario s =
      sim::load_scenario(source_path("scenarios/ecommerce_d2c.yaml"), {"customers=20000"});
  const double cut = 200;
  TruthSink r = run_with_snapshot(s, cut, 2, 2);
  std::vector<double> lam, p;
  for (const auto& t : r.latent) {
    if (t.created_day > cut) continue;
    lam.push_back(t.purchase_rate_day);
    p.push_back(t.dropout_p);
  }
  ASSERT_GT(lam.size(), 15000u);
  auto mean = [](const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  };
  const double n = static_cast<double>(lam.size());
  const double lam_mean = s.bg_r / s.bg_alpha, lam_sd = std::sqrt(s.bg_r) / s.bg_alpha;
  EXPECT_NEAR(mean(lam), lam_mean, 4 * lam_sd / std::sqrt(n));
  const double a = s.bg_a, b = s.bg_b;
  const double p_mean = a / (a + b), p_sd = std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
  EXPECT_NEAR(mean(p), p_mean, 4 * p_sd / std::sqrt(n));
  // dropped out at the cut: no purchase after it
  const std::int64_t cut_ts = s.start_time + static_cast<std::int64_t>(cut * 86400);
  std::vector<std::uint8_t> dead(r.cu.size() * 2, 0);  // index * 2 + market
  std::size_t n_dead = 0;
  for (const auto& t : r.latent)
    if (t.created_day <= cut && !t.alive) {
      dead[(t.id & ((std::uint64_t{1} << 40) - 1)) * 2 + t.market] = 1;
      ++n_dead;
    }
  EXPECT_GT(n_dead, 1000u);
  for (const auto& e : r.ev)
    if (e.type == journeysim::eventlog::EventType::purchase && e.time > cut_ts + 1) {
      EXPECT_FALSE(dead[(e.customer & ((std::uint64_t{1} << 40) - 1)) * 2 + e.market])
          << "a dropped-out customer purchased after the snapshot";
    }
}

// With one segment, no stages, no flags' multipliers and no playbooks, every paying customer's
// churn hazard in force is the scenario's monthly hazard x the segment's multiplier.
TEST(Snapshot, ChurnHazardIsTheScenariosWhereNothingModifiesIt) {
  sim::Scenario s = journeysim::test::scenario_from_yaml(
      "format_version: 1\nname: constant_hazard\nstart_date: 2026-01-05\nhorizon_days: 200\n"
      "customers: 3000\nseed: 5\n"
      "channels:\n  - {name: web, share: 1, ctr: 0.02, lead_rate: 0.05}\n"
      "plans:\n  - {name: pro, price_month: 50}\n"
      "stages:\n  - {name: live}\n"
      "segments:\n  - {name: all, share: 1, churn_x: 1.5}\n"
      "acquisition: {mode: self_serve, plan: pro}\n"
      "churn: {monthly_hazard: 0.04, activated_x: 1, detractor_x: 1, promoter_x: 1}\n");
  TruthSink r = run_with_snapshot(s, 120);
  std::size_t paying = 0;
  for (const auto& t : r.latent) {
    if (!t.alive) continue;
    ++paying;
    EXPECT_NEAR(t.churn_hazard_month, 0.04 * 1.5, 1e-12);
  }
  EXPECT_GT(paying, 500u);
}
