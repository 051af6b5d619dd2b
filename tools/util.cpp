#include "util.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "command.hpp"
#include "journeysim/analysis/files.hpp"
#include "journeysim/common/text.hpp"

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

CLI::Validator one_of(std::vector<std::string> choices) {
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  return CLI::Validator(
      [choices, list](std::string& value) -> std::string {
        if (std::find(choices.begin(), choices.end(), value) != choices.end()) return "";
        return "'" + value + "' is not one of " + list + common::did_you_mean(value, choices);
      },
      "{" + list + "}");
}

}  // namespace journeysim::cli
