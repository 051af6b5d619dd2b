#include "journeysim/analysis/economics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace journeysim::analysis {

RunValue value_run(const RunMoney& m, double window_months, const EconomicsOptions& o) {
  if (!(o.discount_rate > -1)) throw std::runtime_error("discount rate must be above -100%");
  const double v = std::pow(1 + o.discount_rate, -1.0 / 12);  // one month's discount factor
  RunValue r;
  double cum = 0;
  const std::size_t K = m.net.size();
  for (std::size_t k = 0; k < K; ++k) {
    // month k's cash counts at its end (the window's end for the last, partial one)
    double end = k + 1 == K ? window_months : std::min<double>(k + 1, window_months);
    cum += m.net[k];
    r.npv += m.net[k] * std::pow(v, end);
    r.month_end.push_back(end);
    r.cumulative.push_back(cum);
  }
  const double keep = 1 - std::clamp(m.monthly_churn, 0.0, 1.0);
  double alive = 1;
  for (int j = 1; j <= o.projection_months; ++j) {
    alive *= keep;  // month j's payment needs the customer to survive j more months
    double cash = o.margin * m.mrr_end * alive;
    cum += cash;
    r.residual += cash * std::pow(v, window_months + j);
    r.month_end.push_back(window_months + j);
    r.cumulative.push_back(cum);
  }
  r.npv += r.residual;
  return r;
}

int month_number(double month_end) {
  return static_cast<int>(std::ceil(month_end - 1e-9));
}

PastHorizon past_horizon(const std::vector<RunMoney>& base, const std::vector<RunMoney>& variant,
                         double window_months, const EconomicsOptions& o, bool paired) {
  PastHorizon p;
  p.options = o;
  p.window_months = window_months;
  std::vector<RunValue> b, v;
  for (const auto& m : base) b.push_back(value_run(m, window_months, o));
  for (const auto& m : variant) v.push_back(value_run(m, window_months, o));
  if (b.empty() || v.empty()) {
    p.note = "no replications";
    return p;
  }
  auto diff = [&](auto get) {
    std::vector<double> xb, xv;
    for (const auto& r : b) xb.push_back(get(r));
    for (const auto& r : v) xv.push_back(get(r));
    return (paired ? paired_difference(xb, xv) : welch_difference(xb, xv)).delta;
  };
  p.residual = diff([](const RunValue& r) { return r.residual; });
  p.npv = diff([](const RunValue& r) { return r.npv; });
  p.month_end = b[0].month_end;
  for (std::size_t i = 0; i < p.month_end.size(); ++i)
    p.cumulative.push_back(diff([i](const RunValue& r) { return r.cumulative[i]; }));
  // break-even: the first month end from which the curve never goes below 0 again
  auto from = [&](auto value) {
    double at = NAN;
    for (std::size_t i = p.cumulative.size(); i-- > 0;) {
      double x = value(p.cumulative[i]);
      if (!(x >= 0)) break;
      at = p.month_end[i];
    }
    return at;
  };
  p.break_even = from([](const Estimate& e) { return e.mean; });
  p.break_even_confident = from([](const Estimate& e) {
    return std::isfinite(e.ci_low) ? e.ci_low : (e.se == 0 ? e.mean : NAN);
  });
  return p;
}

}  // namespace journeysim::analysis
