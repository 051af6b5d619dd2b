// Baseline packs (scenarios/baselines/*.yaml) and benchmarking against them: every shipped pack
// loads and traces each figure to a row of data/industry_baselines.tsv; positions,
// bands, verdicts and distances are checked by hand; broken packs give file:line:col errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "journeysim/analysis/baseline.hpp"
#include "journeysim/analysis/runner.hpp"
#include "journeysim/sim/scenario.hpp"

using namespace journeysim;
using analysis::Position;
using analysis::Verdict;
namespace fs = std::filesystem;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() /
                     ("journeysim_test_baseline_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p.string();
}

// The error message of loading `text` as a pack file named `name`.
std::string load_error(const std::string& name, const std::string& text, std::string* path) {
  *path = write_temp(name, text);
  try {
    analysis::load_baseline(*path);
  } catch (const sim::ScenarioError& e) {
    fs::remove(*path);
    return e.what();
  }
  fs::remove(*path);
  return "(no error)";
}

// One TSV row: its citation ("same" resolved to the row above) and confidence.
struct TsvRow {
  std::string metric, source, confidence;
};
std::vector<TsvRow> tsv_rows() {
  std::ifstream in(std::string(JOURNEYSIM_SHARED_DATA) + "/industry_baselines.tsv");
  std::vector<TsvRow> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
    if (cols.size() < 5) continue;
    std::string source = cols[3];
    if (source.rfind("same", 0) == 0 && !rows.empty()) source = rows.back().source;
    rows.push_back({cols[0], source, cols[4]});
  }
  return rows;
}

kpi::KpiScore score_of(const std::string& id, double mean, double lo = NAN, double hi = NAN) {
  kpi::KpiScore s;
  s.id = id;
  s.group = "all";
  s.replications = 5;
  s.mean = mean;
  s.ci_low = lo;
  s.ci_high = hi;
  return s;
}

// A pack with one figure per case below, and the report it is assessed against.
const char* kCases = R"(format_version: 1
name: cases
figures:
  - {kpi: monthly_churn_rate, segment: s, range: {low: 0.03, high: 0.07}, year: 2020, source: a, confidence: high}
  - {kpi: monthly_churn_rate, segment: s, range: {low: 0.10, high: 0.20}, year: 2020, source: a, confidence: high}
  - {kpi: monthly_churn_rate, segment: s, range: {low: 0.05, high: 0.10}, year: 2020, source: a, confidence: high}
  - {kpi: cac_clv_ratio, segment: s, threshold: {min: 3}, year: 2020, source: a, confidence: high}
  - {kpi: cac_payback_months, segment: s, threshold: {max: 12}, year: 2020, source: a, confidence: high}
  - {kpi: cac_payback_months, segment: s, quantiles: {p25: 6, median: 16, p75: 24}, year: 2020, source: a, confidence: high}
  - {kpi: cac_payback_months, segment: s, range: {low: 8, high: 9}, year: 2020, source: a, confidence: high}
  - {kpi: nps, segment: s, range: {low: 0, high: 15}, year: 2020, source: a, confidence: high}
  - {kpi: net_revenue_retention, segment: s, quantiles: {median: 1.0}, year: 2020, source: a, confidence: high}
  - {kpi: impressions, segment: s, range: {low: 100, high: 200}, year: 2020, source: a, confidence: high}
  - {kpi: message_open_rate, segment: s, average: 0.2, year: undated, source: a, confidence: low}
  - {kpi: activation_rate, segment: s, quantiles: {median: 0.30}, year: 2020, source: a, confidence: high}
  - {kpi: message_click_rate, segment: s, point: {value: 0.025, tolerance: 0.01}, year: 2020, source: a, confidence: high}
  - {kpi: activated_followup_engagement, segment: s, quantiles: {p10: 0.1, p25: 0.2, median: 0.3, p75: 0.4, p90: 0.5}, year: 2020, source: a, confidence: high}
)";

kpi::ScoreReport cases_report() {
  kpi::ScoreReport r;
  r.source = "hand.h5";
  r.scenario = "hand";
  r.groups = {"all"};
  r.replications = 5;
  r.scores = {score_of("monthly_churn_rate", 0.09),
              score_of("cac_clv_ratio", 2.4),
              score_of("cac_payback_months", 10),
              score_of("nps", -10),
              score_of("net_revenue_retention", 0.99),
              score_of("impressions", 500),
              score_of("activation_rate", 0.35, 0.28, 0.42),
              score_of("message_click_rate", 0.03),
              score_of("activated_followup_engagement", 0.45)};
  kpi::KpiScore open = score_of("message_open_rate", 0);
  open.replications = 0;
  open.result = kpi::Result::unavailable("the log has no message_sent events");
  r.scores.push_back(open);
  return r;
}

}  // namespace

