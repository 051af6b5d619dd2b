#include "journeysim/sweep/export_csv.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace journeysim::sweep {

namespace {

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double v) {
  if (!std::isfinite(v)) return "";
  char b[32];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

// Writes `path` through a temporary name: a reader never sees half a table.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path)
      : path_(std::move(path)), temp_(path_ + ".tmp-" + std::to_string(getpid())), out_(temp_) {
    if (!out_) throw std::runtime_error(path_ + ": cannot write");
  }
  ~AtomicFile() {
    if (!done_) {
      std::error_code ec;
      std::filesystem::remove(temp_, ec);
    }
  }
  std::ofstream& out() { return out_; }
  void commit() {
    out_.close();
    if (!out_) throw std::runtime_error(path_ + ": write failed");
    std::filesystem::rename(temp_, path_);
    done_ = true;
  }

 private:
  std::string path_, temp_;
  std::ofstream out_;
  bool done_ = false;
};

}  // namespace

CsvExportSummary export_csv(const SweepResults& r, const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  CsvExportSummary sum;
  std::vector<std::vector<std::string>> values(r.points());
  for (std::uint64_t p = 0; p < r.points(); ++p)
    for (std::size_t i = 0; i < r.factors.size(); ++i)
      values[p].push_back(value_text(r.factors[i], r.design.points[p][i]));
  {
    AtomicFile f((fs::path(dir) / "points.csv").string());
    f.out() << "point";
    for (const auto& fa : r.factors) f.out() << "," << field(fa.name);
    f.out() << "\n";
    for (std::uint64_t p = 0; p < r.points(); ++p) {
      f.out() << p;
      for (const auto& v : values[p]) f.out() << "," << field(v);
      f.out() << "\n";
      ++sum.points;
    }
    f.commit();
  }
  {
    AtomicFile f((fs::path(dir) / "results.csv").string());
    f.out() << "point,replication";
    for (const auto& fa : r.factors) f.out() << "," << field(fa.name);
    f.out() << ",status,events,seconds";
    for (const auto& k : r.kpis) f.out() << "," << field(k);
    f.out() << "\n";
    for (std::uint64_t t = 0; t < r.tasks(); ++t) {
      const std::uint64_t p = t / r.replications;
      f.out() << p << "," << t % r.replications;
      for (const auto& v : values[p]) f.out() << "," << field(v);
      f.out() << "," << (r.status[t] ? "failed" : "ok") << "," << r.events[t] << ","
              << (t < r.seconds.size() ? number(r.seconds[t]) : "");
      for (std::size_t k = 0; k < r.kpis.size(); ++k) f.out() << "," << number(r.values[k][t]);
      f.out() << "\n";
      ++sum.rows;
    }
    f.commit();
  }
  {
    AtomicFile f((fs::path(dir) / "errors.csv").string());
    f.out() << "task,point,replication,message\n";
    for (const auto& [t, m] : r.errors) {
      f.out() << t << "," << t / r.replications << "," << t % r.replications << "," << field(m)
              << "\n";
      ++sum.errors;
    }
    f.commit();
  }
  return sum;
}

}  // namespace journeysim::sweep
