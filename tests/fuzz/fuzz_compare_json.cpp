// Fuzz target: the compare-JSON reader of `journeysim report COMPARE.json` (the HTML report of a
// compare run). The input is the JSON file.
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>

#include "journeysim/analysis/report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace journeysim;
  try {
    const nlohmann::json c = nlohmann::json::parse(data, data + size);
    analysis::compare_report_html(c, "fuzz.json", analysis::ReportOptions{});
  } catch (const std::exception&) {
    // an error with a message: what bad input must give
  }
  return 0;
}
