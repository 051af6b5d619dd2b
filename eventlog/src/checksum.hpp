// Checksums of an event log (format 2): HDF5's Fletcher32 over every chunk, and a digest of the
// metadata and name tables in /meta/checksum (private to eventlog/).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "journeysim/eventlog/writer.hpp"

namespace journeysim::eventlog::checksum {

// HDF5's Fletcher32 (H5_checksum_fletcher32): sums of big-endian 16-bit words, an odd last byte
// as the high byte of a word. The filter appends it little-endian after a chunk's filtered bytes.
std::uint32_t fletcher32(const unsigned char* data, std::size_t len);

// Appends the 4 checksum bytes of `bytes[0, size)` at `out` (little-endian, as HDF5 stores them).
void put_fletcher32(std::uint32_t sum, unsigned char* out);
// The checksum stored in the last 4 bytes of a chunk of `size` bytes (size >= 4).
std::uint32_t stored_fletcher32(const unsigned char* chunk, std::size_t size);

// The row counts of the three tables, part of the digest: a changed extent is caught too.
struct TableRows {
  std::uint64_t events = 0, customers = 0, channels = 0;
};

// FNV-1a (64 bit) of every /meta value, every /names table (event_types included) and the row
// counts, in a fixed order with lengths: what /meta/checksum holds (docs/event-log.md).
std::uint64_t metadata_digest(const Metadata& meta, const std::vector<std::string>& event_types,
                              const TableRows& rows);

}  // namespace journeysim::eventlog::checksum
