// CSV import (kpi/import.hpp): mapping files, inline tables with hand-worked expectations,
// malformed rows, and the three real data sets in /work/shared/data scored end to end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "journeysim/kpi/clv.hpp"
#include "journeysim/kpi/import.hpp"
#include "journeysim/kpi/score.hpp"

namespace fs = std::filesystem;
using namespace journeysim::kpi;
using journeysim::eventlog::EventType;

namespace {

const std::string kData = JOURNEYSIM_SHARED_DATA;
const std::string kSource = JOURNEYSIM_SOURCE_DIR;

// A fresh directory per test case for inline tables and mappings.
class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("journeysim_import_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  fs::path dir_;
};

std::int64_t ts(const std::string& iso) {
  auto t = parse_time(iso, "iso");
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(0);
}

// The events of customer c as (time, type, arg, value).
struct Ev {
  std::int64_t t;
  EventType type;
  std::int32_t arg;
  double value;
};
std::vector<Ev> events_of(const Log& log, std::uint32_t c) {
  std::vector<Ev> out;
  for (std::uint64_t i = log.offsets[c]; i < log.offsets[c + 1]; ++i)
    out.push_back({log.time[i], static_cast<EventType>(log.type[i]), log.arg[i], log.value[i]});
  return out;
}
std::uint32_t find_customer(const Log& log, const std::string& label) {
  for (std::uint32_t c = 0; c < log.customers.size(); ++c)
    if (log.customers[c].label == label) return c;
  ADD_FAILURE() << "no customer " << label;
  return 0;
}

// Throws, and the message contains every fragment.
template <class F>
void expect_error(F f, std::vector<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "expected an error containing '" << fragments.front() << "'";
  } catch (const std::runtime_error& e) {
    std::string m = e.what();
    for (const auto& frag : fragments)
      EXPECT_NE(m.find(frag), std::string::npos) << "message: " << m << "\nmissing: " << frag;
  }
}

const KpiScore& kpi_of(const ScoreReport& r, const std::string& id) {
  for (const auto& s : r.scores)
    if (s.id == id && s.group == "all") return s;
  throw std::runtime_error("no score for " + id);
}
double extra(const Result& r, const std::string& name) {
  for (const auto& [k, v] : r.extra)
    if (k == name) return v;
  ADD_FAILURE() << "no extra " << name;
  return NAN;
}

// Every KPI in `available` is available; every other KPI is not, except those in
// `computed_anyway` (available, but not meaningful for the data: see docs/csv-import.md).
void expect_availability(const ScoreReport& r, const std::set<std::string>& available,
                         const std::set<std::string>& computed_anyway) {
  for (const auto& s : r.scores) {
    if (s.group != "all") continue;
    if (available.count(s.id)) {
      EXPECT_TRUE(s.result.available) << s.id << ": " << s.result.reason;
      EXPECT_TRUE(std::isfinite(s.result.value)) << s.id;
    } else if (!computed_anyway.count(s.id)) {
      EXPECT_FALSE(s.result.available)
          << s.id << " should be 'not available' (value " << s.result.value << ")";
      if (!s.result.available) {
        EXPECT_FALSE(s.result.reason.empty()) << s.id;
      }
    }
  }
  for (const auto& id : available) EXPECT_NO_THROW(kpi_of(r, id)) << id;
}

}  // namespace

// ---------------------------------------------------------------- time formats

TEST(ImportTime, Formats) {
  EXPECT_EQ(parse_time("1970-01-01", "iso"), 0);
  EXPECT_EQ(parse_time("1970-01-02 00:00:01", "iso"), 86401);
  EXPECT_EQ(parse_time("2010-12-01 08:26:00", "iso"), 1291191960);
  EXPECT_EQ(parse_time("2010-12-01 08:26", "iso"), 1291191960);
  EXPECT_EQ(parse_time("2010-12-01T08:26:00Z", "iso"), 1291191960);
  EXPECT_EQ(parse_time("19970101", "%Y%m%d"), 852076800);
  EXPECT_EQ(parse_time(" 19970101 ", "%Y%m%d"), 852076800);
  EXPECT_EQ(parse_time("01/02/1997 13:00", "%d/%m/%Y[ %H:%M]"), 852076800 + 31 * 86400 + 13 * 3600);
  EXPECT_EQ(parse_time("01/02/1997", "%d/%m/%Y[ %H:%M]"), 852076800 + 31 * 86400);
  EXPECT_EQ(parse_time("1291191960", "unix"), 1291191960);
  EXPECT_EQ(parse_time("1291191960.7", "unix"), 1291191960);
  EXPECT_FALSE(parse_time("2010-13-01", "iso"));
  EXPECT_FALSE(parse_time("2011-02-29", "iso"));
  EXPECT_TRUE(parse_time("2012-02-29", "iso"));
  EXPECT_FALSE(parse_time("2010-12-01 25:00", "iso"));
  EXPECT_FALSE(parse_time("19970101", "iso"));
  EXPECT_FALSE(parse_time("1997-01-01", "%Y%m%d"));
  EXPECT_FALSE(parse_time("", "unix"));
  EXPECT_FALSE(parse_time("abc", "unix"));
}

// ---------------------------------------------------------------- inline events table