TEST(BaselinePacks, ShippedPacksCoverTheSegments) {
  const auto names = analysis::shipped_baselines();
  for (const char* want : {"saas_b2b_smb", "saas_b2b_midmarket", "saas_b2b_enterprise",
                           "b2c_subscription_app", "ecommerce"})
    EXPECT_TRUE(std::count(names.begin(), names.end(), want)) << want;
}

TEST(BaselinePacks, EveryFigureHasKpiSegmentYearSourceAndATsvRow) {
  const auto rows = tsv_rows();
  ASSERT_GE(rows.size(), 25u) << "cannot read " << JOURNEYSIM_SHARED_DATA
                              << "/industry_baselines.tsv";
  for (const auto& name : analysis::shipped_baselines()) {
    SCOPED_TRACE(name);
    const analysis::Baseline b = analysis::load_baseline(name);  // by name
    EXPECT_EQ(b.name, name);
    EXPECT_FALSE(b.figures.empty());
    for (const auto& f : b.figures) {
      SCOPED_TRACE(f.kpi + " at line " + std::to_string(f.pos.line));
      EXPECT_NE(kpi::find_kpi(f.kpi), nullptr);
      EXPECT_FALSE(f.segment.empty());
      EXPECT_FALSE(f.source.empty());
      EXPECT_FALSE(f.note.empty());
      EXPECT_TRUE(f.year == 0 || (f.year >= 2010 && f.year <= 2026)) << f.year;
      // The citation starts from a TSV row's, with that row's confidence.
      bool traced = false;
      for (const auto& row : rows)
        if (f.source.find(row.source) != std::string::npos && f.confidence == row.confidence)
          traced = true;
      EXPECT_TRUE(traced) << "no TSV row with this citation and confidence " << f.confidence << ": "
                          << f.source;
    }
  }
}

TEST(BaselinePacks, DocsListEveryShippedFigure) {
  std::ifstream in(std::string(JOURNEYSIM_SOURCE_DIR) + "/docs/baselines.md");
  std::stringstream doc;
  doc << in.rdbuf();
  std::size_t rows = 0, figures = 0;
  for (std::string line; std::getline(doc, line);)
    if (line.rfind("| saas_", 0) == 0 || line.rfind("| b2c_", 0) == 0 ||
        line.rfind("| ecommerce ", 0) == 0)
      ++rows;
  for (const auto& name : analysis::shipped_baselines())
    for (const auto& f : analysis::load_baseline(name).figures) {
      ++figures;
      const std::string row = "| " + name + " | `" + f.kpi + "` | " + f.segment + " | ";
      EXPECT_NE(doc.str().find(row), std::string::npos) << "docs/baselines.md lacks " << row;
    }
  EXPECT_EQ(rows, figures) << "docs/baselines.md lists figures that no pack has";
}

TEST(BaselinePacks, ByNameAndByPathAreTheSamePack) {
  const auto a = analysis::load_baseline("ecommerce");
  const auto b = analysis::load_baseline(std::string(JOURNEYSIM_SOURCE_DIR) +
                                         "/scenarios/baselines/ecommerce.yaml");
  EXPECT_EQ(a.figures.size(), b.figures.size());
  EXPECT_EQ(a.kpis(), b.kpis());
}

TEST(BaselinePacks, UnknownNameListsTheShippedOnes) {
  try {
    analysis::load_baseline("saas_b2b_smbb");
    FAIL() << "no error";
  } catch (const sim::ScenarioError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("no baseline pack named 'saas_b2b_smbb' (did you mean 'saas_b2b_smb'?)"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("ecommerce"), std::string::npos) << m;
  }
}

