// Tests of the CSV / whitespace table reader (kpi/table.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>

#include "journeysim/kpi/table.hpp"

using namespace journeysim::kpi;

namespace {
const std::string kData = JOURNEYSIM_SHARED_DATA;

// Runs `f` and returns the message of the std::runtime_error it throws ("" if none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Table, Rfc4180QuotesDelimitersNewlinesAndCrlf) {
  const std::string text =
      "id,name,note\r\n"
      "1,\"Smith, Jane\",\"said \"\"hi\"\"\"\r\n"
      "2,plain,\"two\nlines\"\r\n"
      "\r\n"
      "3,  padded  ,\r\n";
  Table t = Table::parse(text, {}, "mem.csv");
  ASSERT_EQ(t.columns(), (std::vector<std::string>{"id", "name", "note"}));
  ASSERT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.cell(0, 1), "Smith, Jane");
  EXPECT_EQ(t.cell(0, 2), "said \"hi\"");
  EXPECT_EQ(t.cell(1, 2), "two\nlines");
  EXPECT_EQ(t.cell(2, 1), "padded");
  EXPECT_EQ(t.cell(2, 2), "");
  // The row after the quoted newline starts on physical line 5 (blank line 4 skipped).
  EXPECT_EQ(t.line(0), 2u);
  EXPECT_EQ(t.line(1), 3u);
  EXPECT_EQ(t.line(2), 6u);
}

TEST(Table, NoTrailingNewlineAndBom) {
  Table t = Table::parse(
      "\xEF\xBB\xBF"
      "a;b\n1;2",
      {.delimiter = ';'});
  ASSERT_EQ(t.columns(), (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t.rows(), 1u);
  EXPECT_EQ(t.number(0, 1), 2.0);
}

TEST(Table, UnknownColumnListsAvailableColumns) {
  Table t = Table::parse("alpha,beta\n1,2\n", {}, "x.csv");
  std::string msg = error_of([&] { t.column("gamma"); });
  EXPECT_NE(msg.find("no column named 'gamma'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'alpha', 'beta'"), std::string::npos) << msg;
}

TEST(Table, MalformedNumberReportsFileLineAndColumn) {
  Table t = Table::parse("a,b\n1,2\n3,x7\n", {}, "bad.csv");
  std::string msg = error_of([&] { t.numbers("b"); });
  EXPECT_NE(msg.find("bad.csv:3: column 'b' (field 2)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'x7'"), std::string::npos) << msg;
  // Trailing garbage and non-finite values are not numbers.
  EXPECT_FALSE(parse_double("1.5kg"));
  EXPECT_FALSE(parse_double("inf"));
  EXPECT_FALSE(parse_double(""));
  EXPECT_EQ(*parse_double(" +2.5e1 "), 25.0);
  EXPECT_EQ(*parse_double("-0.125"), -0.125);
}

TEST(Table, WrongFieldCountErrorsOrIsSkippedAndCounted) {
  const std::string text = "a,b\n1,2\n3\n4,5,6\n7,8\n";
  std::string msg = error_of([&] { Table::parse(text, {}, "f.csv"); });
  EXPECT_NE(msg.find("f.csv:3: expected 2 fields, found 1"), std::string::npos) << msg;
  Table t = Table::parse(text, {.bad_rows = BadRowPolicy::kSkip}, "f.csv");
  EXPECT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.skipped_rows(), 2u);
  EXPECT_EQ(t.issues()[1].line, 4u);
}

TEST(Table, BadQuotingIsReported) {
  EXPECT_NE(error_of([] { Table::parse("a,b\n1,\"open\n"); }).find("unterminated"),
            std::string::npos);
  EXPECT_NE(error_of([] { Table::parse("a,b\n1,\"x\"y\n"); }).find("after a closing quote"),
            std::string::npos);
  EXPECT_NE(error_of([] { Table::parse("a,b\n1,x\"y\n"); }).find("unquoted"), std::string::npos);
}

