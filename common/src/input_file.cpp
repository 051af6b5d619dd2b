#include "journeysim/common/input_file.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

namespace journeysim::common {

namespace fs = std::filesystem;

namespace {
std::mutex g_inputs_mutex;
std::vector<std::pair<dev_t, ino_t>> g_inputs;  // noted inputs, by identity
bool g_guard = false;
}  // namespace

void guard_outputs_against_inputs(bool on) {
  std::lock_guard lock(g_inputs_mutex);
  g_guard = on;
}

void note_input(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  std::lock_guard lock(g_inputs_mutex);
  // set in place: GCC 12 warns of a dangling pointer (a false positive) when a pair made of
  // `st` is copied in
  g_inputs.emplace_back();
  g_inputs.back().first = st.st_dev;
  g_inputs.back().second = st.st_ino;
}

void check_output(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;  // a new path
  if (!S_ISREG(st.st_mode))
    throw std::runtime_error(path +
                             ": exists and is not a regular file (a device, a FIFO or a "
                             "directory): outputs go to a new path or a regular file");
  std::lock_guard lock(g_inputs_mutex);
  if (!g_guard) return;
  for (const auto& [dev, ino] : g_inputs)
    if (dev == st.st_dev && ino == st.st_ino)
      throw std::runtime_error(path +
                               ": is an input of this command; writing it would destroy "
                               "what is being read (give another output path)");
}

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
  note_input(path);
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
