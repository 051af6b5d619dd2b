#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "gzip_file.hpp"
#include "journeysim/dataset/generate.hpp"
#include "journeysim/dataset/release.hpp"
#include "journeysim/eventlog/reader.hpp"
#include "release_record.hpp"

namespace journeysim::dataset {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::uint64_t count_rows(const fs::path& p) {
  if (p.extension() == ".h5") return eventlog::EventLogReader(p.string()).event_count();
  const std::string text = read_gzip(p.string());
  std::uint64_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines > 0 ? lines - 1 : 0;  // less the header
}

}  // namespace

VerifyResult verify_release(const std::string& dir, const VerifyOptions& o) {
  VerifyResult r;
  const fs::path mpath = fs::path(dir) / "manifest.json";
  if (!fs::exists(mpath)) {
    r.problems.push_back({"manifest.json",
                          "missing: the release is incomplete (run `journeysim dataset finish "
                          "DIR` once every partition is generated)"});
    return r;
  }
  json m;
  try {
    std::ifstream in(mpath);
    m = json::parse(in);
    if (m.at("format") != "journeysim-dataset")
      throw std::runtime_error("format is not journeysim-dataset");
  } catch (const std::exception& e) {
    r.problems.push_back({"manifest.json", std::string("unreadable: ") + e.what()});
    return r;
  }
  const ReleaseIdentity id = identity_from_json(m.at("generator").at("identity"));
  if (o.regenerate && o.partition && (*o.partition < 1 || *o.partition > id.partitions))
    throw std::invalid_argument("--partition: expected 1.." + std::to_string(id.partitions) +
                                ", found " + std::to_string(*o.partition));
  std::map<std::string, FileRecord> listed;
  for (const auto& fj : m.at("files")) {
    FileRecord f = file_from_json(fj);
    listed[f.path] = f;
  }
  // every listed file: size, SHA-256, rows
  for (const auto& [path, f] : listed) {
    const fs::path p = fs::path(dir) / path;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      r.problems.push_back({path, "missing"});
      continue;
    }
    try {
      const auto d = sha256_file(p.string());
      ++r.files_checked;
      r.bytes_checked += d.bytes;
      if (d.bytes != f.bytes)
        r.problems.push_back({path, "size " + std::to_string(d.bytes) + " bytes, manifest says " +
                                        std::to_string(f.bytes)});
      if (d.sha256 != f.sha256) {
        r.problems.push_back({path, "SHA-256 " + d.sha256 + ", manifest says " + f.sha256});
        continue;  // the rows of a changed file say nothing more
      }
      const std::uint64_t rows = count_rows(p);
      if (rows != f.rows)
        r.problems.push_back(
            {path, std::to_string(rows) + " rows, manifest says " + std::to_string(f.rows)});
    } catch (const std::exception& e) {
      r.problems.push_back({path, e.what()});
    }
  }
  // files in the release's folders that the manifest does not list
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), dir).generic_string();
    if (rel == "manifest.json" || rel == "DATASHEET.md" || rel.rfind("parts/", 0) == 0 ||
        rel.rfind(".verify-", 0) == 0)
      continue;
    if (!listed.count(rel)) r.problems.push_back({rel, "not in the manifest"});
  }
  if (!o.regenerate) return r;
  // regenerate one partition and compare its files with the manifest's records
  std::uint32_t k;
  if (o.partition) {
    k = *o.partition;
  } else {
    std::mt19937_64 g(o.random_seed
                          ? o.random_seed
                          : static_cast<std::uint64_t>(
                                std::chrono::steady_clock::now().time_since_epoch().count()));
    k = static_cast<std::uint32_t>(1 + g() % id.partitions);
  }
  const fs::path tmp = fs::path(dir) / (".verify-" + std::to_string(::getpid()));
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{tmp};
  auto g = regenerate(dir, k, k, tmp.string(), o.threads);
  r.regenerated_partition = k;
  r.regenerate_seconds = g.seconds;
  const std::string pname = partition_name(k, id.partitions);
  for (const auto& [path, f] : listed) {
    if (path.find(pname) == std::string::npos) continue;
    const fs::path p = tmp / path;
    if (!fs::exists(p)) {
      r.problems.push_back(
          {path, "not produced by the regeneration of partition " + std::to_string(k)});
      continue;
    }
    ++r.regenerated_files;
    const auto d = sha256_file(p.string());
    if (d.sha256 != f.sha256)
      r.problems.push_back({path, "regenerated partition " + std::to_string(k) +
                                      " differs: SHA-256 " + d.sha256 + ", manifest says " +
                                      f.sha256});
  }
  if (r.regenerated_files == 0)
    r.problems.push_back({pname, "the manifest lists no file of this partition"});
  return r;
}

}  // namespace journeysim::dataset
