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

// Inputs and outputs of this process. Every file read as input is noted (by the readers above,
// the scenario loader and the event-log reader); an output must then be a new path or an existing
// regular file that is none of them, compared by identity (device and inode), not by name:
// `run X.yaml -o X.yaml` overwrote its scenario, `report L.h5 -o L.h5` its log, and `-o /dev/null`
// replaced the device with a regular file (#15). Throws std::runtime_error naming the path.
// The comparison with the inputs is on in the journeysim program (one command per process); a
// library user that reads and rewrites a file on purpose (a test) leaves it off. The refusal of
// a device or FIFO as output is always on.
void guard_outputs_against_inputs(bool on);
void note_input(const std::string& path);
void check_output(const std::string& path);

}  // namespace journeysim::common

namespace journeysim::common {

// Temporary files (OUT.tmp-PID) of a process that died without cleaning up (kill -9) are removed
// by the next process that writes OUT: those beside `path` whose PID is no longer running.
void remove_stale_temporaries(const std::string& path);

// A temporary file to remove if the process is stopped by SIGTERM, SIGINT or SIGHUP before it is
// renamed into place (commands that do not stop gracefully on a signal); unregister once renamed
// or removed. install_temporary_cleanup() sets the handlers: they remove the registered files and
// end the process with the signal's status (143 for SIGTERM).
void register_temporary(const std::string& path);
void unregister_temporary(const std::string& path);
void install_temporary_cleanup();

}  // namespace journeysim::common
