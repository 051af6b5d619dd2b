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
  // the same whether or not stdout is a terminal: `compare ... > file` wrote JSON where the
  // user expected the table they saw on screen (#16)
  return "table";
}

void emit(const std::string& text, const std::string& output) {
  if (output.empty())
    std::cout << text;
  else
    analysis::write_file_atomically(output, text);
}

}  // namespace journeysim::cli
