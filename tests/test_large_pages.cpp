// The programs' allocation policy (common/src/large_pages.cpp): large blocks from operator new
// are 2 MiB-aligned (so they can be backed by transparent huge pages), small ones are ordinary,
// and every form of new/delete still pairs up.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace {

bool aligned_2mib(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % (std::uintptr_t{1} << 21) == 0;
}

#if defined(__SANITIZE_ADDRESS__)
TEST(LargePages, PolicyIsOffUnderAddressSanitizer) {
  GTEST_SKIP() << "AddressSanitizer owns operator new; the policy is not compiled in";
}
#else
TEST(LargePages, LargeBlocksAreHugePageAligned) {
  for (std::size_t mib : {4, 5, 17, 64}) {
    std::vector<char> v(mib << 20, 'x');
    EXPECT_TRUE(aligned_2mib(v.data())) << mib << " MiB";
    EXPECT_EQ(v.back(), 'x');
  }
  auto a = std::make_unique<double[]>(std::size_t{1} << 20);  // 8 MiB through new[]
  EXPECT_TRUE(aligned_2mib(a.get()));
  void* p = ::operator new (std::size_t{6} << 20, std::nothrow);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(aligned_2mib(p));
  ::operator delete(p, std::nothrow);
}

TEST(LargePages, SmallBlocksAndZeroSizesAreOrdinary) {
  // many small blocks: not one of them needs (or gets) a 2 MiB alignment
  std::vector<std::unique_ptr<int> > v;
  int aligned = 0;
  for (int i = 0; i < 1000; ++i) {
    v.push_back(std::make_unique<int>(i));
    aligned += aligned_2mib(v.back().get());
  }
  EXPECT_LT(aligned, 2);
  void* z = ::operator new(0);
  EXPECT_NE(z, nullptr);
  ::operator delete(z);
}

TEST(LargePages, ExhaustionIsBadAllocNotANullBlock) {
  EXPECT_THROW((void)::operator new (std::size_t{1} << 62), std::bad_alloc);
  EXPECT_EQ(::operator new (std::size_t{1} << 62, std::nothrow), nullptr);
}
#endif

}  // namespace
