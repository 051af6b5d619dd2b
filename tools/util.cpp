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

}  // namespace journeysim::cli