TEST_F(ImportTest, EventsTableHandWorked) {
  auto csv = write("events.csv",
                   "user,when,what,channel,amount\n"
                   "a,2024-01-01,signup,ads,\n"
                   "a,2024-01-03 10:00:00,buy,,10.5\n"
                   "b,2024-01-02,signup,seo,\n"
                   "a,2024-01-10,buy,,4.5\n"
                   "b,2024-01-05,cancel,,\n"
                   "c,2024-01-04,visit,,\n");
  auto mapping = parse_mapping(R"(
kind: events
customer: user
time: {column: when, format: iso}
type:
  column: what
  map: {signup: signup, buy: purchase, cancel: churned}
  ignore: [visit]
arg: {column: channel}
value: amount
)",
                               "inline.yaml");
  auto r = import_csv(csv, mapping);
  const Log& log = r.log;
  EXPECT_EQ(r.stats.rows_read, 6u);
  EXPECT_EQ(r.stats.rows_used, 5u);
  EXPECT_EQ(r.stats.rows_filtered, 1u);
  EXPECT_EQ(r.stats.filtered_by_reason.at("event 'visit' ignored (type.ignore)"), 1u);
  EXPECT_EQ(r.stats.rows_skipped, 0u);
  EXPECT_EQ(r.stats.conversions_synthesised, 1u);  // a bought; b never did
  ASSERT_EQ(log.customers.size(), 2u);             // c's only row was ignored
  EXPECT_EQ(log.event_count(), 6u);
  EXPECT_EQ(log.start, ts("2024-01-01"));
  EXPECT_EQ(log.end, ts("2024-01-11"));  // latest event + 1 day
  EXPECT_EQ(log.names_of("channels"), (std::vector<std::string>{"ads", "seo"}));

  auto a = find_customer(log, "a");
  auto ea = events_of(log, a);
  ASSERT_EQ(ea.size(), 4u);
  EXPECT_EQ(ea[0].type, EventType::signup);
  EXPECT_EQ(ea[0].arg, 0);
  EXPECT_EQ(ea[1].t, ts("2024-01-03 10:00:00"));
  // purchase then the synthesised conversion at the same time (file order, then synthesised)
  EXPECT_EQ(ea[1].type, EventType::purchase);
  EXPECT_DOUBLE_EQ(ea[1].value, 10.5);
  EXPECT_EQ(ea[2].type, EventType::conversion);
  EXPECT_EQ(ea[2].t, ts("2024-01-03 10:00:00"));
  EXPECT_EQ(ea[2].value, 0.0);
  EXPECT_EQ(ea[3].type, EventType::purchase);
  EXPECT_DOUBLE_EQ(ea[3].value, 4.5);
  EXPECT_EQ(log.customers[a].created, ts("2024-01-01"));
  EXPECT_EQ(log.customers[a].converted, ts("2024-01-03 10:00"));
  EXPECT_EQ(log.customers[a].channel, 0);
  EXPECT_EQ(log.customers[a].churned, kNone);
  EXPECT_EQ(log.customers[a].end, log.end);

  auto b = find_customer(log, "b");
  auto eb = events_of(log, b);
  ASSERT_EQ(eb.size(), 2u);
  EXPECT_EQ(eb[0].arg, 1);  // seo
  EXPECT_EQ(log.customers[b].churned, ts("2024-01-05"));
  EXPECT_EQ(log.customers[b].converted, kNone);

  ScoreOptions o;
  o.kpis = {"repeat_purchase_rate", "rfm_segments"};
  auto rep = score(log, o);
  EXPECT_DOUBLE_EQ(kpi_of(rep, "repeat_purchase_rate").result.value, 1.0);
  EXPECT_EQ(kpi_of(rep, "repeat_purchase_rate").result.n, 1.0);
}

// The events.csv that `journeysim export` writes reads back with a mapping that has no type.map
// (its types are journeysim's own names) and takes arg names into each type's namespace.
TEST_F(ImportTest, JourneysimExportFormat) {
  auto csv = write("events.csv",
                   "time,customer,type,arg,arg_name,value,market,replication\n"
                   "2026-01-01T08:15:00Z,5,signup,1,referral,0,0,0\n"
                   "2026-01-03T00:00:00Z,5,conversion,0,pro,49,0,0\n"
                   "2026-01-02T12:00:00Z,6,lead_created,0,paid_search,0,0,0\n"
                   "2026-02-03T00:00:00Z,5,payment,0,pro,49,0,0\n");
  auto m = parse_mapping(R"(
kind: events
customer: customer
time: {column: time, format: iso}
type: {column: type}
arg: {column: arg_name}
value: value
)",
                         "export.yaml");
  auto r = import_csv(csv, m);
  const Log& log = r.log;
  EXPECT_EQ(r.stats.conversions_synthesised, 0u);  // no purchases
  EXPECT_EQ(log.names_of("channels"), (std::vector<std::string>{"referral", "paid_search"}));
  EXPECT_EQ(log.names_of("plans"), (std::vector<std::string>{"pro"}));
  auto c5 = find_customer(log, "5");
  EXPECT_EQ(log.customers[c5].channel, 0);
  EXPECT_EQ(log.customers[c5].first_plan, 0);
  EXPECT_EQ(log.customers[c5].converted, ts("2026-01-03"));
  EXPECT_EQ(log.customers[find_customer(log, "6")].channel, 1);
  EXPECT_EQ(log.start, ts("2026-01-01 08:15"));
  ScoreOptions o;
  o.kpis = {"arpa"};
  EXPECT_DOUBLE_EQ(kpi_of(score(log, o), "arpa").result.value, 49.0);
}