TEST(BaselineAssess, VerdictsBandsAndDistancesByHand) {
  std::string path = write_temp("cases.yaml", kCases);
  const auto b = analysis::load_baseline(path);
  fs::remove(path);
  const auto a = analysis::assess(cases_report(), b);
  ASSERT_EQ(a.figures.size(), 14u);
  struct Want {
    Position pos;
    std::string band;
    Verdict verdict;
    double distance;
  };
  const std::vector<Want> want = {
      // churn 0.09 (lower is better): above 3-7% is worse, by (0.09 - 0.07) / 0.07
      {Position::above, "above range", Verdict::worse, 0.02 / 0.07},
      // below 10-20% is better, by 0.01 / 0.10
      {Position::below, "below range", Verdict::better, 0.1},
      {Position::within, "in range", Verdict::typical, 0},
      // CLV:CAC 2.4 misses >= 3 by 0.6 / 3
      {Position::below, "below min 3", Verdict::misses, 0.2},
      // payback 10 months meets <= 12, lies between p25 and median, and is above 8-9 (worse)
      {Position::below, "meets <= 12", Verdict::meets, 0},
      {Position::within, "p25-median", Verdict::typical, 0},
      {Position::above, "above range", Verdict::worse, 1.0 / 9},
      // NPS -10 below 0..15: the edge is 0, so the distance is relative to the width, 10 / 15
      {Position::below, "below range", Verdict::worse, 10.0 / 15},
      // monthly NRR 0.99 below a median of 1.0
      {Position::below, "below median", Verdict::worse, 0.01},
      // a neutral KPI outside its range only differs: (500 - 200) / 200
      {Position::above, "above range", Verdict::differs, 1.5},
      {Position::unavailable, "", Verdict::unavailable, 0},
      // activation 0.35 above the median 0.30, but its CI [0.28, 0.42] reaches below it
      {Position::above, "above median", Verdict::better, 0.05 / 0.30},
      // 0.03 within 0.025 +- 0.01
      {Position::within, "in range", Verdict::typical, 0},
      // 0.45 between p75 and p90
      {Position::within, "p75-p90", Verdict::typical, 0},
  };
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("figure " + std::to_string(i));
    const auto& fa = a.figures[i];
    EXPECT_EQ(fa.position, want[i].pos) << analysis::to_string(fa.position);
    EXPECT_EQ(fa.band, want[i].band);
    EXPECT_EQ(fa.verdict, want[i].verdict) << analysis::to_string(fa.verdict);
    EXPECT_NEAR(fa.distance, want[i].distance, 1e-12);
    EXPECT_EQ(fa.uncertain, i == 11);
  }
  EXPECT_FALSE(a.figures[10].available);
  EXPECT_EQ(a.figures[10].reason, "the log has no message_sent events");
  EXPECT_EQ(a.unavailable, std::vector<std::size_t>{10});
  // furthest first: impressions 1.5, NPS 0.667, churn 0.286, CLV:CAC 0.2, activation 0.167,
  // payback 0.111, churn 0.1, NRR 0.01
  EXPECT_EQ(a.furthest, (std::vector<std::size_t>{9, 7, 0, 3, 11, 6, 1, 8}));
  EXPECT_EQ(a.count(Verdict::worse), 4);
  EXPECT_EQ(a.count(Verdict::typical), 4);
  EXPECT_EQ(a.count(Verdict::better), 2);
  EXPECT_EQ(a.count(Verdict::misses), 1);
  EXPECT_EQ(a.count(Verdict::meets), 1);
  EXPECT_EQ(a.count(Verdict::differs), 1);

  const auto j = analysis::to_json(a);
  EXPECT_EQ(j["figures"][0]["verdict"], "worse");
  EXPECT_EQ(j["figures"][3]["benchmark"]["min"], 3.0);
  EXPECT_EQ(j["figures"][5]["benchmark"]["median"], 16.0);
  EXPECT_TRUE(j["figures"][10]["year"].is_null());
  EXPECT_EQ(j["figures"][10]["reason"], "the log has no message_sent events");
  EXPECT_EQ(j["summary"]["assessed"], 13);
  EXPECT_EQ(j["summary"]["furthest"][0]["kpi"], "impressions");
  EXPECT_EQ(j["summary"]["unavailable"][0]["kpi"], "message_open_rate");
  const std::string html = analysis::to_html_fragment(a);
  EXPECT_NE(html.find("<tr class=\"verdict-worse\">"), std::string::npos);
  EXPECT_NE(html.find("class=\"verdict verdict-misses\""), std::string::npos);
  const std::string text = analysis::to_text(a);
  EXPECT_NE(text.find("message_open_rate: the log has no message_sent events"), std::string::npos)
      << text;
}

