// The scale factor of a dataset (docs/datasets.md): SF 1 = 100,000 customers acquired over the
// scenario's horizon (the scenario's `customers`, summed over markets), reached with markets
// of about the scenario's own size, so a vendor's SF 10 is ten times SF 1 in every table while
// each market keeps the team sizes and dynamics the scenario was written for.
#pragma once
#include <cstdint>
#include <string>

namespace journeysim::dataset {

inline constexpr double kCustomersPerScaleFactor = 100000;
inline constexpr double kMinScaleFactor = 0.001, kMaxScaleFactor = 100000;
inline constexpr std::uint32_t kMaxPartitions = 99999;  // 5-digit file names

struct ScalePlan {
  double scale_factor = 1;
  std::uint32_t markets = 1;
  double customers_per_market = 0;  // the scenario's `customers` in each market
  std::uint32_t partitions = 1;     // files per table; each holds whole markets
  double horizon_days = 0;
  double cut_day = 0;       // calibration cut T_c (days since the start): an epoch boundary
  double holdout_days = 0;  // horizon_days - cut_day
};

// markets = max(1, round(SF x 100,000 / scenario_customers)), each with SF x 100,000 / markets
// customers; partitions = markets unless given (1..markets); the cut is the last epoch boundary
// at or before horizon - holdout. Throws std::invalid_argument with what was expected.
ScalePlan plan_scale(double scenario_customers, double horizon_days, double epoch_days,
                     double scale_factor, std::uint32_t partitions, double holdout_days);

// "part-00003-of-00016"
std::string partition_name(std::uint32_t index, std::uint32_t count);

// Markets [first, last) of partition `index` (1-based) of `count`.
std::pair<std::uint32_t, std::uint32_t> partition_markets(const ScalePlan& plan,
                                                          std::uint32_t index);

}  // namespace journeysim::dataset