TEST_F(ImportTest, ConstantTypeWindowMergeAndConversionValue) {
  // a purchase log with no type column, whitespace-separated, no header, unix times
  auto txt = write("buys.txt",
                   "  7  86400    5.0\n"
                   "  7  90000    1.0\n"  // same day as the first: merged
                   "  8  172800   2.0\n"
                   "  7  259200   3.0\n"
                   "  8  900000   9.0\n");  // after window.end: left out
  auto m = parse_mapping(R"(
kind: events
table: {format: whitespace, header: false, columns: [id, t, amount]}
customer: id
time: {column: t, format: unix}
type: {constant: purchase}
value: amount
window: {start: 1970-01-01, end: "1970-01-05"}
conversion: {value: amount}
merge_same_day_purchases: true
)",
                         "m.yaml");
  auto r = import_csv(txt, m);
  EXPECT_EQ(r.stats.rows_read, 5u);
  EXPECT_EQ(r.stats.rows_used, 4u);
  EXPECT_EQ(r.stats.filtered_by_reason.at("after window.end"), 1u);
  EXPECT_EQ(r.stats.purchases_merged, 1u);
  EXPECT_EQ(r.log.start, 0);
  EXPECT_EQ(r.log.end, 4 * 86400);
  EXPECT_EQ(r.log.count(EventType::purchase), 3u);
  EXPECT_EQ(r.log.count(EventType::conversion), 2u);
  auto e7 = events_of(r.log, find_customer(r.log, "7"));
  ASSERT_EQ(e7.size(), 3u);
  EXPECT_EQ(e7[0].t, 86400);
  EXPECT_DOUBLE_EQ(e7[0].value, 6.0);  // 5 + 1 merged
  EXPECT_EQ(e7[1].type, EventType::conversion);
  EXPECT_DOUBLE_EQ(e7[1].value, 6.0);  // conversion.value: amount (of the merged first day)

  // without a conversion at first purchase, conversion KPIs have nothing to work with
  auto m2 = parse_mapping(R"(
kind: events
table: {format: whitespace, header: false, columns: [id, t, amount]}
customer: id
time: {column: t, format: unix}
type: {constant: purchase}
value: amount
conversion: {at_first_purchase: false}
)",
                          "m2.yaml");
  auto r2 = import_csv(txt, m2);
  EXPECT_EQ(r2.log.count(EventType::conversion), 0u);
  EXPECT_EQ(r2.log.count(EventType::purchase), 5u);
  EXPECT_EQ(r2.log.end, 900000 + 86400);
}

TEST_F(ImportTest, SkipRulesFirstMatchWinsAndGroups) {
  auto csv = write("inv.csv",
                   "inv;date;cust;country;amount;cancel\n"
                   "1;2011-01-01 10:00;11;UK;10;0\n"
                   "2;2011-01-02 10:00;;UK;20;0\n"    // no customer
                   "3;2011-01-03 10:00;;UK;-5;1\n"    // both: counted as a cancellation
                   "4;2011-01-04 10:00;11;FR;30;0\n"  // customer 11 stays in UK (first row)
                   "5;2011-01-05 10:00;12;FR;40;0\n"
                   "6;2011-01-06 10:00;12;FR;-40;1\n");
  auto m = parse_mapping(R"(
kind: events
table: {delimiter: ";"}
customer: cust
time: {column: date}
type: {constant: purchase}
value: amount
skip:
  - {column: cancel, equals: 1, reason: cancellations}
  - {column: cust, blank: true}
groups: {segment: country}
)",
                         "m.yaml");
  auto r = import_csv(csv, m);
  EXPECT_EQ(r.stats.rows_read, 6u);
  EXPECT_EQ(r.stats.rows_used, 3u);
  EXPECT_EQ(r.stats.rows_filtered, 3u);
  EXPECT_EQ(r.stats.filtered_by_reason.at("cancellations"), 2u);
  EXPECT_EQ(r.stats.filtered_by_reason.at("cust is blank"), 1u);
  ASSERT_EQ(r.log.customers.size(), 2u);
  EXPECT_EQ(r.log.names_of("segments"), (std::vector<std::string>{"UK", "FR"}));
  EXPECT_EQ(r.log.customers[find_customer(r.log, "11")].segment, 0);
  EXPECT_EQ(r.log.customers[find_customer(r.log, "12")].segment, 1);
  ScoreOptions o;
  o.kpis = {"repeat_purchase_rate"};
  o.by = "segment";
  auto rep = score(r.log, o);
  EXPECT_EQ(rep.groups, (std::vector<std::string>{"FR", "UK"}));
  std::string text = describe(r.stats, csv);
  EXPECT_NE(text.find("6 rows read, 3 used"), std::string::npos) << text;
  EXPECT_NE(text.find("2 cancellations"), std::string::npos) << text;
  EXPECT_NE(text.find("1 cust is blank"), std::string::npos) << text;
}

// ---------------------------------------------------------------- inline customers table

