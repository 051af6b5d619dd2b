// Reading a user's input file whole: only a regular file, and not larger than a limit. A device
// (/dev/zero, /dev/urandom), a FIFO or a directory named as input used to block or read until
// memory ran out (#15). Errors are std::runtime_error naming the file.
#pragma once
#include <cstdint>
#include <string>

namespace journeysim::common {

// The contents of `path`; `what` names the kind of file in messages ("CSV file", ...).
std::string read_input_file(const std::string& path, std::uintmax_t max_bytes,
                            const std::string& what);

// Throws unless `path` is a regular file of at most max_bytes.
void check_input_file(const std::string& path, std::uintmax_t max_bytes, const std::string& what);

}  // namespace journeysim::common
