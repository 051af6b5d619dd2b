#include "journeysim/common/input_file.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
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

namespace journeysim::common {

void remove_stale_temporaries(const std::string& path) {
  const fs::path p(path);
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const std::string prefix = p.filename().string() + ".tmp-";
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return;
  for (const auto& e : it) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
    if (pid <= 0 || pid == static_cast<long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still running
    fs::remove(e.path(), ec);
  }
}

namespace {
// Paths the signal handler removes: fixed slots of fixed size, read without locks (a handler may
// only call async-signal-safe functions: unlink, signal, raise).
constexpr int kSlots = 64;
constexpr std::size_t kPathMax = 4096;
std::array<std::array<char, kPathMax>, kSlots> g_temp_paths{};
std::array<volatile sig_atomic_t, kSlots> g_temp_used{};
std::mutex g_temp_mutex;

extern "C" void remove_temporaries_and_die(int sig) {
  for (int i = 0; i < kSlots; ++i)
    if (g_temp_used[i]) ::unlink(g_temp_paths[i].data());
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}
}  // namespace

void register_temporary(const std::string& path) {
  if (path.size() >= kPathMax) return;
  std::lock_guard lock(g_temp_mutex);
  for (int i = 0; i < kSlots; ++i)
    if (!g_temp_used[i]) {
      std::memcpy(g_temp_paths[i].data(), path.c_str(), path.size() + 1);
      g_temp_used[i] = 1;
      return;
    }
}

void unregister_temporary(const std::string& path) {
  std::lock_guard lock(g_temp_mutex);
  for (int i = 0; i < kSlots; ++i)
    if (g_temp_used[i] && path == g_temp_paths[i].data()) {
      g_temp_used[i] = 0;
      return;
    }
}

void install_temporary_cleanup() {
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::signal(sig, remove_temporaries_and_die);
}

}  // namespace journeysim::common
