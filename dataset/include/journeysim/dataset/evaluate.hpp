// `journeysim evaluate`: a vendor's predictions for one task of a dataset release, scored
// against the release's labels (metrics.hpp), beside the release's two reference rows: the
// baseline models fitted on the features and the oracle that knows the ground truth.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "journeysim/dataset/metrics.hpp"

namespace journeysim::dataset {

// One task's predictions aligned with its labels (the release's order of customers).
struct Predictions {
  std::string name;  // "yours", "baseline", "oracle"
  std::string path;
  std::vector<double> value;
};

struct Evaluation {
  std::string dataset_id, task, kind;  // kind: binary, count, amount
  std::size_t customers = 0;
  double label_mean = 0;
  std::vector<Predictions> rows;
  std::vector<ClassificationMetrics> classification;  // per row, binary tasks
  std::vector<RegressionMetrics> regression;          // per row, count and amount tasks
};

struct EvaluateOptions {
  BootstrapOptions bootstrap;
  bool references = true;  // score the baseline and oracle rows too
};

// Reads DIR/manifest.json, the task's labels and the predictions file (CSV or csv.gz, header
// `customer_id,<task>` or `customer_id,prediction`). Bad input throws std::runtime_error naming
// the file and line: unknown, missing or duplicate customer ids, values that are not numbers,
// NaN, probabilities outside [0, 1], negative counts, a file for another task or dataset.
Evaluation evaluate(const std::string& predictions, const std::string& dataset_dir,
                    const std::string& task, const EvaluateOptions& options = {});

std::string to_text(const Evaluation& e);
nlohmann::json to_json(const Evaluation& e);

}  // namespace journeysim::dataset
