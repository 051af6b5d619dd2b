// gzip files written as a sequence of gzip members of bounded size (RFC 1952 allows any number
// of members; gunzip, zcat, Python's gzip and pandas read them as one stream), compressed with
// libdeflate in parallel and written in order, so the bytes do not depend on the thread count.
// The file is written under a temporary name and renamed by commit(); a writer destroyed
// without commit() removes it. Its SHA-256, size and row count are known at commit.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace journeysim::dataset {

// One gzip member, compressed (on any thread) from `text_bytes` bytes of text holding `rows` rows.
struct GzipMember {
  std::vector<unsigned char> bytes;
  std::size_t text_bytes = 0;
  std::uint64_t rows = 0;
};
GzipMember gzip_member(const std::string& text, int level, std::uint64_t rows);

// Text cut into members of about 1 MiB as rows are added, each compressed as it fills: a unit
// of work compresses its own text, and the file's writer only appends the members.
class GzipMembers {
 public:
  explicit GzipMembers(int level, std::size_t member_bytes = 1 << 20)
      : level_(level), member_bytes_(member_bytes) {}
  std::string& text() { return text_; }
  void row_done() {
    ++rows_;
    if (text_.size() >= member_bytes_) seal();
  }
  // Compresses what is left and returns every member, in order.
  std::vector<GzipMember> take() {
    seal();
    return std::move(members_);
  }

 private:
  void seal() {
    if (text_.empty()) return;
    members_.push_back(gzip_member(text_, level_, rows_));
    text_.clear();
    rows_ = 0;
  }
  int level_;
  std::size_t member_bytes_;
  std::string text_;
  std::uint64_t rows_ = 0;
  std::vector<GzipMember> members_;
};

class GzipWriter {
 public:
  // Members hold up to `member_bytes` of text (rows are never split between members).
  explicit GzipWriter(std::string path, int level = 6, std::size_t member_bytes = 1 << 20);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  // Append one row's text (ending in '\n') to text(), then call row_done().
  std::string& text() { return pending_.back(); }
  void row_done() {
    ++rows_;
    if (pending_.back().size() >= member_bytes_) next_member();
  }
  // Appends members compressed elsewhere, after the text added so far (the header).
  void append(std::vector<GzipMember>&& members);
  void commit();

  const std::string& path() const { return path_; }
  std::uint64_t rows() const { return rows_; }  // rows after the header
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t text_bytes() const { return text_bytes_; }  // uncompressed
  const std::string& sha256() const { return sha256_; }     // set by commit()

 private:
  void next_member();
  void flush();
  void write(const GzipMember& m);
  std::string path_, tmp_;
  int level_;
  std::size_t member_bytes_;
  std::vector<std::string> pending_;
  std::FILE* file_ = nullptr;
  struct State;
  State* state_ = nullptr;
  std::uint64_t rows_ = 0, bytes_ = 0, text_bytes_ = 0;
  std::string sha256_;
  bool committed_ = false;
};

// The decompressed text of a gzip file (all members), refusing to grow past `max_bytes`.
// Throws std::runtime_error naming the file on a corrupt or truncated stream.
std::string read_gzip(const std::string& path, std::size_t max_bytes = std::size_t{1} << 34);
// A file's text: gunzipped if it starts with the gzip magic bytes, as is otherwise.
std::string read_text_file(const std::string& path, std::size_t max_bytes = std::size_t{1} << 34);

}  // namespace journeysim::dataset
