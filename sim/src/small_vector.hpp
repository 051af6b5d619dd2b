// A vector of trivially copyable items in 16 bytes (pointer, size, capacity as 32-bit counts)
// instead of std::vector's 24: a customer's agenda and active effects live in the hot part of
// its record, which every visit reads (market.hpp, #18). Only what the engine uses.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace journeysim::sim::detail {

template <class T>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  SmallVector() = default;
  SmallVector(const SmallVector& o) { *this = o; }
  SmallVector(SmallVector&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        cap_(std::exchange(o.cap_, 0)) {}
  SmallVector& operator=(const SmallVector& o) {
    if (this != &o) {
      size_ = 0;
      reserve(o.size_);
      if (o.size_) std::memcpy(data_, o.data_, o.size_ * sizeof(T));
      size_ = o.size_;
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      cap_ = std::exchange(o.cap_, 0);
    }
    return *this;
  }
  ~SmallVector() { std::free(data_); }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }

  void push_back(const T& x) {
    if (size_ == cap_) reserve(cap_ ? 2 * static_cast<std::size_t>(cap_) : 2);
    data_[size_++] = x;
  }
  void pop_back() { --size_; }
  // Removes the items pred holds for, keeping the others in order (as std::erase_if).
  template <class Pred>
  void erase_if(Pred pred) {
    size_ = static_cast<std::uint32_t>(std::remove_if(begin(), end(), pred) - begin());
  }

 private:
  void reserve(std::size_t n) {
    if (n <= cap_) return;
    if (n > UINT32_MAX) throw std::bad_alloc();
    void* p = std::realloc(data_, n * sizeof(T));  // T is trivially copyable
    if (!p) throw std::bad_alloc();
    data_ = static_cast<T*>(p);
    cap_ = static_cast<std::uint32_t>(n);
  }
  T* data_ = nullptr;
  std::uint32_t size_ = 0, cap_ = 0;
};

}  // namespace journeysim::sim::detail
