// Money per month of a log: what each replication collected (payments and purchases) and spent
// (channel spend, team costs, playbook action costs), month by month. Summed over the months,
// the two are the revenue_collected and total_cost KPIs; compare builds the cumulative
// incremental profit and the net present value of a variant from them (docs/compare.md).
#pragma once
#include <cstdint>
#include <vector>

#include "journeysim/kpi/log.hpp"

namespace journeysim::kpi {

// Months of a log's window: month k is [start + k M, start + (k + 1) M), M = 365.25 / 12 days,
// and the last one ends at the log's end (it is partial when the window is not whole months).
int cash_flow_months(const Log& log);
// The length of the window in months of 365.25 / 12 days (e.g. 11.99 for 365 days).
double window_months(const Log& log);

struct CashFlows {
  int replication = 0;
  std::vector<double> revenue, cost;  // per month (cash_flow_months entries)
};

// One entry per replication the log holds (first_replication ...), in order. Without a channel
// table the costs are the playbook action costs alone.
std::vector<CashFlows> monthly_cash_flows(const Log& log);

}  // namespace journeysim::kpi
