// `--days` and `--keep-rate`: the horizon override and what it does to the arrival rate.
#include "journeysim/sim/horizon.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "journeysim/sim/scenario.hpp"

namespace journeysim::sim {

std::string number_text(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

namespace {
std::string per_day(double customers, double days) {
  char b[64];
  std::snprintf(b, sizeof b, "%.4g a day", days > 0 ? customers / days : 0.0);
  return b;
}
}  // namespace

HorizonOverride override_horizon(const std::string& path, const std::vector<std::string>& overrides,
                                 double days, bool keep_rate, bool customers_given) {
  if (keep_rate && customers_given)
    throw std::runtime_error(
        "--keep-rate scales customers with the horizon and --customers sets them: give one");
  HorizonOverride out;
  out.sets.push_back("horizon_days=" + number_text(days));
  const Scenario s = load_scenario(path, overrides);  // as it would be without --days
  const double h = s.horizon_days, c = s.customers;
  if (days == h) return out;
  const std::string what = s.name + " (" + path + "): --days " + number_text(days) +
                           " replaces horizon_days " + number_text(h) + "; ";
  if (keep_rate) {
    const double scaled = c * days / h;
    out.sets.push_back("customers=" + number_text(scaled));
    out.note = what + "--keep-rate scales customers from " + number_text(c) + " to " +
               number_text(scaled) + ", keeping " + per_day(c, h) + " (docs/scenario-format.md)";
  } else {
    out.note = what + "customers (" + number_text(c) +
               ") is a total over the horizon, so arrivals go from " + per_day(c, h) + " to " +
               per_day(c, days) + " (x" + number_text(std::round(h / days * 1000) / 1000) +
               "); --keep-rate keeps " + per_day(c, h) + " (customers " +
               number_text(c * days / h) + ")";
  }
  return out;
}

}  // namespace journeysim::sim
