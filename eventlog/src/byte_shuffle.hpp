// HDF5's shuffle filter (byte j of element i of an n-element chunk at j * n + i), 16 elements at
// a time with SSE2, for the writer's gather (its strided loads defeat the compiler's own
// vectorisation; the reader's unshuffle, contiguous, is vectorised by the compiler).
//
// Seen as one index over 16 elements of `Size` bytes held in `Size` registers of 16 bytes, a
// round of unpacking register k with register k + Size/2 into registers 2k and 2k+1 rotates the
// index left by one bit. Element order (element, byte) -> plane order (byte, element) is a
// rotation by log2(16) = 4 bits.
#pragma once
#include <cstddef>

#if defined(__SSE2__)
#include <emmintrin.h>
#define JOURNEYSIM_SHUFFLE16 1
#endif

namespace journeysim::eventlog::shuffle {

#if defined(JOURNEYSIM_SHUFFLE16)
// 16 contiguous elements at `in` -> byte j of element i at out[j * n + i].
template <std::size_t Size>
inline void shuffle16(const unsigned char* in, std::size_t n, unsigned char* out) {
  static_assert(Size == 2 || Size == 4 || Size == 8);
  __m128i r[Size];
  for (std::size_t k = 0; k < Size; ++k)
    r[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 16 * k));
  for (int round = 0; round < 4; ++round) {  // log2(16) rotations of the index by one bit
    __m128i t[Size];
    for (std::size_t k = 0; k < Size / 2; ++k) {
      t[2 * k] = _mm_unpacklo_epi8(r[k], r[k + Size / 2]);
      t[2 * k + 1] = _mm_unpackhi_epi8(r[k], r[k + Size / 2]);
    }
    for (std::size_t k = 0; k < Size; ++k) r[k] = t[k];
  }
  for (std::size_t j = 0; j < Size; ++j)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + j * n), r[j]);
}

#endif

}  // namespace journeysim::eventlog::shuffle
