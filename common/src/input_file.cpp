#include "journeysim/common/input_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace journeysim::common {

namespace fs = std::filesystem;

void check_input_file(const std::string& path, std::uintmax_t max_bytes, const std::string& what) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st))
    throw std::runtime_error(path + ": cannot open " + what + " (no such file)");
  if (fs::is_directory(st)) throw std::runtime_error(path + ": is a directory, not a " + what);
  if (!fs::is_regular_file(st))
    throw std::runtime_error(
        path + ": is not a regular file (a device, a FIFO or a socket), not a " + what);
  const auto size = fs::file_size(path, ec);
  if (ec) throw std::runtime_error(path + ": cannot read " + what);
  if (size > max_bytes)
    throw std::runtime_error(path + ": " + std::to_string(size) + " bytes, more than the " +
                             std::to_string(max_bytes >> 20) + " MiB a " + what + " may have");
}

std::string read_input_file(const std::string& path, std::uintmax_t max_bytes,
                            const std::string& what) {
  check_input_file(path, max_bytes, what);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open " + what);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw std::runtime_error(path + ": error while reading " + what);
  return ss.str();
}

}  // namespace journeysim::common
