// The HTML report (`journeysim report`): structure checks of the page built from simulated logs
// and from compare JSON (every chart present, every SVG non-empty, nothing fetched from
// elsewhere, tags balanced, text escaped), the funnel counted by hand on a small log, the SVG
// helper's ticks and number formats, and bad inputs (errors name the file; nothing is written).
// Rendering in a browser is tests/browser/ (CTest label `browser`).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../analysis/src/svg.hpp"
#include "journeysim/analysis/compare.hpp"
#include "journeysim/analysis/report.hpp"
#include "journeysim/analysis/runner.hpp"
#include "journeysim/kpi/log.hpp"
#include "journeysim/sim/scenario.hpp"

using namespace journeysim;
namespace an = journeysim::analysis;
namespace fs = std::filesystem;
using E = kpi::EventType;

namespace {

std::string source(const std::string& rel) {
  return std::string(JOURNEYSIM_SOURCE_DIR) + "/" + rel;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("journeysim-report-test-" + std::to_string(getpid()) + "-" +
                                        std::to_string(counter()++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

// Tags balanced (void elements and "/>" aside), <style> skipped, every '&' an entity.
// Returns "" when well-formed, else what is wrong.
std::string well_formed(const std::string& html) {
  static const std::set<std::string> void_tags = {"meta",  "br",  "link", "img",   "hr",
                                                  "input", "col", "wbr",  "source"};
  std::vector<std::string> stack;
  std::size_t i = 0;
  while ((i = html.find('<', i)) != std::string::npos) {
    if (html.compare(i, 4, "<!--") == 0) {
      i = html.find("-->", i);
      if (i == std::string::npos) return "unterminated comment";
      continue;
    }
    std::size_t end = html.find('>', i);
    if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
    std::string tag = html.substr(i + 1, end - i - 1);
    if (!tag.empty() && tag[0] == '!') {  // <!DOCTYPE html>
      i = end + 1;
      continue;
    }
    bool closing = !tag.empty() && tag[0] == '/';
    bool self_closing = !tag.empty() && tag.back() == '/';
    std::string name;
    for (std::size_t k = closing ? 1 : 0;
         k < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[k])) || tag[k] == '-'); ++k)
      name += tag[k];
    if (name.empty()) return "bad tag '<" + tag + ">'";
    if (closing) {
      if (stack.empty() || stack.back() != name)
        return "</" + name + "> closes <" + (stack.empty() ? "nothing" : stack.back()) + ">";
      stack.pop_back();
    } else if (!self_closing && !void_tags.count(name)) {
      stack.push_back(name);
      if (name == "style") {  // CSS may hold '>' (child selectors)
        std::size_t close = html.find("</style>", end);
        if (close == std::string::npos) return "unterminated <style>";
        end = close - 1;
      }
    }
    i = end + 1;
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  // every '&' starts an entity: &amp; &lt; &gt; &quot; &#39; or &#NNN;
  for (std::size_t a = html.find('&'); a != std::string::npos; a = html.find('&', a + 1)) {
    bool ok = false;
    for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"})
      ok = ok || html.compare(a, std::strlen(e), e) == 0;
    if (!ok && html.compare(a, 2, "&#") == 0) {
      std::size_t d = a + 2;
      while (d < html.size() && std::isdigit(static_cast<unsigned char>(html[d]))) ++d;
      ok = d > a + 2 && d < html.size() && html[d] == ';';
    }
    if (!ok) return "a bare '&'";
  }
  return "";
}

// The <svg>...</svg> of a figure (empty if none).
std::string chart_svg(const std::string& html, const std::string& id) {
  std::size_t f = html.find("<figure class=\"chart\" data-chart=\"" + id + "\"");
  if (f == std::string::npos) return "";
  std::size_t a = html.find("<svg", f), b = html.find("</svg>", f), e = html.find("</figure>", f);
  if (a == std::string::npos || b == std::string::npos || b > e) return "";
  return html.substr(a, b + 6 - a);
}

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (std::size_t i = s.find(what); i != std::string::npos; i = s.find(what, i + 1)) ++n;
  return n;
}

// The values of every `NAME="..."` attribute (NAME preceded by white space).
std::vector<std::string> attribute_values(const std::string& html, const std::string& name) {
  std::vector<std::string> out;
  const std::string key = name + "=\"";
  for (std::size_t a = html.find(key); a != std::string::npos; a = html.find(key, a + 1)) {
    if (a == 0 || !std::isspace(static_cast<unsigned char>(html[a - 1]))) continue;
    std::size_t b = a + key.size(), e = html.find('"', b);
    if (e == std::string::npos) break;
    out.push_back(html.substr(b, e - b));
  }
  return out;
}

// Self-contained: no scripts, no stylesheet or image links, no URL other than #anchors.
void expect_self_contained(const std::string& html) {
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<iframe"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  for (const std::string attr : {"src", "href", "xlink:href", "action", "data"})
    for (const std::string& value : attribute_values(html, attr))
      EXPECT_EQ(value.substr(0, 1), "#") << "reference " << attr << "=\"" << value << "\"";
}

// Every chart: an <svg> with a viewBox, a title, labelled axes or legend, and data marks.
void expect_chart(const std::string& html, const std::string& id, int min_marks = 1) {
  std::string svg = chart_svg(html, id);
  ASSERT_FALSE(svg.empty()) << "chart " << id << " missing";
  EXPECT_NE(svg.find("viewBox=\"0 0 "), std::string::npos) << id;
  EXPECT_NE(svg.find("class=\"title\""), std::string::npos) << id;
  int marks = count(svg, "class=\"line\"") + count(svg, "class=\"band\"") +
              count(svg, "class=\"area\"") + count(svg, "class=\"bar\"") +
              count(svg, "class=\"cell\"") + count(svg, "class=\"forest-row\"");
  EXPECT_GE(marks, min_marks) << id;
  EXPECT_GE(count(svg, "<text"), 3) << id;
  // no NaN or infinity leaked into coordinates
  EXPECT_EQ(svg.find("nan"), std::string::npos) << id;
  EXPECT_EQ(svg.find("inf\""), std::string::npos) << id;
}

kpi::Log simulate(const std::string& scenario, double customers, int replications,
                  double days = 0) {
  std::vector<std::string> sets = {"customers=" + std::to_string(customers)};
  if (days > 0) sets.push_back("horizon_days=" + std::to_string(days));
  sim::Scenario s = sim::load_scenario(source("scenarios/" + scenario), sets);
  an::SimulateOptions o;
  o.replications = static_cast<std::uint16_t>(replications);
  o.threads = 2;
  return an::simulate_to_log(s, o);
}

nlohmann::json sample_compare() {
  std::ifstream in(source("tests/data/compare_sample.json"));
  return nlohmann::json::parse(in);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// SVG helper

TEST(ReportSvg, NiceTicksCoverTheRangeWithRoundSteps) {
  auto t = an::svg::nice_ticks(0, 95, 5);
  EXPECT_DOUBLE_EQ(t.step, 20);
  EXPECT_DOUBLE_EQ(t.lo, 0);
  EXPECT_DOUBLE_EQ(t.hi, 100);
  EXPECT_EQ(t.values.size(), 6u);
  t = an::svg::nice_ticks(0.013, 0.047, 4);
  EXPECT_DOUBLE_EQ(t.step, 0.01);
  EXPECT_NEAR(t.lo, 0.01, 1e-12);
  EXPECT_NEAR(t.hi, 0.05, 1e-12);
  t = an::svg::nice_ticks(-0.23, 0.41, 6);
  EXPECT_LE(t.lo, -0.23);
  EXPECT_GE(t.hi, 0.41);
  EXPECT_NE(std::find(t.values.begin(), t.values.end(), 0.0), t.values.end());  // 0 exactly
  t = an::svg::nice_ticks(5, 5, 5);  // one value: a range around it
  EXPECT_LT(t.lo, 5);
  EXPECT_GT(t.hi, 5);
  t = an::svg::nice_ticks(NAN, 3, 5);  // no data: 0..1
  EXPECT_EQ(t.lo, 0);
}

TEST(ReportSvg, NumbersAndTextAreWrittenForPeople) {
  using an::svg::Format;
  EXPECT_EQ(an::svg::tick_label(150000, 50000, Format::number), "150k");
  EXPECT_EQ(an::svg::tick_label(2500000, 500000, Format::number), "2.5M");
  EXPECT_EQ(an::svg::tick_label(0.25, 0.05, Format::percent), "25%");
  EXPECT_EQ(an::svg::tick_label(0.025, 0.025, Format::percent), "2.5%");
  EXPECT_EQ(an::svg::tick_label(0.2, 0.1, Format::signed_percent), "+20%");
  EXPECT_EQ(an::svg::tick_label(-0.2, 0.1, Format::signed_percent), "-20%");
  EXPECT_EQ(an::svg::tick_label(2.5, 0.5, Format::number), "2.5");
  EXPECT_EQ(an::svg::format_value(167983.2, Format::number), "167,983");
  EXPECT_EQ(an::svg::format_value(0.17312, Format::percent), "17.3%");
  EXPECT_EQ(an::svg::format_value(0.0307, Format::percent), "3.07%");
  EXPECT_EQ(an::svg::format_value(0.0764, Format::signed_percent), "+7.64%");
  EXPECT_EQ(an::svg::format_value(3.14159, Format::number), "3.14");
  EXPECT_EQ(an::svg::format_value(NAN, Format::number), "–");
  EXPECT_EQ(an::svg::escape("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
}

TEST(ReportSvg, ChartsEscapeTextAndSkipMissingValues) {
  an::svg::LineChart ch;
  ch.title = "MRR <b>&</b>";
  ch.x = {"month", an::svg::Format::number, {}, {}};
  ch.y = {"MRR (currency/month)", an::svg::Format::number, {}, {}};
  ch.x_categories = {"2026-01", "2026-02", "2026-03", "2026-04"};
  ch.series.push_back({"a \"series\"", {0, 1, 2, 3}, {1, NAN, 3, 4}, {}, {}, false, true, ""});
  std::string svg = an::svg::render(ch);
  EXPECT_EQ(well_formed(svg), "");
  EXPECT_NE(svg.find("MRR &lt;b&gt;&amp;&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"line\""), 2);  // the gap splits the line
  EXPECT_EQ(count(svg, "class=\"marker\""), 3);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  an::svg::Heatmap h;
  h.title = "h";
  h.rows = {"r1", "r2"};
  h.columns = {"0", "1"};
  h.cells = {{1, 0.5}, {0.9, NAN}};
  svg = an::svg::render(h);
  EXPECT_EQ(well_formed(svg), "");
  EXPECT_EQ(count(svg, "class=\"cell\""), 3);  // the NaN cell is left empty
}

// ---------------------------------------------------------------------------------------------
// Funnel by hand

TEST(ReportFunnel, CountsEachStepAndTheShareOfThePreviousStep) {
  const std::int64_t d = 86400, t0 = 1767225600;  // 2026-01-01
  kpi::LogBuilder b(t0, t0 + 100 * d);
  b.names("channels", {"ads", "sales"});
  b.names("plans", {"pro"});
  // A: ads sign-up, trial, converts, activates, still paying
  b.event("A", t0, E::signup, 0);
  b.event("A", t0 + d, E::trial_started, 0);
  b.event("A", t0 + 10 * d, E::conversion, 0, 50);
  b.event("A", t0 + 12 * d, E::activated);
  // B: sales lead, converts, churns
  b.event("B", t0, E::lead_created, 1);
  b.event("B", t0 + 5 * d, E::conversion, 0, 50);
  b.event("B", t0 + 40 * d, E::churned);
  // C: ads sign-up, trial that expires
  b.event("C", t0 + d, E::signup, 0);
  b.event("C", t0 + 2 * d, E::trial_started, 0);
  b.event("C", t0 + 16 * d, E::trial_expired, 0);
  // D: sales lead, converts, churns, is won back: paying at the end
  b.event("D", t0 + 2 * d, E::lead_created, 1);
  b.event("D", t0 + 6 * d, E::conversion, 0, 50);
  b.event("D", t0 + 30 * d, E::churned);
  b.event("D", t0 + 60 * d, E::reactivated, 0, 50);
  // E: a sales lead and nothing else
  b.event("E", t0 + 3 * d, E::lead_created, 1);
  kpi::Log log = b.build();
  an::Funnel f = an::acquisition_funnel(log);
  ASSERT_EQ(f.steps.size(), 5u);
  std::vector<std::string> ids;
  for (const auto& s : f.steps) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"leads", "trial_started", "converted", "activated",
                                           "paying_at_end"}));
  EXPECT_EQ(f.steps[0].customers, 5);  // A B C D E
  EXPECT_EQ(f.steps[1].customers, 2);  // A C
  EXPECT_EQ(f.steps[2].customers, 3);  // A B D
  EXPECT_EQ(f.steps[3].customers, 1);  // A
  EXPECT_EQ(f.steps[4].customers, 2);  // A D
  EXPECT_EQ(f.steps[1].base, "leads");
  EXPECT_EQ(f.steps[1].with_base, 2);   // trial among leads: A C
  EXPECT_EQ(f.steps[2].base, "leads");  // the bar above (trial is a side step)
  EXPECT_EQ(f.steps[2].with_base, 3);   // converted among leads: A B D
  EXPECT_EQ(f.steps[3].base, "converted");
  EXPECT_EQ(f.steps[3].with_base, 1);  // activated among converted: A
  EXPECT_EQ(f.steps[4].base, "converted");
  EXPECT_EQ(f.steps[4].with_base, 2);  // paying among converted: A D
  // the chart's bars nest: B and D converted without a trial, D pays without activating, so
  // trial and activation are side steps; leads 5 > converted 3 > paying 2 (#16)
  std::vector<bool> bars;
  for (const auto& s : f.steps) bars.push_back(s.in_chart);
  EXPECT_EQ(bars, (std::vector<bool>{true, false, true, false, true}));
  const std::string html = an::run_report_html(log, {});
  EXPECT_NE(html.find("<ul class=\"side-steps\">"), std::string::npos);
  EXPECT_EQ(count(chart_svg(html, "funnel"), "Activated"), 0);
  ASSERT_EQ(f.by_channel.size(), 2u);
  EXPECT_EQ(f.by_channel[0].first, "ads");
  EXPECT_EQ(f.by_channel[0].second, (std::vector<double>{2, 2, 1, 1, 1}));
  EXPECT_EQ(f.by_channel[1].first, "sales");
  EXPECT_EQ(f.by_channel[1].second, (std::vector<double>{3, 0, 2, 0, 1}));

  // a sales-led log without trials or activation: those steps are left out
  kpi::LogBuilder b2(t0, t0 + 100 * d);
  b2.names("channels", {"sales"});
  b2.event("X", t0, E::lead_created, 0);
  b2.event("X", t0 + d, E::conversion, 0, 10);
  b2.event("Y", t0, E::lead_created, 0);
  kpi::Log log2 = b2.build();
  f = an::acquisition_funnel(log2);
  ASSERT_EQ(f.steps.size(), 3u);
  for (const auto& s : f.steps) EXPECT_TRUE(s.in_chart) << s.id;
  EXPECT_EQ(f.steps[1].id, "converted");
  EXPECT_EQ(f.steps[1].customers, 1);
  EXPECT_EQ(f.steps[2].id, "paying_at_end");
}

TEST(ReportFunnel, CountsAreMeansPerReplication) {
  kpi::Log log = simulate("saas_b2b.yaml", 300, 2, 120);
  an::Funnel f = an::acquisition_funnel(log);
  ASSERT_FALSE(f.steps.empty());
  EXPECT_EQ(f.replications, 2);
  EXPECT_DOUBLE_EQ(f.steps[0].customers, log.customers.size() / 2.0);
  double channels = 0;
  for (const auto& [name, v] : f.by_channel) channels += v[0];
  EXPECT_DOUBLE_EQ(channels, f.steps[0].customers);
  // the bars of every shipped kind of funnel shrink step by step (a funnel is a funnel, #16)
  for (const char* sc : {"saas_b2b.yaml", "plg_freemium.yaml", "mobile_subscription.yaml"}) {
    an::Funnel g = an::acquisition_funnel(simulate(sc, 600, 1, 120));
    double above = INFINITY;
    for (const auto& st : g.steps)
      if (st.in_chart) {
        EXPECT_LE(st.customers, above) << sc << " " << st.id;
        EXPECT_EQ(st.with_base, st.customers) << sc << " " << st.id;  // all of them from above
        above = st.customers;
      }
  }
}

// ---------------------------------------------------------------------------------------------
// Run report

TEST(ReportRun, EveryChartIsPresentNonEmptyAndTheKpiTableIsComplete) {
  kpi::Log log = simulate("saas_b2b.yaml", 800, 3, 240);
  std::string html = an::run_report_html(log, {});
  EXPECT_EQ(well_formed(html), "");
  expect_self_contained(html);
  for (const char* id :
       {"funnel", "mrr", "active", "retention", "active-share", "survival", "stages"})
    expect_chart(html, id);
  EXPECT_EQ(html.find("data-chart-missing"), std::string::npos);
  // a band where there are replications to build it from
  EXPECT_GE(count(chart_svg(html, "mrr"), "class=\"band\""), 1);
  // 240 days end inside month 8: the MRR chart ends at the end of the log, where the headline
  // MRR is, not at the last whole month's end (#16)
  EXPECT_NE(chart_svg(html, "mrr").find("end (day 240)"), std::string::npos);
  // cohort cells the log ends inside are marked, and the caption says how many
  EXPECT_NE(html.find("data-chart=\"retention\" id=\"chart-retention\" data-partial=\""),
            std::string::npos);
  EXPECT_EQ(html.find("data-partial=\"0\""), std::string::npos);
  EXPECT_NE(html.find("* partial: the log ends before"), std::string::npos);
  EXPECT_GE(count(chart_svg(html, "survival"), "class=\"band\""), 1);
  // the heatmap has a cell per observed (cohort, month) pair
  EXPECT_GE(count(chart_svg(html, "retention"), "class=\"cell\""), 10);
  // one row per KPI of the registry, each KPI once
  for (const auto& d : kpi::registry())
    EXPECT_EQ(count(html, "data-kpi=\"" + d.id + "\""), 1) << d.id;
  // axes labelled with units
  EXPECT_NE(chart_svg(html, "mrr").find("MRR (currency/month)"), std::string::npos);
  EXPECT_NE(chart_svg(html, "survival").find("days since conversion"), std::string::npos);
  EXPECT_NE(html.find("3 replications"), std::string::npos);
  // no baseline given: no verdict column
  EXPECT_EQ(html.find("baseline range"), std::string::npos);
  // the headline cards use the CAC of the CLV:CAC ratio (fully loaded), not marketing CAC (#16)
  const auto c0 = html.find("<div class=\"cards\">");
  ASSERT_NE(c0, std::string::npos);
  const std::string cards = html.substr(c0, html.find("<section", c0) - c0);
  EXPECT_NE(cards.find(">CAC (fully loaded)<"), std::string::npos);
  EXPECT_NE(cards.find(">CLV:CAC Ratio<"), std::string::npos);
  EXPECT_EQ(cards.find(">Customer Acquisition Cost<"), std::string::npos);
}

TEST(ReportRun, BaselineVerdictsFillTheKpiTable) {
  kpi::Log log = simulate("saas_b2b.yaml", 300, 1, 120);
  an::ReportOptions o;
  o.title = "Q1 <review> & more";
  int calls = 0;
  o.baseline = [&](const kpi::ScoreReport& r) {
    ++calls;
    EXPECT_FALSE(r.scores.empty());
    an::BaselineVerdicts b;
    b.name = "test pack";
    b.verdicts = {{"monthly_churn_rate", "1% – 2%", "worse", "source A"},
                  {"monthly_churn_rate", "3% – 5%", "typical", "source B"},
                  {"conversion_rate", "≥ 10%", "meets", ""}};
    return b;
  };
  std::string html = an::run_report_html(log, o);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(well_formed(html), "");
  EXPECT_NE(html.find("<title>Q1 &lt;review&gt; &amp; more</title>"), std::string::npos);
  EXPECT_NE(html.find("baseline range"), std::string::npos);
  EXPECT_NE(html.find("test pack"), std::string::npos);
  std::size_t row = html.find("data-kpi=\"monthly_churn_rate\"");
  ASSERT_NE(row, std::string::npos);
  std::string tr = html.substr(row, html.find("</tr>", row) - row);
  EXPECT_NE(tr.find("1% – 2%"), std::string::npos);
  EXPECT_NE(tr.find("3% – 5%"), std::string::npos);
  EXPECT_NE(tr.find("badge bad"), std::string::npos);
  EXPECT_NE(tr.find("badge same"), std::string::npos);
  EXPECT_NE(tr.find("title=\"source A\""), std::string::npos);
  row = html.find("data-kpi=\"conversion_rate\"");
  EXPECT_NE(html.substr(row, 600).find("badge good"), std::string::npos);
}

TEST(ReportRun, TrialsAppearInTheFunnelOfATrialLog) {
  kpi::Log log = simulate("mobile_subscription.yaml", 600, 1, 120);
  std::string html = an::run_report_html(log, {});
  EXPECT_EQ(well_formed(html), "");
  std::string funnel = chart_svg(html, "funnel");
  EXPECT_NE(funnel.find("Trial started"), std::string::npos);
  // some paying customers never activate: activation is listed beside the funnel, not a bar
  EXPECT_EQ(funnel.find("Activated"), std::string::npos);
  const auto side = html.find("<ul class=\"side-steps\">");
  ASSERT_NE(side, std::string::npos);
  EXPECT_NE(html.substr(side, 400).find("Activated"), std::string::npos);
  // one replication: no bands on the monthly series
  EXPECT_EQ(count(chart_svg(html, "mrr"), "class=\"band\""), 0);
  EXPECT_NE(html.find("One replication"), std::string::npos);
}

TEST(ReportRun, ChartsALogCannotHaveAreSaidToBeNotAvailable) {
  // non-contractual: purchases, no subscription payments, so no MRR
  kpi::Log log = simulate("ecommerce_d2c.yaml", 400, 1, 120);
  std::string html = an::run_report_html(log, {});
  EXPECT_EQ(well_formed(html), "");
  expect_self_contained(html);
  EXPECT_NE(html.find("data-chart-missing=\"mrr\""), std::string::npos);
  EXPECT_EQ(html.find("data-chart=\"mrr\""), std::string::npos);
  expect_chart(html, "funnel");
  // whatever is drawn is drawn properly
  for (const std::string& id : attribute_values(html, "data-chart")) expect_chart(html, id);
}

// ---------------------------------------------------------------------------------------------
// Compare report

TEST(ReportCompare, FixtureGivesForestTableAndEconomics) {
  std::string html = an::compare_report_html(sample_compare(), "compare_sample.json", {});
  EXPECT_EQ(well_formed(html), "");
  expect_self_contained(html);
  expect_chart(html, "forest");
  // one forest row per significant KPI x variant difference with a relative CI: of the 6 KPIs x
  // 2 variants, two have no relative difference (base 0) and two are not available; of the
  // other 10, 5 are significant and 5 are folded into a list per variant under the plot (#16)
  EXPECT_EQ(count(chart_svg(html, "forest"), "class=\"forest-row\""), 5);
  EXPECT_NE(html.find("4 KPI differences have no relative CI"), std::string::npos);
  EXPECT_NE(html.find("5 differences that are not significant are folded"), std::string::npos);
  EXPECT_EQ(count(html, "<details class=\"folded\""), 2);
  // a heading per variant, and the axis's tick labels above the rows as well as below
  EXPECT_NE(chart_svg(html, "forest").find("class=\"heading\">plg_freemium_day3_email vs"),
            std::string::npos);
  // the +850% outlier is cut with an arrow head, the axis says so
  EXPECT_NE(chart_svg(html, "forest").find("are cut"), std::string::npos);
  // every KPI in the table, with its verdicts coloured
  for (const char* id :
       {"conversion_rate", "monthly_churn_rate", "mrr", "time_in_stage",
        "referral_driven_expansion_revenue", "referral_participation_rate", "lead_response_time"})
    EXPECT_GE(count(html, std::string("data-kpi=\"") + id + "\""), 1) << id;
  EXPECT_NE(html.find("badge good\">better"), std::string::npos);
  EXPECT_NE(html.find("badge bad\">worse"), std::string::npos);
  EXPECT_NE(html.find("badge same\">no difference"), std::string::npos);
  EXPECT_NE(html.find("badge info\">changed"), std::string::npos);
  EXPECT_NE(html.find("not available: the log has no sales_touch events"), std::string::npos);
  // economics: both variants, the undefined ROI as a dash with its note
  EXPECT_NE(html.find("id=\"economics\""), std::string::npos);
  EXPECT_NE(html.find("+28,850"), std::string::npos);
  EXPECT_NE(html.find("no incremental cost: ROI not defined"), std::string::npos);
  // scenarios
  EXPECT_NE(html.find("scenarios/plg_freemium_day3_email.yaml"), std::string::npos);
}

// Each row of a table's body, counting the cells that span into it from rows above (rowspan) and
// each cell's colspan, must have as many columns as the header: "" or the first row that does
// not. (A KPI not available with two variants kept a rowspan of 2 over one row, and every later
// KPI's cells shifted one column right, #16.)
std::string table_geometry(const std::string& html, const std::string& table_class) {
  const auto t0 = html.find("<table class=\"" + table_class + "\"");
  if (t0 == std::string::npos) return "no table";
  const auto t1 = html.find("</table>", t0);
  const std::string t = html.substr(t0, t1 - t0);
  const auto head_end = t.find("</thead>");
  const std::string head = t.substr(0, head_end);
  const int columns = count(head, "<th>") + count(head, "<th ");
  auto attr = [](const std::string& cell, const std::string& name) {
    const auto a = cell.find(name + "=\"");
    return a == std::string::npos ? 1 : std::stoi(cell.substr(a + name.size() + 2));
  };
  std::vector<int> spanning;  // rows still covered, per cell that spans down
  std::size_t at = t.find("<tbody>");
  for (int row = 1;; ++row) {
    const auto r0 = t.find("<tr", at);
    if (r0 == std::string::npos) break;
    const auto r1 = t.find("</tr>", r0);
    const std::string tr = t.substr(r0, r1 - r0);
    int width = 0;
    for (int& left : spanning)
      if (left > 0) ++width, --left;
    for (std::size_t c = tr.find("<td"); c != std::string::npos; c = tr.find("<td", c + 1)) {
      if (tr[c + 3] != '>' && tr[c + 3] != ' ') continue;
      const std::string cell = tr.substr(c, tr.find('>', c) - c);
      width += attr(cell, "colspan");
      if (const int rs = attr(cell, "rowspan"); rs > 1) spanning.push_back(rs - 1);
    }
    if (width != columns)
      return "row " + std::to_string(row) + " has " + std::to_string(width) +
             " columns, the header " + std::to_string(columns) + ": " + tr.substr(0, 160);
    at = r1;
  }
  for (int left : spanning)
    if (left > 0) return "a rowspan reaches past the last row";
  return "";
}

TEST(ReportCompare, EveryRowOfTheKpiTableHasTheHeadersColumns) {
  // two variants, a KPI not available (lead_response_time), one per-variant unavailable cell
  const auto c = sample_compare();
  ASSERT_EQ(c["scenarios"].size(), 3u);
  const std::string html = an::compare_report_html(c, "compare_sample.json", {});
  EXPECT_EQ(table_geometry(html, "kpis"), "");
  EXPECT_NE(html.find("not available: the log has no sales_touch events"), std::string::npos);
  // and with one variant
  auto one = c;
  one["scenarios"].erase(2);
  for (auto& k : one["kpis"])
    if (k.contains("differences") && k["differences"].size() > 1) k["differences"].erase(1);
  EXPECT_EQ(table_geometry(an::compare_report_html(one, "one.json", {}), "kpis"), "");
}

// Text in an SVG <title> (the forest plot's tooltips) is escaped once: "<0.001" shows as such,
// not as "&lt;0.001" (#16).
TEST(ReportCompare, TooltipsAreEscapedOnce) {
  auto c = sample_compare();
  for (auto& k : c["kpis"])
    if (k.contains("differences"))
      for (auto& d : k["differences"]) d["p_adjusted"] = 1e-6;
  const std::string svg = chart_svg(an::compare_report_html(c, "x.json", {}), "forest");
  EXPECT_NE(svg.find("adjusted p &lt;0.001"), std::string::npos);
  EXPECT_EQ(svg.find("&amp;lt;"), std::string::npos);
}

TEST(ReportCompare, TextFromTheJsonIsEscaped) {
  auto c = sample_compare();
  c["scenarios"][1]["name"] = "<script>alert('x')</script>";
  c["kpis"][0]["differences"][0]["variant"] = "<script>alert('x')</script>";
  c["kpis"][0]["name"] = "Rate & <i>friends</i>";
  std::string html = an::compare_report_html(c, "x.json", {});
  EXPECT_EQ(well_formed(html), "");
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<i>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("Rate &amp; &lt;i&gt;friends&lt;/i&gt;"), std::string::npos);
}

