// Indices of tasks waiting for a worker thread of this process (private to sweep/): filled by
// the main thread (all at once, or chunk by chunk as MPI rank 0 hands them out), drained by the
// workers; pop() waits until an index arrives or the queue is closed.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace journeysim::sweep {

class TaskQueue {
 public:
  void push_range(std::uint64_t begin, std::uint64_t end) {
    {
      std::lock_guard lock(m_);
      for (std::uint64_t i = begin; i < end; ++i) q_.push_back(i);
    }
    cv_.notify_all();
  }
  void close() {
    {
      std::lock_guard lock(m_);
      closed_ = true;
    }
    cv_.notify_all();
  }
  // Closes the queue and drops what it holds (an interrupted run).
  void cancel() {
    {
      std::lock_guard lock(m_);
      q_.clear();
      closed_ = true;
    }
    cv_.notify_all();
  }
  std::optional<std::uint64_t> pop() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return std::nullopt;
    std::uint64_t v = q_.front();
    q_.pop_front();
    return v;
  }
  std::size_t size() {
    std::lock_guard lock(m_);
    return q_.size();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::uint64_t> q_;
  bool closed_ = false;
};

}  // namespace journeysim::sweep
