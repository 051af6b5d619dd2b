// `journeysim dataset`: a scenario at a scale factor -> a dataset release (docs/datasets.md).
// Partitions hold whole markets and are simulated as units (sim::RunOptions::unit_begin), so a
// partition's files are the same whichever machine (--part k/N), thread count or order makes
// them. The observable tables are cut at T_c; labels, task populations, ground truth and a
// per-customer summary go to their own files. Each run writes parts/<range>.json; the release
// is completed (manifest.json, DATASHEET.md, reference predictions) by finish_release.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "journeysim/dataset/scale.hpp"
#include "journeysim/eventlog/writer.hpp"

namespace journeysim::dataset {

struct GenerateOptions {
  double scale_factor = 1;
  std::uint32_t partitions = 0;                  // 0 = one per market
  std::uint32_t part_index = 1, part_count = 1;  // this machine's share of the partitions
  bool hdf5 = true, csv = false;
  int threads = 0;
  double holdout_days = 90;
  eventlog::Compression compression;  // of the HDF5 event logs
  int gzip_level = 4;                 // of the csv.gz files (as the HDF5 default, deflate:4)
  std::string output_dir;
  std::string command_line;  // recorded in the part's record and the manifest
  bool progress = false;
  // Partitions [only_first, only_last] instead of the machine's share (verify's regeneration).
  std::uint32_t only_first = 0, only_last = 0;
};

struct GenerateResult {
  ScalePlan plan;
  std::uint32_t first_partition = 0, last_partition = 0;  // 1-based, inclusive
  std::uint64_t events = 0;         // observable events written (each format counted once)
  std::uint64_t events_total = 0;   // simulated, before the cut
  std::uint64_t customers = 0;      // observable customers
  std::uint64_t bytes_written = 0;  // all files
  std::uint64_t random_words = 0;
  double seconds = 0;
  std::string part_record;  // path of parts/<range>.json
};

// Loads SCENARIO with `overrides` (--set), scales it and generates this machine's partitions
// into options.output_dir. Throws (sim::ScenarioError, std::invalid_argument, std::runtime_error)
// with the file or option named; a partition's files appear under their names only when whole.
GenerateResult generate(const std::string& scenario_path, const std::vector<std::string>& overrides,
                        const GenerateOptions& options);

// Regenerates partitions [first, last] of the release in `dir` (from its manifest's scenario
// text and settings) into `into`; used by verify.
GenerateResult regenerate(const std::string& dir, std::uint32_t first, std::uint32_t last,
                          const std::string& into, int threads);

}  // namespace journeysim::dataset
