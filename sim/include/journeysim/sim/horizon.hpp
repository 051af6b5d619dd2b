// What `--days D` does to a scenario (run, compare, benchmark, sweep): `customers` is the
// expected total over the horizon, so a longer horizon spreads the same customers thinner. This
// says so, and with --keep-rate scales `customers` to keep the daily arrival rate (#16).
#pragma once
#include <string>
#include <vector>

namespace journeysim::sim {

struct HorizonOverride {
  std::vector<std::string> sets;  // the overrides to apply: horizon_days (and customers)
  std::string note;               // for the user (empty when the horizon does not change)
};

// The overrides for `--days days` on the scenario at `path` with the user's `overrides` (which
// must not already set horizon_days). With keep_rate, `customers` is scaled by days / horizon:
// refused when the user also sets customers (customers_given), as the two contradict.
HorizonOverride override_horizon(const std::string& path, const std::vector<std::string>& overrides,
                                 double days, bool keep_rate, bool customers_given);

// The shortest text that reads back as the same double (what --set values are written as).
std::string number_text(double v);

}  // namespace journeysim::sim
