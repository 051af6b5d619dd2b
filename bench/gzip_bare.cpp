// The bare cost of a dataset's csv.gz: compress a text file with libdeflate, as the dataset's
// GzipWriter does (gzip members of 1 MiB of text at a level), on 1 thread and on all threads,
// without formatting anything. `journeysim dataset --format csv` is compared against it in
// bench/dataset_bench.sh.  Usage: gzip_bare FILE.csv [LEVEL=6] [REPEATS=3]
#include <libdeflate.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gzip_bare FILE [LEVEL] [REPEATS]\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const int level = argc > 2 ? std::atoi(argv[2]) : 6;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
  // members end at a line end after 1 MiB, as GzipWriter's
  std::vector<std::pair<std::size_t, std::size_t>> members;
  for (std::size_t b = 0; b < text.size();) {
    std::size_t e = std::min(text.size(), b + (std::size_t{1} << 20));
    while (e < text.size() && text[e - 1] != '\n') ++e;
    members.emplace_back(b, e - b);
    b = e;
  }
  auto compress = [&](std::size_t i) {
    libdeflate_compressor* c = libdeflate_alloc_compressor(level);
    std::vector<unsigned char> out(libdeflate_gzip_compress_bound(c, members[i].second));
    std::size_t n = libdeflate_gzip_compress(c, text.data() + members[i].first, members[i].second,
                                             out.data(), out.size());
    libdeflate_free_compressor(c);
    return n;
  };
  for (int threads : {1, 0}) {
    std::vector<double> secs;
    std::size_t bytes = 0;
    for (int r = 0; r < repeats; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      std::vector<std::size_t> sizes(members.size());
      if (threads == 1) {
        for (std::size_t i = 0; i < members.size(); ++i) sizes[i] = compress(i);
      } else {
        tbb::parallel_for(std::size_t{0}, members.size(),
                          [&](std::size_t i) { sizes[i] = compress(i); });
      }
      secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      bytes = 0;
      for (auto s : sizes) bytes += s;
    }
    std::sort(secs.begin(), secs.end());
    const double med = secs[secs.size() / 2];
    std::printf(
        "%s: %.1f MB of text -> %.1f MB gzip (level %d, %zu members) in %.3f s (median of "
        "%d): %.0f MB/s\n",
        threads == 1 ? "1 thread   " : "all threads", text.size() / 1e6, bytes / 1e6, level,
        members.size(), med, repeats, text.size() / 1e6 / med);
  }
  return 0;
}
