#include "release_record.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "journeysim/dataset/tasks.hpp"
#include "journeysim/version.hpp"

namespace journeysim::dataset {

namespace fs = std::filesystem;
using nlohmann::json;

ReleaseIdentity make_identity(const sim::Scenario& s, const ScalePlan& plan,
                              const GenerateOptions& o) {
  ReleaseIdentity id;
  id.scenario_name = s.name;
  id.scenario_text = s.resolved_text;
  id.model = s.model == sim::Scenario::Model::non_contractual ? "non_contractual" : "subscription";
  id.version = kVersion;
  id.seed = s.seed;
  id.scale_factor = plan.scale_factor;
  id.base_customers = plan.scale_factor * kCustomersPerScaleFactor / plan.markets;
  id.customers_per_market = plan.customers_per_market;
  id.markets = plan.markets;
  id.partitions = plan.partitions;
  id.horizon_days = plan.horizon_days;
  id.cut_day = plan.cut_day;
  id.holdout_days = plan.holdout_days;
  id.holdout_days_requested = o.holdout_days;
  id.start_time = s.start_time;
  id.hdf5 = o.hdf5;
  id.csv = o.csv;
  id.compression = eventlog::compression_name(o.compression);
  id.gzip_level = o.gzip_level;
  for (const auto& t : tasks_for(s)) id.tasks.push_back(t.name);
  return id;
}

json identity_json(const ReleaseIdentity& id) {
  return json{{"scenario_name", id.scenario_name},
              {"scenario_text", id.scenario_text},
              {"model", id.model},
              {"journeysim_version", id.version},
              {"seed", id.seed},
              {"scale_factor", id.scale_factor},
              {"customers_per_market", id.customers_per_market},
              {"markets", id.markets},
              {"partitions", id.partitions},
              {"horizon_days", id.horizon_days},
              {"cut_day", id.cut_day},
              {"holdout_days", id.holdout_days},
              {"holdout_days_requested", id.holdout_days_requested},
              {"start_time", id.start_time},
              {"formats", id.hdf5 && id.csv ? "both"
                          : id.hdf5         ? "hdf5"
                                            : "csv"},
              {"compression", id.compression},
              {"gzip_level", id.gzip_level},
              {"tasks", id.tasks}};
}

ReleaseIdentity identity_from_json(const json& j) {
  ReleaseIdentity id;
  id.scenario_name = j.at("scenario_name");
  id.scenario_text = j.at("scenario_text");
  id.model = j.at("model");
  id.version = j.at("journeysim_version");
  id.seed = j.at("seed");
  id.scale_factor = j.at("scale_factor");
  id.customers_per_market = j.at("customers_per_market");
  id.markets = j.at("markets");
  id.partitions = j.at("partitions");
  id.base_customers = id.scale_factor * kCustomersPerScaleFactor / id.markets;
  id.horizon_days = j.at("horizon_days");
  id.cut_day = j.at("cut_day");
  id.holdout_days = j.at("holdout_days");
  id.holdout_days_requested = j.at("holdout_days_requested");
  id.start_time = j.at("start_time");
  const std::string f = j.at("formats");
  id.hdf5 = f != "csv";
  id.csv = f != "hdf5";
  id.compression = j.at("compression");
  id.gzip_level = j.at("gzip_level");
  id.tasks = j.at("tasks").get<std::vector<std::string>>();
  return id;
}

std::string dataset_id(const ReleaseIdentity& id) {
  Sha256 h;
  const std::string text = identity_json(id).dump();
  h.update(text.data(), text.size());
  return h.hex().substr(0, 16);
}

std::string canonical_command(const ReleaseIdentity& id) {
  char sf[32];
  std::snprintf(sf, sizeof sf, "%.17g", id.scale_factor);
  char hd[32];
  std::snprintf(hd, sizeof hd, "%.17g", id.holdout_days_requested);
  return "journeysim dataset " + id.scenario_name + ".yaml --scale-factor " + sf +
         " --partitions " + std::to_string(id.partitions) + " --holdout-days " + hd + " --format " +
         (id.hdf5 && id.csv ? "both"
          : id.hdf5         ? "hdf5"
                            : "csv") +
         " --compression " + id.compression + " --gzip-level " + std::to_string(id.gzip_level) +
         " --set seed=" + std::to_string(id.seed);
}

GenerateOptions options_of(const ReleaseIdentity& id) {
  GenerateOptions o;
  o.scale_factor = id.scale_factor;
  o.partitions = id.partitions;
  o.hdf5 = id.hdf5;
  o.csv = id.csv;
  o.holdout_days = id.holdout_days_requested;
  o.compression = eventlog::parse_compression(id.compression);
  o.gzip_level = id.gzip_level;
  return o;
}

json to_json(const FileRecord& f) {
  return json{{"path", f.path},
              {"table", f.table},
              {"bytes", f.bytes},
              {"rows", f.rows},
              {"sha256", f.sha256}};
}

FileRecord file_from_json(const json& j) {
  return FileRecord{j.at("path"), j.at("table"), j.at("bytes"), j.at("rows"), j.at("sha256")};
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    f << text;
    f.flush();
    if (!f) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw std::runtime_error(path + ": write failed");
    }
  }
  fs::rename(tmp, path);
}

