// The HTML report of a calibration fit (calibrate/report.hpp): a fit JSON written by hand (two
// parameters, one at a bound and one not identifiable; three targets, one of them not reached;
// one survival curve) gives a page with one table row per target and per parameter, the
// not-reached row flagged, the warnings shown (escaped), the z-score bars, the correlation heatmap
// without the cells of the unidentifiable parameter, and the curve chart with one marker per
// month and curve, its bands and the largest gap under it; nulls are written as "–", never NaN.
// A JSON of another kind (or version, or with a field of the wrong type) is refused with a
// message saying what is wrong; end to end, `journeysim report` routes a fit JSON to this report
// and names the file in its errors. Rendering in a browser is tests/browser/ (label `browser`).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>

#include "journeysim/calibrate/report.hpp"

using journeysim::calibrate::fit_report_html;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

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

// The body rows of the table with this class.
std::string table_body(const std::string& html, const std::string& cls) {
  const auto at = html.find("<table class=\"" + cls + "\"");
  if (at == std::string::npos) return "";
  const auto body = html.find("<tbody>", at);
  return html.substr(body, html.find("</tbody>", body) - body);
}

// No NaN or infinity anywhere, elements closed, nothing that runs or fetches.
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

// A fit as `journeysim calibrate --report` writes it: 2 parameters (conversion not identifiable,
// churn at its lower bound), 3 targets (conversion_rate not reached: z = 4.5) and the survival
// curve of a group at 1, 6 and 12 months (the last of which is the third target).
json sample_fit() {
  json j;
  j["format"] = "journeysim calibration fit";
  j["format_version"] = 1;
  j["calibration"] = "hand_made";
  j["distance"] = 21.5;
  j["evaluations"] = 40;
  j["replayed_from_journal"] = 0;
  j["stop_reason"] = "xtol reached";
  j["seconds"] = 3.25;
  j["targets"] = json::array({{{"target", "monthly_churn_rate"},
                               {"observed", 0.03},
                               {"observed_se", 0.003},
                               {"simulated", 0.031},
                               {"simulated_ci_low", 0.029},
                               {"simulated_ci_high", 0.033},
                               {"z", 0.3},
                               {"weight", 1.0}},
                              {{"target", "conversion_rate"},
                               {"observed", 0.18},
                               {"observed_se", 0.005},
                               {"simulated", 0.21},
                               {"simulated_ci_low", 0.205},
                               {"simulated_ci_high", 0.215},
                               {"z", 4.5},
                               {"weight", 1.0}},
                              {{"target", "survival[Month-to-month](12 mo)"},
                               {"observed", 0.70},
                               {"observed_se", 0.008},
                               {"simulated", 0.66},
                               {"simulated_ci_low", 0.64},
                               {"simulated_ci_high", 0.68},
                               {"z", -2.1},
                               {"weight", 1.0}}});
  j["parameters"] = json::array({{{"name", "churn"},
                                  {"path", "churn.monthly_hazard"},
                                  {"start", 0.03},
                                  {"value", 0.01},
                                  {"se", 0.002},
                                  {"bounds", {0.01, 0.1}},
                                  {"identifiable", true},
                                  {"at_bound", true},
                                  {"warning", "at its lower bound 0.01"}},
                                 {{"name", "conversion"},
                                  {"path", "acquisition.lead_conversion"},
                                  {"start", 0.25},
                                  {"value", 0.3},
                                  {"se", nullptr},
                                  {"bounds", {0.1, 0.4}},
                                  {"identifiable", false},
                                  {"at_bound", false},
                                  {"warning", "D is flat in <conversion>: not identifiable"}}});
  j["correlation"] = json::array({{1.0, nullptr}, {nullptr, nullptr}});
  j["unreachable_targets"] = json::array({"conversion_rate"});
  j["curves"] = json::array({{{"kind", "survival"},
                              {"by", "segment"},
                              {"group", "Month-to-month"},
                              {"simulated_group", "smb"},
                              {"customers", 3875},
                              {"events", 1655},
                              {"months", {1, 6, 12}},
                              {"observed", {0.90, 0.79, 0.70}},
                              {"observed_se", {0.005, 0.007, 0.008}},
                              {"simulated", {0.95, 0.80, 0.66}},
                              {"simulated_ci_low", {0.93, 0.78, 0.64}},
                              {"simulated_ci_high", {0.97, 0.82, 0.68}}}});
  return j;
}