// A value far outside its benchmark on either side is flagged implausible, even when "better":
// a CAC payback of 2 months against a range of 8-9 (and a p25 of 6) means the scenario is
// probably miscalibrated (#16). The rule: beyond 3x the upper edge, or under a third of the
// lower edge; thresholds (one-sided) are never implausible.
TEST(BaselineAssess, FarOutsideTheBenchmarkIsImplausibleOnEitherSide) {
  std::string path = write_temp("cases2.yaml", kCases);
  const auto b = analysis::load_baseline(path);
  fs::remove(path);
  auto r = cases_report();
  for (auto& s : r.scores) {
    if (s.id == "cac_payback_months") s.mean = 2;
    if (s.id == "impressions") s.mean = 601;  // range 100-200: more than 3 x 200
  }
  auto a = analysis::assess(r, b);
  // payback figures: #4 threshold (max 12: meets, never implausible), #5 quantiles p25 6 (2 is
  // not under 6 / 3 = 2), #6 range 8-9 (2 < 8 / 3: implausible, although "better")
  EXPECT_FALSE(a.figures[4].implausible);
  EXPECT_FALSE(a.figures[5].implausible);
  EXPECT_TRUE(a.figures[6].implausible);
  EXPECT_EQ(a.figures[6].verdict, Verdict::better);
  EXPECT_EQ(a.figures[6].plausibility,
            "2 is under a third of the benchmark's lower edge 8: the scenario is probably "
            "miscalibrated");
  EXPECT_TRUE(a.figures[9].implausible);  // impressions 601 > 3 x 200
  for (std::size_t i : {0, 1, 2, 3, 7, 8, 11, 12, 13}) EXPECT_FALSE(a.figures[i].implausible) << i;
  const auto j = analysis::to_json(a);
  EXPECT_EQ(j["figures"][6]["implausible"], true);
  EXPECT_EQ(j["summary"]["implausible"].size(), 2u);
  EXPECT_EQ(j["summary"]["implausible"][0]["kpi"], "cac_payback_months");
  const std::string text = analysis::to_text(a);
  EXPECT_NE(text.find("better (implausible)"), std::string::npos) << text;
  EXPECT_NE(text.find("Implausible (far outside the benchmark, either side):\n  "
                      "cac_payback_months: 2 is under a third"),
            std::string::npos)
      << text;
  EXPECT_NE(analysis::to_html_fragment(a).find("<strong>Implausible:</strong> cac_payback_months"),
            std::string::npos);
  // and 600 exactly (3 x 200) is not
  for (auto& s : r.scores)
    if (s.id == "impressions") s.mean = 600;
  EXPECT_FALSE(analysis::assess(r, b).figures[9].implausible);
}

