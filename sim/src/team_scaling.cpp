// --scale-teams: each team's agents scaled with the customers (see team_scaling.hpp).
#include "journeysim/sim/team_scaling.hpp"

#include <cmath>
#include <stdexcept>

#include "journeysim/sim/horizon.hpp"
#include "journeysim/sim/scenario.hpp"

namespace journeysim::sim {

TeamScaling scale_teams(const std::string& path, const std::vector<std::string>& overrides) {
  const Scenario written = load_scenario(path, {});
  const Scenario s = load_scenario(path, overrides);
  TeamScaling out;
  if (s.teams.empty()) {
    out.note = "--scale-teams on " + path + ": no teams to scale";
    return out;
  }
  if (!(written.customers > 0))
    throw std::runtime_error("--scale-teams: " + path +
                             " sets customers 0, so there is no size its teams were made for to "
                             "scale from");
  const double factor = s.customers / written.customers;
  // customers as a plain number where it is whole (number_text writes 200000 as 2e+05)
  auto count = [](double v) {
    return v == std::floor(v) && v < 1e15 ? std::to_string(static_cast<long long>(v))
                                          : number_text(v);
  };
  out.note = "--scale-teams on " + path + ": customers x" +
             number_text(std::round(factor * 1e4) / 1e4) + " (" + count(written.customers) +
             " to " + count(s.customers) + "), agents";
  for (std::size_t i = 0; i < s.teams.size(); ++i) {
    const Team& t = s.teams[i];
    // ceil, with a tolerance so that 9 x (20000 / 10000) is 18, not 19
    const double want = std::max(1.0, std::ceil(t.agents * factor - 1e-9));
    if (want > 1e6)
      throw std::runtime_error("--scale-teams: team " + t.name + " would need " +
                               number_text(want) + " agents (" + std::to_string(t.agents) + " x" +
                               number_text(factor) + "), more than the 1e6 a team may have");
    const long agents = std::lround(want);
    // by name, or by index for a name --set cannot spell as a path part
    const std::string key = t.name.find('.') == std::string::npos ? t.name : std::to_string(i);
    out.sets.push_back("teams." + key + ".agents=" + std::to_string(agents));
    out.note += (i ? ", " : " ") + t.name + " " + std::to_string(t.agents) + " to " +
                std::to_string(agents);
  }
  return out;
}

}  // namespace journeysim::sim