TEST_F(ImportTest, CustomersTableHandWorked) {
  auto csv = write("subs.csv",
                   "id,months,left,fee,plan\n"
                   "x,0,No,10,basic\n"
                   "y,2,Yes,20,pro\n"
                   "z,1,No,30,basic\n");
  auto m = parse_mapping(R"(
kind: customers
customer: id
snapshot_date: 2024-03-01
tenure: {column: months, unit: months}
churn: {column: left, churned: "Yes", active: "No"}
mrr: fee
groups: {segment: plan, plan: plan}
)",
                         "subs.yaml");
  auto r = import_csv(csv, m);
  const Log& log = r.log;
  const std::int64_t end = ts("2024-03-01"), month = 2629800;  // 30.4375 days
  EXPECT_EQ(log.end, end);
  EXPECT_EQ(log.start, end - 2 * month);
  ASSERT_EQ(log.customers.size(), 3u);
  EXPECT_EQ(log.customers[0].converted, end);  // tenure 0 converts at the snapshot
  EXPECT_EQ(log.customers[1].converted, end - 2 * month);
  EXPECT_EQ(log.customers[1].churned, end);
  EXPECT_EQ(log.customers[2].converted, end - month);
  EXPECT_EQ(log.customers[2].churned, kNone);
  EXPECT_EQ(log.customers[1].first_plan, 1);
  EXPECT_EQ(log.customers[1].segment, 1);
  EXPECT_EQ(log.names_of("plans"), (std::vector<std::string>{"basic", "pro"}));
  EXPECT_EQ(log.count(EventType::conversion), 3u);
  EXPECT_EQ(log.count(EventType::churned), 1u);
  EXPECT_DOUBLE_EQ(events_of(log, 1)[0].value, 20.0);

  ScoreOptions o;
  o.kpis = {"arpa", "mrr", "monthly_churn_rate", "avg_customer_lifespan"};
  auto rep = score(log, o);
  // paying at the end: x (10) and z (30); y churned at the end
  EXPECT_DOUBLE_EQ(kpi_of(rep, "arpa").result.value, 20.0);
  EXPECT_DOUBLE_EQ(kpi_of(rep, "mrr").result.value, 40.0);
  // month 0: y paying, no churn; month 1: y and z paying, y churns at its end -> (0 + 1/2) / 2
  EXPECT_DOUBLE_EQ(kpi_of(rep, "monthly_churn_rate").result.value, 0.25);
  EXPECT_DOUBLE_EQ(extra(kpi_of(rep, "monthly_churn_rate").result, "pooled"), 1.0 / 3.0);
  // KM: x censored at 0, z at 30.4375 days, y dies at 60.875 days -> S = 1 up to the horizon
  const auto& life = kpi_of(rep, "avg_customer_lifespan").result;
  EXPECT_NEAR(life.value, 60.875, 1e-9);
  EXPECT_NEAR(extra(life, "km_median_days"), 60.875, 1e-9);
  EXPECT_EQ(extra(life, "churned"), 1.0);

  // tenure in days
  auto m2 = parse_mapping(R"(
kind: customers
customer: id
snapshot_date: 2024-03-01
tenure: {column: months, unit: days}
churn: {column: left, churned: ["Yes", "Y"]}
)",
                          "days.yaml");
  auto r2 = import_csv(csv, m2);
  EXPECT_EQ(r2.log.customers[1].converted, end - 2 * 86400);
  EXPECT_EQ(events_of(r2.log, 1)[0].value, 0.0);  // no mrr column
}

// ---------------------------------------------------------------- malformed rows

TEST_F(ImportTest, MalformedRowsNameFileLineAndColumn) {
  auto csv = write("bad.csv",
                   "user,when,amount\n"
                   "a,2024-01-01,1.0\n"
                   "a,2024-01-02,1.x\n"          // line 3: bad amount
                   "b,2024-02-30,2.0\n"          // line 4: no such date
                   "b,2024-01-04\n"              // line 5: missing field
                   ",2024-01-05,3.0\n"           // line 6: empty customer
                   "c,\"2024-01-06\",\"4.0\"\n"  // quoted fields are fine
                   "c,2024-01-07,\"5\"x\n");     // line 8: junk after a quote
  auto m = parse_mapping(R"(
kind: events
customer: user
time: {column: when}
type: {constant: purchase}
value: amount
)",
                         "m.yaml");
  expect_error([&] { import_csv(csv, m); }, {csv + ":5:", "expected 3 fields, found 2"});
  // once the table reads, a value error names line and column
  auto csv2 = write("bad2.csv",
                    "user,when,amount\n"
                    "a,2024-01-01,1.0\n"
                    "a,2024-01-02,1.x\n");
  expect_error([&] { import_csv(csv2, m); },
               {csv2 + ":3: column 'amount' (field 3)", "cannot parse '1.x' as a number"});
  auto csv3 = write("bad3.csv", "user,when,amount\nb,2024-02-30,2.0\n");
  expect_error([&] { import_csv(csv3, m); },
               {csv3 + ":2: column 'when' (field 2)", "'2024-02-30'", "format 'iso'"});
  auto csv4 = write("bad4.csv", "user,when,amount\n ,2024-01-05,3.0\n");
  expect_error([&] { import_csv(csv4, m); },
               {csv4 + ":2: column 'user' (field 1)", "empty customer id"});

  ImportOptions skip;
  skip.skip_bad_rows = true;
  auto r = import_csv(csv, m, skip);
  EXPECT_EQ(r.stats.rows_read, 7u);  // 7 records (the quoted one is one row)
  EXPECT_EQ(r.stats.rows_skipped, 5u);
  EXPECT_EQ(r.stats.rows_used, 2u);
  ASSERT_EQ(r.stats.issues.size(), 5u);
  std::set<std::size_t> lines;
  for (const auto& i : r.stats.issues) {
    lines.insert(i.line);
    EXPECT_EQ(i.message.rfind(csv + ":" + std::to_string(i.line) + ":", 0), 0u) << i.message;
  }
  EXPECT_EQ(lines, (std::set<std::size_t>{3, 4, 5, 6, 8}));
  EXPECT_EQ(r.log.customers.size(), 2u);  // a and c
  EXPECT_EQ(r.log.count(EventType::purchase), 2u);
  std::string text = describe(r.stats, csv);
  EXPECT_NE(text.find("malformed rows skipped: 5"), std::string::npos) << text;
}

TEST_F(ImportTest, CustomersTableBadRows) {
  auto csv = write("subs.csv",
                   "id,months,left,fee\n"
                   "x,1,No,10\n"
                   "x,2,No,10\n"     // line 3: duplicate customer
                   "y,-1,No,10\n"    // line 4: negative tenure
                   "z,3,Maybe,10\n"  // line 5: not Yes/No
                   "w,3,No,\n");     // line 6: empty mrr
  auto m = parse_mapping(R"(
kind: customers
customer: id
snapshot_date: 2024-03-01
tenure: {column: months}
churn: {column: left, churned: "Yes", active: "No"}
mrr: fee
)",
                         "m.yaml");
  expect_error([&] { import_csv(csv, m); }, {csv + ":3:", "already appeared on line 2"});
  ImportOptions skip;
  skip.skip_bad_rows = true;
  auto r = import_csv(csv, m, skip);
  EXPECT_EQ(r.stats.rows_skipped, 4u);
  EXPECT_EQ(r.log.customers.size(), 1u);
  ASSERT_EQ(r.stats.issues.size(), 4u);
  EXPECT_NE(r.stats.issues[1].message.find("negative tenure"), std::string::npos);
  EXPECT_NE(r.stats.issues[2].message.find("unexpected churn flag 'Maybe'"), std::string::npos);
  EXPECT_NE(r.stats.issues[3].message.find(csv + ":6: column 'fee' (field 4)"), std::string::npos);
}

