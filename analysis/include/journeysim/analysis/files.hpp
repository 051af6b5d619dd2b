// Output files of the analysis commands (compare, benchmark, report).
#pragma once
#include <string>

namespace journeysim::analysis {

// Writes `text` to `path.tmp-<pid>` in the same directory and renames it to `path` once complete,
// so a crash or an interrupt never leaves a half-written file under the final name; on failure
// the temporary file is removed. Errors name the file.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace journeysim::analysis
