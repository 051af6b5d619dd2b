#include "journeysim/kpi/table.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "journeysim/common/input_file.hpp"

namespace journeysim::kpi {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_view(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// One parsed record (row) of the input.
struct Record {
  std::vector<std::string> fields;
  std::size_t line = 0;  // physical line where it starts
  std::string error;     // non-empty if the record is malformed
  bool blank = false;    // the line held nothing (skipped silently)
};

class Scanner {
 public:
  Scanner(std::string_view text, const TableOptions& options) : text_(text), opt_(options) {
    if (text_.size() >= 3 && text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 BOM
  }
  bool done() const { return pos_ >= text_.size(); }

  Record next() { return opt_.whitespace ? next_whitespace() : next_csv(); }

 private:
  // Consumes up to and including the end of the current line; returns the line without "\r\n".
  std::string_view take_line() {
    std::size_t end = text_.find('\n', pos_);
    std::string_view line;
    if (end == std::string_view::npos) {
      line = text_.substr(pos_);
      pos_ = text_.size();
    } else {
      line = text_.substr(pos_, end - pos_);
      pos_ = end + 1;
    }
    ++line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }

  Record next_whitespace() {
    Record rec;
    std::string_view line = take_line();
    rec.line = line_;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (is_blank(line[i]) || line[i] == '\r')) ++i;
      if (i >= line.size()) break;
      std::size_t j = i;
      while (j < line.size() && !is_blank(line[j]) && line[j] != '\r') ++j;
      rec.fields.emplace_back(line.substr(i, j - i));
      i = j;
    }
    rec.blank = rec.fields.empty();
    return rec;
  }

  Record next_csv() {
    Record rec;
    rec.line = line_ + 1;
    const char delim = opt_.delimiter;
    std::string field;
    bool any_content = false;
    while (true) {
      // Start of a field: skip leading blanks only to detect a quote.
      std::size_t p = pos_;
      while (p < text_.size() && is_blank(text_[p]) && text_[p] != delim) ++p;
      if (p < text_.size() && text_[p] == '"') {
        // Quoted field.
        any_content = true;
        pos_ = p + 1;
        field.clear();
        bool closed = false;
        while (pos_ < text_.size()) {
          char c = text_[pos_];
          if (c == '"') {
            if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
              field.push_back('"');
              pos_ += 2;
            } else {
              ++pos_;
              closed = true;
              break;
            }
          } else {
            if (c == '\n') ++line_;
            field.push_back(c);
            ++pos_;
          }
        }
        if (!closed) {
          rec.error =
              "unterminated quoted field (opening quote on line " + std::to_string(rec.line) + ")";
          ++line_;
          return rec;
        }
        // After the closing quote: blanks, then a delimiter or the end of the line.
        while (pos_ < text_.size() && is_blank(text_[pos_]) && text_[pos_] != delim) ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
        rec.fields.push_back(field);
        if (pos_ >= text_.size()) {
          ++line_;
          return rec;
        }
        char c = text_[pos_];
        if (c == delim) {
          ++pos_;
          continue;
        }
        if (c == '\n') {
          ++pos_;
          ++line_;
          return rec;
        }
        rec.error = std::string("unexpected character '") + c + "' after a closing quote (field " +
                    std::to_string(rec.fields.size()) + ")";
        take_line();  // drop the rest of the line
        return rec;
      }
      // Unquoted field: up to the delimiter or end of line.
      std::size_t end = pos_;
      while (end < text_.size() && text_[end] != delim && text_[end] != '\n') ++end;
      std::string_view raw = text_.substr(pos_, end - pos_);
      if (!raw.empty() && raw.back() == '\r' && (end >= text_.size() || text_[end] == '\n'))
        raw.remove_suffix(1);
      if (raw.find('"') != std::string_view::npos && rec.error.empty())
        rec.error = "quote character inside an unquoted field (field " +
                    std::to_string(rec.fields.size() + 1) + ")";
      if (!trim_view(raw).empty()) any_content = true;
      rec.fields.emplace_back(opt_.trim ? trim_view(raw) : raw);
      pos_ = end;
      if (pos_ >= text_.size()) {
        ++line_;
        break;
      }
      if (text_[pos_] == delim) {
        ++pos_;
        continue;
      }
      ++pos_;  // '\n'
      ++line_;
      break;
    }
    if (!any_content && rec.fields.size() == 1) rec.blank = true;
    return rec;
  }

  std::string_view text_;
  const TableOptions& opt_;
  std::size_t pos_ = 0;
  std::size_t line_ = 0;  // lines fully consumed so far
};

std::string list_columns(const std::vector<std::string>& cols) {
  std::string out;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i) out += ", ";
    out += "'" + cols[i] + "'";
  }
  return out;
}

}  // namespace

Table Table::read(const std::string& path, const TableOptions& options) {
  // a regular file the table fits in memory with: 16 GiB (the largest real log we import,
  // Online Retail, is 45 MB)
  return parse(common::read_input_file(path, std::uintmax_t{16} << 30, "CSV file"), options, path);
}

