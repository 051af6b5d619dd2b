// The deflate filter's chunk codec (HDF5 filter 1: a zlib stream), over libdeflate, which
// compresses and decompresses whole buffers several times faster than zlib and writes streams
// any zlib (so HDF5's own filter, h5dump, h5py) reads. Private to eventlog/.
#pragma once
#include <cstddef>

#include "byte_buffer.hpp"

namespace journeysim::eventlog::deflate {

// Compresses n bytes at `level` (1..9, as zlib's) into `out` (resized to the stream's size).
void compress(const unsigned char* src, std::size_t n, int level, ByteBuffer& out);
// Decompresses a zlib stream into dst, which must come out exactly n bytes; false otherwise
// (throws std::bad_alloc if no decompressor can be allocated).
bool decompress(const unsigned char* src, std::size_t src_size, unsigned char* dst, std::size_t n);

}  // namespace journeysim::eventlog::deflate
