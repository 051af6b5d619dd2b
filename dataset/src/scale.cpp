#include "journeysim/dataset/scale.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "journeysim/sim/engine.hpp"

namespace journeysim::dataset {

namespace {
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}
}  // namespace

ScalePlan plan_scale(double scenario_customers, double horizon_days, double epoch_days,
                     double scale_factor, std::uint32_t partitions, double holdout_days) {
  if (!(scale_factor >= kMinScaleFactor && scale_factor <= kMaxScaleFactor))
    throw std::invalid_argument("--scale-factor: expected a number in [" + num(kMinScaleFactor) +
                                ", " + num(kMaxScaleFactor) + "], found " + num(scale_factor));
  if (!(scenario_customers >= 1))
    throw std::invalid_argument(
        "the scenario's 'customers' must be at least 1 to scale it, found " +
        num(scenario_customers));
  if (!(holdout_days >= 90 && holdout_days < horizon_days - 1))
    throw std::invalid_argument(
        "--holdout-days: expected at least 90 (the tasks' window) and less "
        "than the scenario's horizon_days (" +
        num(horizon_days) + ") minus 1, found " + num(holdout_days));
  ScalePlan p;
  p.scale_factor = scale_factor;
  const double target = scale_factor * kCustomersPerScaleFactor;
  const double m = std::max(1.0, std::round(target / scenario_customers));
  if (m > 4e9) throw std::invalid_argument("--scale-factor: too many markets");
  p.markets = static_cast<std::uint32_t>(m);
  p.customers_per_market = target / m;
  if (partitions == 0) partitions = std::min<std::uint32_t>(p.markets, kMaxPartitions);
  if (partitions > p.markets || partitions > kMaxPartitions)
    throw std::invalid_argument(
        "--partitions: expected 1.." + std::to_string(std::min(p.markets, kMaxPartitions)) +
        " (each partition holds whole markets; this scale factor has " + std::to_string(p.markets) +
        "), found " + std::to_string(partitions));
  p.partitions = partitions;
  p.horizon_days = horizon_days;
  p.cut_day = epoch_days * std::floor((horizon_days - holdout_days) / epoch_days + 1e-9);
  p.holdout_days = horizon_days - p.cut_day;
  return p;
}

std::string partition_name(std::uint32_t index, std::uint32_t count) {
  char b[40];
  std::snprintf(b, sizeof b, "part-%05u-of-%05u", index, count);
  return b;
}

std::pair<std::uint32_t, std::uint32_t> partition_markets(const ScalePlan& plan,
                                                          std::uint32_t index) {
  auto [a, b] = sim::part_units(plan.markets, index, plan.partitions);
  return {static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b)};
}

}  // namespace journeysim::dataset
