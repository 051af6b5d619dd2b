// Fast CSV text: numbers through std::to_chars (shortest round-trip doubles), ISO-8601 UTC
// times with the date cached per day, and RFC 4180 quoting of names. Private to dataset/.
#pragma once
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "journeysim/eventlog/csv_export.hpp"

namespace journeysim::dataset {

inline void put(std::string& s, std::string_view v) {
  s.append(v);
}
inline void put_char(std::string& s, char c) {
  s.push_back(c);
}

template <class Int>
inline void put_int(std::string& s, Int v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

// Shortest text that reads back as the same double; NaN is an empty field.
inline void put_double(std::string& s, double v) {
  if (std::isnan(v)) return;
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

// A text field, quoted when it holds a comma, a quote or a line break.
inline void put_field(std::string& s, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    s.append(v);
    return;
  }
  s.push_back('"');
  for (char c : v) {
    if (c == '"') s.push_back('"');
    s.push_back(c);
  }
  s.push_back('"');
}

// "YYYY-MM-DDThh:mm:ssZ" for Unix seconds t (the date part computed once per day).
class IsoTime {
 public:
  void put(std::string& s, std::int64_t t) {
    if (t == -1) return;  // none (customers table); a time before 1970 is a time
    const std::int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);  // floor
    if (day != day_) {
      day_ = day;
      date_ = eventlog::iso_time(day * 86400).substr(0, 11);  // "YYYY-MM-DDT"
    }
    const auto sec = static_cast<unsigned>(t - day * 86400);
    char b[9] = {static_cast<char>('0' + sec / 36000),
                 static_cast<char>('0' + sec / 3600 % 10),
                 ':',
                 static_cast<char>('0' + sec % 3600 / 600),
                 static_cast<char>('0' + sec % 3600 / 60 % 10),
                 ':',
                 static_cast<char>('0' + sec % 60 / 10),
                 static_cast<char>('0' + sec % 10),
                 'Z'};
    s.append(date_);
    s.append(b, 9);
  }

 private:
  std::int64_t day_ = -1;
  std::string date_;
};

}  // namespace journeysim::dataset
