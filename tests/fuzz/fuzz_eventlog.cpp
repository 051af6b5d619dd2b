// Fuzz target: the event-log reader and the KPIs on what it read, as `journeysim score LOG`
// runs them. The input is the file.
#include <cstdint>
#include <exception>
#include <string>

#include "fuzz_input.hpp"
#include "journeysim/kpi/log.hpp"
#include "journeysim/kpi/score.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace journeysim;
  const std::string path =
      fuzz::write_file("log.h5", std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    const kpi::Log log = kpi::load_event_log(path);
    kpi::score(log, kpi::ScoreOptions{});
  } catch (const std::exception&) {
    // an error with a message: what a damaged file must give
  }
  return 0;
}
