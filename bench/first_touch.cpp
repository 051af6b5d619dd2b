// first_touch: what fresh memory costs on this machine. Maps 1 GiB of anonymous memory, writes
// one byte per 4 KiB page (the first touch: page faults and the kernel's zeroing), then memsets
// it (memory already touched), with 4 KiB pages and then with the region advised as transparent
// huge pages, twice each. On a VM the first round can also pay the hypervisor backing the
// guest's memory ("cold"); the second round of the same kind shows the guest's own cost.
//
// Usage: first_touch [MiB]   (default 1024)
#include <sys/mman.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  const std::size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1024;
  if (mib == 0) {
    std::fprintf(stderr, "first_touch: expected a size in MiB > 0\n");
    return 1;
  }
  const std::size_t n = mib << 20;
  using clock = std::chrono::steady_clock;
  auto gbps = [&](clock::time_point a, clock::time_point b) {
    return static_cast<double>(n) / 1e9 / std::chrono::duration<double>(b - a).count();
  };
  std::printf("pages     round  first touch GB/s  memset after GB/s\n");
  for (int huge = 0; huge < 2; ++huge)
    for (int round = 1; round <= 2; ++round) {
      void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) {
        std::perror("first_touch: mmap");
        return 1;
      }
      if (huge) madvise(p, n, MADV_HUGEPAGE);
      auto* b = static_cast<volatile char*>(p);
      const auto t0 = clock::now();
      for (std::size_t i = 0; i < n; i += 4096) b[i] = 1;
      const auto t1 = clock::now();
      std::memset(p, 2, n);
      const auto t2 = clock::now();
      std::printf("%-9s %5d  %16.2f  %17.2f\n", huge ? "2MiB-THP" : "4KiB", round, gbps(t0, t1),
                  gbps(t1, t2));
      munmap(p, n);
    }
  return 0;
}
