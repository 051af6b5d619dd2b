// The journal of a sweep: an append-only record of finished tasks, so that a sweep killed at any
// moment (wall-time limit, kill -9, node failure) resumes where it stopped (as Dakota's restart
// file does). Each process appends to its own file in the journal directory; every record is
// written with one write(2) and carries its length and a checksum, so a record cut short by a
// kill is detected and ignored. The header names the sweep (its fingerprint: the sweep file, the
// resolved base scenario, the seed, the build) so a journal of another sweep or build is refused.
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace journeysim::sweep {

struct JournalHeader {
  std::uint64_t fingerprint = 0;
  std::uint64_t tasks = 0;  // tasks of the whole sweep
  std::uint32_t kpis = 0;   // values per record
  std::string build;        // "version commit"
  std::string sweep;        // the sweep's name and file (for messages)
};

struct TaskRecord {
  std::uint64_t task = 0;
  bool failed = false;
  std::uint64_t events = 0;
  double seconds = 0;
  std::vector<double> kpis;  // header.kpis values (NaN: not available in this task)
  std::string error;         // the exception's message when failed
};

// One journal file being appended to. append() is thread-safe; each record reaches the kernel
// before append() returns (a process killed afterwards keeps it); sync() also asks the disk.
class JournalWriter {
 public:
  JournalWriter(const std::string& path, const JournalHeader& header);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;
  void append(const TaskRecord& record);
  void sync();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint32_t kpis_ = 0;
  std::mutex mutex_;
};

// Reads one journal file: checks its header against `expected` (a mismatch throws
// std::runtime_error naming the file and what differs) and calls `on_record` for every complete,
// intact record; returns how many were read and whether a damaged tail was skipped.
struct JournalScan {
  std::uint64_t records = 0;
  bool damaged_tail = false;
};
JournalScan read_journal(const std::string& path, const JournalHeader& expected,
                         const std::function<void(const TaskRecord&)>& on_record);

// The journal files of a directory (sorted by name), those of one part prefix when given.
std::vector<std::string> journal_files(const std::string& dir, const std::string& prefix = "");

// Removes the journal files (*.jnl) and the sweep-path note from `dir`, then `dir` itself if
// nothing else is in it: a user's --journal folder may hold other files, which are kept.
void remove_journal(const std::string& dir);

// The file name of a new journal: "<prefix>.a<attempt>.r<rank>.jnl" (prefix "all" or
// "part-0003-of-0016"); next_attempt() is 1 + the highest attempt of that prefix in `dir`.
std::string journal_name(const std::string& prefix, std::uint32_t attempt, int rank);
std::uint32_t next_attempt(const std::string& dir, const std::string& prefix);

}  // namespace journeysim::sweep