Table Table::parse(std::string_view text, const TableOptions& options, std::string source) {
  Table t;
  t.source_ = std::move(source);
  Scanner sc(text, options);
  bool have_columns = false;
  if (!options.header && !options.column_names.empty()) {
    t.columns_ = options.column_names;
    have_columns = true;
  }
  while (!sc.done()) {
    Record rec = sc.next();
    if (rec.blank && rec.error.empty()) continue;
    if (!have_columns) {
      if (!rec.error.empty())
        throw std::runtime_error(t.source_ + ":" + std::to_string(rec.line) + ": " + rec.error);
      if (options.header) {
        t.columns_ = rec.fields;
        have_columns = true;
        continue;
      }
      for (std::size_t i = 0; i < rec.fields.size(); ++i)
        t.columns_.push_back(std::to_string(i + 1));
      have_columns = true;
    }
    if (rec.error.empty() && rec.fields.size() != t.columns_.size())
      rec.error = "expected " + std::to_string(t.columns_.size()) + " fields, found " +
                  std::to_string(rec.fields.size());
    if (!rec.error.empty()) {
      if (options.bad_rows == BadRowPolicy::kError)
        throw std::runtime_error(t.source_ + ":" + std::to_string(rec.line) + ": " + rec.error);
      t.issues_.push_back({rec.line, rec.error});
      continue;
    }
    t.cells_.push_back(std::move(rec.fields));
    t.lines_.push_back(rec.line);
  }
  if (!have_columns) throw std::runtime_error(t.source_ + ": empty table (no header line)");
  return t;
}

std::optional<std::size_t> Table::find_column(std::string_view name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i] == name) return i;
  return std::nullopt;
}

std::size_t Table::column(std::string_view name) const {
  if (auto i = find_column(name)) return *i;
  throw std::runtime_error(source_ + ": no column named '" + std::string(name) +
                           "'; available columns: " + list_columns(columns_));
}

std::string Table::where(std::size_t row, std::size_t col) const {
  return source_ + ":" + std::to_string(lines_[row]) + ": column '" + columns_[col] + "' (field " +
         std::to_string(col + 1) + ")";
}

double Table::number(std::size_t row, std::size_t col) const {
  const std::string& s = cells_[row][col];
  if (auto v = parse_double(s)) return *v;
  throw std::runtime_error(where(row, col) + ": " +
                           (trim_view(s).empty() ? std::string("empty value, expected a number")
                                                 : "cannot parse '" + s + "' as a number"));
}

std::vector<std::string> Table::strings(std::string_view name) const {
  std::size_t c = column(name);
  std::vector<std::string> out;
  out.reserve(rows());
  for (const auto& r : cells_) out.push_back(r[c]);
  return out;
}

std::vector<double> Table::numbers(std::string_view name) const {
  std::size_t c = column(name);
  std::vector<double> out;
  out.reserve(rows());
  for (std::size_t r = 0; r < rows(); ++r) out.push_back(number(r, c));
  return out;
}

NumericColumns select_numeric(const Table& table, const std::vector<std::string>& columns,
                              BadRowPolicy policy) {
  std::vector<std::size_t> idx;
  for (const auto& name : columns) idx.push_back(table.column(name));
  NumericColumns out;
  out.values.resize(idx.size());
  std::vector<double> row_values(idx.size());
  for (std::size_t r = 0; r < table.rows(); ++r) {
    bool ok = true;
    for (std::size_t c = 0; c < idx.size() && ok; ++c) {
      auto v = parse_double(table.cell(r, idx[c]));
      if (v) {
        row_values[c] = *v;
        continue;
      }
      ok = false;
      const std::string& s = table.cell(r, idx[c]);
      std::string msg = table.where(r, idx[c]) + ": " +
                        (trim_view(s).empty() ? std::string("empty value, expected a number")
                                              : "cannot parse '" + s + "' as a number");
      if (policy == BadRowPolicy::kError) throw std::runtime_error(msg);
      ++out.skipped;
      if (out.issues.size() < 100) out.issues.push_back({table.line(r), msg});
    }
    if (!ok) continue;
    for (std::size_t c = 0; c < idx.size(); ++c) out.values[c].push_back(row_values[c]);
    out.rows.push_back(r);
  }
  return out;
}

std::optional<double> parse_double(std::string_view text) {
  std::string_view s = trim_view(text);
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

long days_from_civil(int y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm.
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

std::string format_date(long z) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long y = static_cast<long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04ld-%02u-%02u", y, m, d);
  return buf;
}

std::optional<long> parse_date(std::string_view text) {
  std::string_view s = trim_view(text);
  auto digits = [](std::string_view v, int& out) {
    if (v.empty()) return false;
    for (char c : v)
      if (c < '0' || c > '9') return false;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    return ec == std::errc() && p == v.data() + v.size();
  };
  int y = 0, m = 0, d = 0;
  std::string_view date = s;
  // Cut a time part.
  if (std::size_t cut = s.find_first_of(" T"); cut != std::string_view::npos && cut >= 8)
    date = s.substr(0, cut);
  if (date.size() == 8 && digits(date, y)) {
    if (!digits(date.substr(0, 4), y) || !digits(date.substr(4, 2), m) ||
        !digits(date.substr(6, 2), d))
      return std::nullopt;
  } else if (date.size() == 10 && (date[4] == '-' || date[4] == '/') && date[7] == date[4]) {
    if (!digits(date.substr(0, 4), y) || !digits(date.substr(5, 2), m) ||
        !digits(date.substr(8, 2), d))
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (m < 1 || m > 12 || d < 1) return std::nullopt;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int dim = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  if (d > dim) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

}  // namespace journeysim::kpi
