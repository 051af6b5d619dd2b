#include "deflate_codec.hpp"

#include <libdeflate.h>

#include <new>
#include <stdexcept>

namespace journeysim::eventlog::deflate {

namespace {

// A compressor holds its level's tables (a few hundred KB): one per thread, kept between chunks.
libdeflate_compressor* compressor(int level) {
  struct Cached {
    int level = -1;
    libdeflate_compressor* c = nullptr;
    ~Cached() {
      libdeflate_free_compressor(c);
      c = nullptr;
    }
  };
  thread_local Cached cached;
  if (cached.level != level) {
    libdeflate_free_compressor(cached.c);
    cached.c = libdeflate_alloc_compressor(level);
    cached.level = cached.c ? level : -1;
    if (!cached.c) throw std::bad_alloc();
  }
  return cached.c;
}

libdeflate_decompressor* decompressor() {
  struct Cached {
    libdeflate_decompressor* d = nullptr;
    ~Cached() {
      libdeflate_free_decompressor(d);
      d = nullptr;
    }
  };
  thread_local Cached cached;
  if (!cached.d) cached.d = libdeflate_alloc_decompressor();  // again after a failure
  if (!cached.d) throw std::bad_alloc();
  return cached.d;
}

}  // namespace

void compress(const unsigned char* src, std::size_t n, int level, ByteBuffer& out) {
  if (level < 1 || level > 9) throw std::runtime_error("deflate level must be 1..9");
  libdeflate_compressor* c = compressor(level);
  out.resize(libdeflate_zlib_compress_bound(c, n));
  const std::size_t got = libdeflate_zlib_compress(c, src, n, out.data(), out.size());
  if (got == 0) throw std::runtime_error("deflate failed");
  out.resize(got);
}

bool decompress(const unsigned char* src, std::size_t src_size, unsigned char* dst, std::size_t n) {
  // no actual-size out-parameter: anything but exactly n bytes is an error
  return libdeflate_zlib_decompress(decompressor(), src, src_size, dst, n, nullptr) ==
         LIBDEFLATE_SUCCESS;
}

}  // namespace journeysim::eventlog::deflate
