// The Context and KpiMemo members, and the compute helpers several KPI families share.
#include "kpi_shared.hpp"

#include <cmath>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>

namespace journeysim::kpi {

namespace kpis_detail {

Result response_time(const Context& x, E from, E to, const std::string& what) {
  std::vector<double> h;
  double untouched = 0;
  for (auto c : x.customers) {
    std::int64_t a = first_time(x, c, from);
    if (a == kNone) continue;
    std::int64_t b = first_time(x, c, to, a);
    if (b == kNone)
      untouched += 1;
    else
      h.push_back((b - a) / 3600.0);
  }
  Result r = distribution(h, what);
  if (!r.available && untouched == 0) return r;
  if (!r.available) r = Result::unavailable("no " + what + " was ever answered");
  r.extra.push_back({"never_touched", untouched});
  return r;
}

Result response_quantile(const Context& x, E from, E to, const std::string& what, double q) {
  Result r = response_time(x, from, to, what);
  if (!r.available) return r;
  std::vector<double> h;  // again, for the quantile (response_time keeps only its summary)
  for (auto c : x.customers) {
    const std::int64_t a = first_time(x, c, from);
    if (a == kNone) continue;
    if (const std::int64_t b = first_time(x, c, to, a); b != kNone) h.push_back((b - a) / 3600.0);
  }
  r.value = quantile(h, q);
  return r;
}

Result response_within(const Context& x, E from, E to, const std::string& what, double hours) {
  if (!(hours > 0)) throw std::runtime_error("hours must be positive");
  const auto limit = static_cast<std::int64_t>(std::llround(hours * 3600));
  double judged = 0, within = 0, too_recent = 0;
  for (auto c : x.customers) {
    const std::int64_t a = first_time(x, c, from);
    if (a == kNone) continue;
    if (a + limit > x.log.end) {
      too_recent += 1;
      continue;
    }
    judged += 1;
    const std::int64_t b = first_time(x, c, to, a);
    within += b != kNone && b - a <= limit;
  }
  char h[32];
  std::snprintf(h, sizeof h, "%g", hours);
  Result r = ratio(within, judged, what + "s made " + h + " hours or more before the end");
  r.extra.push_back({"too_recent", too_recent});
  return r;
}

Result count_ratio(const Context& x, E num, E den, const std::string& what) {
  double a = 0, b = 0;
  if (x.customers.size() == x.log.customers.size()) {  // the whole log: counted while loading
    a = static_cast<double>(x.log.type_counts[static_cast<std::size_t>(num)]);
    b = static_cast<double>(x.log.type_counts[static_cast<std::size_t>(den)]);
    return ratio(a, b, what);
  }
  for_each_event_of(x, {num, den}, [&](const Ev& e) {
    a += e.type == num;
    b += e.type == den;
  });
  return ratio(a, b, what);
}

}  // namespace kpis_detail

Result KpiMemo::get(const void* what, const KpiDef* def, std::span<const std::uint32_t> population,
                    const std::function<Result()>& compute) {
  const Key key{what, def, population.data(), population.size()};
  {
    std::lock_guard lock(mutex_);
    if (auto it = results_.find(key); it != results_.end()) return it->second;
  }
  Result r = compute();  // outside the lock: a KPI may run parallel loops of its own
  std::lock_guard lock(mutex_);
  return results_.try_emplace(key, std::move(r)).first->second;
}

double Context::num(const std::string& param) const {
  std::string s = str(param);
  try {
    std::size_t used = 0;
    double v = std::stod(s, &used);
    if (used != s.size()) throw std::invalid_argument(s);
    return v;
  } catch (...) {
    throw std::runtime_error("KPI parameter " + def.id + "." + param +
                             ": expected a number, found '" + s + "'");
  }
}
std::string Context::str(const std::string& param) const {
  auto it = params.find(def.id + "." + param);
  if (it != params.end()) return it->second;
  for (const auto& p : def.params)
    if (p.name == param) return p.default_value;
  throw std::logic_error("KPI " + def.id + " has no parameter " + param);
}

}  // namespace journeysim::kpi
