// Small helpers shared by subcommands.
#pragma once
#include <string>

namespace journeysim::cli {

// The program's full command line (recorded in output files' metadata).
const std::string& command_line();

// Writes `text` to `path.tmp-<pid>` and renames it to `path` once complete, so a crash or an
// interrupt never leaves a half-written file under the final name. Errors name the file.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace journeysim::cli
