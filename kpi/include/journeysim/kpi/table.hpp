// A small, strict reader for delimited text tables (CSV per RFC 4180, or whitespace-separated).
//
// Cells are kept as strings; numbers are parsed on request, and a malformed number is reported
// with its file, line and column ("file:LINE: column 'NAME' (field N): ..."), or, on request,
// the row is skipped and counted. Column lookup by name fails with the list of the columns the
// table has.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace journeysim::kpi {

// What to do with a row that cannot be used (wrong number of fields, or a value that does not
// parse): stop with an error that names file, line and column, or skip it and count it.
enum class BadRowPolicy { kError, kSkip };

struct TableOptions {
  // Field separator for CSV. Ignored when `whitespace` is set.
  char delimiter = ',';
  // Split fields on runs of spaces and tabs (leading/trailing blanks ignored, no quoting); this
  // is the format of the CDNOW_master.txt / CDNOW_sample.txt files.
  bool whitespace = false;
  // The first non-empty line holds the column names. If false, columns are named from
  // `column_names` (when given) or "1", "2", ...
  bool header = true;
  std::vector<std::string> column_names{};
  // Rows whose field count differs from the header's.
  BadRowPolicy bad_rows = BadRowPolicy::kError;
  // Strip spaces and tabs around unquoted fields.
  bool trim = true;
};

// A problem with one row, kept when rows are skipped.
struct RowIssue {
  std::size_t line = 0;  // 1-based physical line where the row starts
  std::string message;
};

class Table {
 public:
  // Reads a whole file. `source` in messages is the path.
  static Table read(const std::string& path, const TableOptions& options = {});
  // Parses text held in memory; `source` names it in messages.
  static Table parse(std::string_view text, const TableOptions& options = {},
                     std::string source = "<text>");

  const std::string& source() const { return source_; }
  const std::vector<std::string>& columns() const { return columns_; }
  std::size_t rows() const { return cells_.size(); }
  // Rows dropped while reading (wrong field count) under BadRowPolicy::kSkip.
  std::size_t skipped_rows() const { return issues_.size(); }
  const std::vector<RowIssue>& issues() const { return issues_; }

  // Index of a column; throws std::runtime_error listing the available columns.
  std::size_t column(std::string_view name) const;
  std::optional<std::size_t> find_column(std::string_view name) const;
  bool has_column(std::string_view name) const { return find_column(name).has_value(); }

  const std::string& cell(std::size_t row, std::size_t col) const { return cells_[row][col]; }
  // 1-based physical line of a row (for messages).
  std::size_t line(std::size_t row) const { return lines_[row]; }

  // Parses one cell as a finite number; throws with file:line and column on failure.
  double number(std::size_t row, std::size_t col) const;
  // The "file:LINE: column 'NAME' (field N)" prefix used in messages.
  std::string where(std::size_t row, std::size_t col) const;

  // All cells of a column as strings.
  std::vector<std::string> strings(std::string_view name) const;
  // All cells of a column as numbers (throws on the first malformed value).
  std::vector<double> numbers(std::string_view name) const;

 private:
  std::string source_;
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> cells_;
  std::vector<std::size_t> lines_;
  std::vector<RowIssue> issues_;
};

// Several numeric columns read together: a row whose requested cells do not all parse is either
// an error (kError) or left out and counted (kSkip). `rows` maps each kept value back to its
// table row.
struct NumericColumns {
  std::vector<std::vector<double>> values;  // values[c][i] for requested column c, kept row i
  std::vector<std::size_t> rows;
  std::size_t skipped = 0;
  std::vector<RowIssue> issues;  // why rows were skipped (first 100 kept)
};
NumericColumns select_numeric(const Table& table, const std::vector<std::string>& columns,
                              BadRowPolicy policy = BadRowPolicy::kError);

// Parses a finite decimal number (surrounding blanks allowed); nullopt if the text is not one.
std::optional<double> parse_double(std::string_view text);

// Dates as days since 1970-01-01 (proleptic Gregorian). Accepts YYYYMMDD, YYYY-MM-DD,
// YYYY/MM/DD, and any of these followed by a time part ("2010-12-01 08:26:00", "...T08:26")
// which is ignored. nullopt if the text is not a valid date.
std::optional<long> parse_date(std::string_view text);
long days_from_civil(int year, unsigned month, unsigned day);
std::string format_date(long days);  // YYYY-MM-DD

}  // namespace journeysim::kpi
