#include "journeysim/dataset/release.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include "journeysim/dataset/tasks.hpp"
#include "journeysim/eventlog/csv_export.hpp"
#include "journeysim/version.hpp"
#include "reference.hpp"
#include "release_record.hpp"

namespace journeysim::dataset {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Column {
  const char* name;
  const char* type;
  const char* unit;
  const char* meaning;
};
struct Table {
  const char* name;
  const char* what;
  std::vector<Column> columns;
};

// The tables of a release, column by column (manifest.json "tables" and the datasheet).
const std::vector<Table>& tables() {
  static const std::vector<Table> t = {
      {"events",
       "one row per observable event up to T_c, in time order within each customer",
       {{"time", "ISO-8601 UTC (CSV) / int64 Unix seconds (HDF5)", "s", "when it happened"},
        {"customer", "uint64", "", "customer id: (market << 40) | index within the market"},
        {"type", "string (CSV) / HDF5 enum", "", "event type (see Event types)"},
        {"arg", "int32", "",
         "index into the names table of the type's namespace (channels, plans, features, ...); "
         "-1 if none"},
        {"arg_name", "string (CSV only)", "", "the name arg points to"},
        {"value", "float64", "by type",
         "conversion: MRR; payment, purchase: amount; upgrade, downgrade, seats_changed: MRR "
         "change; sales_touch, support_resolved: hours waited; csat 1..5; nps 0..10; else 0"},
        {"market", "uint32", "", "market index"},
        {"replication", "uint16", "", "always 0 in a dataset"}}},
      {"customers",
       "one row per customer acquired at or before T_c, as known at T_c",
       {{"id", "uint64", "", "customer id"},
        {"market", "uint32", "", "market index"},
        {"replication", "uint16", "", "always 0"},
        {"segment", "string / index", "", "firmographic segment"},
        {"channel", "string / index", "", "acquisition channel"},
        {"referrer", "int64", "", "referring customer's id; empty / -1 if none"},
        {"created_time", "time", "s", "lead or sign-up"},
        {"converted_time", "time", "s", "first conversion to paying at or before T_c; empty / -1"},
        {"first_plan", "string / index", "", "plan at that conversion"},
        {"churn_time", "time", "s", "first churn at or before T_c; empty / -1"},
        {"end_time", "time", "s", "T_c (the record's end)"},
        {"final_stage", "string / index", "",
         "lifecycle stage at T_c; empty / -1 if churned or never a customer"},
        {"final_mrr", "float64", "currency / month", "MRR at T_c (0 unless paying)"}}},
      {"channels",
       "one row per channel and day starting before T_c",
       {{"day", "time", "s", "the day's start (UTC)"},
        {"market", "uint32", "", "market index"},
        {"replication", "uint16", "", "always 0"},
        {"channel", "string / index", "", "channel"},
        {"spend", "float64", "currency", "media and fixed spend"},
        {"impressions", "int64", "", ""},
        {"clicks", "int64", "", ""},
        {"engaged", "int64", "", "clicks that read content or downloaded"},
        {"leads", "int64", "", "leads or sign-ups"}}},
      {"summary",
       "one row per customer of the customers table: a per-customer summary at T_c computed "
       "from the observable events only (the reference models' inputs; usable as features)",
       {{"customer_id", "uint64", "", ""},
        {"created_day", "float64", "days since the start", ""},
        {"converted_day", "float64", "days since the start", "first conversion; empty if none"},
        {"churn_day", "float64", "days since the start", "first churn; empty if none"},
        {"paying_at_cut", "0/1", "", "paying at T_c"},
        {"plan_at_cut", "string", "", "plan at T_c if paying"},
        {"mrr_at_cut", "float64", "currency / month", ""},
        {"purchases", "int", "", "purchases at or before T_c (non-contractual)"},
        {"repeat_purchases", "int", "", "x: purchases after the first"},
        {"t_x_days", "float64", "days", "last purchase minus first"},
        {"T_days", "float64", "days", "T_c minus first purchase"},
        {"repeat_spend_mean", "float64", "currency", "mean value of the repeat purchases"},
        {"upgrades", "int", "", "upgrades at or before T_c"}}},
      {"truth",
       "GROUND TRUTH, not observable: one row per customer, the simulator's latent state at "
       "T_c and the oracle's closed forms. Keep it away from models.",
       {{"customer_id", "uint64", "", ""},
        {"market", "uint32", "", ""},
        {"replication", "uint16", "", ""},
        {"segment", "string", "", "segment drawn at arrival"},
        {"phase", "string", "",
         "none, lead, sales_cycle, trial, freemium, paying, churned, lost, gone"},
        {"alive", "0/1", "", "paying (subscription) or not yet dropped out (non-contractual)"},
        {"plan", "string", "", "plan at T_c"},
        {"seats", "int", "", ""},
        {"mrr", "float64", "currency / month", ""},
        {"login_rate_week", "float64", "per week", "base login rate: segment x stage x effects"},
        {"churn_hazard_month", "float64", "per month",
         "churn hazard in force at T_c, all multipliers"},
        {"upgrade_rate_month", "float64", "per month", "upgrade hazard (0 without a higher plan)"},
        {"purchase_rate_day", "float64", "per day", "BG/NBD lambda (non-contractual)"},
        {"dropout_p", "float64", "", "BG/NBD p: dropout probability after a repeat purchase"},
        {"spend_mean", "float64", "currency", "mean spend per purchase (Gamma-Gamma p / nu)"},
        {"p_churn_90d", "float64", "", "oracle: 1 - exp(-h x 90 d) with h held at its T_c value"},
        {"p_upgrade_90d", "float64", "", "oracle: u / (u + h) x (1 - exp(-(u + h) x 90 d))"},
        {"expected_purchases_holdout", "float64", "",
         "oracle: alive x (1 - exp(-lambda p W)) / p over the holdout W"},
        {"expected_spend_holdout", "float64", "currency", "oracle: purchases x spend_mean"}}},
  };
  return t;
}

// Text in a Markdown table cell: a '|' would end the cell.
std::string cell(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string thousands(std::uint64_t v) {
  std::string s = std::to_string(v), out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string datasheet(const json& m, const std::vector<ReferenceFit>& fits) {
  const json& id = m["generator"]["identity"];
  const json& plan = m["plan"];
  std::ostringstream d;
  d << "# Datasheet: " << id["scenario_name"].get<std::string>() << " at scale factor "
    << id["scale_factor"].dump() << "\n\n"
    << "Dataset id `" << m["dataset_id"].get<std::string>() << "`, generated by journeysim "
    << id["journeysim_version"].get<std::string>() << ". Written by `journeysim dataset`; the "
    << "sections follow Gebru et al., *Datasheets for Datasets*.\n\n";
  d << "## Motivation\n\n"
    << "A benchmark dataset of customer journeys for analytics, CDP, churn and customer-lifetime "
       "value tools: realistic in shape, reproducible to the byte, with the ground truth behind "
       "every customer and prediction tasks with labels kept apart, so that a model can be "
       "scored against both a classic baseline and the best possible (the oracle).\n\n"
    << "**It is synthetic.** Every customer was drawn by the journeysim simulator from the "
       "scenario below; no real person is in it. It resembles a real business in the mechanisms "
       "the scenario models (arrival seasonality, channel funnels, trials, team queues, "
       "product use, hazard-based churn, BG/NBD purchasing, playbooks, referrals) and in the "
       "rates the scenario sets. It does not resemble one in anything the scenario does not "
       "model: no fraud, no data-entry errors, no missing values except by design, no "
       "macro-economic shocks, and relations between variables are those of the model, not of "
       "the world. Do not use it to draw conclusions about real customers, to estimate real "
       "market parameters, or to train models meant for production; use it to compare methods "
       "on data whose truth is known.\n\n";
  d << "## Composition\n\n"
    << "Customers acquired over the horizon: about "
    << thousands(
           static_cast<std::uint64_t>(id["scale_factor"].get<double>() * kCustomersPerScaleFactor))
    << " (scale factor x 100,000), in " << id["markets"].dump() << " markets of "
    << fmt("%.6g", id["customers_per_market"].get<double>()) << " expected customers, written as "
    << id["partitions"].dump() << " partitions (each whole markets). The horizon is "
    << fmt("%g", id["horizon_days"].get<double>()) << " days from "
    << plan["start_time"].get<std::string>() << "; the calibration cut T_c is day "
    << fmt("%g", id["cut_day"].get<double>()) << " (" << plan["cut_time"].get<std::string>()
    << "): the observable tables stop there, the labels cover the "
    << fmt("%g", id["holdout_days"].get<double>()) << " days after it.\n\n";
  d << "| table | rows | files | what |\n|---|---:|---:|---|\n";
  for (const auto& t : tables()) {
    if (!m["tables"].contains(t.name)) continue;
    d << "| " << t.name << " | " << thousands(m["tables"][t.name]["rows"].get<std::uint64_t>())
      << " | " << m["tables"][t.name]["files"].dump() << " | " << cell(t.what) << " |\n";
  }
  d << "\nTasks and labels: `tasks/<task>/` (the customer ids asked about), `labels/<task>/` "
       "(their labels), `reference/<task>/` (baseline and oracle predictions).\n\n";
  for (const auto& t : tables()) {
    if (!m["tables"].contains(t.name)) continue;
    d << "### " << t.name << "\n\n| column | type | unit | meaning |\n|---|---|---|---|\n";
    for (const auto& c : t.columns)
      d << "| " << c.name << " | " << cell(c.type) << " | " << cell(c.unit) << " | "
        << cell(c.meaning) << " |\n";
    d << "\n";
  }
  d << "### Event types (observable, up to T_c)\n\n| type | events |\n|---|---:|\n";
  for (const auto& [name, n] : m["event_counts"].items())
    d << "| " << name << " | " << thousands(n.get<std::uint64_t>()) << " |\n";
  d << "\n## Collection process\n\n"
    << "Simulated, not collected: journeysim " << id["journeysim_version"].get<std::string>()
    << ", scenario `" << id["scenario_name"].get<std::string>() << "` (text below, each "
    << "market's `customers` set to the plan's size), seed " << id["seed"].dump()
    << ", scale factor " << id["scale_factor"].dump() << ". Each market is an independent unit "
    << "with its own random streams (Philox, keyed by seed and market), so a partition's bytes do "
       "not depend on the machine, the thread count or which machine made it.\n\n";
  for (const auto& r : m["generator"]["runs"])
    d << "- `" << r["command_line"].get<std::string>() << "` (partitions "
      << r["partitions"][0].dump() << "-" << r["partitions"][1].dump() << ", "
      << r["generated_at"].get<std::string>() << ", " << fmt("%.1f", r["seconds"].get<double>())
      << " s)\n";
  d << "\nCompleted " << m["generator"]["finished_at"].get<std::string>() << ".\n\n"
    << "<details><summary>Scenario text (as generated)</summary>\n\n```yaml\n"
    << id["scenario_text"].get<std::string>() << "\n```\n</details>\n\n";
  d << "## Preprocessing, cleaning, labelling\n\n"
    << "None beyond the cut: events after T_c are removed from the observable tables; the "
       "customers table is as known at T_c (conversion and churn times after T_c are empty, "
       "stage and MRR are those at T_c); channel days are those starting before T_c. Labels "
       "are computed from the simulated events after T_c; the truth table from the simulator's "
       "state at T_c.\n\n";
  d << "## Prediction tasks\n\n| task | kind | asked about | label | customers | mean label |\n"
    << "|---|---|---|---|---:|---:|\n";
  for (const auto& [name, t] : m["tasks"].items())
    d << "| " << name << " | " << t["kind"].get<std::string>() << " | "
      << t["population"].get<std::string>() << " | " << t["label"].get<std::string>() << " | "
      << thousands(t["rows"].get<std::uint64_t>()) << " | "
      << fmt("%.4g", t["label_mean"].get<double>()) << " |\n";
  d << "\nRecommended split (temporal, as a model would be used): fit on the observable tables "
       "with an internal cut at T_c - 90 days (labels for that window come from the "
       "observable events), predict at T_c, and score with `journeysim evaluate` against the "
       "labels, which the model never sees. Reference rows:\n\n";
  for (const auto& f : fits) d << "- " << f.task << ": baseline " << f.baseline_note << "\n";
  d << "\nThe oracle uses the truth table's closed forms (column meanings above): it knows each "
       "customer's latent parameters and state at T_c, not the draws after it, so it is the "
       "best a model could do in expectation.\n\n";
  d << "## Uses\n\nBenchmarking and teaching: churn, purchase and spend prediction, survival "
       "and CLV models, funnel and cohort analytics, CDP loading and query performance (the "
       "HDF5 and csv.gz files are the same data). Not for: conclusions about real customers "
       "or markets, production models, anything needing real-world distributions.\n\n";
  d << "## Distribution\n\nLicence: the generated data is released under CC0 1.0 (public "
       "domain dedication); journeysim itself is under its own licence. Files: `manifest.json` "
       "lists every file with its size, rows and SHA-256.\n\n";
  d << "## Maintenance and exact regeneration\n\n"
    << "`journeysim dataset verify DIR` recomputes every checksum and regenerates a partition "
       "to prove the release reproducible. To regenerate it all, save the scenario text above "
       "as SCENARIO.yaml and run, with journeysim "
    << id["journeysim_version"].get<std::string>() << ":\n\n```\n"
    << "journeysim dataset SCENARIO.yaml --scale-factor " << id["scale_factor"].dump()
    << " --partitions " << id["partitions"].dump() << " --holdout-days "
    << id["holdout_days_requested"].dump() << " --format " << id["formats"].get<std::string>()
    << " --compression " << id["compression"].get<std::string>() << " --gzip-level "
    << id["gzip_level"].dump() << " -o DIR\n```\n\n"
    << "(the `customers` key in the text is already each market's size: the plan gives the same "
       "markets from it). Several machines may each run `--part k/N` into one directory; the "
       "last to finish completes the manifest, or run `journeysim dataset finish DIR`.\n";
  return d.str();
}

}  // namespace

FinishResult finish_release(const std::string& dir) {
  FinishResult r;
  auto parts = read_part_records(dir);
  if (parts.empty())
    throw std::runtime_error(dir + ": no parts/*.json: not a journeysim dataset directory");
  const ReleaseIdentity& id = parts.front().identity;
  const std::string did = dataset_id(id);
  r.partitions = id.partitions;
  std::vector<const PartitionRecord*> by_index(id.partitions + 1, nullptr);
  json runs = json::array();
  for (const auto& p : parts) {
    if (dataset_id(p.identity) != did)
      throw std::runtime_error(dir + "/parts: records of two different datasets (" + did + " and " +
                               dataset_id(p.identity) +
                               "): generate each release into its own directory");
    for (const auto& pr : p.partitions) {
      if (pr.index < 1 || pr.index > id.partitions)
        throw std::runtime_error(dir + "/parts: partition " + std::to_string(pr.index) +
                                 " out of range");
      // the same partition made twice (a retried machine) is the same bytes: keep one
      if (by_index[pr.index] && by_index[pr.index]->files.size() == pr.files.size()) {
        for (std::size_t i = 0; i < pr.files.size(); ++i)
          if (by_index[pr.index]->files[i].sha256 != pr.files[i].sha256)
            throw std::runtime_error(dir + "/parts: partition " + std::to_string(pr.index) +
                                     " recorded twice with different " + pr.files[i].path);
      }
      by_index[pr.index] = &pr;
    }
    runs.push_back(json{{"command_line", p.command_line},
                        {"generated_at", p.generated_at},
                        {"partitions", {p.first, p.last}},
                        {"seconds", p.seconds}});
  }
  for (std::uint32_t i = 1; i <= id.partitions; ++i)
    if (!by_index[i]) r.missing.push_back(i);
  if (!r.missing.empty()) return r;

  std::vector<FileRecord> files;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> table_rows;  // rows, files
  std::array<std::uint64_t, eventlog::kEventTypeCount> counts{};
  std::map<std::string, TaskStats> task_stats;
  for (std::uint32_t i = 1; i <= id.partitions; ++i) {
    const PartitionRecord& pr = *by_index[i];
    for (const auto& f : pr.files) {
      if (!fs::exists(fs::path(dir) / f.path))
        throw std::runtime_error(dir + ": " + f.path + " is recorded in parts/ but missing");
      files.push_back(f);
    }
    for (const auto& [t, n] : pr.rows) table_rows[t].first += n;
    for (std::size_t t = 0; t < counts.size(); ++t) counts[t] += pr.event_counts[t];
    for (const auto& [t, st] : pr.tasks) {
      task_stats[t].rows += st.rows;
      task_stats[t].label_sum += st.label_sum;
    }
  }
  auto fits = write_reference_predictions(dir, id, files);
  for (const auto& f : files) {
    std::string table = f.table;
    if (table.rfind("tasks/", 0) == 0 || table.rfind("labels/", 0) == 0 ||
        table.rfind("reference/", 0) == 0)
      continue;
    if (table == "truth" || table == "summary") table_rows[table].first += f.rows;
    ++table_rows[table].second;
  }
  // an HDF5 partition holds customers and channels too: count those tables' files once
  for (auto& [t, rf] : table_rows)
    if ((t == "customers" || t == "channels") && rf.second == 0)
      rf.second = table_rows["events"].second;

  json m;
  m["format"] = "journeysim-dataset";
  m["format_version"] = 1;
  m["dataset_id"] = did;
  const auto now = eventlog::iso_time(static_cast<std::int64_t>(std::time(nullptr)));
  m["generator"] = json{{"identity", identity_json(id)},
                        {"canonical_command", canonical_command(id)},
                        {"runs", runs},
                        {"finished_at", now}};
  m["plan"] = json{
      {"start_time", eventlog::iso_time(id.start_time)},
      {"cut_time", eventlog::iso_time(id.start_time + std::llround(id.cut_day * 86400.0))},
      {"horizon_end", eventlog::iso_time(id.start_time + std::llround(id.horizon_days * 86400.0))},
      {"task_window_days", kTaskWindowDays}};
  json tj = json::object();
  for (const auto& t : tables()) {
    if (!table_rows.count(t.name)) continue;
    json cols = json::array();
    for (const auto& c : t.columns)
      cols.push_back(
          json{{"name", c.name}, {"type", c.type}, {"unit", c.unit}, {"meaning", c.meaning}});
    tj[t.name] = json{{"rows", table_rows[t.name].first},
                      {"files", table_rows[t.name].second},
                      {"description", t.what},
                      {"columns", cols}};
  }
  m["tables"] = tj;
  json ec = json::object();
  for (std::size_t t = 0; t < counts.size(); ++t)
    if (counts[t]) ec[std::string(eventlog::kEventTypeNames[t])] = counts[t];
  m["event_counts"] = ec;
  // the tasks, from the scenario they were made for
  sim::Scenario dummy;
  dummy.model = id.model == "non_contractual" ? sim::Scenario::Model::non_contractual
                                              : sim::Scenario::Model::subscription;
  dummy.upgrade_monthly = std::count(id.tasks.begin(), id.tasks.end(), "upgrade_90d") ? 1 : 0;
  json tasks = json::object();
  for (const auto& t : tasks_for(dummy)) {
    const TaskStats& st = task_stats[t.name];
    tasks[t.name] =
        json{{"kind", task_kind_name(t.kind)},
             {"population", t.population},
             {"label", t.label},
             {"baseline", t.baseline},
             {"window_days", t.kind == TaskKind::binary ? kTaskWindowDays : id.holdout_days},
             {"rows", st.rows},
             {"label_mean", st.rows ? st.label_sum / static_cast<double>(st.rows) : 0.0},
             {"ids", "tasks/" + t.name + "/"},
             {"labels", "labels/" + t.name + "/"},
             {"reference",
              {{"baseline", "reference/" + t.name + "/baseline.csv.gz"},
               {"oracle", "reference/" + t.name + "/oracle.csv.gz"}}}};
  }
  m["tasks"] = tasks;
  std::sort(files.begin(), files.end(),
            [](const FileRecord& a, const FileRecord& b) { return a.path < b.path; });
  json fj = json::array();
  for (const auto& f : files) {
    fj.push_back(to_json(f));
    r.bytes += f.bytes;
  }
  m["files"] = fj;
  r.files = files.size();
  const std::string sheet = datasheet(m, fits);
  r.datasheet = (fs::path(dir) / "DATASHEET.md").string();
  r.manifest = (fs::path(dir) / "manifest.json").string();
  write_file_atomically(r.datasheet, sheet);
  write_file_atomically(r.manifest, m.dump(1) + "\n");
  r.complete = true;
  return r;
}

}  // namespace journeysim::dataset
