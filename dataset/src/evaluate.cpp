#include "journeysim/dataset/evaluate.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "csv_read.hpp"
#include "gzip_file.hpp"
#include "journeysim/dataset/scale.hpp"

namespace journeysim::dataset {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* kTaskNames[] = {"churn_90d", "upgrade_90d", "purchases_holdout", "spend_holdout"};

bool parse_id(const std::string& s, std::uint64_t& v) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_number(const std::string& s, double& v) {
  std::size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  if (b == std::string::npos) return false;
  auto r = std::from_chars(s.data() + b, s.data() + e + 1, v);
  return r.ec == std::errc() && r.ptr == s.data() + e + 1;
}

struct Labels {
  std::vector<std::uint64_t> id;
  std::vector<double> label;
  std::unordered_map<std::uint64_t, std::size_t> at;
};

Labels read_labels(const std::string& dir, const std::string& task, std::uint32_t partitions) {
  Labels l;
  std::vector<std::string> f;
  for (std::uint32_t p = 1; p <= partitions; ++p) {
    const std::string path =
        (fs::path(dir) / "labels" / task / (partition_name(p, partitions) + ".csv.gz")).string();
    CsvText csv(read_gzip(path), path);
    csv.next(f);
    while (csv.next(f)) {
      std::uint64_t id = 0;
      double v = 0;
      if (f.size() != 2 || !parse_id(f[0], id) || !parse_number(f[1], v))
        throw std::runtime_error(csv.where() + ": not a label row (customer_id,label)");
      l.at[id] = l.id.size();
      l.id.push_back(id);
      l.label.push_back(v);
    }
  }
  return l;
}

// The predictions of `path` in the labels' order; every problem names the file and line.
std::vector<double> read_predictions(const std::string& path, const std::string& task,
                                     const std::string& kind, const std::string& dataset_id,
                                     const Labels& labels) {
  std::string text = read_text_file(path);
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // a UTF-8 byte-order mark (Excel)
  CsvText csv(std::move(text), path);
  std::vector<std::string> f;
  // optional comment lines before the header; "# dataset_id: X" is checked
  for (;;) {
    if (!csv.next(f))
      throw std::runtime_error(path +
                               ": empty file (expected a header "
                               "customer_id," +
                               task + ")");
    if (!f.empty() && !f[0].empty() && f[0][0] == '#') {
      std::string line = f[0];
      for (std::size_t i = 1; i < f.size(); ++i) line += "," + f[i];
      auto k = line.find("dataset_id");
      if (k != std::string::npos) {
        std::string v = line.substr(k + 10);
        v.erase(0, v.find_first_not_of(" :="));
        v.erase(v.find_last_not_of(" \r") + 1);
        if (v != dataset_id)
          throw std::runtime_error(csv.where() + ": predictions for dataset " + v +
                                   ", but this dataset is " + dataset_id);
      }
      continue;
    }
    break;
  }
  if (f.size() != 2 || (f[0] != "customer_id" && f[0] != "id"))
    throw std::runtime_error(csv.where() + ": expected the header customer_id," + task +
                             " (or customer_id,prediction)");
  if (f[1] != task && f[1] != "prediction") {
    for (const char* t : kTaskNames)
      if (f[1] == t)
        throw std::runtime_error(csv.where() + ": this file predicts " + f[1] + ", not " + task +
                                 " (--task " + f[1] + "?)");
    throw std::runtime_error(csv.where() + ": the second column is '" + f[1] + "'; expected " +
                             task + " or prediction");
  }
  std::vector<double> out(labels.id.size(), std::nan(""));
  std::vector<std::size_t> line_of(labels.id.size(), 0);
  std::size_t unknown = 0;
  std::string first_unknown;
  while (csv.next(f)) {
    if (f.size() == 1 && f[0].empty()) continue;  // a blank line
    if (f.size() != 2)
      throw std::runtime_error(csv.where() + ": expected 2 fields (customer_id," + task +
                               "), found " + std::to_string(f.size()));
    std::uint64_t id = 0;
    if (!parse_id(f[0], id))
      throw std::runtime_error(csv.where() + ": customer_id '" + f[0] +
                               "' is not a customer id (a whole number)");
    auto it = labels.at.find(id);
    if (it == labels.at.end()) {
      if (!unknown++) first_unknown = csv.where() + ": customer_id " + f[0];
      continue;
    }
    const std::size_t i = it->second;
    if (line_of[i])
      throw std::runtime_error(csv.where() + ": customer_id " + f[0] +
                               " appears twice (first at line " + std::to_string(line_of[i]) + ")");
    line_of[i] = csv.line();
    double v = 0;
    if (!parse_number(f[1], v))
      throw std::runtime_error(csv.where() + ": prediction '" + f[1] + "' is not a number");
    if (!std::isfinite(v))
      throw std::runtime_error(csv.where() + ": prediction " + f[1] + " is not finite");
    if (kind == "binary" && !(v >= 0 && v <= 1))
      throw std::runtime_error(csv.where() + ": prediction " + f[1] +
                               " is not a probability in [0, 1]");
    if (kind != "binary" && v < 0)
      throw std::runtime_error(csv.where() + ": prediction " + f[1] + " is negative (a " + kind +
                               " is >= 0)");
    out[i] = v;
  }
  if (unknown)
    throw std::runtime_error(first_unknown + " is not a customer of task " + task + " in dataset " +
                             dataset_id + " (" + std::to_string(unknown) +
                             " such rows: a file for another dataset or task?)");
  std::size_t missing = 0, first = 0;
  for (std::size_t i = 0; i < out.size(); ++i)
    if (!line_of[i] && !missing++) first = i;
  if (missing)
    throw std::runtime_error(path + ": " + std::to_string(missing) + " of the task's " +
                             std::to_string(out.size()) +
                             " customers have no prediction (the first: customer_id " +
                             std::to_string(labels.id[first]) + ")");
  return out;
}

std::string ci(const Estimate& e, const char* f) {
  char b[128];
  if (std::isnan(e.value)) return "n/a";
  std::string v = [&] {
    char x[48];
    std::snprintf(x, sizeof x, f, e.value);
    return std::string(x);
  }();
  if (std::isnan(e.low)) return v;
  char lo[48], hi[48];
  std::snprintf(lo, sizeof lo, f, e.low);
  std::snprintf(hi, sizeof hi, f, e.high);
  std::snprintf(b, sizeof b, "%s [%s, %s]", v.c_str(), lo, hi);
  return b;
}

json est(const Estimate& e) {
  auto n = [](double v) { return std::isnan(v) ? json(nullptr) : json(v); };
  return json{{"value", n(e.value)}, {"ci_low", n(e.low)}, {"ci_high", n(e.high)}};
}

}  // namespace

