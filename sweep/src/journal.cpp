#include "journeysim/sweep/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace journeysim::sweep {

namespace {

constexpr char kMagic[8] = {'J', 'S', 'W', 'J', 'R', 'N', 'L', '1'};
constexpr std::uint32_t kRecordMagic = 0x5245434a;  // "JCER"

std::uint64_t fnv1a(const char* p, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= 0x100000001b3ull;
  }
  return h;
}

template <class T>
void put(std::string& b, T v) {
  b.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_str(std::string& b, const std::string& s) {
  put<std::uint32_t>(b, static_cast<std::uint32_t>(s.size()));
  b += s;
}

class Cursor {
 public:
  Cursor(const char* p, std::size_t n) : p_(p), n_(n) {}
  template <class T>
  bool get(T& v) {
    if (n_ - i_ < sizeof v) return false;
    std::memcpy(&v, p_ + i_, sizeof v);
    i_ += sizeof v;
    return true;
  }
  bool get_str(std::string& s) {
    std::uint32_t len = 0;
    if (!get(len) || n_ - i_ < len) return false;
    s.assign(p_ + i_, len);
    i_ += len;
    return true;
  }
  std::size_t pos() const { return i_; }

 private:
  const char* p_;
  std::size_t n_, i_ = 0;
};

std::string header_bytes(const JournalHeader& h) {
  std::string b(kMagic, sizeof kMagic);
  put(b, h.fingerprint);
  put(b, h.tasks);
  put(b, h.kpis);
  put_str(b, h.build);
  put_str(b, h.sweep);
  put(b, fnv1a(b.data(), b.size()));
  return b;
}

void write_all(int fd, const std::string& b, const std::string& path) {
  std::size_t done = 0;
  while (done < b.size()) {
    ssize_t w = ::write(fd, b.data() + done, b.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0)
      throw std::runtime_error(path + ": cannot write the sweep journal: " + std::strerror(errno));
    done += static_cast<std::size_t>(w);
  }
}

}  // namespace

JournalWriter::JournalWriter(const std::string& path, const JournalHeader& header)
    : path_(path), kpis_(header.kpis) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error(path + ": cannot create the sweep journal: " + std::strerror(errno));
  write_all(fd_, header_bytes(header), path_);
  ::fsync(fd_);
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) {
    ::fsync(fd_);
    ::close(fd_);
  }
}

void JournalWriter::append(const TaskRecord& r) {
  if (r.kpis.size() != kpis_)
    throw std::logic_error("journal record with " + std::to_string(r.kpis.size()) +
                           " values, header says " + std::to_string(kpis_));
  std::string payload;
  put(payload, r.task);
  put<std::uint8_t>(payload, r.failed ? 1 : 0);
  put(payload, r.events);
  put(payload, r.seconds);
  for (double v : r.kpis) put(payload, v);
  put_str(payload, r.error);
  std::string b;
  b.reserve(payload.size() + 16);
  put(b, kRecordMagic);
  put<std::uint32_t>(b, static_cast<std::uint32_t>(payload.size()));
  b += payload;
  put(b, fnv1a(payload.data(), payload.size()));
  std::lock_guard lock(mutex_);
  write_all(fd_, b, path_);  // one write(2) of O_APPEND: the record is whole or cut at the end
}

void JournalWriter::sync() {
  std::lock_guard lock(mutex_);
  ::fsync(fd_);
}

