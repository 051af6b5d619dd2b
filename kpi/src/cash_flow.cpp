#include "journeysim/kpi/cash_flow.hpp"

#include <algorithm>
#include <cmath>

namespace journeysim::kpi {

namespace {
constexpr double kMonthSeconds = 365.25 / 12.0 * 86400.0;
}

double window_months(const Log& log) {
  return static_cast<double>(log.end - log.start) / kMonthSeconds;
}

int cash_flow_months(const Log& log) {
  // a window of 365 days is 11.99 months: 12 months, the last one 0.99 long
  return std::max(1, static_cast<int>(std::ceil(window_months(log) - 1e-9)));
}

std::vector<CashFlows> monthly_cash_flows(const Log& log) {
  const int K = cash_flow_months(log);
  const int R = std::max<int>(1, log.replications);
  std::vector<CashFlows> out(static_cast<std::size_t>(R));
  for (int r = 0; r < R; ++r) {
    out[r].replication = log.first_replication + r;
    out[r].revenue.assign(K, 0.0);
    out[r].cost.assign(K, 0.0);
  }
  auto month_of = [&](std::int64_t t) {
    double m = std::floor(static_cast<double>(t - log.start) / kMonthSeconds);
    return static_cast<int>(std::clamp(m, 0.0, K - 1.0));
  };
  auto slot = [&](std::uint16_t replication) -> CashFlows* {
    int r = static_cast<int>(replication) - log.first_replication;
    return r >= 0 && r < R ? &out[r] : nullptr;
  };
  for (std::size_t c = 0; c < log.customers.size(); ++c) {
    CashFlows* f = slot(log.customers[c].replication);
    if (!f) continue;
    for (std::uint64_t i = log.offsets[c]; i < log.offsets[c + 1]; ++i) {
      auto t = static_cast<EventType>(log.type[i]);
      if (t == EventType::payment || t == EventType::purchase)
        f->revenue[month_of(log.time[i])] += log.value[i];
      else if (t == EventType::playbook_action)
        f->cost[month_of(log.time[i])] += log.value[i];
    }
  }
  for (const ChannelDay& d : log.channels)
    if (CashFlows* f = slot(d.replication)) f->cost[month_of(d.day)] += d.spend;
  return out;
}

}  // namespace journeysim::kpi
