// Small helpers shared by subcommands.
#pragma once
#include <string>

namespace journeysim::cli {

// The program's full command line (recorded in output files' metadata).
const std::string& command_line();

}  // namespace journeysim::cli
