// Completing and checking a dataset release (docs/datasets.md):
//  finish_release  merges the parts' records (parts/*.json) once every partition is present,
//                  writes the reference predictions, manifest.json and DATASHEET.md;
//  verify_release  recomputes every file's size, rows and SHA-256 against the manifest and
//                  regenerates a partition to prove the release reproducible.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace journeysim::dataset {

struct FinishResult {
  bool complete = false;
  std::vector<std::uint32_t> missing;  // partitions no part record covers
  std::uint32_t partitions = 0;
  std::uint64_t files = 0, bytes = 0;
  std::string manifest, datasheet;
};
// Throws std::runtime_error on part records of different releases or overlapping partitions.
FinishResult finish_release(const std::string& dir);

struct VerifyProblem {
  std::string file, what;
};
struct VerifyResult {
  std::uint64_t files_checked = 0, bytes_checked = 0;
  std::uint32_t regenerated_partition = 0;  // 0 = none
  std::uint64_t regenerated_files = 0;
  double regenerate_seconds = 0;
  std::vector<VerifyProblem> problems;  // empty = verified
};
struct VerifyOptions {
  std::optional<std::uint32_t> partition;  // which one to regenerate; default: at random
  bool regenerate = true;
  int threads = 0;
  std::uint64_t random_seed = 0;  // 0 = from the clock
};
VerifyResult verify_release(const std::string& dir, const VerifyOptions& options);

}  // namespace journeysim::dataset
