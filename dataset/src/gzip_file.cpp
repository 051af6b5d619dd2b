#include "gzip_file.hpp"

#include <libdeflate.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "journeysim/common/input_file.hpp"
#include "sha256.hpp"

namespace journeysim::dataset {

struct GzipWriter::State {
  Sha256 hash;
};

GzipWriter::GzipWriter(std::string path, int level, std::size_t member_bytes)
    : path_(std::move(path)), level_(level), member_bytes_(member_bytes) {
  tmp_ = path_ + ".tmp-" + std::to_string(::getpid());
  common::remove_stale_temporaries(path_);
  common::register_temporary(tmp_);
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (!file_) throw std::runtime_error(path_ + ": cannot write (" + tmp_ + ")");
  state_ = new State;
  pending_.emplace_back();
  pending_.back().reserve(member_bytes_ + 4096);
}

GzipWriter::~GzipWriter() {
  delete state_;
  if (file_) std::fclose(file_);
  if (!committed_) {
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
  common::unregister_temporary(tmp_);
}

GzipMember gzip_member(const std::string& text, int level, std::uint64_t rows) {
  GzipMember m;
  m.text_bytes = text.size();
  m.rows = rows;
  libdeflate_compressor* c = libdeflate_alloc_compressor(level);
  if (!c) throw std::bad_alloc();
  m.bytes.resize(libdeflate_gzip_compress_bound(c, text.size()));
  const std::size_t k =
      libdeflate_gzip_compress(c, text.data(), text.size(), m.bytes.data(), m.bytes.size());
  libdeflate_free_compressor(c);
  if (k == 0) throw std::runtime_error("gzip compression failed");
  m.bytes.resize(k);
  return m;
}

void GzipWriter::write(const GzipMember& m) {
  if (std::fwrite(m.bytes.data(), 1, m.bytes.size(), file_) != m.bytes.size())
    throw std::runtime_error(path_ + ": write failed (disk full?)");
  state_->hash.update(m.bytes.data(), m.bytes.size());
  bytes_ += m.bytes.size();
  text_bytes_ += m.text_bytes;
}

void GzipWriter::append(std::vector<GzipMember>&& members) {
  flush();  // the text added before, in order
  pending_.emplace_back();
  for (const auto& m : members) {
    write(m);
    rows_ += m.rows;
  }
}

void GzipWriter::next_member() {
  // a batch of members is compressed at once, in parallel
  if (pending_.size() >= 8) flush();
  pending_.emplace_back();
  pending_.back().reserve(member_bytes_ + 4096);
}

void GzipWriter::flush() {
  const std::size_t n = pending_.size();
  std::vector<std::vector<unsigned char>> out(n);
  tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) {
    const std::string& in = pending_[i];
    if (in.empty()) return;
    libdeflate_compressor* c = libdeflate_alloc_compressor(level_);
    if (!c) return;
    out[i].resize(libdeflate_gzip_compress_bound(c, in.size()));
    std::size_t k = libdeflate_gzip_compress(c, in.data(), in.size(), out[i].data(), out[i].size());
    libdeflate_free_compressor(c);
    out[i].resize(k);
  });
  for (std::size_t i = 0; i < n; ++i) {
    if (pending_[i].empty()) continue;
    if (out[i].empty()) throw std::runtime_error(path_ + ": gzip compression failed");
    write(GzipMember{std::move(out[i]), pending_[i].size(), 0});
  }
  pending_.clear();
}

void GzipWriter::commit() {
  flush();
  if (bytes_ == 0) {
    // an empty file is still a gzip stream
    libdeflate_compressor* c = libdeflate_alloc_compressor(level_);
    unsigned char buf[64];
    std::size_t k = libdeflate_gzip_compress(c, "", 0, buf, sizeof buf);
    libdeflate_free_compressor(c);
    if (std::fwrite(buf, 1, k, file_) != k) throw std::runtime_error(path_ + ": write failed");
    state_->hash.update(buf, k);
    bytes_ += k;
  }
  bool ok = std::fflush(file_) == 0 && !std::ferror(file_);
  ok = (std::fclose(file_) == 0) && ok;
  file_ = nullptr;
  if (!ok) throw std::runtime_error(path_ + ": write failed (disk full?)");
  std::filesystem::rename(tmp_, path_);
  committed_ = true;
  sha256_ = state_->hash.hex();
}

namespace {
std::string slurp(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw std::runtime_error(path + ": not a regular file");
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw std::runtime_error(path + ": cannot read");
  if (size > max_bytes) throw std::runtime_error(path + ": larger than the limit");
  std::string s(size, '\0');
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::size_t n = std::fread(s.data(), 1, size, f);
  std::fclose(f);
  if (n != size) throw std::runtime_error(path + ": read error");
  return s;
}
}  // namespace

std::string read_gzip(const std::string& path, std::size_t max_bytes) {
  const std::string in = slurp(path, max_bytes);
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  if (!d) throw std::bad_alloc();
  std::string text;
  std::vector<char> buf(std::size_t{4} << 20);
  std::size_t pos = 0;
  while (pos < in.size()) {
    std::size_t used = 0, produced = 0;
    auto r = libdeflate_gzip_decompress_ex(d, in.data() + pos, in.size() - pos, buf.data(),
                                           buf.size(), &used, &produced);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE && buf.size() < max_bytes) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (r != LIBDEFLATE_SUCCESS) {
      libdeflate_free_decompressor(d);
      throw std::runtime_error(path + ": corrupt or truncated gzip data at byte " +
                               std::to_string(pos));
    }
    if (text.size() + produced > max_bytes) {
      libdeflate_free_decompressor(d);
      throw std::runtime_error(path + ": decompresses past the limit");
    }
    text.append(buf.data(), produced);
    pos += used;
  }
  libdeflate_free_decompressor(d);
  return text;
}

std::string read_text_file(const std::string& path, std::size_t max_bytes) {
  std::string s = slurp(path, max_bytes);
  if (s.size() >= 2 && static_cast<unsigned char>(s[0]) == 0x1f &&
      static_cast<unsigned char>(s[1]) == 0x8b)
    return read_gzip(path, max_bytes);
  return s;
}

}  // namespace journeysim::dataset
