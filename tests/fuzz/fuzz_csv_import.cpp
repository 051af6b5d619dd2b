// Fuzz target: the CSV importer with each built-in mapping, then the KPIs on what it imported,
// as `journeysim score --csv FILE --mapping NAME` runs them. The first byte chooses the mapping
// (cdnow, cdnow_sample, online_retail, telco); the rest is the CSV file.
#include <cstdint>
#include <exception>
#include <string>

#include "fuzz_input.hpp"
#include "journeysim/kpi/import.hpp"
#include "journeysim/kpi/score.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace journeysim;
  if (size == 0) return 0;
  static const char* const kMappings[] = {"cdnow", "cdnow_sample", "online_retail", "telco"};
  static const kpi::ImportMapping mappings[] = {
      kpi::load_mapping(kMappings[0]), kpi::load_mapping(kMappings[1]),
      kpi::load_mapping(kMappings[2]), kpi::load_mapping(kMappings[3])};
  const kpi::ImportMapping& mapping = mappings[data[0] % 4];
  const std::string path = fuzz::write_file(
      "input.csv", std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  for (const bool skip_bad_rows : {false, true}) {
    try {
      kpi::ImportOptions options;
      options.skip_bad_rows = skip_bad_rows;
      const kpi::ImportResult r = kpi::import_csv(path, mapping, options);
      kpi::score(r.log, kpi::ScoreOptions{});
    } catch (const std::exception&) {
      // an error with a message: what bad input must give
    }
  }
  return 0;
}
