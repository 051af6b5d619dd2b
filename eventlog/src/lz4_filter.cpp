#include "lz4_filter.hpp"

#include <hdf5.h>
#include <lz4.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>

namespace journeysim::eventlog::lz4 {

namespace {

void put_be(unsigned char* p, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) p[i] = static_cast<unsigned char>(v & 0xff);
}
std::uint64_t get_be(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

constexpr std::size_t kHeader = 12;
constexpr std::uint64_t kDefaultBlock = std::uint64_t{1} << 30;  // the plugin's default

// Bytes an encoding of n bytes in blocks of `block` bytes may take (block <= LZ4_MAX_INPUT_SIZE).
std::size_t encoded_bound(std::size_t n, std::uint64_t block) {
  const std::uint64_t nblocks = (n + block - 1) / block;
  return kHeader +
         nblocks * (4 + static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(block))));
}

// Encodes n bytes in blocks of `block` bytes into `o` (encoded_bound(n, block) bytes); a block
// LZ4 does not shrink is stored as is. Returns the encoded size.
std::size_t encode_blocks(const unsigned char* in, std::size_t n, std::uint64_t block,
                          unsigned char* o) {
  put_be(o, n, 8);
  put_be(o + 8, block, 4);
  std::size_t pos = kHeader;
  for (std::uint64_t done = 0; done < n;) {
    const std::uint64_t this_block = std::min<std::uint64_t>(block, n - done);
    const int c = LZ4_compress_default(
        reinterpret_cast<const char*>(in + done), reinterpret_cast<char*>(o + pos + 4),
        static_cast<int>(this_block), LZ4_compressBound(static_cast<int>(this_block)));
    std::uint64_t stored = c > 0 ? static_cast<std::uint64_t>(c) : this_block;
    if (stored >= this_block) {
      stored = this_block;
      std::memcpy(o + pos + 4, in + done, this_block);
    }
    put_be(o + pos, stored, 4);
    pos += 4 + stored;
    done += this_block;
  }
  return pos;
}

// H5Z_func_t: compresses (forward) or decompresses (H5Z_FLAG_REVERSE) *buf in place.
std::size_t filter(unsigned flags, std::size_t cd_nelmts, const unsigned cd_values[],
                   std::size_t nbytes, std::size_t* buf_size, void** buf) {
  const auto* in = static_cast<const unsigned char*>(*buf);
  void* out = nullptr;
  std::size_t out_size = 0;
  if (flags & H5Z_FLAG_REVERSE) {
    if (nbytes < kHeader) return 0;
    const std::uint64_t orig = get_be(in, 8);
    if (orig > std::numeric_limits<std::size_t>::max() / 2) return 0;
    out = H5allocate_memory(orig ? orig : 1, false);
    if (!out) return 0;
    if (!decode(in, nbytes, static_cast<unsigned char*>(out), orig)) {
      H5free_memory(out);
      return 0;
    }
    out_size = orig;
  } else {
    std::uint64_t block = cd_nelmts > 0 && cd_values[0] > 0 ? cd_values[0] : kDefaultBlock;
    block = std::min<std::uint64_t>(block, std::max<std::size_t>(nbytes, 1));
    if (block > static_cast<std::uint64_t>(LZ4_MAX_INPUT_SIZE)) return 0;
    auto* o = static_cast<unsigned char*>(H5allocate_memory(encoded_bound(nbytes, block), false));
    if (!o) return 0;
    out_size = encode_blocks(in, nbytes, block, o);
    out = o;
  }
  H5free_memory(*buf);
  *buf = out;
  *buf_size = out_size;
  return out_size;
}

const H5Z_class2_t kClass = {
    H5Z_CLASS_T_VERS,
    static_cast<H5Z_filter_t>(kFilterId),
    1,  // encoder present
    1,  // decoder present
    "HDF5 lz4 filter; see http://www.hdfgroup.org/services/contributions.html",
    nullptr,
    nullptr,
    filter,
};

}  // namespace

void encode(const unsigned char* src, std::size_t n, ByteBuffer& out) {
  // one block per chunk: a chunk of one column is at most a few MiB
  if (n > static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE))
    throw std::runtime_error("LZ4: a chunk of " + std::to_string(n) +
                             " bytes exceeds one LZ4 block; use fewer rows per chunk");
  const std::uint64_t block = std::max<std::size_t>(n, 1);
  out.resize(encoded_bound(n, block));
  out.resize(encode_blocks(src, n, block, out.data()));
}

bool decode(const unsigned char* src, std::size_t src_size, unsigned char* dst, std::size_t n) {
  if (src_size < kHeader) return false;
  const std::uint64_t orig = get_be(src, 8), block = get_be(src + 8, 4);
  if (orig != n || (n > 0 && block == 0)) return false;
  const unsigned char* p = src + kHeader;
  const unsigned char* end = src + src_size;
  for (std::uint64_t done = 0; done < n;) {
    const std::uint64_t this_block = std::min<std::uint64_t>(block, n - done);
    if (end - p < 4) return false;
    const std::uint64_t stored = get_be(p, 4);
    p += 4;
    if (stored > static_cast<std::uint64_t>(end - p)) return false;
    if (stored == this_block) {
      std::memcpy(dst + done, p, this_block);
    } else {
      const int got =
          LZ4_decompress_safe(reinterpret_cast<const char*>(p), reinterpret_cast<char*>(dst + done),
                              static_cast<int>(stored), static_cast<int>(this_block));
      if (got < 0 || static_cast<std::uint64_t>(got) != this_block) return false;
    }
    p += stored;
    done += this_block;
  }
  return true;
}

void register_filter() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (H5Zfilter_avail(static_cast<H5Z_filter_t>(kFilterId)) <= 0) H5Zregister(&kClass);
  });
}

}  // namespace journeysim::eventlog::lz4