JournalScan read_journal(const std::string& path, const JournalHeader& expected,
                         const std::function<void(const TaskRecord&)>& on_record) {
  // Streamed record by record: memory holds one record, whatever the journal's size.
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the sweep journal");
  JournalScan scan;
  std::string head(sizeof kMagic, '\0');
  in.read(head.data(), sizeof kMagic);
  const auto got = static_cast<std::size_t>(in.gcount());
  if (std::memcmp(head.data(), kMagic, got) != 0)
    throw std::runtime_error(path + ": not a journeysim sweep journal");
  if (got < sizeof kMagic) {  // killed while the header was being written: no record
    scan.damaged_tail = true;
    return scan;
  }
  // the header: fixed fields, two strings, its checksum
  auto read_bytes = [&](std::string& buf, std::size_t n) {
    const std::size_t at = buf.size();
    buf.resize(at + n);
    in.read(buf.data() + at, static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(in.gcount()) == n;
  };
  bool ok = read_bytes(head, 8 + 8 + 4 + 4);
  std::uint32_t len = 0;
  if (ok) std::memcpy(&len, head.data() + head.size() - 4, 4);
  ok = ok && len < (1u << 20) && read_bytes(head, len) && read_bytes(head, 4);
  if (ok) std::memcpy(&len, head.data() + head.size() - 4, 4);
  ok = ok && len < (1u << 20) && read_bytes(head, len);
  std::uint64_t sum = 0;
  std::string tail;
  ok = ok && read_bytes(tail, 8);
  if (ok) std::memcpy(&sum, tail.data(), 8);
  ok = ok && sum == fnv1a(head.data(), head.size());
  if (!ok) {  // a header cut short by a kill at the very start: the file holds no record
    scan.damaged_tail = true;
    return scan;
  }
  JournalHeader h;
  {
    Cursor c(head.data() + sizeof kMagic, head.size() - sizeof kMagic);
    c.get(h.fingerprint);
    c.get(h.tasks);
    c.get(h.kpis);
    c.get_str(h.build);
    c.get_str(h.sweep);
  }
  if (h.build != expected.build)
    throw std::runtime_error(path + ": this journal was written by journeysim " + h.build +
                             ", not by this build (" + expected.build +
                             "): results of two builds are not mixed; start afresh with "
                             "--restart (the journal is then discarded)");
  if (h.fingerprint != expected.fingerprint || h.tasks != expected.tasks || h.kpis != expected.kpis)
    throw std::runtime_error(
        path + ": this journal belongs to a different sweep (" + h.sweep + ", " +
        std::to_string(h.tasks) + " tasks) than " + expected.sweep + " (" +
        std::to_string(expected.tasks) +
        " tasks): the sweep file, its base scenario or the seed changed since it was written; "
        "start afresh with --restart (the journal is then discarded) or write to another -o");
  const std::size_t max_payload = 8 + 1 + 8 + 8 + 8 * std::size_t{h.kpis} + 4 + (1u << 20);
  std::string rec;
  TaskRecord r;
  r.kpis.resize(h.kpis);
  for (;;) {
    char frame[8];
    in.read(frame, 8);
    const auto n = in.gcount();
    if (n == 0) break;  // the end, between records
    std::uint32_t magic_r = 0;
    std::memcpy(&magic_r, frame, 4);
    std::memcpy(&len, frame + 4, 4);
    if (n < 8 || magic_r != kRecordMagic || len > max_payload) {
      scan.damaged_tail = true;
      break;
    }
    rec.clear();
    if (!read_bytes(rec, len + 8)) {
      scan.damaged_tail = true;
      break;
    }
    std::uint64_t check = 0;
    std::memcpy(&check, rec.data() + len, 8);
    if (check != fnv1a(rec.data(), len)) {
      scan.damaged_tail = true;
      break;
    }
    Cursor p(rec.data(), len);
    std::uint8_t failed = 0;
    bool good = p.get(r.task) && p.get(failed) && p.get(r.events) && p.get(r.seconds);
    for (auto& v : r.kpis) good = good && p.get(v);
    good = good && p.get_str(r.error) && r.task < h.tasks;
    if (!good) {
      scan.damaged_tail = true;
      break;
    }
    r.failed = failed != 0;
    on_record(r);
    ++scan.records;
  }
  return scan;
}

std::vector<std::string> journal_files(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".jnl") continue;
    if (!prefix.empty() && name.rfind(prefix + ".a", 0) != 0) continue;
    out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void remove_journal(const std::string& dir) {
  std::error_code ec;
  for (const auto& f : journal_files(dir)) std::filesystem::remove(f, ec);
  std::filesystem::remove(std::filesystem::path(dir) / "sweep-path", ec);
  if (std::filesystem::is_empty(dir, ec) && !ec) std::filesystem::remove(dir, ec);
}

std::string journal_name(const std::string& prefix, std::uint32_t attempt, int rank) {
  char b[64];
  std::snprintf(b, sizeof b, ".a%04u.r%05d.jnl", attempt, rank);
  return prefix + b;
}

std::uint32_t next_attempt(const std::string& dir, const std::string& prefix) {
  std::uint32_t best = 0;
  for (const auto& f : journal_files(dir, prefix)) {
    const std::string name = std::filesystem::path(f).filename().string();
    const std::size_t a = prefix.size() + 2;
    best = std::max<std::uint32_t>(best, static_cast<std::uint32_t>(std::atoi(name.c_str() + a)));
  }
  return best + 1;
}

}  // namespace journeysim::sweep
