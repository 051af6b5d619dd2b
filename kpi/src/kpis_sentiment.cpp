// Sentiment KPIs: CSAT and NPS.
#include "kpi_families.hpp"
#include "kpi_shared.hpp"

namespace journeysim::kpi::kpis_detail {

Result csat(const Context& x) {
  double n = 0, good = 0;
  for_each_event_of(x, {E::csat}, [&](const Ev& e) {
    n += 1;
    good += e.value >= 4;
  });
  return ratio(good, n, "CSAT answers");
}
Result nps(const Context& x) {
  double n = 0, pro = 0, det = 0;
  for_each_event_of(x, {E::nps}, [&](const Ev& e) {
    n += 1;
    pro += e.value >= 9;
    det += e.value <= 6;
  });
  if (n == 0) return Result::unavailable("no NPS answers in the log");
  Result r;
  r.value = 100.0 * (pro - det) / n;
  r.n = n;
  r.extra = {{"promoters", pro / n}, {"detractors", det / n}};
  return r;
}

}  // namespace journeysim::kpi::kpis_detail