Evaluation evaluate(const std::string& predictions, const std::string& dir, const std::string& task,
                    const EvaluateOptions& o) {
  const fs::path mpath = fs::path(dir) / "manifest.json";
  json m;
  {
    std::ifstream in(mpath);
    if (!in)
      throw std::runtime_error(mpath.string() +
                               ": missing (is this a journeysim dataset, and is it complete?)");
    try {
      m = json::parse(in);
    } catch (const std::exception& e) {
      throw std::runtime_error(mpath.string() + ": not JSON (" + e.what() + ")");
    }
  }
  Evaluation ev;
  ev.dataset_id = m.at("dataset_id");
  ev.task = task;
  if (!m.at("tasks").contains(task)) {
    std::string list;
    for (const auto& [k, v] : m.at("tasks").items()) list += (list.empty() ? "" : ", ") + k;
    throw std::runtime_error("--task " + task + ": this dataset's tasks are " + list);
  }
  const json& tj = m["tasks"][task];
  ev.kind = tj.at("kind");
  const std::uint32_t partitions = m.at("generator").at("identity").at("partitions");
  const Labels labels = read_labels(dir, task, partitions);
  ev.customers = labels.id.size();
  double sum = 0;
  for (double v : labels.label) sum += v;
  ev.label_mean = ev.customers ? sum / static_cast<double>(ev.customers) : 0;
  ev.rows.push_back(
      {"yours", predictions, read_predictions(predictions, task, ev.kind, ev.dataset_id, labels)});
  if (o.references)
    for (const char* ref : {"baseline", "oracle"}) {
      const std::string p =
          (fs::path(dir) / tj.at("reference").at(ref).get<std::string>()).string();
      ev.rows.push_back({ref, p, read_predictions(p, task, ev.kind, ev.dataset_id, labels)});
    }
  if (ev.customers == 0) return ev;
  if (ev.kind == "binary") {
    std::vector<std::uint8_t> y(labels.label.size());
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = labels.label[i] != 0;
    for (const auto& r : ev.rows)
      ev.classification.push_back(classification_metrics(r.value, y, o.bootstrap));
  } else {
    for (const auto& r : ev.rows)
      ev.regression.push_back(regression_metrics(r.value, labels.label, o.bootstrap));
  }
  return ev;
}

