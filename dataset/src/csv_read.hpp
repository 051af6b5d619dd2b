// A small RFC 4180 reader over a text held in memory (a dataset's csv.gz tables, a vendor's
// predictions): fields split on commas, quoted fields unescaped, CRLF accepted, line numbers
// kept for messages. Private to dataset/.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace journeysim::dataset {

class CsvText {
 public:
  CsvText(std::string text, std::string path) : text_(std::move(text)), path_(std::move(path)) {}
  // The next record into `fields`; false at the end. Throws on an unterminated quote.
  bool next(std::vector<std::string>& fields) {
    fields.clear();
    if (pos_ >= text_.size()) return false;
    ++line_;
    std::string cur;
    bool quoted = false;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (quoted) {
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            cur += '"';
            ++pos_;
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n') ++extra_lines_;
          cur += c;
        }
      } else if (c == '"' && cur.empty()) {
        quoted = true;
      } else if (c == ',') {
        fields.push_back(std::move(cur));
        cur.clear();
      } else if (c == '\n') {
        break;
      } else if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') {
        // CRLF: the \n ends the record
      } else {
        cur += c;
      }
    }
    if (quoted) throw std::runtime_error(where() + ": unterminated quoted field");
    fields.push_back(std::move(cur));
    line_ += extra_lines_;
    extra_lines_ = 0;
    return true;
  }
  // "FILE:LINE" of the record last read
  std::string where() const { return path_ + ":" + std::to_string(line_); }
  std::size_t line() const { return line_; }
  const std::string& path() const { return path_; }

 private:
  std::string text_, path_;
  std::size_t pos_ = 0, line_ = 0, extra_lines_ = 0;
};

}  // namespace journeysim::dataset
