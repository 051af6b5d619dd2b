// --days, --keep-rate and --scale-teams as overrides and notes (see size_options.hpp).
#include "journeysim/sim/size_options.hpp"

#include <stdexcept>

#include "journeysim/sim/horizon.hpp"
#include "journeysim/sim/team_scaling.hpp"

namespace journeysim::sim {

SizedOverrides apply_size_options(const std::string& path, const std::vector<std::string>& sets,
                                  const SizeOptions& size) {
  if (size.keep_rate && !size.days) throw std::runtime_error("--keep-rate goes with --days");
  SizedOverrides out{sets, {}};
  if (size.days) {
    bool customers_given = false;
    for (const auto& a : sets) customers_given |= a.rfind("customers=", 0) == 0;
    const auto h = override_horizon(path, sets, *size.days, size.keep_rate, customers_given);
    out.sets.insert(out.sets.begin(), h.sets.begin(), h.sets.end());
    if (!h.note.empty()) out.notes.push_back(h.note);
  }
  if (size.scale_teams) {
    const auto ts = scale_teams(path, out.sets);
    out.sets.insert(out.sets.end(), ts.sets.begin(), ts.sets.end());
    out.notes.push_back(ts.note);
  }
  return out;
}

}  // namespace journeysim::sim
