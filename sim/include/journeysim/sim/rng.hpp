// Counter-based random streams (Random123 Philox4x32-10).
// A stream is identified by (run key, stream key, purpose): the run key mixes the seed, the
// replication and the market; the stream key identifies a customer (by its origin, not by its
// position, so that a variant that changes who arrives does not reshuffle everyone else); the
// purpose separates behaviours (logins, churn, tasks, ...), so changing one behaviour's
// parameters leaves every other behaviour's random numbers unchanged (common random numbers).
// Draw k of a stream is the k-th 32-bit word of Philox(counter = {k/4, purpose, stream}).
#pragma once
#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace journeysim::sim {

inline constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
inline constexpr std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  return splitmix64(a ^ splitmix64(b + 0x632be59bd9b4e019ULL));
}

enum class Purpose : std::uint32_t {
  arrival = 1,
  segment,
  sales,
  sales_service,
  conversion,
  login,
  features,
  value_action,
  tasks,
  churn,
  payments,
  revenue_change,
  tickets,
  support_service,
  csat,
  nps,
  advocacy,
  messages,
  playbooks,
  referral,
  invites,
  purchases,
  reactivation,
  stages,
  success_service,
  seats,
  channel_day,
  trial
};

// A uniform random bit generator over one stream; usable with Boost.Random distributions.
class Stream {
 public:
  using result_type = std::uint32_t;
  using Philox = r123::Philox4x32;

  Stream(std::uint64_t run_key, std::uint64_t stream_key, Purpose purpose, std::uint32_t block = 0)
      : block_(block) {
    key_ = {{static_cast<std::uint32_t>(run_key), static_cast<std::uint32_t>(run_key >> 32)}};
    ctr_ = {{0, static_cast<std::uint32_t>(purpose), static_cast<std::uint32_t>(stream_key),
             static_cast<std::uint32_t>(stream_key >> 32)}};
  }
  // Resumes a stream mid-block: `used` words of the current block `out` (the block before
  // `block`) are consumed already (used = 4: none left). Lets a caller keep a stream's unused
  // words between calls instead of starting a fresh block each time.
  Stream(std::uint64_t run_key, std::uint64_t stream_key, Purpose purpose, std::uint32_t block,
         unsigned used, const std::uint32_t (&out)[4])
      : Stream(run_key, stream_key, purpose, block) {
    used_ = used;
    for (int i = 0; i < 4; ++i) out_.v[i] = out[i];
  }
  void save_block(unsigned& used, std::uint32_t (&out)[4]) const {
    used = used_;
    for (int i = 0; i < 4; ++i) out[i] = out_.v[i];
  }
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<std::uint32_t>::max(); }

  [[gnu::always_inline]] result_type operator()() {
    if (used_ == 4) refill();
    return out_.v[used_++];
  }
  // Uniform on (0, 1) from one 32-bit word: (k + 0.5) / 2^32, never exactly 0 or 1. Enough
  // for decisions and waiting times (an exponential is cut at 22.9 means: probability 1e-10).
  [[gnu::always_inline]] double uniform() { return ((*this)() + 0.5) * (1.0 / 4294967296.0); }
  // Uniform on (0, 1) with 53 bits (two words), where the resolution matters.
  double uniform53() {
    std::uint64_t hi = (*this)() >> 5, lo = (*this)() >> 6;
    return ((hi << 26 | lo) + 0.5) * (1.0 / 9007199254740992.0);
  }
  double exponential(double mean) { return -std::log(uniform()) * mean; }
  bool bernoulli(double p) { return uniform() < p; }
  // Blocks consumed so far: persist this to continue the stream later.
  std::uint32_t block() const { return block_; }
  std::uint64_t words_drawn() const { return words_; }

 private:
  [[gnu::noinline]] void refill() {
    ctr_.v[0] = block_++;
    out_ = Philox()(ctr_, key_);
    used_ = 0;
    words_ += 4;
  }
  Philox::key_type key_;
  Philox::ctr_type ctr_;
  Philox::ctr_type out_{};
  std::uint32_t block_;
  unsigned used_ = 4;
  std::uint64_t words_ = 0;
};

}  // namespace journeysim::sim
