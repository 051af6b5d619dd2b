// Designs of experiments over scenario factors: which points (factor values) a sweep runs.
// Every design is a deterministic function of the factors, the design's settings and the seed:
// the same sweep file gives the same points on any machine (docs/sweeps.md).
//
// A factor's values are reached through the unit interval: a design draws u in [0, 1] per factor
// and factor_value() maps it (a range linearly or on a log scale, a list of levels or choices by
// equal-width cells). Full factorial and points designs set the values directly.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace journeysim::sweep {

struct Factor {
  std::string name;  // column name in the results (default: the path)
  std::string path;  // scenario key path, as `--set` takes it (e.g. teams.sales.agents)
  enum class Kind { levels, range, choices };
  Kind kind = Kind::levels;
  std::vector<double> levels;        // kind == levels: numeric levels, in the order given
  std::vector<std::string> choices;  // kind == choices: words, in the order given
  double lo = 0, hi = 0;             // kind == range
  bool log_scale = false;            // kind == range: scale: log (lo > 0)
  bool integer = false;              // values rounded to whole numbers (after the scale)
  int line = 0, column = 0;          // where the factor is defined in the sweep file
  // Number of distinct values the factor takes in a full factorial design: levels.size(),
  // choices.size(), or for a range `range_levels` (set by the sweep file, default 3) evenly
  // spaced values lo .. hi (on the log scale for a log range).
  int range_levels = 3;
  std::size_t level_count() const;
  bool numeric() const { return kind != Kind::choices; }
};

// One value of a factor: a number, or a choice (index into Factor::choices).
struct FactorValue {
  double number = 0;  // the value (numeric factors), or the choice index as a number
  int choice = -1;    // index into choices, or -1 for numeric factors
};

// The value of factor f at u in [0, 1]. Range: lo + u (hi - lo) (log: exp of the same on
// log lo, log hi), then rounded when integer. Levels/choices: cell min(floor(u L), L - 1).
FactorValue factor_value(const Factor& f, double u);
// The value of level index i (0-based) of a full factorial design (see Factor::range_levels).
FactorValue factor_level(const Factor& f, std::size_t i);
// The text `--set` takes for the value ("12", "0.25", "email").
std::string value_text(const Factor& f, const FactorValue& v);

enum class DesignKind { full_factorial, lhs, sobol, morris, points };
const char* design_name(DesignKind k);
std::optional<DesignKind> design_from_name(const std::string& name);

struct DesignSettings {
  DesignKind kind = DesignKind::full_factorial;
  std::uint64_t n = 0;              // lhs: points; sobol: N base samples (a power of two)
  std::uint64_t trajectories = 0;   // morris: r
  std::uint64_t morris_levels = 4;  // morris: p (even, >= 2)
  std::uint64_t seed = 0;           // lhs and morris draw from it (sobol is quasi-random)
  // points: the rows of an explicit table, one value per factor (numbers; for a choices factor
  // the index of the choice), already validated.
  std::vector<std::vector<FactorValue>> rows;
};

struct Design {
  DesignKind kind = DesignKind::full_factorial;
  std::size_t factors = 0;
  // points[p][f]: the value of factor f at point p
  std::vector<std::vector<FactorValue>> points;
  // unit[p][f]: the point in the unit hypercube the design drew (lhs, sobol, morris); empty for
  // full_factorial and points
  std::vector<std::vector<double>> unit;
  // full_factorial: level[p][f], the level index of factor f at point p (last factor fastest)
  std::vector<std::vector<std::uint32_t>> level;
  // sobol (Saltelli 2010): N base samples; the points are N rows of A, then N of B, then for
  // each factor i N rows of AB_i (A with column i taken from B): N (k + 2) points in all.
  std::uint64_t sobol_n = 0;
  // morris: r trajectories of k + 1 points each, trajectory t = points t (k+1) .. t (k+1) + k;
  // between consecutive points of a trajectory one factor moves by +-delta in unit space:
  // morris_factor[t][j] = the factor moved from point j to j+1, morris_step[t][j] its signed step.
  std::uint64_t morris_levels = 0;
  double morris_delta = 0;
  std::vector<std::vector<std::uint32_t>> morris_factor;
  std::vector<std::vector<double>> morris_step;
};

// The points of the design. Throws std::invalid_argument with a message a user can act on
// (e.g. "sobol: n must be a power of two, found 100") for settings that make no design.
Design make_design(const std::vector<Factor>& factors, const DesignSettings& settings);

// Number of points make_design would produce (without producing them).
std::uint64_t design_size(const std::vector<Factor>& factors, const DesignSettings& settings);

}  // namespace journeysim::sweep
