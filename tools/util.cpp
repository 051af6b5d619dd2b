#include "util.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "journeysim/analysis/files.hpp"

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

std::string output_format(const std::string& format, const std::string& output) {
  if (!format.empty()) return format;
  if (!output.empty())
    return std::filesystem::path(output).extension() == ".html" ? "html" : "json";
  return isatty(STDOUT_FILENO) ? "table" : "json";
}

void emit(const std::string& text, const std::string& output) {
  if (output.empty())
    std::cout << text;
  else
    analysis::write_file_atomically(output, text);
}

}  // namespace journeysim::cli
