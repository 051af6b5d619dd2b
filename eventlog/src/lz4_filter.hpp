// The HDF5 LZ4 filter (registered id 32004, the HDF Group's hdf5_plugins/LZ4, shipped in Debian
// as hdf5-filter-plugin), implemented over liblz4 so that journeysim writes and reads it without
// the plugin, and h5dump / h5py read the same files through the plugin.
//
// Chunk format (all integers big-endian):
//   u64 original size | u32 block size | per block: u32 stored size, then the block's bytes
// A block whose LZ4 form is not smaller than the block is stored as is (stored size == block
// size). journeysim writes one block per chunk (the plugin's default block size is 1 GiB).
#pragma once
#include <cstddef>

#include "byte_buffer.hpp"

namespace journeysim::eventlog::lz4 {

constexpr int kFilterId = 32004;

// Encodes `n` bytes as one LZ4-filter chunk into `out` (resized to the encoded size).
void encode(const unsigned char* src, std::size_t n, ByteBuffer& out);
// Decodes an LZ4-filter chunk into dst, which holds exactly `n` bytes. False if the chunk is
// malformed or does not decode to exactly `n` bytes.
bool decode(const unsigned char* src, std::size_t src_size, unsigned char* dst, std::size_t n);

// Registers the filter with HDF5 (once per process) unless a plugin already provides it.
void register_filter();

}  // namespace journeysim::eventlog::lz4
