#include "journeysim/analysis/files.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "journeysim/common/input_file.hpp"

namespace journeysim::analysis {

void write_file_atomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  common::check_output(path);
  common::remove_stale_temporaries(path);
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  common::register_temporary(tmp);
  auto fail = [&](const std::string& what) {
    std::error_code ec;
    fs::remove(tmp, ec);
    common::unregister_temporary(tmp);
    throw std::runtime_error(path + ": " + what);
  };
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(std::string("cannot write: ") + std::strerror(errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) fail(std::string("cannot write: ") + std::strerror(errno));
  }
  std::error_code ec;
  // an output written again keeps its mode (a 0600 report stayed 0600 only by chance)
  if (const auto st = fs::status(path, ec); !ec && fs::is_regular_file(st))
    fs::permissions(tmp, st.permissions(), ec);
  fs::rename(tmp, path, ec);
  if (ec) fail("cannot rename the temporary file into place: " + ec.message());
  common::unregister_temporary(tmp);
}

}  // namespace journeysim::analysis