TEST(ReportCompare, TheNotesOfTheSizeOptionsAreListedEscaped) {
  auto c = sample_compare();
  c["notes"] = {"--scale-teams on a.yaml: customers x2 (1000 to 2000), agents sales 3 to 6",
                "<b>x</b> & y", 7};
  const std::string html = an::compare_report_html(c, "x.json", {});
  EXPECT_EQ(well_formed(html), "");
  EXPECT_NE(html.find("<li>--scale-teams on a.yaml: customers x2 (1000 to 2000), agents sales 3 "
                      "to 6</li>"),
            std::string::npos);
  EXPECT_NE(html.find("<li>&lt;b&gt;x&lt;/b&gt; &amp; y</li>"), std::string::npos);
  EXPECT_EQ(html.find("<li>7</li>"), std::string::npos);  // not a string: left out
  c.erase("notes");
  EXPECT_EQ(an::compare_report_html(c, "x.json", {}).find("class=\"notes\""), std::string::npos);
}

TEST(ReportCompare, ReadsWhatCompareWrites) {
  an::CompareOptions o;
  o.scenarios = {source("scenarios/saas_b2b.yaml"),
                 source("scenarios/saas_b2b_fast_response.yaml")};
  o.customers = 300;
  o.days = 120;
  o.replications = 3;
  o.threads = 2;
  o.kpis = {"lead_response_time", "conversion_rate", "mrr",     "net_contribution",
            "revenue_collected",  "total_cost",      "pql_rate"};
  nlohmann::json j = an::to_json(an::compare(o));
  std::string html = an::compare_report_html(j, "compare.json", {});
  EXPECT_EQ(well_formed(html), "");
  expect_self_contained(html);
  expect_chart(html, "forest");
  for (const auto& id : o.kpis) EXPECT_GE(count(html, "data-kpi=\"" + id + "\""), 1) << id;
  EXPECT_NE(html.find("saas_b2b_fast_response"), std::string::npos);
}

