// CSV import: turns a user's table (an event log, a purchase log, or one row per customer) into a
// kpi::Log that `score` can read, following a mapping file (YAML; docs/csv-import.md).
//
// Two kinds of table:
//  - events:    one row per event. The mapping names the customer, time (with its format), event
//               type (a column whose values map to journeysim event types, or one constant type),
//               and optionally an argument (resolved into a names table) and a value (amount).
//               For purchase logs a `conversion` is synthesised at each customer's first purchase.
//  - customers: one row per customer (a snapshot such as the IBM Telco churn table): tenure, churn
//               flag and monthly revenue become a conversion at `snapshot_date - tenure` (value =
//               MRR) and, for churned customers, a `churned` event at `snapshot_date`.
//
// Built-in mappings (kpi/mappings/*.yaml) are found by name: cdnow, cdnow_sample, telco,
// online_retail.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "journeysim/kpi/log.hpp"
#include "journeysim/kpi/table.hpp"

namespace journeysim::kpi {

// A rule that leaves rows out on purpose (counted per reason, never an error).
struct SkipRule {
  std::string column;
  std::vector<std::string> equals;  // skip when the (trimmed) cell equals one of these
  bool blank = false;               // skip when the cell is blank
  std::string reason;               // label in the counts ("cancelled invoice")
};

struct ImportMapping {
  enum class Kind { events, customers };
  Kind kind = Kind::events;
  std::string name;         // built-in name or the file's stem
  std::string source;       // file the mapping came from (messages)
  std::string description;  // free text
  // "file:line:col" of each key that names a column (key path -> position), for messages
  std::map<std::string, std::string> positions;

  // table layout
  bool whitespace = false;           // table.format: whitespace (else csv)
  char delimiter = ',';              // table.delimiter
  bool header = true;                // table.header
  std::vector<std::string> columns;  // table.columns: names for a header-less table

  std::string customer_column;  // customer
  std::vector<SkipRule> skip;   // skip: first matching rule wins
  // group columns: target (segment, channel or plan) -> column. Events tables take each
  // customer's value from its first row.
  std::map<std::string, std::string> groups;
  std::optional<std::int64_t> start, end;  // window.start / window.end (Unix seconds)

  // events tables
  std::string time_column;
  std::string time_format = "iso";              // iso, unix, or a pattern such as "%Y%m%d"
  std::string type_column;                      // type.column, or
  std::string type_constant;                    // type.constant (journeysim event type name)
  std::map<std::string, std::string> type_map;  // type.map: user name -> journeysim type name
  std::vector<std::string> type_ignore;         // type.ignore: user names dropped (counted)
  std::string type_map_where;                   // "file:line" of type.map (messages)
  std::string arg_column;                       // arg.column
  std::string arg_names;                        // arg.names (default: the type's namespace)
  std::string value_column;                     // value
  bool first_purchase_conversion = true;        // conversion.at_first_purchase
  bool conversion_value_amount = false;         // conversion.value: amount (else zero)
  bool merge_same_day_purchases = false;        // merge_same_day_purchases

  // customers tables
  std::optional<std::int64_t> snapshot;  // snapshot_date (required for customers)
  std::string tenure_column;
  double tenure_unit_days = 365.25 / 12.0;  // tenure.unit: months (30.4375 days) or days
  std::string churn_column;
  std::vector<std::string> churned_values;  // churn.churned
  std::vector<std::string> active_values;   // churn.active (optional: others are errors)
  std::string mrr_column;                   // mrr
};

struct ImportOptions {
  // A malformed row is an error naming file:line (and column) unless this is set; then it is
  // left out and counted.
  bool skip_bad_rows = false;
};

struct ImportStats {
  std::size_t rows_read = 0;      // data rows in the file (including malformed ones)
  std::size_t rows_used = 0;      // rows that became events or customers
  std::size_t rows_skipped = 0;   // malformed rows left out (skip_bad_rows)
  std::size_t rows_filtered = 0;  // rows left out by the mapping's rules
  std::map<std::string, std::size_t> filtered_by_reason;
  std::vector<RowIssue> issues;  // why malformed rows were left out (first 100)
  std::size_t customers = 0, events = 0;
  std::size_t conversions_synthesised = 0;  // conversions added at first purchase
  std::size_t purchases_merged = 0;         // same-day purchases merged into an earlier one
};

struct ImportResult {
  Log log;
  ImportStats stats;
};

// Reads `path` as the mapping describes. Errors (std::runtime_error) name the file and line.
ImportResult import_csv(const std::string& path, const ImportMapping& mapping,
                        const ImportOptions& options = {});

// Parses a mapping (YAML). Errors are "SOURCE:LINE:COL: key.path: message"; unknown keys are
// errors.
ImportMapping parse_mapping(std::string_view yaml_text, const std::string& source);
ImportMapping load_mapping_file(const std::string& path);
// A mapping file if `name_or_path` is one, else the built-in of that name.
ImportMapping load_mapping(const std::string& name_or_path);

// The folder of the built-in mappings, and their names (sorted).
std::string builtin_mapping_dir();
std::vector<std::string> builtin_mappings();

// Parses a time in a mapping's time format: "iso" (YYYY-MM-DD, optionally followed by " " or "T"
// and HH:MM[:SS], and "Z"), "unix" (seconds), or a pattern of %Y %m %d %H %M %S, literal
// characters and [optional parts]. nullopt if the text does not match.
std::optional<std::int64_t> parse_time(std::string_view text, const std::string& format);

// One paragraph for stderr: rows read, used, left out (by reason) and malformed.
std::string describe(const ImportStats& stats, const std::string& path);

}  // namespace journeysim::kpi
