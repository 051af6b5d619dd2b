// Scoring metrics with bootstrap percentile intervals (see metrics.hpp).
#include "journeysim/dataset/metrics.hpp"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace journeysim::dataset {
namespace {

__extension__ typedef unsigned __int128 u128;

constexpr double kClip = 1e-15;
constexpr int kCalibrationBins = 10;
// Mixed into the seed ("metr") so that the bootstrap streams differ from other streams a caller
// derives from the same seed.
constexpr std::uint64_t kStreamTag = 0x6d657472;

void check_rows(std::size_t a, std::size_t b, const char* what) {
  if (a != b)
    throw std::invalid_argument(std::string(what) + ": inputs differ in length (" +
                                std::to_string(a) + " vs " + std::to_string(b) + ")");
  if (a == 0) throw std::invalid_argument(std::string(what) + ": no rows");
  // Row indices and bootstrap counts are 32-bit.
  if (a > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument(std::string(what) + ": more than 2^32 - 1 rows");
}

void check_options(const BootstrapOptions& o) {
  if (o.replicates < 0) throw std::invalid_argument("bootstrap: replicates must be >= 0");
  if (!(o.level > 0 && o.level < 1)) throw std::invalid_argument("bootstrap: level not in (0, 1)");
}

double row_log_loss(double p, bool y) {
  p = std::clamp(p, kClip, 1 - kClip);
  return y ? -std::log(p) : -std::log1p(-p);
}

double row_brier(double p, bool y) {
  const double d = p - (y ? 1.0 : 0.0);
  return d * d;
}

// Scores ascending, ties by row index: a total order, so the layout (and with it which row a
// bootstrap draw picks) is the same on every platform and with any sort algorithm.
std::vector<std::pair<double, std::uint32_t>> sorted_scores(std::span<const double> p) {
  std::vector<std::pair<double, std::uint32_t>> s(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) s[i] = {p[i], static_cast<std::uint32_t>(i)};
  tbb::parallel_sort(s.begin(), s.end());
  return s;
}

// Mid-rank Mann-Whitney AUC over the sorted scores.
double auc_sorted(const std::vector<std::pair<double, std::uint32_t>>& s,
                  std::span<const std::uint8_t> y) {
  const std::size_t n = s.size();
  double rank_sum = 0;  // of the positives; sums of halves, exact in double up to n ~ 1e8
  std::size_t pos = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && s[j].first == s[i].first) ++j;
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k)
      if (y[s[k].second]) {
        rank_sum += mid_rank;
        ++pos;
      }
    i = j;
  }
  const std::size_t neg = n - pos;
  if (pos == 0 || neg == 0) return NAN;
  const double u = rank_sum - static_cast<double>(pos) * (static_cast<double>(pos) + 1) / 2;
  return u / (static_cast<double>(pos) * static_cast<double>(neg));
}

// Rows in ascending order of score, with what a replicate needs of each: one sequential pass.
struct SortedRows {
  std::vector<std::uint8_t> flags;  // bit 0: label; bit 1: last row of a run of equal scores
  std::vector<double> loss, brier;  // per-row log loss and squared error
};

SortedRows sorted_rows(const std::vector<std::pair<double, std::uint32_t>>& s,
                       std::span<const std::uint8_t> y) {
  const std::size_t n = s.size();
  SortedRows r;
  r.flags.resize(n);
  r.loss.resize(n);
  r.brier.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const bool label = y[s[k].second] != 0;
    const bool last = k + 1 == n || s[k + 1].first != s[k].first;
    r.flags[k] = static_cast<std::uint8_t>((label ? 1 : 0) | (last ? 2 : 0));
    r.loss[k] = row_log_loss(s[k].first, label);
    r.brier[k] = row_brier(s[k].first, label);
  }
  return r;
}

struct ClassificationSums {
  double auc, log_loss, brier;
};

// Weighted AUC, log loss and Brier score in one pass. Per tie group:
//   AUC = sum_g W+_g (W-_below + W-_g / 2) / (W+ W-);
// accumulated doubled in 128-bit integers, so exact for any counts.
ClassificationSums weighted_pass(const SortedRows& r, const std::uint32_t* w) {
  const std::size_t n = r.flags.size();
  std::uint64_t group_pos = 0, group_neg = 0, neg_below = 0, pos_total = 0;
  u128 twice_numerator = 0;
  double loss = 0, brier = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint64_t wk = w[k];
    const unsigned f = r.flags[k];
    const std::uint64_t pos = wk * (f & 1u);
    group_pos += pos;
    group_neg += wk - pos;
    loss += static_cast<double>(wk) * r.loss[k];
    brier += static_cast<double>(wk) * r.brier[k];
    if (f & 2u) {
      twice_numerator += static_cast<u128>(group_pos) * (2 * neg_below + group_neg);
      neg_below += group_neg;
      pos_total += group_pos;
      group_pos = group_neg = 0;
    }
  }
  const double total = static_cast<double>(pos_total + neg_below);
  ClassificationSums out{NAN, loss / total, brier / total};
  if (pos_total > 0 && neg_below > 0)
    out.auc = static_cast<double>(twice_numerator) /
              (2 * static_cast<double>(pos_total) * static_cast<double>(neg_below));
  return out;
}