TEST(ReportCompare, JsonThatIsNotACompareOutputIsAnErrorNamingTheSource) {
  auto expect_error = [](const nlohmann::json& j, const std::string& what) {
    try {
      an::compare_report_html(j, "in.json", {});
      ADD_FAILURE() << "no error for " << j.dump().substr(0, 80);
    } catch (const std::runtime_error& e) {
      std::string m = e.what();
      EXPECT_EQ(m.rfind("in.json: ", 0), 0u) << m;
      EXPECT_NE(m.find(what), std::string::npos) << m;
    }
  };
  expect_error(nlohmann::json::array({1, 2}), "expected a JSON object");
  expect_error({{"a", 1}}, "no \"tool\"");
  expect_error({{"tool", "journeysim score"}}, "expected 'journeysim compare'");
  expect_error({{"source", "x.h5"}, {"kpis", nlohmann::json::array()}}, "journeysim score");
  auto c = sample_compare();
  c["scenarios"] = nlohmann::json::array();
  expect_error(c, "no \"scenarios\"");
  c = sample_compare();
  c["kpis"] = "many";
  expect_error(c, "no \"kpis\"");
  c = sample_compare();
  c["kpis"][0]["differences"] = 3;
  expect_error(c, "\"differences\" is not a list");
  c = sample_compare();
  c["kpis"][1].erase("id");
  expect_error(c, "without an \"id\"");
  // wrong types inside are tolerated as missing values, never a crash
  c = sample_compare();
  c["kpis"][0]["values"][0]["mean"] = "high";
  c["kpis"][0]["differences"][0]["relative_ci"] = {1};
  c["kpis"][0]["differences"][1] = 7;
  c["economics"][0]["roi"] = "n/a";
  std::string html = an::compare_report_html(c, "in.json", {});
  EXPECT_EQ(well_formed(html), "");
}

