// The programs' allocation policy (common/src/large_pages.cpp): large blocks from operator new
// are 2 MiB-aligned (so they can be backed by transparent huge pages), every form of new/delete
// still pairs up, and sizes that cannot be met throw std::bad_alloc.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace {

[[maybe_unused]] bool aligned_2mib(const void* p) {
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

TEST(LargePages, ExhaustionIsBadAllocNotANullBlock) {
  EXPECT_THROW((void)::operator new (std::size_t{1} << 62), std::bad_alloc);
  EXPECT_EQ(::operator new (std::size_t{1} << 62, std::nothrow), nullptr);
  // sizes whose rounding up to 2 MiB would wrap round to a tiny block
  for (std::size_t n : {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - (std::size_t{1} << 20)})
    EXPECT_THROW((void)::operator new(n), std::bad_alloc) << n;
}
#endif

}  // namespace
