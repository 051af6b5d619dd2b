// A byte vector whose resize does not zero the new bytes: the writer sizes its chunk buffers and
// then overwrites every byte (a partial chunk's padding is zeroed explicitly), so zeroing them
// first was a second pass over every event byte (a tenth of the instructions of writing a log).
#pragma once
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace journeysim::eventlog {

template <class T>
struct NoZeroAllocator : std::allocator<T> {
  using value_type = T;
  NoZeroAllocator() = default;
  template <class U>
  NoZeroAllocator(const NoZeroAllocator<U>&) noexcept {}
  template <class U>
  struct rebind {
    using other = NoZeroAllocator<U>;
  };
  // value-initialisation (resize, emplace_back()) default-initialises instead: no zeroing
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) noexcept(std::is_nothrow_constructible_v<U, Args...>) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using ByteBuffer = std::vector<unsigned char, NoZeroAllocator<unsigned char>>;

}  // namespace journeysim::eventlog
