#include "util.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace journeysim::cli {

const std::string& command_line() {
  static const std::string line = [] {
    std::string s;
    if (FILE* f = std::fopen("/proc/self/cmdline", "rb")) {
      int ch;
      while ((ch = std::fgetc(f)) != EOF) s.push_back(ch == 0 ? ' ' : static_cast<char>(ch));
      std::fclose(f);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  }();
  return line;
}

void write_file_atomically(const std::string& path, const std::string& text) {
  std::string tmp = path;
  tmp += ".tmp-" + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot write: " + why);
  }
}

}  // namespace journeysim::cli