std::string write_part_record(const std::string& dir, const PartRecord& r) {
  json parts = json::array();
  for (const auto& p : r.partitions) {
    json files = json::array();
    for (const auto& f : p.files) files.push_back(to_json(f));
    json counts = json::object();
    for (std::size_t t = 0; t < p.event_counts.size(); ++t)
      if (p.event_counts[t]) counts[std::string(eventlog::kEventTypeNames[t])] = p.event_counts[t];
    json tasks = json::object();
    for (const auto& [name, st] : p.tasks)
      tasks[name] = json{{"rows", st.rows}, {"label_sum", st.label_sum}};
    parts.push_back(json{{"index", p.index},
                         {"markets", {p.market_begin, p.market_end}},
                         {"rows", p.rows},
                         {"event_counts", counts},
                         {"tasks", tasks},
                         {"files", files}});
  }
  json j{{"identity", identity_json(r.identity)},
         {"first_partition", r.first},
         {"last_partition", r.last},
         {"command_line", r.command_line},
         {"generated_at", r.generated_at},
         {"seconds", r.seconds},
         {"partitions", parts}};
  fs::create_directories(fs::path(dir) / "parts");
  char name[80];
  std::snprintf(name, sizeof name, "partitions-%05u-%05u-of-%05u.json", r.first, r.last,
                r.identity.partitions);
  const std::string path = (fs::path(dir) / "parts" / name).string();
  write_file_atomically(path, j.dump(1) + "\n");
  return path;
}

std::vector<PartRecord> read_part_records(const std::string& dir) {
  std::vector<PartRecord> out;
  const fs::path pd = fs::path(dir) / "parts";
  if (!fs::is_directory(pd)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(pd))
    if (e.path().extension() == ".json" &&
        e.path().filename().string().rfind("partitions-", 0) == 0)
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    json j;
    try {
      j = json::parse(in);
      PartRecord r;
      r.identity = identity_from_json(j.at("identity"));
      r.first = j.at("first_partition");
      r.last = j.at("last_partition");
      r.command_line = j.at("command_line");
      r.generated_at = j.at("generated_at");
      r.seconds = j.at("seconds");
      for (const auto& pj : j.at("partitions")) {
        PartitionRecord p;
        p.index = pj.at("index");
        p.market_begin = pj.at("markets").at(0);
        p.market_end = pj.at("markets").at(1);
        p.rows = pj.at("rows").get<std::map<std::string, std::uint64_t>>();
        for (const auto& [name, n] : pj.at("event_counts").items()) {
          auto t = eventlog::event_type_from_name(name);
          if (!t) throw std::runtime_error("unknown event type " + name);
          p.event_counts[static_cast<std::size_t>(*t)] = n.get<std::uint64_t>();
        }
        for (const auto& [name, tj] : pj.at("tasks").items())
          p.tasks[name] = TaskStats{tj.at("rows"), tj.at("label_sum")};
        for (const auto& fj : pj.at("files")) p.files.push_back(file_from_json(fj));
        r.partitions.push_back(std::move(p));
      }
      out.push_back(std::move(r));
    } catch (const std::exception& e) {
      throw std::runtime_error(f.string() + ": not a journeysim part record (" + e.what() + ")");
    }
  }
  return out;
}

ReleaseIdentity read_identity(const std::string& dir) {
  const fs::path m = fs::path(dir) / "manifest.json";
  if (fs::exists(m)) {
    std::ifstream in(m);
    try {
      return identity_from_json(json::parse(in).at("generator").at("identity"));
    } catch (const std::exception& e) {
      throw std::runtime_error(m.string() + ": not a journeysim manifest (" + e.what() + ")");
    }
  }
  auto parts = read_part_records(dir);
  if (parts.empty())
    throw std::runtime_error(dir + ": not a journeysim dataset (no manifest.json, no parts/)");
  return parts.front().identity;
}

}  // namespace journeysim::dataset