TEST(BaselineErrors, PointAtFileLineColumnAndKey) {
  const std::string head = "format_version: 1\nname: t\nfigures:\n";
  const std::string fig =
      "    segment: s\n    range: {low: 0.03, high: 0.07}\n    year: 2020\n    source: x\n"
      "    confidence: low\n";
  struct Case {
    std::string name, text, expected;  // expected message after "<path>:"
  };
  const std::vector<Case> cases = {
      {"unknown_key.yaml", head + "  - kpi: monthly_churn_rate\n" + fig + "    nte: x\n",
       "10:5: figures[0].nte: unknown key (did you mean 'note'?); known keys here: kpi, segment, "
       "range, quantiles, threshold, point, average, year, source, confidence, note"},
      {"unknown_kpi.yaml", head + "  - kpi: montly_churn_rate\n" + fig,
       "4:10: figures[0].kpi: unknown KPI id 'montly_churn_rate' (did you mean "
       "'monthly_churn_rate'?); `journeysim kpis` lists them"},
      {"typo_source.yaml",
       head + "  - kpi: nps\n    segment: s\n    average: 40\n    year: 2022\n    sorce: x\n"
              "    confidence: low\n",
       "8:5: figures[0].source: required key is missing: expected the citation (a figure without "
       "a source does not ship) (found 'sorce' here: a typo for 'source'?)"},
      {"top_level.yaml", "format_version: 1\nname: t\nfigurs: []\n",
       "3:1: figures: required key is missing: expected a list of figures (found 'figurs' here: a "
       "typo for 'figures'?)"},
      {"percent.yaml",
       head + "  - kpi: monthly_churn_rate\n    segment: s\n"
              "    range: {low: 3, high: 7}\n    year: 2020\n    source: x\n"
              "    confidence: low\n",
       "6:18: figures[0].range.low: expected a fraction (monthly_churn_rate is a share/month: 0.03 "
       "for 3%), found 3"},
      {"min_on_churn.yaml",
       head + "  - kpi: monthly_churn_rate\n    segment: s\n"
              "    threshold: {min: 0.03}\n    year: 2020\n    source: x\n"
              "    confidence: low\n",
       "6:17: figures[0].threshold.min: a minimum on monthly_churn_rate (lower is better) would "
       "call the bad side good: use max, or a range"},
      {"two_kinds.yaml",
       head + "  - kpi: nps\n    segment: s\n    average: 40\n"
              "    range: {low: 30, high: 40}\n    year: 2020\n"
              "    source: x\n    confidence: low\n",
       "6:5: figures[0].average: give one benchmark per figure: range or average, not both"},
      {"low_high.yaml",
       head + "  - kpi: nps\n    segment: s\n    range: {low: 40, high: 30}\n"
              "    year: 2020\n    source: x\n    confidence: low\n",
       "6:28: figures[0].range.high: expected a number >= low (40), found 30"},
      {"quantile_order.yaml",
       head + "  - kpi: nps\n    segment: s\n"
              "    quantiles: {p25: 30, median: 20}\n    year: 2020\n"
              "    source: x\n    confidence: low\n",
       "6:34: figures[0].quantiles.median: expected a number >= p25 (30), found 20"},
      {"point_no_tolerance.yaml",
       head + "  - kpi: nps\n    segment: s\n    point: {value: 40}\n"
              "    year: 2020\n    source: x\n    confidence: low\n",
       "6:12: figures[0].point.tolerance: required key is missing: expected the tolerance the "
       "source gives (without one, use average)"},
      {"year.yaml",
       head + "  - kpi: nps\n    segment: s\n    average: 40\n    year: 20.5\n"
              "    source: x\n    confidence: low\n",
       "7:11: figures[0].year: expected a year in [1900, 2100] or 'undated', found 20.5"},
      {"confidence.yaml",
       head + "  - kpi: nps\n    segment: s\n    average: 40\n"
              "    year: 2020\n    source: x\n    confidence: hgh\n",
       "9:17: figures[0].confidence: expected one of high, medium, low, found 'hgh' (did you mean "
       "'high'?)"},
      {"syntax.yaml", head + "  - kpi: nps\n    segment: [s\n", "YAML syntax error"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string path;
    const std::string m = load_error(c.name, c.text, &path);
    EXPECT_EQ(m.rfind(path + ":", 0), 0u) << m;  // starts with the file
    EXPECT_NE(m.find(c.expected), std::string::npos) << m;
  }
}

TEST(BaselineFiles, ValidateRecognisesPacks) {
  EXPECT_TRUE(analysis::is_baseline_file(std::string(JOURNEYSIM_SOURCE_DIR) +
                                         "/scenarios/baselines/ecommerce.yaml"));
  EXPECT_FALSE(
      analysis::is_baseline_file(std::string(JOURNEYSIM_SOURCE_DIR) + "/scenarios/saas_b2b.yaml"));
  const std::string elsewhere = write_temp("pack.yaml", "format_version: 1\nfigures: []\n");
  EXPECT_TRUE(analysis::is_baseline_file(elsewhere));
  fs::remove(elsewhere);
}

// A small simulated run of the sales-led B2B scenario against the SMB pack: the pack's trial
// figure cannot be computed (no trials in a sales-led run) and is listed, not hidden.
TEST(BaselineBenchmark, SmallRunListsUnavailableKpis) {
  const auto b = analysis::load_baseline("saas_b2b_smb");
  const auto scenario = sim::load_scenario(
      std::string(JOURNEYSIM_SOURCE_DIR) + "/scenarios/saas_b2b.yaml", {"customers=2000"});
  analysis::SimulateOptions so;
  so.replications = 2;
  so.threads = 1;
  kpi::ScoreOptions o;
  o.kpis = b.kpis();
  const auto a = analysis::assess(kpi::score(analysis::simulate_to_log(scenario, so), o), b);
  ASSERT_EQ(a.figures.size(), b.figures.size());
  EXPECT_EQ(a.replications, 2);
  bool trial_listed = false;
  for (std::size_t i : a.unavailable) {
    const auto& fa = a.figures[i];
    EXPECT_FALSE(fa.reason.empty());
    if (fa.figure.kpi == "trial_to_paid_rate") {
      trial_listed = true;
      EXPECT_NE(fa.reason.find("trial_started"), std::string::npos) << fa.reason;
    }
  }
  EXPECT_TRUE(trial_listed);
  for (const auto& fa : a.figures) {
    if (!fa.available) continue;
    SCOPED_TRACE(fa.figure.kpi);
    EXPECT_TRUE(std::isfinite(fa.value));
    EXPECT_EQ(fa.replications, 2);
    EXPECT_NE(fa.verdict, Verdict::unavailable);
    EXPECT_GE(fa.distance, 0);
  }
  // churn is scored: a sales-led B2B run has conversions and churn
  EXPECT_TRUE(a.figures[0].available);
  EXPECT_EQ(a.figures[0].figure.kpi, "monthly_churn_rate");
}