std::string to_text(const Evaluation& e) {
  std::ostringstream s;
  char b[256];
  std::snprintf(b, sizeof b, "task %s (%s) of dataset %s: %zu customers, mean label %.4g\n",
                e.task.c_str(), e.kind.c_str(), e.dataset_id.c_str(), e.customers, e.label_mean);
  s << b;
  if (e.customers == 0) return s.str() + "(no customer: nothing to score)\n";
  if (e.kind == "binary") {
    std::snprintf(b, sizeof b, "%-10s %-28s %-28s %-28s\n", "", "AUC", "log loss", "Brier");
    s << b;
    for (std::size_t i = 0; i < e.rows.size(); ++i) {
      const auto& c = e.classification[i];
      std::snprintf(b, sizeof b, "%-10s %-28s %-28s %-28s\n", e.rows[i].name.c_str(),
                    ci(c.auc, "%.4f").c_str(), ci(c.log_loss, "%.4f").c_str(),
                    ci(c.brier, "%.5f").c_str());
      s << b;
    }
    s << "\ncalibration of yours (predicted probability bins):\n  bin          n   mean predicted  "
         "observed\n";
    for (const auto& bin : e.classification[0].calibration) {
      if (!bin.n) continue;
      std::snprintf(b, sizeof b, "  [%.1f, %.1f)  %7zu  %14.4f  %8.4f\n", bin.lo, bin.hi, bin.n,
                    bin.mean_predicted, bin.observed_rate);
      s << b;
    }
  } else {
    std::snprintf(b, sizeof b, "%-10s %-30s %-30s %-30s\n", "", "MAE", "RMSE",
                  "aggregate error (total)");
    s << b;
    for (std::size_t i = 0; i < e.rows.size(); ++i) {
      const auto& r = e.regression[i];
      std::snprintf(b, sizeof b, "%-10s %-30s %-30s %-30s\n", e.rows[i].name.c_str(),
                    ci(r.mae, "%.4g").c_str(), ci(r.rmse, "%.4g").c_str(),
                    ci(r.aggregate_error, "%+.4f").c_str());
      s << b;
    }
    std::snprintf(b, sizeof b, "\ntotal: actual %.6g; predicted", e.regression[0].sum_actual);
    s << b;
    for (std::size_t i = 0; i < e.rows.size(); ++i) {
      std::snprintf(b, sizeof b, " %s %.6g%s", e.rows[i].name.c_str(),
                    e.regression[i].sum_predicted, i + 1 < e.rows.size() ? "," : "\n");
      s << b;
    }
  }
  s << "[..] 95% bootstrap intervals. baseline: the release's reference model fitted on the "
       "features;\noracle: the ground truth's closed forms (the best possible in expectation).\n";
  return s.str();
}

json to_json(const Evaluation& e) {
  json rows = json::array();
  for (std::size_t i = 0; i < e.rows.size(); ++i) {
    json r{{"name", e.rows[i].name}, {"file", e.rows[i].path}};
    if (e.kind == "binary" && i < e.classification.size()) {
      const auto& c = e.classification[i];
      r["auc"] = est(c.auc);
      r["log_loss"] = est(c.log_loss);
      r["brier"] = est(c.brier);
      json bins = json::array();
      for (const auto& bin : c.calibration)
        bins.push_back(json{{"lo", bin.lo},
                            {"hi", bin.hi},
                            {"n", bin.n},
                            {"mean_predicted", bin.n ? json(bin.mean_predicted) : json(nullptr)},
                            {"observed_rate", bin.n ? json(bin.observed_rate) : json(nullptr)}});
      r["calibration"] = bins;
    } else if (i < e.regression.size()) {
      const auto& g = e.regression[i];
      r["mae"] = est(g.mae);
      r["rmse"] = est(g.rmse);
      r["aggregate_error"] = est(g.aggregate_error);
      r["sum_predicted"] = g.sum_predicted;
      r["sum_actual"] = g.sum_actual;
    }
    rows.push_back(r);
  }
  return json{
      {"dataset_id", e.dataset_id}, {"task", e.task}, {"kind", e.kind}, {"customers", e.customers},
      {"label_mean", e.label_mean}, {"rows", rows}};
}

}  // namespace journeysim::dataset