// ---------------------------------------------------------------------------------------------
// Files: inputs detected by content, errors name the file, output written atomically

TEST(ReportFiles, BadInputsAreErrorsNamingTheFileAndWriteNothing) {
  TempDir dir;
  // a real log to truncate and corrupt
  fs::path log = dir.path / "run.h5";
  {
    sim::Scenario s =
        sim::load_scenario(source("scenarios/saas_b2b.yaml"), {"customers=300", "horizon_days=90"});
    an::SimulateOptions o;
    o.keep_path = log.string();
    o.threads = 2;
    an::simulate_to_log(s, o);
  }
  std::string bytes = read_text(log);
  ASSERT_GT(bytes.size(), 20000u);
  auto write = [&](const std::string& name, const std::string& text) {
    fs::path p = dir.path / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  };
  fs::path out = dir.path / "report.html";
  std::ofstream(out) << "the previous report";
  struct Case {
    std::string input, message;
  };
  std::string corrupt = bytes;
  for (std::size_t i = bytes.size() / 3; i < bytes.size() / 3 + 8000; ++i) corrupt[i] = 0;
  std::vector<Case> cases = {
      {(dir.path / "missing.h5").string(), "cannot open"},
      {write("half.h5", bytes.substr(0, bytes.size() / 2)), "half.h5"},
      {write("head.h5", bytes.substr(0, 600)), "head.h5"},
      {write("corrupt.h5", corrupt), "corrupt.h5"},
      {write("empty.h5", ""), "empty file"},
      {write("noise.bin", std::string("\x01\x02garbage\xff", 11)), "neither an HDF5"},
      {write("broken.json", "{\"tool\": \"journeysim compare\", \"scen"), "not valid JSON"},
      {write("list.json", "[1, 2, 3]"), "expected a JSON object"},
      {write("other.json", "{\"hello\": 1}"), "not a `journeysim compare"},
      {dir.path.string(), "is a directory"},
  };
  for (const auto& c : cases) {
    try {
      an::write_report(c.input, out.string(), {});
      ADD_FAILURE() << "no error for " << c.input;
    } catch (const std::exception& e) {
      std::string m = e.what();
      EXPECT_EQ(m.rfind(c.input, 0), 0u) << "message does not start with the file: " << m;
      EXPECT_NE(m.find(c.message), std::string::npos) << m;
    }
    EXPECT_EQ(read_text(out), "the previous report") << c.input;
  }
  // nothing but the inputs and the untouched output in the directory (no temporary files)
  for (const auto& e : fs::directory_iterator(dir.path))
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
  // an output directory that does not exist: an error naming the output
  try {
    an::write_report(log.string(), (dir.path / "no/such/dir/r.html").string(), {});
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("no/such/dir/r.html"), std::string::npos) << e.what();
  }
  // and the good log replaces the previous report, without leftovers
  an::write_report(log.string(), out.string(), {});
  std::string html = read_text(out);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(well_formed(html), "");
  an::write_report(source("tests/data/compare_sample.json"), out.string(), {});
  EXPECT_NE(read_text(out).find("data-chart=\"forest\""), std::string::npos);
  for (const auto& e : fs::directory_iterator(dir.path))
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST(ReportFiles, TheCommandFailsCleanlyOnATruncatedLog) {
  TempDir dir;
  fs::path log = dir.path / "run.h5";
  std::string bin = JOURNEYSIM_BINARY;
  std::string cmd = bin + " run " + source("scenarios/saas_b2b.yaml") +
                    " --customers 200 --days 60 -q -o " + log.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::string bytes = read_text(log);
  std::ofstream(dir.path / "cut.h5", std::ios::binary) << bytes.substr(0, bytes.size() * 2 / 3);
  std::string err = (dir.path / "err.txt").string();
  cmd = bin + " report " + (dir.path / "cut.h5").string() + " -o " +
        (dir.path / "r.html").string() + " 2>" + err;
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal";
  EXPECT_EQ(WEXITSTATUS(status), 1);
  std::string message = read_text(err);
  EXPECT_NE(message.find("cut.h5"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir.path / "r.html"));
  // the whole log gives a report
  cmd = bin + " report " + log.string() + " -q -o " + (dir.path / "r.html").string();
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(fs::exists(dir.path / "r.html"));
}
