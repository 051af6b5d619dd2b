// What `--scale-teams` does to a scenario (run, compare, benchmark): a team sized for the
// scenario's `customers` is swamped when --customers (or --days --keep-rate) multiplies them, so
// its queue, not the customers, decides the results. This scales every team's agents by the
// same factor as the customers, rounded up, keeping the teams' utilisation (#18).
#pragma once
#include <string>
#include <vector>

namespace journeysim::sim {

struct TeamScaling {
  std::vector<std::string> sets;  // the overrides to apply after the others: teams.NAME.agents
  std::string note;               // for the user: the factor and each team's agents
};

// The overrides that scale the teams of the scenario at `path` loaded with `overrides` (which
// set its customers) by customers / the customers of the scenario as written (with its
// extends:, without overrides): agents' = ceil(agents x factor), at least 1. An error when a
// team would need more agents than a scenario allows, or the scenario as written has no
// customers to scale from.
TeamScaling scale_teams(const std::string& path, const std::vector<std::string>& overrides);

}  // namespace journeysim::sim
