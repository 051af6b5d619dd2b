// Small helpers shared by subcommands.
#pragma once
#include <string>

namespace journeysim::cli {

// The program's full command line (recorded in output files' metadata).
const std::string& command_line();

// The output format of a command with --format and -o: `format` when given, else html for an
// -o file ending in .html, json for any other file, table on a terminal and json on a pipe.
std::string output_format(const std::string& format, const std::string& output);

// Writes `text` to standard output, or to `output` when given (whole, under a temporary name
// renamed at the end: analysis::write_file_atomically).
void emit(const std::string& text, const std::string& output);

}  // namespace journeysim::cli
