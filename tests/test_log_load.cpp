// kpi::load_event_log: events grouped by customer in time order (file order for ties), whatever
// the layout of /customers (the simulator's dense ids or any others), the same arrays at any
// thread count, and clear errors for events of unknown customers or of unknown types.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "journeysim/eventlog/writer.hpp"
#include "journeysim/kpi/log.hpp"

using namespace journeysim;
namespace fs = std::filesystem;
using eventlog::EventType;

namespace {

struct Fixture {
  std::vector<eventlog::CustomerRow> customers;
  std::vector<eventlog::Event> events;
};

// `reps` x `markets` x `per` customers; ids are the simulator's (market << 40 | k) when dense,
// else scattered numbers; rows in id order when dense, shuffled otherwise. Events: random
// times with many ties, shuffled across customers, markets and replications.
Fixture make(bool dense, int reps = 2, int markets = 3, int per = 40, int events = 6000) {
  Fixture f;
  std::mt19937_64 rng(dense ? 7 : 11);
  for (int r = 0; r < reps; ++r)
    for (int m = 0; m < markets; ++m)
      for (int k = 0; k < per; ++k) {
        eventlog::CustomerRow c{};
        c.id = dense ? eventlog::make_customer_id(m, k) : 1000003ull * (k + 1) + 7919ull * m;
        c.market = m;
        c.replication = static_cast<std::uint16_t>(r);
        c.segment = c.channel = c.first_plan = c.final_stage = -1;
        c.referrer = c.converted_time = c.churn_time = -1;
        c.created_time = 0;
        c.end_time = 1000;
        f.customers.push_back(c);
      }
  if (!dense) std::shuffle(f.customers.begin(), f.customers.end(), rng);
  for (int i = 0; i < events; ++i) {
    const auto& c = f.customers[rng() % f.customers.size()];
    eventlog::Event e{};
    e.time = static_cast<std::int64_t>(rng() % 50);  // ties within a customer
    e.customer = c.id;
    e.market = c.market;
    e.replication = c.replication;
    e.arg = i;  // file order, to check stability
    e.value = 0.5 * i;
    e.type = static_cast<EventType>(rng() % eventlog::kEventTypeCount);
    f.events.push_back(e);
  }
  return f;
}

std::string write(const Fixture& f, const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("journeysim_test_load_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string path = (dir / name).string();
  eventlog::Metadata m;
  m.scenario_name = "load";
  m.start_time = 0;
  m.horizon_days = 1;
  m.replications = 2;
  eventlog::EventLogWriter w(path, m);
  w.append_customers(f.customers);
  w.append_events(f.events);
  w.commit();
  return path;
}

// The loaded log against a direct computation: each customer's events, stably sorted by time.
void expect_grouped(const Fixture& f, const kpi::Log& log) {
  ASSERT_EQ(log.customers.size(), f.customers.size());
  ASSERT_EQ(log.event_count(), f.events.size());
  std::array<std::uint64_t, eventlog::kEventTypeCount> types{};
  for (const auto& e : f.events) ++types[static_cast<std::size_t>(e.type)];
  EXPECT_EQ(log.type_counts, types);
  for (std::size_t c = 0; c < f.customers.size(); ++c) {
    const auto& row = f.customers[c];
    ASSERT_EQ(log.customers[c].id, row.id);
    std::vector<eventlog::Event> mine;
    for (const auto& e : f.events)
      if (e.customer == row.id && e.replication == row.replication) mine.push_back(e);
    std::stable_sort(mine.begin(), mine.end(),
                     [](const auto& a, const auto& b) { return a.time < b.time; });
    ASSERT_EQ(log.offsets[c + 1] - log.offsets[c], mine.size()) << "customer " << c;
    for (std::size_t k = 0; k < mine.size(); ++k) {
      const std::uint64_t i = log.offsets[c] + k;
      EXPECT_EQ(log.time[i], mine[k].time);
      EXPECT_EQ(log.arg[i], mine[k].arg);
      EXPECT_EQ(log.value[i], mine[k].value);
      EXPECT_EQ(log.type[i], static_cast<std::uint8_t>(mine[k].type));
    }
  }
}

}  // namespace

TEST(LogLoad, SimulatorIdsGroupedByCustomerInTimeOrder) {
  Fixture f = make(true);
  expect_grouped(f, kpi::load_event_log(write(f, "dense.h5")));
}

TEST(LogLoad, OtherIdLayoutsGroupedTheSame) {
  Fixture f = make(false);
  expect_grouped(f, kpi::load_event_log(write(f, "scattered.h5")));
}

TEST(LogLoad, SameArraysAtOneAndSeveralThreads) {
  Fixture f = make(true, 2, 4, 200, 50000);
  std::string path = write(f, "threads.h5");
  kpi::Log one, four;
  tbb::task_arena(1).execute([&] { one = kpi::load_event_log(path); });
  tbb::task_arena(4).execute([&] { four = kpi::load_event_log(path); });
  EXPECT_EQ(one.offsets, four.offsets);
  EXPECT_EQ(one.time, four.time);
  EXPECT_EQ(one.type, four.type);
  EXPECT_EQ(one.arg, four.arg);
  EXPECT_EQ(one.value, four.value);
  expect_grouped(f, four);
}

TEST(LogLoad, EventOfAnUnknownCustomerIsAnErrorNamingFileRowAndId) {
  for (bool dense : {true, false}) {
    Fixture f = make(dense);
    f.events[1234].customer = eventlog::make_customer_id(9, 3);  // market 9 does not exist
    f.events[1234].replication = 0;
    std::string path = write(f, dense ? "unknown_dense.h5" : "unknown_scattered.h5");
    try {
      kpi::load_event_log(path);
      ADD_FAILURE() << "no error";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path + ": event row 1234 names customer " +
                                           std::to_string(f.events[1234].customer) +
                                           " absent from /customers"),
                std::string::npos)
          << e.what();
    }
  }
  // the right id in the wrong replication is unknown too
  Fixture f = make(true, 1);
  f.events[10].replication = 1;
  std::string path = write(f, "unknown_rep.h5");
  EXPECT_THROW(kpi::load_event_log(path), std::runtime_error);
}

// A value that is not a finite number (a corrupt or hand-built file) is an error naming the file
// and row: RFM quintiles used to loop forever on NaN (#15), other KPIs to print NaN.
TEST(LogLoad, NonFiniteValueIsAnErrorNamingFileAndRow) {
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity()}) {
    Fixture f = make(true);
    f.events[321].value = bad;
    std::string path = write(f, "nonfinite.h5");
    try {
      kpi::load_event_log(path);
      ADD_FAILURE() << "no error for " << bad;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path + ": /events/value is not a finite number"),
                std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("in event row 321"), std::string::npos) << e.what();
    }
  }
}
