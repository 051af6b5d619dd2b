#include "checksum.hpp"

#include <bit>
#include <cstring>

namespace journeysim::eventlog::checksum {

std::uint32_t fletcher32(const unsigned char* data, std::size_t len) {
  std::size_t words = len / 2;
  std::uint32_t sum1 = 0, sum2 = 0;
  // 360 words is the most that can be summed without overflowing 32 bits (as HDF5 does)
  while (words) {
    std::size_t n = words > 360 ? 360 : words;
    words -= n;
    do {
      sum1 += (static_cast<std::uint32_t>(data[0]) << 8) | data[1];
      data += 2;
      sum2 += sum1;
    } while (--n);
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (len % 2) {
    sum1 += static_cast<std::uint32_t>(*data) << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  return (sum2 << 16) | sum1;
}

void put_fletcher32(std::uint32_t sum, unsigned char* out) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<unsigned char>(sum >> (8 * i));
}

std::uint32_t stored_fletcher32(const unsigned char* chunk, std::size_t size) {
  const unsigned char* p = chunk + size - 4;
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}

namespace {

struct Fnv {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  }
  void u64(std::uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    bytes(b, 8);
  }
  void str(const std::string& s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  void strings(const std::vector<std::string>& v) {
    u64(v.size());
    for (const auto& s : v) str(s);
  }
};

}  // namespace

std::uint64_t metadata_digest(const Metadata& meta, const std::vector<std::string>& event_types,
                              const TableRows& rows) {
  Fnv f;
  f.str(meta.scenario_name);
  f.str(meta.scenario_text);
  f.u64(meta.seed);
  f.str(meta.version);
  f.str(meta.command_line);
  f.str(meta.options_json);
  f.u64(static_cast<std::uint64_t>(meta.start_time));
  f.u64(std::bit_cast<std::uint64_t>(meta.horizon_days));
  f.u64(meta.markets);
  f.u64(meta.replications);
  f.u64(meta.first_replication);
  f.str(meta.part);
  f.u64(meta.names.size());
  for (const auto& [ns, values] : meta.names) {  // a std::map: in name order
    f.str(ns);
    f.strings(values);
  }
  f.strings(event_types);
  f.u64(rows.events);
  f.u64(rows.customers);
  f.u64(rows.channels);
  return f.h;
}

}  // namespace journeysim::eventlog::checksum
