// Economics past the horizon: what a variant's extra money is worth once the recurring revenue
// still running at the end of the simulated window is counted (docs/compare.md, "Economics past
// the horizon"). From each replication's monthly cash flows (kpi/cash_flow.hpp), its MRR at the
// end of the window and its monthly churn:
//   - the residual value: the MRR at the end, times the margin, over up to `projection_months`
//     more months, each surviving at (1 - churn), discounted at the annual `discount_rate`;
//   - the net present value: the discounted monthly net cash flows of the window plus that;
//   - the cumulative incremental profit (undiscounted) at each month end, the window's months
//     then the projected ones, with its 95% band, and the break-even month.
#pragma once
#include <string>
#include <vector>

#include "journeysim/analysis/statistics.hpp"

namespace journeysim::analysis {

struct EconomicsOptions {
  double discount_rate = 0.10;  // annual; months are discounted at (1 + rate)^(1/12) - 1
  int projection_months = 36;   // months valued past the horizon (0: none)
  double margin = 1.0;          // share of projected revenue kept (the cost of serving past the
                                // horizon; the window's own costs are in its cash flows)
};

// One scenario's money in one replication.
struct RunMoney {
  std::vector<double> net;   // revenue - cost per month of the window (the last may be partial)
  double mrr_end = 0;        // MRR at the end of the window (0: no recurring revenue)
  double monthly_churn = 0;  // share of paying customers lost per month
};

// One replication's figures: `cumulative[i]` is the undiscounted cumulative profit at
// `month_end[i]` (window months first, the last of them at `window_months`, then window + j).
struct RunValue {
  std::vector<double> month_end, cumulative;
  double npv = 0, residual = 0;
};
RunValue value_run(const RunMoney& money, double window_months, const EconomicsOptions& options);

struct PastHorizon {
  EconomicsOptions options;
  double window_months = 0;
  Estimate residual;  // incremental residual value (discounted to the start)
  Estimate npv;       // incremental net present value
  std::vector<double> month_end;
  std::vector<Estimate> cumulative;  // incremental cumulative profit at each month end
  // first month end from which the mean (or the lower 95% bound) of the incremental cumulative
  // profit stays at or above 0 to the end of the projection; NaN: not within it
  double break_even = NAN, break_even_confident = NAN;
  std::string note;
};
// `paired`: replication r of the base and the variant share random numbers (the differences are
// paired); otherwise Welch's t on independent replications.
PastHorizon past_horizon(const std::vector<RunMoney>& base, const std::vector<RunMoney>& variant,
                         double window_months, const EconomicsOptions& options, bool paired);

// "month 7" for a month end of 6.3 (the month it falls in, counted from 1)
int month_number(double month_end);

}  // namespace journeysim::analysis
