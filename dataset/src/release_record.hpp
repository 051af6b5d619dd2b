// What a release records about itself: its identity (everything that decides its bytes), and
// each generating run's record of the partitions it wrote (parts/<range>.json), which
// finish_release merges into manifest.json. Private to dataset/.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "journeysim/dataset/generate.hpp"
#include "journeysim/dataset/scale.hpp"
#include "journeysim/eventlog/schema.hpp"
#include "journeysim/sim/scenario.hpp"
#include "sha256.hpp"

namespace journeysim::dataset {

inline constexpr const char* kTruthHeader =
    "customer_id,market,replication,segment,phase,alive,plan,seats,mrr,login_rate_week,"
    "churn_hazard_month,upgrade_rate_month,purchase_rate_day,dropout_p,spend_mean,p_churn_90d,"
    "p_upgrade_90d,expected_purchases_holdout,expected_spend_holdout\n";
inline constexpr const char* kSummaryHeader =
    "customer_id,created_day,converted_day,churn_day,paying_at_cut,plan_at_cut,mrr_at_cut,"
    "purchases,repeat_purchases,t_x_days,T_days,repeat_spend_mean,upgrades\n";

// Everything that decides a release's data bytes (and nothing that does not: no paths, dates,
// thread or machine counts).
struct ReleaseIdentity {
  std::string scenario_name, scenario_text, model, version;
  std::uint64_t seed = 0;
  double scale_factor = 1, base_customers = 0, customers_per_market = 0;
  std::uint32_t markets = 1, partitions = 1;
  double horizon_days = 0, cut_day = 0, holdout_days = 0, holdout_days_requested = 90;
  std::int64_t start_time = 0;
  bool hdf5 = true, csv = false;
  std::string compression;
  int gzip_level = 4;
  std::vector<std::string> tasks;
};

ReleaseIdentity make_identity(const sim::Scenario& s, const ScalePlan& plan,
                              const GenerateOptions& o);
nlohmann::json identity_json(const ReleaseIdentity& id);
ReleaseIdentity identity_from_json(const nlohmann::json& j);
std::string dataset_id(const ReleaseIdentity& id);  // 16 hex digits of the identity's SHA-256
std::string canonical_command(const ReleaseIdentity& id);
GenerateOptions options_of(const ReleaseIdentity& id);
// The identity of the release in `dir`: from manifest.json, or from a part record.
ReleaseIdentity read_identity(const std::string& dir);

struct FileRecord {
  std::string path;  // relative to the release directory, '/'-separated
  std::string table;
  std::uint64_t bytes = 0, rows = 0;
  std::string sha256;
};
struct TaskStats {
  std::uint64_t rows = 0;
  double label_sum = 0;
};
struct PartitionRecord {
  std::uint32_t index = 0, market_begin = 0, market_end = 0;
  std::vector<FileRecord> files;
  std::map<std::string, std::uint64_t> rows;  // events, customers, channels
  std::array<std::uint64_t, eventlog::kEventTypeCount> event_counts{};
  std::map<std::string, TaskStats> tasks;
};
struct PartRecord {
  ReleaseIdentity identity;
  std::uint32_t first = 0, last = 0;
  std::string command_line, generated_at;
  double seconds = 0;
  std::vector<PartitionRecord> partitions;
};

nlohmann::json to_json(const FileRecord& f);
FileRecord file_from_json(const nlohmann::json& j);
// Writes parts/partitions-FFFFF-LLLLL-of-PPPPP.json (atomically); returns its path.
std::string write_part_record(const std::string& dir, const PartRecord& r);
std::vector<PartRecord> read_part_records(const std::string& dir);

// Writes `text` to `path` under a temporary name, renamed when complete.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace journeysim::dataset
