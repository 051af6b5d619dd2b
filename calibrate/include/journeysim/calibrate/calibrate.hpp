// `journeysim calibrate CAL.yaml -o FITTED.yaml`: find the parameter values whose simulated
// moments (KPIs, survival curves) come closest to the targets, and say how well each parameter
// is determined. The objective is the weighted sum of squared z-scores
//   D(x) = sum_m w_m (sim_m(x) - obs_m)^2 / (se_obs_m^2 + se_sim_m(x)^2)
// where sim_m is the mean over R replications and se_sim_m its standard error. Every evaluation
// uses the same R replications' random streams (common random numbers), so D changes with x
// only through the model and the optimiser (NLopt, optimise.hpp) sees a smooth landscape. The
// replications of an evaluation run in parallel (oneTBB threads, and under mpirun shared out
// over the ranks, which all run the same deterministic search; rank 0 owns the journal).
// Evaluations go to a journal: a killed calibration replays the journal (the optimiser is
// deterministic, so it asks for the same points again) and continues with the same result.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "journeysim/calibrate/calibration_file.hpp"
#include "journeysim/calibrate/optimise.hpp"

namespace journeysim::calibrate {

struct Evaluation {
  std::vector<double> u;     // unit coordinates of the parameters
  std::vector<double> x;     // parameter values
  std::vector<double> mean;  // per moment: the mean over replications (NaN: not available)
  std::vector<double> se;    // per moment: its standard error
  std::vector<double> z;     // per moment: the z-score
  double distance = 0;
  std::uint64_t events = 0;
};

// The scenario at parameter values x (the base with x applied; the calibration's seed).
sim::Scenario scenario_at(const CalSpec& spec, const std::vector<double>& x);

// Simulates R replications at unit coordinates u (in parallel on `threads`, 0 = all cores) and
// measures the moments. A moment the runs cannot produce makes D infinite (and the evaluation
// says which).
Evaluation evaluate(const CalSpec& spec, const std::vector<double>& u, int threads);

struct CalibrateOptions {
  int threads = 0;
  bool resume = false, restart = false;
  bool progress = true;
  std::string journal_dir;  // default: OUTPUT.journal
  std::string output;       // FITTED.yaml
  std::string command_line;
};

struct ParameterFit {
  std::string name, path;
  double start = 0, value = 0, se = NAN;  // se in the parameter's units (NaN: not identifiable)
  double lo = 0, hi = 0;
  bool identifiable = true;
  bool at_bound = false;
  std::string warning;
};

// A survival target's moments, for drawing the observed and fitted curves on one chart.
struct CurveFit {
  std::string group, sim_group, by;
  std::size_t first_moment = 0;  // its months are moments first_moment .. + months.size() - 1
  std::vector<double> months;
  std::size_t customers = 0, events = 0;  // of the observed log's group
};

struct Fit {
  std::string name, stop_reason;
  std::vector<CurveFit> curves;
  std::uint64_t evaluations = 0, replayed = 0;  // replayed: taken from the journal
  std::uint64_t best_evaluation = 0;            // the evaluation (1-based) that found the optimum
  double distance = 0;
  std::size_t moments = 0;
  std::vector<Moment> targets;
  Evaluation best;
  std::vector<ParameterFit> parameters;
  std::vector<std::vector<double>> correlation;
  std::vector<std::string> unreachable;  // targets with |z| > 3 at the optimum
  double seconds = 0;
  int rank = 0, ranks = 1;  // under mpirun: this rank (only rank 0 writes outputs)
};

// Runs the calibration: optimiser, then the curvature of D at the optimum (uncertainty and
// identifiability). Throws std::runtime_error for a journal of another calibration.
Fit calibrate(const CalSpec& spec, const CalibrateOptions& options);

// FITTED.yaml: `extends:` the base scenario (path relative to the output's folder), the
// calibration's `set:` overrides and the fitted values, with a comment header saying what was
// fitted to what, when, the distance and the per-target fit.
std::string fitted_yaml(const CalSpec& spec, const Fit& fit, const std::string& output_path);

nlohmann::json to_json(const Fit& fit);
std::string to_text(const Fit& fit);

}  // namespace journeysim::calibrate