TEST(Table, SelectNumericSkipsRowsWithBadValues) {
  Table t = Table::parse("k,v,w\na,1,2\nb, ,3\nc,4,5\n", {}, "s.csv");
  EXPECT_THROW(select_numeric(t, {"v", "w"}), std::runtime_error);
  NumericColumns n = select_numeric(t, {"v", "w"}, BadRowPolicy::kSkip);
  EXPECT_EQ(n.skipped, 1u);
  EXPECT_EQ(n.rows, (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(n.values[0], (std::vector<double>{1, 4}));
  EXPECT_EQ(n.values[1], (std::vector<double>{2, 5}));
  ASSERT_EQ(n.issues.size(), 1u);
  EXPECT_NE(n.issues[0].message.find("s.csv:3: column 'v'"), std::string::npos);
}

TEST(Table, Dates) {
  EXPECT_EQ(*parse_date("19700101"), 0);
  EXPECT_EQ(*parse_date("1997-09-30") - *parse_date("19970101"), 272);
  EXPECT_EQ(*parse_date("2010-12-01 08:26:00"), *parse_date("20101201"));
  EXPECT_EQ(*parse_date("2000/03/01") - *parse_date("2000-02-28"), 2);  // 2000 is a leap year
  EXPECT_FALSE(parse_date("1900-02-29"));                               // 1900 is not
  EXPECT_FALSE(parse_date("2001-13-01"));
  EXPECT_FALSE(parse_date("hello"));
  EXPECT_EQ(format_date(*parse_date("19980630")), "1998-06-30");
  EXPECT_EQ(format_date(-1), "1969-12-31");
}

// Telco-Customer-Churn.csv: 7,043 rows x 21 columns, TotalCharges blank in 11 rows (all with
// tenure 0). Figures from Telco-Customer-Churn.source.txt.
TEST(TableData, TelcoChurn) {
  Table t = Table::read(kData + "/Telco-Customer-Churn.csv");
  EXPECT_EQ(t.rows(), 7043u);
  EXPECT_EQ(t.columns().size(), 21u);
  auto churn = t.strings("Churn");
  EXPECT_EQ(std::count(churn.begin(), churn.end(), "Yes"), 1869);
  auto monthly = t.numbers("MonthlyCharges");
  EXPECT_NEAR(std::accumulate(monthly.begin(), monthly.end(), 0.0), 456116.60, 1e-6);
  std::string msg = error_of([&] { t.numbers("TotalCharges"); });
  EXPECT_NE(msg.find("Telco-Customer-Churn.csv:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("column 'TotalCharges' (field 20): empty value"), std::string::npos) << msg;
  NumericColumns n = select_numeric(t, {"tenure", "TotalCharges"}, BadRowPolicy::kSkip);
  EXPECT_EQ(n.skipped, 11u);
  for (std::size_t i = 0; i < n.issues.size(); ++i) {
    std::size_t row = 0;
    while (t.line(row) != n.issues[i].line) ++row;
    EXPECT_EQ(t.cell(row, t.column("tenure")), "0");
  }
}

TEST(TableData, CdnowWhitespaceFormats) {
  // CDNOW_master.txt: whitespace-separated with a header line; CRLF line endings.
  Table m = Table::read(kData + "/CDNOW_master.txt", {.whitespace = true});
  EXPECT_EQ(m.columns(),
            (std::vector<std::string>{"customer_id", "date", "number_of_cds", "dollar_value"}));
  EXPECT_EQ(m.rows(), 69659u);
  auto dollars = m.numbers("dollar_value");
  EXPECT_NEAR(std::accumulate(dollars.begin(), dollars.end(), 0.0), 2500315.63, 1e-4);
  auto ids = m.strings("customer_id");
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 23570u);
  // CDNOW_sample.txt: no header, 5 columns.
  Table s = Table::read(kData + "/CDNOW_sample.txt",
                        {.whitespace = true,
                         .header = false,
                         .column_names = {"master_id", "sample_id", "date", "cds", "dollars"}});
  EXPECT_EQ(s.rows(), 6919u);
  EXPECT_EQ(s.cell(0, 0), "00004");
  EXPECT_EQ(*parse_date(s.cell(0, 2)), *parse_date("1997-01-01"));
}

TEST(TableData, SummaryAndSmallFiles) {
  Table c = Table::read(kData + "/cdnow_customers_summary.csv");
  EXPECT_EQ(c.rows(), 2357u);
  EXPECT_EQ(c.columns(), (std::vector<std::string>{"ID", "frequency", "recency", "T"}));
  Table w = Table::read(kData + "/cdnow_customers_summary_with_transactions.csv");
  EXPECT_EQ(w.rows(), 2357u);
  auto x = w.numbers("x");
  EXPECT_EQ(std::count_if(x.begin(), x.end(), [](double v) { return v > 0; }), 946);
  Table d = Table::read(kData + "/donations.csv");
  EXPECT_EQ(d.rows(), 22u);
  auto weights = d.numbers("weights");
  EXPECT_EQ(std::accumulate(weights.begin(), weights.end(), 0.0), 11104.0);
  Table s = Table::read(kData + "/sbg_fader_hardie_2007_survival.csv");
  EXPECT_EQ(s.rows(), 8u);
  EXPECT_EQ(s.numbers("regular_alive").back(), 241.0);
}
