// The HTML report of a sweep's results (sweep/report.hpp): pages built from synthetic results
// whose answers are known (full factorial, Sobol and Morris designs over made-up KPIs) hold every
// section and chart with as many bars, cells and points as the design has factors, levels and
// pairs; the best-point tables list the right points in each KPI's better direction; KPIs missing
// at a point or constant over the design give a note instead of a chart; failed tasks are
// listed; text is escaped and no NaN or infinity is ever written. End to end, `journeysim report`
// routes a sweep's RESULTS.h5 to this report and rejects event-log options with a clear message.
// Rendering in a browser is tests/browser/ (CTest label `browser`).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "journeysim/sweep/analyse.hpp"
#include "journeysim/sweep/design.hpp"
#include "journeysim/sweep/report.hpp"
#include "journeysim/sweep/results_file.hpp"

using namespace journeysim::sweep;
namespace fs = std::filesystem;

namespace {

Factor levels(const std::string& name, std::vector<double> values) {
  Factor f;
  f.name = f.path = name;
  f.kind = Factor::Kind::levels;
  f.levels = std::move(values);
  return f;
}
Factor range(const std::string& name, double lo, double hi) {
  Factor f;
  f.name = f.path = name;
  f.kind = Factor::Kind::range;
  f.lo = lo;
  f.hi = hi;
  return f;
}

// A KPI of the synthetic results: its value at a point's factor values in a replication.
using KpiFunction = std::function<double(const std::vector<double>& x, std::uint32_t rep)>;

// Results as `journeysim sweep` would read them back, with the KPIs computed from the factor
// values of each point (replications differ by a small fixed offset, as if noise).
SweepResults synthetic(const std::vector<Factor>& factors, const DesignSettings& settings,
                       const std::vector<std::pair<std::string, KpiFunction>>& kpis,
                       std::uint32_t replications = 2) {
  SweepResults r;
  r.path = "synthetic.h5";
  r.name = "synthetic";
  r.version = "0.0.0-test";
  r.commit = "abc123";
  r.scenario_path = "scenario.yaml";
  r.seed = 11;
  r.replications = replications;
  r.factors = factors;
  r.design = make_design(factors, settings);
  const std::uint64_t P = r.design.points.size(), T = P * replications;
  r.status.assign(T, 0);
  r.events.assign(T, 1000);
  r.seconds.assign(T, 0.01);
  for (const auto& [id, f] : kpis) {
    r.kpis.push_back(id);
    std::vector<double> v(T);
    for (std::uint64_t p = 0; p < P; ++p) {
      std::vector<double> x;
      for (const auto& fv : r.design.points[p]) x.push_back(fv.number);
      for (std::uint32_t rep = 0; rep < replications; ++rep) v[p * replications + rep] = f(x, rep);
    }
    r.values.push_back(std::move(v));
  }
  return r;
}

double noise(std::uint32_t rep) {
  return rep == 0 ? -0.001 : 0.001;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The <figure> of a chart (empty when there is none).
std::string figure_of(const std::string& html, const std::string& id) {
  const auto at = html.find("<figure class=\"chart\" data-chart=\"" + id + "\"");
  if (at == std::string::npos) return "";
  return html.substr(at, html.find("</figure>", at) - at);
}

// The value of attribute `name` in the first element of `html` that has it.
std::string attribute(const std::string& html, const std::string& name) {
  const auto at = html.find(" " + name + "=\"");
  if (at == std::string::npos) return "";
  const auto from = at + name.size() + 3;
  return html.substr(from, html.find('"', from) - from);
}

// The body of the best-points table of a KPI.
std::string best_table(const std::string& html, const std::string& kpi) {
  const auto at = html.find("<table class=\"best\" data-kpi=\"" + kpi + "\"");
  if (at == std::string::npos) return "";
  return html.substr(at, html.find("</table>", at) - at);
}

// The point ids of a best-points table's rows, in order.
std::vector<std::uint64_t> best_points(const std::string& table) {
  std::vector<std::uint64_t> out;
  static const std::regex row("data-point=\"([0-9]+)\"");
  for (std::sregex_iterator it(table.begin(), table.end(), row), end; it != end; ++it)
    out.push_back(std::stoull((*it)[1].str()));
  return out;
}

// Checks that hold for every page: no NaN or infinity written anywhere, elements closed.
void expect_clean(const std::string& html) {
  static const std::regex non_number("(^|[^A-Za-z])(nan|inf|infinity)([^A-Za-z]|$)",
                                     std::regex::icase);
  std::smatch m;
  if (std::regex_search(html, m, non_number)) {
    const auto at = static_cast<std::size_t>(m.position(0));
    ADD_FAILURE() << "non-number in the page: ..." << html.substr(at > 80 ? at - 80 : 0, 160)
                  << "...";
  }
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* tag : {"figure", "svg", "table", "section", "tr", "g"})
    EXPECT_EQ(count(html, std::string("<") + tag + ">") + count(html, std::string("<") + tag + " "),
              count(html, std::string("</") + tag + ">"))
        << tag;
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

std::string report_of(const SweepResults& r, const AnalyseOptions& o = {}) {
  AnalyseOptions options = o;
  options.resamples = 200;
  return sweep_report_html(analyse(r, options), r, "");
}

// mrr = a b + 0.1 c, cac = a b + 0.5 c over a 3 x 2 x 2 full factorial.
SweepResults factorial() {
  DesignSettings ds;
  ds.kind = DesignKind::full_factorial;
  return synthetic(
      {levels("a", {1, 2, 3}), levels("b", {10, 20}), levels("c", {0, 1})}, ds,
      {{"mrr", [](const auto& x, auto rep) { return x[0] * x[1] + 0.1 * x[2] + noise(rep); }},
       {"cac", [](const auto& x, auto rep) { return x[0] * x[1] + 0.5 * x[2] + noise(rep); }}},
      3);
}

std::uint64_t point_at(const SweepResults& r, const std::vector<double>& values) {
  for (std::uint64_t p = 0; p < r.design.points.size(); ++p) {
    bool same = true;
    for (std::size_t i = 0; i < values.size(); ++i)
      same = same && r.design.points[p][i].number == values[i];
    if (same) return p;
  }
  ADD_FAILURE() << "no such point";
  return 0;
}

std::string source(const std::string& rel) {
  return std::string(JOURNEYSIM_SOURCE_DIR) + "/" + rel;
}
std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(SweepReport, FullFactorialSectionsChartsAndBestPoints) {
  const SweepResults r = factorial();
  const std::string html = report_of(r);
  expect_clean(html);
  // header
  EXPECT_NE(html.find("<title>synthetic: sweep report</title>"), std::string::npos);
  EXPECT_NE(html.find("full factorial: 3 × 2 × 2 levels"), std::string::npos);
  EXPECT_NE(html.find("12 points × 3 replications = 36 tasks"), std::string::npos);
  EXPECT_NE(html.find("seed 11"), std::string::npos);
  EXPECT_NE(html.find("journeysim 0.0.0-test (abc123)"), std::string::npos);
  EXPECT_NE(html.find("0 failed"), std::string::npos);
  for (const char* kpi : {"mrr", "cac"}) {
    SCOPED_TRACE(kpi);
    const std::string k = kpi;
    EXPECT_NE(html.find("<section id=\"kpi-" + k + "\""), std::string::npos);
    // shares of variance: 3 main effects + 3 pairs + the higher-order rest, one bar each
    const std::string anova = figure_of(html, "anova-" + k);
    ASSERT_FALSE(anova.empty());
    EXPECT_EQ(count(anova, "class=\"bar\""), 7u);
    EXPECT_EQ(attribute(anova, "data-bars"), "7");
    EXPECT_NE(anova.find("a × b"), std::string::npos);
    // heatmap over a and b (the two most important), 3 x 2 cells
    const std::string heat = figure_of(html, "heatmap-" + k);
    ASSERT_FALSE(heat.empty());
    EXPECT_EQ(count(heat, "class=\"cell\""), 6u);
    EXPECT_EQ(attribute(heat, "data-cells"), "6");
    EXPECT_TRUE(heat.find(" over a and b") != std::string::npos ||
                heat.find(" over b and a") != std::string::npos);
    // a main-effect plot per factor with a point per level
    for (int f = 0; f < 3; ++f) {
      const std::string me = figure_of(html, "main-" + k + "-" + std::to_string(f));
      ASSERT_FALSE(me.empty()) << f;
      EXPECT_EQ(count(me, "<circle class=\"marker\""), f == 0 ? 3u : 2u) << f;
    }
  }
  // mrr: higher is better; the best point is a = 3, b = 20, c = 1 (mean 60.1)
  const std::string mrr = best_table(html, "mrr");
  const auto top = best_points(mrr);
  ASSERT_EQ(top.size(), 5u);
  EXPECT_EQ(top[0], point_at(r, {3, 20, 1}));
  EXPECT_EQ(top[1], point_at(r, {3, 20, 0}));
  EXPECT_NE(mrr.find(">60.1<"), std::string::npos);
  // cac: lower is better; the best point is a = 1, b = 10, c = 0 (mean 10)
  const auto low = best_points(best_table(html, "cac"));
  ASSERT_EQ(low.size(), 5u);
  EXPECT_EQ(low[0], point_at(r, {1, 10, 0}));
  EXPECT_EQ(low[1], point_at(r, {1, 10, 1}));
  // the factors table and a row per factor in each importance table
  EXPECT_EQ(count(html, "<table class=\"factors\">"), 1u);
  EXPECT_EQ(count(html, "<table class=\"importance\""), 2u);
}

TEST(SweepReport, SobolBarsPerFactorAndNoNaN) {
  DesignSettings ds;
  ds.kind = DesignKind::sobol;
  ds.n = 16;
  const SweepResults r = synthetic(
      {range("x1", 0, 1), range("x2", 0, 1), range("x3", 0, 1)}, ds,
      {{"mrr", [](const auto& x, auto rep) { return x[0] + 2 * x[1] + noise(rep); }},
       {"conversion_rate", [](const auto& x, auto) { return 0.1 + 0.05 * x[0] * x[1]; }}});
  const std::string html = report_of(r);
  expect_clean(html);
  EXPECT_NE(html.find("Sobol (Saltelli): N = 16 base samples"), std::string::npos);
  for (const char* kpi : {"mrr", "conversion_rate"}) {
    SCOPED_TRACE(kpi);
    const std::string sobol = figure_of(html, std::string("sobol-") + kpi);
    ASSERT_FALSE(sobol.empty());
    // first-order and total index for each of the 3 factors, each with its CI whisker
    EXPECT_EQ(count(sobol, "class=\"bar\""), 3u * 2u);
    EXPECT_EQ(attribute(sobol, "data-bars"), "6");
    EXPECT_GE(count(sobol, "class=\"whisker\""), 6u);
    for (int f = 0; f < 3; ++f)
      EXPECT_FALSE(figure_of(html, std::string("main-") + kpi + "-" + std::to_string(f)).empty());
  }
  // x2 matters most for mrr: first in the ranking, the Sobol bars and the importance table
  const std::string mrr = figure_of(html, "sobol-mrr");
  EXPECT_LT(mrr.find(">x2<"), mrr.find(">x1<"));
  EXPECT_LT(mrr.find(">x1<"), mrr.find(">x3<"));
  // a share KPI is written as a percentage
  const auto conv = html.find("<section id=\"kpi-conversion_rate\"");
  ASSERT_NE(conv, std::string::npos);
  const auto meta = html.find("point means from ", conv);
  ASSERT_NE(meta, std::string::npos);
  EXPECT_NE(html.substr(meta, html.find("</p>", meta) - meta).find('%'), std::string::npos);
  // best point of mrr: the point with the highest x1 + 2 x2
  std::uint64_t best = 0;
  double best_value = -1;
  for (std::uint64_t p = 0; p < r.design.points.size(); ++p) {
    const double v = r.design.points[p][0].number + 2 * r.design.points[p][1].number;
    if (v > best_value) best_value = v, best = p;
  }
  const auto top = best_points(best_table(html, "mrr"));
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top[0], best);
}

TEST(SweepReport, MorrisBarsAndPlane) {
  DesignSettings ds;
  ds.kind = DesignKind::morris;
  ds.trajectories = 6;
  ds.morris_levels = 4;
  ds.seed = 3;
  const SweepResults r = synthetic(
      {range("x1", 0, 1), range("x2", 0, 1), range("x3", 0, 1), range("x4", 0, 1)}, ds,
      {{"mrr", [](const auto& x, auto rep) { return 3 * x[0] + x[1] * x[2] + noise(rep); }}});
  const std::string html = report_of(r);
  expect_clean(html);
  const std::string bars = figure_of(html, "morris-mrr");
  ASSERT_FALSE(bars.empty());
  // mu* (with its CI) and sigma per factor; x4 has neither, yet a hairline shows where 0 is
  EXPECT_EQ(count(bars, "class=\"bar\""), 4u * 2u);
  const std::string plane = figure_of(html, "morris-plane-mrr");
  ASSERT_FALSE(plane.empty());
  EXPECT_EQ(count(plane, "<circle class=\"marker\""), 4u);
  EXPECT_EQ(attribute(plane, "data-points"), "4");
  EXPECT_NE(html.find("most important: <strong>x1</strong> (by Morris mu*)"), std::string::npos);
}

TEST(SweepReport, MissingConstantAndFailed) {
  DesignSettings ds;
  ds.kind = DesignKind::sobol;
  ds.n = 8;
  SweepResults r = synthetic({range("x1", 0, 1), range("x<2>", 0, 1)}, ds,
                             {{"mrr", [](const auto& x, auto rep) { return x[0] + noise(rep); }},
                              {"arpa", [](const auto& x, auto) { return x[0] > 0.8 ? NAN : x[1]; }},
                              {"clv", [](const auto&, auto) { return 5.0; }}});
  // a failed task: no KPI values
  r.status[1] = 1;
  for (auto& v : r.values) v[1] = NAN;
  r.errors.emplace_back(1, "boom <here>");
  const std::string html = report_of(r);
  expect_clean(html);
  // arpa: missing at some points, so no Sobol indices (a note instead of the chart)
  bool any_missing = false;
  for (std::uint64_t p = 0; p < r.design.points.size(); ++p)
    any_missing = any_missing || r.design.points[p][0].number > 0.8;
  ASSERT_TRUE(any_missing);
  EXPECT_NE(html.find("data-chart-missing=\"sobol-arpa\""), std::string::npos);
  EXPECT_TRUE(figure_of(html, "sobol-arpa").empty());
  EXPECT_NE(html.find("Note: not available at "), std::string::npos);
  // clv: constant, no variance to share out
  EXPECT_NE(html.find("data-chart-missing=\"sobol-clv\""), std::string::npos);
  EXPECT_NE(html.find("do not vary over the design"), std::string::npos);
  // the failed task is counted and listed, its message escaped
  EXPECT_NE(html.find("1 failed"), std::string::npos);
  EXPECT_NE(html.find("<section id=\"failures\">"), std::string::npos);
  EXPECT_NE(html.find("boom &lt;here&gt;"), std::string::npos);
  EXPECT_EQ(html.find("boom <here>"), std::string::npos);
  // names are escaped in text and tables
  EXPECT_NE(html.find("x&lt;2&gt;"), std::string::npos);
  EXPECT_EQ(html.find("x<2>"), std::string::npos);
  // mrr still has its bars
  EXPECT_EQ(count(figure_of(html, "sobol-mrr"), "class=\"bar\""), 4u);
}

TEST(SweepReport, KpiSelectionAndTitle) {
  const SweepResults r = factorial();
  AnalyseOptions o;
  o.kpis = {"cac"};
  o.resamples = 100;
  const std::string html = sweep_report_html(analyse(r, o), r, "My <sweep>");
  expect_clean(html);
  EXPECT_NE(html.find("<title>My &lt;sweep&gt;</title>"), std::string::npos);
  EXPECT_EQ(count(html, "<section id=\"kpi-"), 1u);
  EXPECT_NE(html.find("id=\"kpi-cac\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"kpi-mrr\""), std::string::npos);
}

// End to end: a tiny sweep run by the program, its report through `journeysim report`.
TEST(SweepReport, TheReportCommandRoutesSweepResults) {
  const fs::path dir =
      fs::temp_directory_path() / ("journeysim-sweep-report-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string bin = JOURNEYSIM_BINARY;
  const std::string results = (dir / "sobol.h5").string();
  std::string cmd =
      bin + " sweep " + source("tests/browser/sweep_sobol.yaml") + " -q --threads 1 -o " + results;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  ASSERT_TRUE(is_sweep_results(results));
  const fs::path html = dir / "sweep.html";
  cmd = bin + " report " + results + " -q --kpi mrr -o " + html.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string page = read_text(html);
  expect_clean(page);
  EXPECT_NE(page.find("browser_sobol: sweep report"), std::string::npos);
  EXPECT_EQ(count(figure_of(page, "sobol-mrr"), "class=\"bar\""), 6u);
  EXPECT_EQ(count(page, "<section id=\"kpi-"), 1u);
  // event-log options are refused with a message naming the option; nothing is written
  const std::string err = (dir / "err.txt").string();
  for (const std::string option : {"--baseline saas_b2b_smb", "--kpi-param mrr.x=1"}) {
    const fs::path out = dir / "refused.html";
    cmd = bin + " report " + results + " " + option + " -o " + out.string() + " 2>" + err;
    const int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 1) << option;
    const std::string message = read_text(err);
    EXPECT_NE(message.find(option.substr(0, option.find(' ')) + " applies to event logs only"),
              std::string::npos)
        << message;
    EXPECT_FALSE(fs::exists(out));
  }
  // an unknown KPI names what the file has
  cmd = bin + " report " + results + " --kpi nope -o " + (dir / "x.html").string() + " 2>" + err;
  EXPECT_NE(std::system(cmd.c_str()), 0);
  EXPECT_NE(read_text(err).find("no KPI 'nope'"), std::string::npos) << read_text(err);
  std::error_code ec;
  fs::remove_all(dir, ec);
}
