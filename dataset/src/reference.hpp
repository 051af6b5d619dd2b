// The reference predictions of a release (reference/<task>/baseline.csv.gz and oracle.csv.gz):
// the project's own models fitted on the observable summary at T_c (BG/NBD + Gamma-Gamma,
// Kaplan-Meier, a constant upgrade rate) and the oracle's closed forms from the ground truth.
// Private to dataset/.
#pragma once
#include <string>
#include <vector>

#include "release_record.hpp"

namespace journeysim::dataset {

struct ReferenceFit {
  std::string task;
  std::string baseline_note;  // the fitted parameters, in words (for the datasheet)
};

// Reads summary/, truth/ and tasks/ of every partition in `dir`, writes the reference files and
// appends their records to `files`.
std::vector<ReferenceFit> write_reference_predictions(const std::string& dir,
                                                      const ReleaseIdentity& id,
                                                      std::vector<FileRecord>& files);

}  // namespace journeysim::dataset