TEST_F(ImportTest, UnknownEventNamesAreErrorsEvenWhenSkipping) {
  auto csv = write("ev.csv",
                   "user,when,what\n"
                   "a,2024-01-01,signup\n"
                   "a,2024-01-02,purchsae\n");
  auto path = write("m.yaml",
                    "kind: events\n"
                    "customer: user\n"
                    "time: {column: when}\n"
                    "type:\n"
                    "  column: what\n"
                    "  map: {signup: signup, purchase: purchase}\n");
  auto m = load_mapping(path);
  ImportOptions skip;
  skip.skip_bad_rows = true;
  for (auto opt : {ImportOptions{}, skip})
    expect_error([&] { import_csv(csv, m, opt); },
                 {csv + ":3: column 'what' (field 3)", "unknown event name 'purchsae'",
                  "type.map (" + path + ":6:8)", "did you mean 'purchase'?"});
  // without type.map the values must be journeysim event type names
  auto m2 = parse_mapping(
      "kind: events\ncustomer: user\ntime: {column: when}\n"
      "type: {column: what}\n",
      "m2.yaml");
  expect_error([&] { import_csv(csv, m2); },
               {csv + ":3:", "unknown event name 'purchsae'", "not a journeysim event type",
                "did you mean 'purchase'?"});
}

TEST_F(ImportTest, MappingColumnsMissingFromTheFile) {
  auto csv = write("t.csv", "user,when\na,2024-01-01\n");
  auto path = write("m.yaml",
                    "kind: events\n"
                    "customer: user\n"
                    "time: {column: whn}\n"
                    "type: {constant: login}\n");
  expect_error([&] { import_csv(csv, load_mapping(path)); },
               {csv + ": no column named 'whn'", "mapping key time", path + ":3:16",
                "did you mean 'when'?", "'user', 'when'"});
  auto skip = write("skip.yaml",
                    "kind: events\n"
                    "customer: user\n"
                    "time: {column: when}\n"
                    "type: {constant: login}\n"
                    "skip:\n"
                    "  - {column: user, blank: true}\n"
                    "  - {column: cancelled, equals: 1}\n");
  expect_error([&] { import_csv(csv, load_mapping(skip)); },
               {"no column named 'cancelled' (mapping key skip[1] at " + skip + ":7:14)"});
  auto empty = write("empty.csv", "user,when\n");
  auto ok = parse_mapping(
      "kind: events\ncustomer: user\ntime: {column: when}\n"
      "type: {constant: login}\n",
      "ok.yaml");
  expect_error([&] { import_csv(empty, ok); }, {empty + ": no usable rows"});
  expect_error([&] { import_csv((dir_ / "missing.csv").string(), load_mapping(path)); },
               {"cannot open", "missing.csv"});
}

// ---------------------------------------------------------------- mapping files

