// Memory on transparent huge pages. A first touch of fresh memory costs a page fault per page;
// on this project's VMs a 4 KiB fault costs ~10 us, an advised 2 MiB page is filled at ~17 GB/s
// (bench/first_touch). Advice only: without THP the memory is ordinary and still correct.
#pragma once
#include <cstddef>

namespace journeysim::common {

inline constexpr std::size_t kHugePage = std::size_t{1} << 21;

// At least `bytes` bytes, 2 MiB-aligned and advised as huge pages; free with std::free.
// nullptr when the memory cannot be had (or `bytes` rounded up to 2 MiB would not fit a size_t).
void* allocate_huge_pages(std::size_t bytes);

// Advises the 2 MiB-aligned part of [p, p + bytes) as huge pages (memory allocated elsewhere).
void advise_huge_pages(void* p, std::size_t bytes);

}  // namespace journeysim::common
