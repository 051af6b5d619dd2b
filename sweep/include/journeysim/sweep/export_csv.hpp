// A sweep's results as the tidy CSV tables analysts load in pandas or R: results.csv (one row per
// task: point, replication, the point's factor values, status, events, seconds, one column per
// KPI; empty cell = not available), points.csv and errors.csv.
#pragma once
#include <cstdint>
#include <string>

#include "journeysim/sweep/results_file.hpp"

namespace journeysim::sweep {

struct CsvExportSummary {
  std::uint64_t rows = 0, points = 0, errors = 0;
};
// Writes the three files into `dir` (created), each under a temporary name renamed when whole.
CsvExportSummary export_csv(const SweepResults& results, const std::string& dir);

}  // namespace journeysim::sweep
