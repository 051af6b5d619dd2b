// Allocation policy of journeysim's programs (linked into the executables only, never into a
// library): blocks of 4 MiB and more are 2 MiB-aligned and advised as transparent huge pages.
//
// Why: a first touch of fresh memory costs a page fault per page. On the VMs this project runs
// on (KVM/PVM guests, THP in "madvise" mode) a 4 KiB fault costs ~10 us: 0.4 GB/s of fresh
// memory, whatever the program does with it. Advised 2 MiB pages are filled at 17 GB/s once the
// guest has backed them (bench/RESULTS.md, "fresh memory"). Loading a 55 M-event log allocates
// ~2 GB (customer tables, per-customer KPI arrays), so that fault rate was a third of `score`.
//
// Only operator new(size_t) is replaced: libstdc++'s nothrow and array forms call it, and its
// operator delete calls free(), which takes memory from malloc and aligned_alloc alike. Not
// compiled under AddressSanitizer, which must own operator new to check new/delete pairs.
#include <cstdlib>
#include <new>

#include "journeysim/common/huge_pages.hpp"

#if !defined(__SANITIZE_ADDRESS__)

void* operator new(std::size_t n) {
  constexpr std::size_t kLarge = std::size_t{1} << 22;
  void* p = n >= kLarge ? journeysim::common::allocate_huge_pages(n) : std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  return p;
}

#endif