// Lemire's multiply-shift: a 64-bit word to [0, n) without division (bias <= n / 2^64).
inline std::uint32_t below(std::uint64_t x, std::uint32_t n) {
  return static_cast<std::uint32_t>((static_cast<u128>(x) * n) >> 64);
}

// SplitMix64 (Steele, Lea & Flood 2014). Kept local rather than shared with sim/ so that
// published intervals do not change when the simulator's random streams do.
constexpr std::uint64_t kGamma = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Multinomial case counts of one replicate: n uniform draws from n rows. Replicate r's stream is
// SplitMix64 started at a state hashed from (seed, r) alone, so it does not depend on the thread
// that runs it. (SplitMix64 rather than Philox4x32-10: 3-4x faster per draw;
// with Philox the draws were most of a replicate's time.)
void draw_counts(std::uint64_t seed, int replicate, std::vector<std::uint32_t>& counts) {
  const auto m = static_cast<std::uint32_t>(counts.size());
  std::fill(counts.begin(), counts.end(), 0u);
  std::uint64_t state = splitmix64_mix(splitmix64_mix(seed ^ kStreamTag) +
                                       (static_cast<std::uint64_t>(replicate) + 1) * kGamma);
  for (std::uint32_t i = 0; i < m; ++i) {
    state += kGamma;
    ++counts[below(splitmix64_mix(state), m)];
  }
}

// Runs score(counts, replicate) for every replicate in parallel; each thread reuses one buffer.
template <class Score>
void bootstrap(std::size_t n, const BootstrapOptions& o, Score&& score) {
  tbb::enumerable_thread_specific<std::vector<std::uint32_t>> buffers(
      [n] { return std::vector<std::uint32_t>(n); });
  tbb::parallel_for(tbb::blocked_range<int>(0, o.replicates, 1),
                    [&](const tbb::blocked_range<int>& range) {
                      auto& counts = buffers.local();
                      for (int r = range.begin(); r < range.end(); ++r) {
                        draw_counts(o.seed, r, counts);
                        score(counts.data(), r);
                      }
                    });
}

// Type-7 quantile (linear interpolation) of sorted values.
double quantile(const std::vector<double>& x, double q) {
  const double h = static_cast<double>(x.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

// Percentile interval of the replicate values; NaN replicates (e.g. a resample with one class)
// are dropped, and if fewer than half remain the interval is not reported.
Estimate percentile_estimate(double point, std::vector<double> reps, const BootstrapOptions& o) {
  Estimate e{point, NAN, NAN};
  std::erase_if(reps, [](double v) { return std::isnan(v); });
  if (reps.empty() || 2 * reps.size() < static_cast<std::size_t>(o.replicates)) return e;
  std::sort(reps.begin(), reps.end());
  const double tail = (1 - o.level) / 2;
  e.low = quantile(reps, tail);
  e.high = quantile(reps, 1 - tail);
  return e;
}

std::vector<CalibrationBin> calibration(std::span<const double> p,
                                        std::span<const std::uint8_t> y) {
  std::array<std::size_t, kCalibrationBins> n{}, pos{};
  std::array<double, kCalibrationBins> sum_p{};
  for (std::size_t i = 0; i < p.size(); ++i) {
    // p = 1 would be bin 10: it belongs to the closed last bin [0.9, 1].
    const auto b = static_cast<std::size_t>(
        std::clamp(std::floor(p[i] * kCalibrationBins), 0.0, kCalibrationBins - 1.0));
    ++n[b];
    pos[b] += y[i] != 0;
    sum_p[b] += p[i];
  }
  std::vector<CalibrationBin> bins(kCalibrationBins);
  for (std::size_t b = 0; b < bins.size(); ++b) {
    const double count = static_cast<double>(n[b]);
    bins[b] = {static_cast<double>(b) / kCalibrationBins,
               static_cast<double>(b + 1) / kCalibrationBins, n[b], n[b] ? sum_p[b] / count : NAN,
               n[b] ? static_cast<double>(pos[b]) / count : NAN};
  }
  return bins;
}

}  // namespace

double auc(std::span<const double> p, std::span<const std::uint8_t> y) {
  check_rows(p.size(), y.size(), "auc");
  return auc_sorted(sorted_scores(p), y);
}

double log_loss(std::span<const double> p, std::span<const std::uint8_t> y) {
  check_rows(p.size(), y.size(), "log_loss");
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) sum += row_log_loss(p[i], y[i] != 0);
  return sum / static_cast<double>(p.size());
}