// The message fit_report_html throws for `j` (empty when it does not throw).
std::string error_of(const json& j) {
  try {
    fit_report_html(j, "");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(CalibrateReport, HeaderTablesAndWarnings) {
  const std::string html = fit_report_html(sample_fit(), "");
  expect_clean(html);
  EXPECT_NE(html.find("<title>Calibration fit: hand_made</title>"), std::string::npos);
  // header: name, D over the number of targets, evaluations, stop reason, seconds
  EXPECT_NE(html.find("distance D = 21.5 over 3 targets"), std::string::npos);
  EXPECT_NE(html.find("40 evaluations"), std::string::npos);
  EXPECT_NE(html.find("stopped: xtol reached"), std::string::npos);
  EXPECT_NE(html.find("3.25 s"), std::string::npos);
  // one row per target, the one with |z| > 3 flagged as not reached
  const std::string targets = table_body(html, "targets");
  EXPECT_EQ(count(targets, "<tr"), 3u);
  EXPECT_EQ(count(targets, "class=\"not-reached\""), 1u);
  EXPECT_NE(targets.find("class=\"not-reached\" data-target=\"conversion_rate\""),
            std::string::npos);
  EXPECT_EQ(count(targets, "not reached"), 1u);
  // shares as percentages: observed ± se, simulated with its CI, z signed
  EXPECT_NE(targets.find("18.00%<br/><small>± 0.5%</small>"), std::string::npos);
  EXPECT_NE(targets.find("21.00%<br/><small>[20.50%, 21.50%]</small>"), std::string::npos);
  EXPECT_NE(targets.find("+4.50"), std::string::npos);
  EXPECT_NE(targets.find("-2.10"), std::string::npos);
  // one row per parameter; the bound and identifiability markers; the warning text escaped
  const std::string params = table_body(html, "parameters");
  EXPECT_EQ(count(params, "<tr"), 2u);
  EXPECT_NE(params.find("<tr class=\"at-bound\" data-parameter=\"churn\""), std::string::npos);
  EXPECT_NE(params.find("⚠ at the lower bound"), std::string::npos);
  EXPECT_NE(params.find("<tr class=\"not-identifiable\" data-parameter=\"conversion\""),
            std::string::npos);
  EXPECT_NE(params.find("⚠ not identifiable"), std::string::npos);
  EXPECT_NE(params.find("D is flat in &lt;conversion&gt;: not identifiable"), std::string::npos);
  EXPECT_EQ(params.find("<conversion>"), std::string::npos);
  EXPECT_NE(params.find("[0.01, 0.1]"), std::string::npos);
  EXPECT_NE(params.find("± 0.002"), std::string::npos);
}

TEST(CalibrateReport, Charts) {
  const std::string html = fit_report_html(sample_fit(), "My <fit>");
  expect_clean(html);
  EXPECT_NE(html.find("<title>My &lt;fit&gt;</title>"), std::string::npos);
  // z-scores: one bar per target, reference lines at ±2 and ±3
  const std::string z = figure_of(html, "z-scores");
  ASSERT_FALSE(z.empty());
  EXPECT_EQ(attribute(z, "data-bars"), "3");
  EXPECT_EQ(count(z, "class=\"bar\""), 3u);
  EXPECT_EQ(count(z, "class=\"marker-line\""), 4u);
  // the correlation heatmap: only the identifiable parameter's cell
  const std::string corr = figure_of(html, "correlation");
  ASSERT_FALSE(corr.empty());
  EXPECT_EQ(attribute(corr, "data-cells"), "1");
  EXPECT_EQ(count(corr, "class=\"cell\""), 1u);
  // the survival curve: 2 lines of 3 points each, 2 bands, the largest gap under it
  const std::string curve = figure_of(html, "curve-0");
  ASSERT_FALSE(curve.empty());
  EXPECT_EQ(figure_of(html, "curve-1"), "");
  EXPECT_EQ(attribute(curve, "data-points"), "6");
  EXPECT_EQ(count(curve, "<circle class=\"marker\""), 6u);
  EXPECT_EQ(attribute(curve, "data-lines"), "2");
  EXPECT_EQ(count(curve, "<path class=\"line\""), 2u);
  EXPECT_EQ(attribute(curve, "data-bands"), "2");
  EXPECT_EQ(count(curve, "<path class=\"band\""), 2u);
  EXPECT_NE(curve.find("observed: Month-to-month"), std::string::npos);
  EXPECT_NE(curve.find("simulated: smb"), std::string::npos);
  EXPECT_NE(curve.find("Largest gap |simulated − observed|: 5.00 percentage points at 1 month "
                       "(observed 90.00%, simulated 95.00%)"),
            std::string::npos)
      << curve.substr(curve.find("<figcaption>"));
}

TEST(CalibrateReport, NullsAreDashesNotNaN) {
  json j = sample_fit();
  j["distance"] = nullptr;  // a target the runs cannot produce makes D infinite
  j["targets"][0]["simulated"] = nullptr;
  j["targets"][0]["simulated_ci_low"] = nullptr;
  j["targets"][0]["simulated_ci_high"] = nullptr;
  j["targets"][0]["z"] = nullptr;
  j["curves"][0]["simulated"][1] = nullptr;
  j["curves"][0]["observed_se"] = {0, 0, 0};
  const std::string html = fit_report_html(j, "");
  expect_clean(html);
  EXPECT_NE(html.find("distance D = – over 3 targets"), std::string::npos);
  EXPECT_NE(table_body(html, "targets").find("not simulated"), std::string::npos);
  EXPECT_EQ(attribute(figure_of(html, "z-scores"), "data-bars"), "2");
  // the month without a simulated value is left out; a band of zero width is not drawn
  const std::string curve = figure_of(html, "curve-0");
  EXPECT_EQ(attribute(curve, "data-points"), "5");
  EXPECT_EQ(count(curve, "<circle class=\"marker\""), 5u);
  EXPECT_EQ(attribute(curve, "data-bands"), "1");
  EXPECT_EQ(count(curve, "<path class=\"band\""), 1u);
  // one parameter: no correlation heatmap
  j["parameters"].erase(1);
  j["correlation"] = json::array({{1.0}});
  EXPECT_EQ(figure_of(fit_report_html(j, ""), "correlation"), "");
}

TEST(CalibrateReport, OtherJsonIsRefused) {
  json other = sample_fit();
  other["format"] = "journeysim sweep results";
  std::string m = error_of(other);
  EXPECT_NE(m.find("not a calibration fit"), std::string::npos) << m;
  EXPECT_NE(m.find("\"format\" is 'journeysim sweep results', expected 'journeysim calibration "
                   "fit'"),
            std::string::npos)
      << m;
  m = error_of(json{{"tool", "journeysim compare"}, {"scenarios", json::array()}});
  EXPECT_NE(m.find("no \"format\" key; this looks like the output of `journeysim compare`"),
            std::string::npos)
      << m;
  m = error_of(json::array({1, 2}));
  EXPECT_NE(m.find("expected a JSON object, found array"), std::string::npos) << m;
  json newer = sample_fit();
  newer["format_version"] = 2;
  m = error_of(newer);
  EXPECT_NE(m.find("format_version 2"), std::string::npos) << m;
  json bad = sample_fit();
  bad["targets"][1]["observed"] = "0.18";
  m = error_of(bad);
  EXPECT_NE(m.find("targets[1].observed: expected a number or null, found string"),
            std::string::npos)
      << m;
  bad = sample_fit();
  bad["curves"][0]["observed"] = {0.9, 0.8};
  m = error_of(bad);
  EXPECT_NE(m.find("curves[0].observed: 2 values for 3 months"), std::string::npos) << m;
}

// End to end: `journeysim report FIT.json` writes the fit report; a JSON of another format or a
// broken JSON is an error naming the file, and nothing is written.
TEST(CalibrateReport, TheReportCommandRoutesFits) {
  const fs::path dir =
      fs::temp_directory_path() / ("journeysim-fit-report-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string bin = JOURNEYSIM_BINARY;
  auto write = [&](const std::string& name, const std::string& text) {
    const fs::path p = dir / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  };
  const std::string fit = write("fit.json", sample_fit().dump(2));
  const fs::path html = dir / "fit.html";
  std::string cmd = bin + " report " + fit + " -q -o " + html.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string page = read_text(html);
  expect_clean(page);
  EXPECT_FALSE(figure_of(page, "curve-0").empty());
  json other = sample_fit();
  other["format"] = "something else";
  json newer = sample_fit();
  newer["format_version"] = 2;
  const std::string err = (dir / "err.txt").string();
  struct Case {
    std::string input, message;
  };
  for (const Case& c :
       {Case{write("other.json", other.dump()), "which `journeysim report` does not read"},
        Case{write("broken.json", "{\"format\": \"journeysim calibration fit\", \"targ"),
             "not valid JSON"},
        Case{write("v2.json", newer.dump()), "format_version 2"},
        Case{fit + " --kpi mrr", "--kpi applies to a sweep's results only"}}) {
    const fs::path out = dir / "refused.html";
    cmd = bin + " report " + c.input + " -o " + out.string() + " 2>" + err;
    const int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 1) << c.input;
    const std::string message = read_text(err);
    const std::string file = c.input.substr(0, c.input.find(' '));
    EXPECT_NE(message.find(file + ": "), std::string::npos) << message;
    EXPECT_NE(message.find(c.message), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(out));
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}
