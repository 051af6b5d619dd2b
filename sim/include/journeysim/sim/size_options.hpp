// The scenario-size options that run, compare and benchmark share: --days D [--keep-rate]
// (horizon.hpp) and --scale-teams (team_scaling.hpp), turned into the overrides to load a
// scenario with and the notes to show the user, in one place for the three commands.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace journeysim::sim {

struct SizeOptions {
  std::optional<double> days;  // --days
  bool keep_rate = false;      // --keep-rate (only with days)
  bool scale_teams = false;    // --scale-teams
};

struct SizedOverrides {
  std::vector<std::string> sets;   // the overrides to load the scenario with
  std::vector<std::string> notes;  // for the user, in order
};

// `sets` (the user's overrides, with --customers and --seed as `customers=`/`seed=`) with what
// the size options add for the scenario at `path`: horizon_days (and customers, with
// keep_rate) first, the scaled teams last. --keep-rate without --days is an error.
SizedOverrides apply_size_options(const std::string& path, const std::vector<std::string>& sets,
                                  const SizeOptions& size);

}  // namespace journeysim::sim
