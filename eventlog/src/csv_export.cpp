#include "journeysim/eventlog/csv_export.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "journeysim/common/input_file.hpp"
#include "journeysim/eventlog/reader.hpp"

namespace journeysim::eventlog {

std::string iso_time(std::int64_t t) {
  if (t == -1) return "";  // "none" in the customers table (a time before 1970 is a time)
  using namespace std::chrono;
  sys_seconds s{seconds{t}};
  auto day = floor<days>(s);
  year_month_day ymd{day};
  hh_mm_ss hms{s - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  return buf;
}

namespace {

// A CSV file written under NAME.tmp-PID; publish() renames it, a file never published is
// removed. The three files of an export are all written before any is published, so a failure
// leaves the previous set whole, and two exports into one directory do not share a temporary.
class CsvFile {
 public:
  explicit CsvFile(std::filesystem::path path) : path_(std::move(path)), tmp_(path_) {
    common::check_output(path_.string());
    common::remove_stale_temporaries(path_.string());
    tmp_ += ".tmp-" + std::to_string(::getpid());
    common::register_temporary(tmp_.string());
    f_ = std::fopen(tmp_.c_str(), "wb");
    if (!f_) throw std::runtime_error("cannot write " + tmp_.string());
  }
  ~CsvFile() {
    if (f_) std::fclose(f_);
    if (!published_) {
      std::error_code ec;
      std::filesystem::remove(tmp_, ec);
    }
    common::unregister_temporary(tmp_.string());
  }
  FILE* get() { return f_; }
  // Flushes and closes; throws on any write error (a full disk), leaving nothing published.
  void close() {
    bool ok = std::fflush(f_) == 0 && !std::ferror(f_);
    ok = std::fclose(f_) == 0 && ok;
    f_ = nullptr;
    if (!ok) throw std::runtime_error("write error on " + tmp_.string() + " (disk full?)");
  }
  void publish() {
    std::filesystem::rename(tmp_, path_);
    published_ = true;
  }

 private:
  std::filesystem::path path_, tmp_;
  FILE* f_ = nullptr;
  bool published_ = false;
};

// A name as a CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180).
std::string name_in(const Metadata& m, const std::string& ns, std::int64_t i) {
  auto it = m.names.find(ns);
  if (it == m.names.end() || i < 0 || i >= static_cast<std::int64_t>(it->second.size())) return "";
  return csv_field(it->second[static_cast<std::size_t>(i)]);
}

}  // namespace

std::string csv_field(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

ExportStats export_csv(const EventLogReader& log, const std::string& directory) {
  std::filesystem::create_directories(directory);
  const Metadata& m = log.metadata();
  const auto& types = log.event_type_names();
  ExportStats st;
  CsvFile events(std::filesystem::path(directory) / "events.csv");
  CsvFile customers(std::filesystem::path(directory) / "customers.csv");
  CsvFile channels(std::filesystem::path(directory) / "channels.csv");
  {
    CsvFile& f = events;
    std::fprintf(f.get(), "time,customer,type,arg,arg_name,value,market,replication\n");
    EventColumns cols;
    const std::uint64_t n = log.event_count(), block = 1 << 20;
    for (std::uint64_t start = 0; start < n; start += block) {
      log.read_events(start, std::min(block, n - start), cols);
      for (std::size_t i = 0; i < cols.size(); ++i) {
        std::string type = csv_field(cols.type[i] < types.size() ? types[cols.type[i]] : "unknown");
        std::string ns(cols.type[i] < kEventTypeCount ? kEventArgNamespace[cols.type[i]] : "");
        std::string arg_name = ns.empty() ? "" : name_in(m, ns, cols.arg[i]);
        std::fprintf(f.get(), "%s,%llu,%s,%d,%s,%.17g,%u,%u\n", iso_time(cols.time[i]).c_str(),
                     static_cast<unsigned long long>(cols.customer[i]), type.c_str(), cols.arg[i],
                     arg_name.c_str(), cols.value[i], cols.market[i], cols.replication[i]);
      }
      st.events += cols.size();
    }
    f.close();
  }
  {
    CsvFile& f = customers;
    std::fprintf(f.get(),
                 "id,market,replication,segment,channel,referrer,created_time,converted_time,"
                 "first_plan,churn_time,end_time,final_stage,final_mrr\n");
    for (const auto& r : log.read_customers()) {
      std::string referrer = r.referrer >= 0 ? std::to_string(r.referrer) : "";
      std::fprintf(
          f.get(), "%llu,%u,%u,%s,%s,%s,%s,%s,%s,%s,%s,%s,%.17g\n",
          static_cast<unsigned long long>(r.id), r.market, r.replication,
          name_in(m, "segments", r.segment).c_str(), name_in(m, "channels", r.channel).c_str(),
          referrer.c_str(), iso_time(r.created_time).c_str(), iso_time(r.converted_time).c_str(),
          name_in(m, "plans", r.first_plan).c_str(), iso_time(r.churn_time).c_str(),
          iso_time(r.end_time).c_str(), name_in(m, "stages", r.final_stage).c_str(), r.final_mrr);
      ++st.customers;
    }
    f.close();
  }
  {
    CsvFile& f = channels;
    std::fprintf(f.get(),
                 "day,market,replication,channel,spend,impressions,clicks,engaged,leads\n");
    for (const auto& r : log.read_channels()) {
      std::fprintf(f.get(), "%s,%u,%u,%s,%.17g,%lld,%lld,%lld,%lld\n",
                   iso_time(r.day_start).c_str(), r.market, r.replication,
                   name_in(m, "channels", r.channel).c_str(), r.spend,
                   static_cast<long long>(r.impressions), static_cast<long long>(r.clicks),
                   static_cast<long long>(r.engaged), static_cast<long long>(r.leads));
      ++st.channel_days;
    }
    f.close();
  }
  events.publish();
  customers.publish();
  channels.publish();
  return st;
}

}  // namespace journeysim::eventlog