TEST_F(ImportTest, MappingErrorsNameFileLineAndKey) {
  struct Case {
    std::string yaml;
    std::vector<std::string> fragments;
  };
  std::vector<Case> cases = {
      {"kind: events\ncustomer: c\ntime: {column: t}\ntype: {constant: purchase}\nvalu: v\n",
       {"m.yaml:5:1: valu: unknown key (did you mean 'value'?)"}},
      {"kind: events\ncustomer: c\ntime: {column: t, fromat: unix}\ntype: {constant: purchase}\n",
       {"m.yaml:3:19: time.fromat: unknown key (did you mean 'format'?)"}},
      {"kind: events\ncustomer: c\ntime: {column: t}\ntype: {constant: purchase}\nmrr: x\n",
       {"m.yaml:5:1: mrr: unknown key here: only for kind: customers"}},
      {"kind: customers\ncustomer: c\nsnapshot_date: 2020-01-01\ntenure: {column: t}\n"
       "churn: {column: c, churned: 1}\ntype: {constant: purchase}\n",
       {"m.yaml:6:1: type: unknown key here: only for kind: events"}},
      {"kind: event\n", {"m.yaml:1:7: kind: expected one of events, customers", "'events'"}},
      {"customer: c\n", {"m.yaml:1:1: kind: required key is missing"}},
      {"kind: events\ntime: {column: t}\ntype: {constant: purchase}\n",
       {"m.yaml:1:1: customer: required key is missing"}},
      {"kind: events\ncustomer: c\ntime: {column: t}\ntype: {constant: purchse}\n",
       {"m.yaml:4:18: type.constant: 'purchse' is not a journeysim event type",
        "did you mean 'purchase'?"}},
      {"kind: events\ncustomer: c\ntime: {column: t}\ntype:\n  column: e\n  map: {buy: purchse}\n",
       {"m.yaml:6:14: type.map.buy: 'purchse' is not a journeysim event type"}},
      {"kind: events\ncustomer: c\ntime: {column: t, format: \"%Y-%q\"}\n"
       "type: {constant: purchase}\n",
       {"m.yaml:3:27: time.format: unsupported directive '%q'"}},
      {"kind: events\ncustomer: c\ntime: {column: t, format: \"%Y-%m-%d[ %H\"}\n"
       "type: {constant: purchase}\n",
       {"time.format: unbalanced '['"}},
      {"kind: events\ncustomer: c\ntime: {column: t}\n", {"m.yaml:1:1: type: required key"}},
      {"kind: events\ncustomer: c\ntime: {column: t}\ntype: {constant: purchase, column: x}\n",
       {"m.yaml:4:7: type: give type.column or type.constant, not both"}},
      {"kind: events\ncustomer: c\ncustomer: d\n", {"m.yaml:3:1: customer: duplicate key"}},
      {"kind: events\ncustomer: [c\n", {"m.yaml:", "YAML syntax error"}},
      {"kind: events\ntable: {format: whitespace, delimiter: \";\"}\n",
       {"m.yaml:2:40: table.delimiter: a delimiter is only for format: csv"}},
      {"kind: events\ntable: {columns: [a, b]}\n", {"table.columns:", "set header: false"}},
      {"kind: events\ncustomer: c\ntime: {column: t}\ntype: {constant: purchase}\n"
       "skip: [{column: x}]\n",
       {"m.yaml:5:8: skip[0]: a skip rule needs equals"}},
      {"kind: events\ncustomer: c\ntime: {column: t}\ntype: {constant: purchase}\n"
       "arg: {column: x}\n",
       {"arg.names: event type 'purchase' has no argument namespace"}},
      {"kind: events\ncustomer: c\ntime: {column: t}\ntype: {constant: purchase}\n"
       "groups: {segmnt: x}\n",
       {"m.yaml:5:10: groups.segmnt: unknown key (did you mean 'segment'?)"}},
      {"kind: events\ncustomer: c\ntime: {column: t}\ntype: {constant: purchase}\n"
       "window: {start: 2020-02-30}\n",
       {"m.yaml:5:17: window.start: expected a date"}},
      {"kind: customers\ncustomer: c\ntenure: {column: t}\nchurn: {column: c, churned: 1}\n",
       {"m.yaml:1:1: snapshot_date: required key is missing"}},
      {"kind: customers\ncustomer: c\nsnapshot_date: 2020-01-01\ntenure: {column: t, unit: "
       "weeks}\nchurn: {column: c, churned: 1}\n",
       {"m.yaml:4:27: tenure.unit: expected one of months, days"}},
      {"kind: customers\ncustomer: c\nsnapshot_date: 2020-01-01\ntenure: {column: t}\n"
       "churn: {column: c}\n",
       {"churn.churned: required key is missing"}},
      {"- a\n- b\n", {"m.yaml: expected a map of mapping keys"}},
      {"kind: customers\ncustomer: c\nwindow: {end: 2020-01-01}\n",
       {"m.yaml:3:15: window.end: a customers table ends at its snapshot_date"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.yaml);
    auto path = write("m.yaml", c.yaml);
    expect_error([&] { load_mapping(path); }, c.fragments);
  }
}

TEST(ImportMappings, BuiltinsParseAndAreFoundByName) {
  auto names = builtin_mappings();
  EXPECT_EQ(names, (std::vector<std::string>{"cdnow", "cdnow_sample", "online_retail", "telco"}));
  EXPECT_EQ(fs::canonical(builtin_mapping_dir()), fs::canonical(kSource + "/kpi/mappings"));
  for (const auto& n : names) {
    SCOPED_TRACE(n);
    ImportMapping m = load_mapping(n);
    EXPECT_EQ(m.name, n);
    EXPECT_FALSE(m.description.empty());
  }
  EXPECT_EQ(load_mapping("telco").kind, ImportMapping::Kind::customers);
  EXPECT_EQ(load_mapping("telco").snapshot, parse_time("2017-10-01", "iso"));
  expect_error([] { load_mapping("cdnw"); }, {"--mapping 'cdnw'", "did you mean 'cdnow'?",
                                              "cdnow, cdnow_sample, online_retail, telco"});
  // a path to a file is read as a file
  ImportMapping f = load_mapping(kSource + "/kpi/mappings/cdnow.yaml");
  EXPECT_EQ(f.customer_column, "customer_id");
}

// ---------------------------------------------------------------- real data sets

// What a purchase log supports: repeat purchases, RFM, monthly active buyers.
const std::set<std::string> kPurchaseLogKpis = {"repeat_purchase_rate", "rfm_segments",
                                                "active_customers", "revenue_collected"};
// KPIs that read the conversion synthesised at the first purchase as the start of a subscription
// that never ends: not meaningful for a purchase log. Older versions of the KPI module computed
// them anyway (0 MRR, 0 churn, survival 1); the current one reports them "not available" (no
// churn events; "non-contractual log"). Either is accepted here; every other KPI must be
// "not available".
const std::set<std::string> kNotMeaningfulForPurchaseLogs = {"avg_customer_lifespan",
                                                             "cohort_retention",
                                                             "mrr",
                                                             "monthly_churn_rate",
                                                             "gross_revenue_retention",
                                                             "net_revenue_retention",
                                                             "expansion_revenue",
                                                             "conversion_rate",
                                                             "clv_survival",
                                                             "referral_driven_expansion_revenue"};

// data/CDNOW_sample.source.txt: 6,919 rows, 2,357 customers; 6,696 rows after merging same-day
// purchases. Repeat buyers counted independently with awk over the file:
//   tr -d '\r' < CDNOW_sample.txt | awk '{n[$1]++} END{for(k in n) r+=n[k]>1; print r}' -> 1152
//   (distinct purchase days instead of rows: 1139)
TEST(ImportRealData, CdnowSample) {
  auto rows = load_mapping("cdnow_sample");
  rows.merge_same_day_purchases = false;  // every row a purchase (the shipped mapping merges)
  auto r = import_csv(kData + "/CDNOW_sample.txt", rows);
  const Log& log = r.log;
  EXPECT_EQ(r.stats.rows_read, 6919u);
  EXPECT_EQ(r.stats.rows_used, 6919u);
  EXPECT_EQ(r.stats.rows_skipped, 0u);
  EXPECT_EQ(log.customers.size(), 2357u);
  EXPECT_EQ(log.count(EventType::purchase), 6919u);
  EXPECT_EQ(log.count(EventType::conversion), 2357u);
  EXPECT_EQ(log.start, parse_time("1997-01-01", "iso"));
  EXPECT_EQ(log.end, parse_time("1998-07-01", "iso"));  // last purchase 1998-06-30 + 1 day
  double total = 0;
  for (std::size_t i = 0; i < log.event_count(); ++i) total += log.value[i];
  EXPECT_NEAR(total, 244091.94, 1e-6);  // awk '{s+=$5} END{printf "%.2f", s}'
  // every customer's first purchase is in Q1 1997 (the cohort design of the data set)
  for (const auto& c : log.customers) EXPECT_LT(c.converted, *parse_time("1997-04-01", "iso"));

  ScoreOptions o;
  auto rep = score(log, o);
  EXPECT_DOUBLE_EQ(kpi_of(rep, "repeat_purchase_rate").result.value, 1152.0 / 2357.0);
  // every purchase amount: awk '{s+=$5} END{printf "%.2f", s}' CDNOW_sample.txt
  EXPECT_NEAR(kpi_of(rep, "revenue_collected").result.value, 244091.94, 1e-6);
  expect_availability(rep, kPurchaseLogKpis, kNotMeaningfulForPurchaseLogs);
  EXPECT_FALSE(kpi_of(rep, "arpa").result.available);  // no MRR: conversions carry value 0
  EXPECT_FALSE(kpi_of(rep, "clv").result.available);   // no churn events

  // the shipped mapping merges a customer's same-day rows, as clv does (#15)
  const auto shipped = load_mapping("cdnow_sample");
  EXPECT_TRUE(shipped.merge_same_day_purchases);
  auto rm = import_csv(kData + "/CDNOW_sample.txt", shipped);
  EXPECT_EQ(rm.log.count(EventType::purchase), 6696u);
  EXPECT_EQ(rm.stats.purchases_merged, 6919u - 6696u);
  o.kpis = {"repeat_purchase_rate"};
  const double rate = kpi_of(score(rm.log, o), "repeat_purchase_rate").result.value;
  EXPECT_DOUBLE_EQ(rate, 1139.0 / 2357.0);
  // ... the same repeat buyers as clv's summary of the same file over the whole window (x > 0:
  // repeat purchase days), read by clv's own CDNOW reader
  SummaryOptions so;
  so.time_unit_days = 7;
  const RfmData s = summarize_transactions(read_cdnow(kData + "/CDNOW_sample.txt", 1), so);
  ASSERT_EQ(s.size(), 2357u);
  const auto repeaters = std::count_if(s.x.begin(), s.x.end(), [](double x) { return x > 0; });
  EXPECT_EQ(repeaters, 1139);
  EXPECT_DOUBLE_EQ(rate, static_cast<double>(repeaters) / static_cast<double>(s.size()));
}

// data/CDNOW_master.source.txt: 69,659 rows, 23,570 customers, total 2,500,315.63, 67,591
// distinct (customer, day) pairs, 11,516 customers with more than one purchase day.
TEST(ImportRealData, CdnowMaster) {
  auto m = load_mapping("cdnow");
  EXPECT_TRUE(m.merge_same_day_purchases);  // as clv counts (#15)
  auto r = import_csv(kData + "/CDNOW_master.txt", m);
  EXPECT_EQ(r.stats.rows_read, 69659u);
  EXPECT_EQ(r.log.customers.size(), 23570u);
  EXPECT_EQ(r.log.count(EventType::purchase), 67591u);
  double total = 0;
  for (std::size_t i = 0; i < r.log.event_count(); ++i) total += r.log.value[i];
  EXPECT_NEAR(total, 2500315.63, 1e-4);
  ScoreOptions o;
  o.kpis = {"repeat_purchase_rate"};
  EXPECT_DOUBLE_EQ(kpi_of(score(r.log, o), "repeat_purchase_rate").result.value, 11516.0 / 23570.0);
}

// data/online_retail_invoices.source.txt: 25,900 invoices (3,836 cancellations); customers with
// >= 1 non-cancelled invoice 4,339 (2,845 with > 1), 18,536 such invoices. Counted with awk:
//   3,710 invoices have no CustomerID, 182 of them cancellations, so the rule order
//   (cancellations first) leaves 3,710 - 182 = 3,528 counted as "without CustomerID".
TEST(ImportRealData, OnlineRetail) {
  auto r = import_csv(kData + "/online_retail_invoices.csv", load_mapping("online_retail"));
  const Log& log = r.log;
  EXPECT_EQ(r.stats.rows_read, 25900u);
  EXPECT_EQ(r.stats.rows_used, 18536u);
  EXPECT_EQ(r.stats.rows_skipped, 0u);
  EXPECT_EQ(r.stats.filtered_by_reason.at("cancelled invoices"), 3836u);
  EXPECT_EQ(r.stats.filtered_by_reason.at("invoices without CustomerID"), 3528u);
  EXPECT_EQ(log.customers.size(), 4339u);
  EXPECT_EQ(log.count(EventType::purchase), 18536u);
  EXPECT_EQ(log.start, parse_time("2010-12-01 08:26:00", "iso"));
  EXPECT_EQ(log.end, *parse_time("2011-12-09 12:50:00", "iso") + 86400);
  EXPECT_FALSE(log.names_of("segments").empty());  // countries

  auto rep = score(log, ScoreOptions{});
  const auto& rp = kpi_of(rep, "repeat_purchase_rate").result;
  EXPECT_DOUBLE_EQ(rp.value, 2845.0 / 4339.0);
  EXPECT_EQ(rp.n, 4339.0);
  // tr -d '\r' < online_retail_invoices.csv |
  //   awk -F, 'NR>1 && $3!="" && $8==0 {s+=$7} END {printf "%.2f", s}'
  EXPECT_NEAR(kpi_of(rep, "revenue_collected").result.value, 8911407.90, 1e-4);
  expect_availability(rep, kPurchaseLogKpis, kNotMeaningfulForPurchaseLogs);
  EXPECT_FALSE(kpi_of(rep, "arpa").result.available);
}

// data/Telco-Customer-Churn.source.txt: 7,043 rows, Churn=Yes 1,869, 11 with tenure 0 (none
// churned). ARPA computed independently with awk (MonthlyCharges is field 19, Churn field 21):
//   awk -F, 'NR>1 && $21=="No" {s+=$19; n++} END{printf "%.2f %d %.10f", s, n, s/n}'
//   -> 316985.75 5174 61.2651236954
// (= 456,116.60 total - 139,130.85 churned, over 7,043 - 1,869, as in the source note).
TEST(ImportRealData, Telco) {
  auto r = import_csv(kData + "/Telco-Customer-Churn.csv", load_mapping("telco"));
  const Log& log = r.log;
  EXPECT_EQ(r.stats.rows_read, 7043u);
  EXPECT_EQ(r.stats.rows_skipped, 0u);
  EXPECT_EQ(log.customers.size(), 7043u);
  EXPECT_EQ(log.count(EventType::conversion), 7043u);
  EXPECT_EQ(log.count(EventType::churned), 1869u);
  const std::int64_t end = *parse_time("2017-10-01", "iso");
  EXPECT_EQ(log.end, end);
  EXPECT_EQ(log.start, end - 72 * 2629800);  // longest tenure: 72 months of 30.4375 days
  std::size_t at_end = 0;
  for (const auto& c : log.customers) at_end += c.converted == end;
  EXPECT_EQ(at_end, 11u);  // tenure 0
  EXPECT_EQ(log.names_of("segments"),
            (std::vector<std::string>{"Month-to-month", "One year", "Two year"}));

  auto rep = score(log, ScoreOptions{});
  const auto& arpa = kpi_of(rep, "arpa").result;
  EXPECT_NEAR(arpa.value, 316985.75 / 5174.0, 1e-9);
  EXPECT_NEAR(arpa.value, 61.2651236954, 1e-9);
  EXPECT_EQ(arpa.n, 5174.0);
  EXPECT_NEAR(kpi_of(rep, "mrr").result.value, 316985.75, 1e-6);
  const auto& life = kpi_of(rep, "avg_customer_lifespan").result;
  EXPECT_EQ(life.n, 7043.0);
  EXPECT_EQ(extra(life, "churned"), 1869.0);
  // all churn falls in the last of the 72 months: 1,869 of the 7,032 customers paying at its
  // start (tenure >= 1); the mean over months dilutes it 72-fold (see docs/csv-import.md)
  const auto& churn = kpi_of(rep, "monthly_churn_rate").result;
  EXPECT_EQ(extra(churn, "months"), 72.0);
  EXPECT_NEAR(churn.value, 1869.0 / 7032.0 / 72.0, 1e-12);
  expect_availability(
      rep,
      {"avg_customer_lifespan", "arpa", "mrr", "monthly_churn_rate", "cohort_retention", "clv",
       "clv_survival"},
      // computed, but a snapshot cannot show them: revenue retention sees
      // churn only in the last month, reactivations and expansions are not
      // in the data (0)
      {"gross_revenue_retention", "net_revenue_retention", "reactivation_rate", "expansion_revenue",
       "conversion_rate", "referral_driven_expansion_revenue"});
  EXPECT_FALSE(kpi_of(rep, "repeat_purchase_rate").result.available);
  EXPECT_FALSE(kpi_of(rep, "rfm_segments").result.available);

  // churn by contract, independently from the source note: 42.71%, 11.27%, 2.83%
  ScoreOptions by;
  by.by = "segment";
  by.kpis = {"avg_customer_lifespan"};
  auto seg = score(log, by);
  std::map<std::string, double> churned;
  for (const auto& s : seg.scores) churned[s.group] = extra(s.result, "churned") / s.result.n;
  EXPECT_NEAR(churned["Month-to-month"], 0.4271, 5e-5);
  EXPECT_NEAR(churned["One year"], 0.1127, 5e-5);
  EXPECT_NEAR(churned["Two year"], 0.0283, 5e-5);
}

// Numbers a customers table can make the program allocate or compute with are bounded (#15): a
// tenure of 1e9 months exhausted memory and 1e308 was undefined behaviour; "nan" and "inf" are
// not numbers. Each is an error naming the file, line and column.
TEST_F(ImportTest, TelcoTenureAndChargesAreBounded) {
  const std::string header =
      "customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,"
      "InternetService,OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,"
      "StreamingMovies,Contract,PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges,"
      "Churn\n";
  auto row = [](const std::string& id, const std::string& tenure, const std::string& charges) {
    return id + ",Female,0,Yes,No," + tenure +
           ",No,No phone service,DSL,No,Yes,No,No,No,No,Month-to-month,Yes,Electronic check," +
           charges + ",29.85,No\n";
  };
  const auto ok = row("0001-AAAAA", "1", "29.85");
  for (const auto& [tenure, charges, fragment] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"1000000000", "29.85", "is more than 100 years"},
           {"1e308", "29.85", "is more than 100 years"},
           {"nan", "29.85", "cannot parse 'nan' as a tenure"},
           {"1", "nan", "cannot parse 'nan' as a monthly revenue"},
           {"1", "inf", "cannot parse 'inf' as a monthly revenue"}}) {
    const std::string path = write("telco.csv", header + ok + row("0002-BBBBB", tenure, charges));
    expect_error([&] { import_csv(path, load_mapping("telco")); }, {path + ":3:", fragment});
  }
}