double brier(std::span<const double> p, std::span<const std::uint8_t> y) {
  check_rows(p.size(), y.size(), "brier");
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) sum += row_brier(p[i], y[i] != 0);
  return sum / static_cast<double>(p.size());
}

double weighted_auc(std::span<const double> p, std::span<const std::uint8_t> y,
                    std::span<const std::uint32_t> w) {
  check_rows(p.size(), y.size(), "weighted_auc");
  check_rows(p.size(), w.size(), "weighted_auc");
  const auto s = sorted_scores(p);
  std::vector<std::uint32_t> w_sorted(s.size());
  for (std::size_t k = 0; k < s.size(); ++k) w_sorted[k] = w[s[k].second];
  return weighted_pass(sorted_rows(s, y), w_sorted.data()).auc;
}

ClassificationMetrics classification_metrics(std::span<const double> p,
                                             std::span<const std::uint8_t> y,
                                             const BootstrapOptions& options) {
  check_rows(p.size(), y.size(), "classification_metrics");
  check_options(options);
  const std::size_t n = p.size();
  ClassificationMetrics m;
  m.n = n;
  m.positives =
      static_cast<std::size_t>(std::count_if(y.begin(), y.end(), [](auto v) { return v != 0; }));
  m.calibration = calibration(p, y);

  SortedRows rows;
  double point_auc;
  {
    const auto s = sorted_scores(p);
    point_auc = auc_sorted(s, y);
    rows = sorted_rows(s, y);
  }  // frees the pairs before the replicates allocate their buffers

  // Draws index sorted positions directly: a uniform draw of a position is a uniform draw of a
  // row, and the pass then reads every array sequentially.
  const auto reps = static_cast<std::size_t>(options.replicates);
  std::vector<double> r_auc(reps), r_loss(reps), r_brier(reps);
  bootstrap(n, options, [&](const std::uint32_t* counts, int r) {
    const auto sums = weighted_pass(rows, counts);
    r_auc[r] = sums.auc;
    r_loss[r] = sums.log_loss;
    r_brier[r] = sums.brier;
  });
  m.auc = percentile_estimate(point_auc, std::move(r_auc), options);
  m.log_loss = percentile_estimate(log_loss(p, y), std::move(r_loss), options);
  m.brier = percentile_estimate(brier(p, y), std::move(r_brier), options);
  return m;
}

RegressionMetrics regression_metrics(std::span<const double> predicted,
                                     std::span<const double> actual,
                                     const BootstrapOptions& options) {
  check_rows(predicted.size(), actual.size(), "regression_metrics");
  check_options(options);
  const std::size_t n = predicted.size();
  RegressionMetrics m;
  m.n = n;
  double abs_sum = 0, sq_sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = predicted[i] - actual[i];
    abs_sum += std::abs(d);
    sq_sum += d * d;
    m.sum_predicted += predicted[i];
    m.sum_actual += actual[i];
  }
  const double count = static_cast<double>(n);
  const auto aggregate = [](double sum_p, double sum_a) {
    return sum_a == 0 ? NAN : (sum_p - sum_a) / sum_a;
  };

  const auto reps = static_cast<std::size_t>(options.replicates);
  std::vector<double> r_mae(reps), r_rmse(reps), r_agg(reps);
  bootstrap(n, options, [&](const std::uint32_t* counts, int r) {
    double a = 0, s = 0, sp = 0, sa = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double w = counts[i];
      const double d = predicted[i] - actual[i];
      a += w * std::abs(d);
      s += w * d * d;
      sp += w * predicted[i];
      sa += w * actual[i];
    }
    r_mae[r] = a / count;  // the counts of a replicate sum to n
    r_rmse[r] = std::sqrt(s / count);
    r_agg[r] = aggregate(sp, sa);
  });
  m.mae = percentile_estimate(abs_sum / count, std::move(r_mae), options);
  m.rmse = percentile_estimate(std::sqrt(sq_sum / count), std::move(r_rmse), options);
  m.aggregate_error =
      percentile_estimate(aggregate(m.sum_predicted, m.sum_actual), std::move(r_agg), options);
  return m;
}

}  // namespace journeysim::dataset
