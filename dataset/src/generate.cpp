#include "journeysim/dataset/generate.hpp"

#include <malloc.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "csv_text.hpp"
#include "gzip_file.hpp"
#include "journeysim/dataset/tasks.hpp"
#include "journeysim/sim/driver.hpp"
#include "journeysim/sim/engine.hpp"
#include "journeysim/version.hpp"
#include "release_record.hpp"

namespace journeysim::dataset {

namespace fs = std::filesystem;
using eventlog::EventType;

namespace {

constexpr double kMonth = 365.25 / 12.0;  // days, as the simulator's
constexpr std::uint64_t kIndexMask = (std::uint64_t{1} << 40) - 1;

const std::string& name_of(const eventlog::Metadata& m, const char* ns, std::int64_t i) {
  static const std::string none;
  auto it = m.names.find(ns);
  if (it == m.names.end() || i < 0 || i >= static_cast<std::int64_t>(it->second.size()))
    return none;
  return it->second[static_cast<std::size_t>(i)];
}

// What the observable events of one customer say at T_c, and what happens after it.
struct Acc {
  std::int64_t first_purchase = -1, last_purchase = -1;
  std::uint32_t purchases = 0, upgrades = 0, post_purchases = 0;
  double repeat_spend = 0, post_spend = 0;
  std::int64_t churn_after = -1, upgrade_after = -1;  // first after the cut
};

// The files of one partition, open while its markets are simulated.
std::uint64_t resident_bytes();

// Everything one market (a unit) contributes to a release, made on the thread that simulates
// it: the observable rows cut at T_c, the CSV text compressed into gzip members, the truth,
// summary, task ids and labels, and the partition record's counts. The release's writer only
// appends it (DatasetSink::take_unit), so the formatting and compression run in parallel.
class UnitWork : public sim::EventSink {
 public:
  struct Shared {
    const sim::Scenario& s;
    const eventlog::Metadata& meta;
    const GenerateOptions& o;
    const std::vector<TaskSpec>& tasks;
    std::int64_t cut_ts, window_end_ts;
    double holdout_days;
  };

  UnitWork(const Shared& sh, std::uint32_t market)
      : sh_(sh),
        market_(market),
        events_text_(sh.o.gzip_level),
        customers_text_(sh.o.gzip_level),
        channels_text_(sh.o.gzip_level),
        truth_text_(sh.o.gzip_level),
        summary_text_(sh.o.gzip_level) {
    for (std::size_t k = 0; k < sh.tasks.size(); ++k) {
      ids_text_.emplace_back(sh.o.gzip_level);
      labels_text_.emplace_back(sh.o.gzip_level);
      task_stats_.emplace_back();
    }
  }

  void channels(std::span<const eventlog::ChannelDayRow> rows) override {
    for (const auto& r : rows) {
      if (r.day_start >= sh_.cut_ts) continue;
      if (sh_.o.hdf5) channels_.push_back(r);
      if (sh_.o.csv) write_channel(r);
      ++channel_rows_;
    }
  }

  void events(std::span<const eventlog::Event> ev) override {
    std::vector<eventlog::Event> copy(ev.begin(), ev.end());
    take_events(std::move(copy));
  }

  void take_events(std::vector<eventlog::Event>&& ev) override {
    if (ev.empty()) return;
    std::size_t observable = 0;
    for (const auto& e : ev) {
      const std::uint64_t i = e.customer & kIndexMask;
      if (i >= acc_.size()) acc_.resize(std::max<std::size_t>(i + 1, acc_.size() * 2));
      Acc& a = acc_[i];
      if (e.time <= sh_.cut_ts) {
        ++observable;
        ++event_counts_[static_cast<std::size_t>(e.type)];
        if (e.type == EventType::purchase) {
          if (a.first_purchase < 0)
            a.first_purchase = e.time;
          else
            a.repeat_spend += e.value;
          a.last_purchase = e.time;
          ++a.purchases;
        } else if (e.type == EventType::upgrade) {
          ++a.upgrades;
        }
        if (sh_.o.csv) write_event(e);
      } else if (e.type == EventType::purchase) {
        ++a.post_purchases;
        a.post_spend += e.value;
      } else if (e.type == EventType::churned && a.churn_after < 0) {
        a.churn_after = e.time;
      } else if (e.type == EventType::upgrade && a.upgrade_after < 0) {
        a.upgrade_after = e.time;
      }
    }
    if (!sh_.o.hdf5 || observable == 0) return;
    if (observable < ev.size())  // the epoch at the cut: keep the observable rows only
      std::erase_if(ev, [&](const eventlog::Event& e) { return e.time > sh_.cut_ts; });
    blocks_.push_back(std::move(ev));  // whole, without a copy, before the cut
  }

  void customers(std::span<const eventlog::CustomerRow> rows) override {
    unit_customers_.insert(unit_customers_.end(), rows.begin(), rows.end());
  }

  // The unit's last call: its customers at the cut, truth, summary, task ids and labels.
  void truth(std::span<const sim::CustomerTruth> truth) override {
    // the truth holds the customers that existed at the snapshot (the first ones), the
    // customers table every customer of the horizon
    if (unit_customers_.size() < truth.size())
      throw std::logic_error("dataset: more truth rows than customers");
    if (acc_.size() < truth.size()) acc_.resize(truth.size());
    for (std::size_t i = 0; i < unit_customers_.size(); ++i) {
      const eventlog::CustomerRow& r = unit_customers_[i];
      if (r.created_time > sh_.cut_ts) continue;
      if (i >= truth.size()) throw std::logic_error("dataset: a customer of T_c without truth");
      const sim::CustomerTruth& t = truth[i];
      eventlog::CustomerRow c = r;
      const bool converted = r.converted_time >= 0 && r.converted_time <= sh_.cut_ts;
      c.converted_time = converted ? r.converted_time : -1;
      c.first_plan = converted ? r.first_plan : -1;
      c.churn_time = r.churn_time >= 0 && r.churn_time <= sh_.cut_ts ? r.churn_time : -1;
      c.end_time = sh_.cut_ts;
      c.final_stage = t.phase == sim::CustomerPhase::churned ? -1 : t.stage;
      c.final_mrr = t.phase == sim::CustomerPhase::paying ? t.mrr : 0.0;
      if (sh_.o.hdf5) customers_.push_back(c);
      if (sh_.o.csv) write_customer(c);
      ++customer_rows_;
      write_truth_and_tasks(c, t, acc_[i]);
    }
    unit_customers_ = {};
    acc_ = {};
  }

  // Seals the text into members (on this unit's thread) before the unit is handed back.
  void seal() {
    events_members_ = events_text_.take();
    customers_members_ = customers_text_.take();
    channels_members_ = channels_text_.take();
    truth_members_ = truth_text_.take();
    summary_members_ = summary_text_.take();
    for (std::size_t k = 0; k < ids_text_.size(); ++k) {
      ids_members_.push_back(ids_text_[k].take());
      labels_members_.push_back(labels_text_[k].take());
    }
  }

  std::uint32_t market() const { return market_; }

 private:
  friend class DatasetSink;

  void write_channel(const eventlog::ChannelDayRow& r) {
    std::string& t = channels_text_.text();
    iso_.put(t, r.day_start);
    put_char(t, ',');
    put_int(t, r.market);
    put_char(t, ',');
    put_int(t, r.replication);
    put_char(t, ',');
    put_field(t, name_of(sh_.meta, "channels", r.channel));
    put_char(t, ',');
    put_double(t, r.spend);
    for (std::int64_t v : {r.impressions, r.clicks, r.engaged, r.leads}) {
      put_char(t, ',');
      put_int(t, v);
    }
    put_char(t, '\n');
    channels_text_.row_done();
  }

  void write_event(const eventlog::Event& e) {
    std::string& t = events_text_.text();
    iso_.put(t, e.time);
    put_char(t, ',');
    put_int(t, e.customer);
    put_char(t, ',');
    const auto ti = static_cast<std::size_t>(e.type);
    put(t, eventlog::kEventTypeNames[ti]);
    put_char(t, ',');
    put_int(t, e.arg);
    put_char(t, ',');
    const std::string_view ns = eventlog::kEventArgNamespace[ti];
    if (!ns.empty()) put_field(t, name_of(sh_.meta, std::string(ns).c_str(), e.arg));
    put_char(t, ',');
    put_double(t, e.value);
    put_char(t, ',');
    put_int(t, e.market);
    put_char(t, ',');
    put_int(t, e.replication);
    put_char(t, '\n');
    events_text_.row_done();
  }

  void write_customer(const eventlog::CustomerRow& r) {
    std::string& t = customers_text_.text();
    put_int(t, r.id);
    put_char(t, ',');
    put_int(t, r.market);
    put_char(t, ',');
    put_int(t, r.replication);
    put_char(t, ',');
    put_field(t, name_of(sh_.meta, "segments", r.segment));
    put_char(t, ',');
    put_field(t, name_of(sh_.meta, "channels", r.channel));
    put_char(t, ',');
    if (r.referrer >= 0) put_int(t, r.referrer);
    for (std::int64_t v : {r.created_time, r.converted_time}) {
      put_char(t, ',');
      iso_.put(t, v);
    }
    put_char(t, ',');
    put_field(t, name_of(sh_.meta, "plans", r.first_plan));
    for (std::int64_t v : {r.churn_time, r.end_time}) {
      put_char(t, ',');
      iso_.put(t, v);
    }
    put_char(t, ',');
    put_field(t, name_of(sh_.meta, "stages", r.final_stage));
    put_char(t, ',');
    put_double(t, r.final_mrr);
    put_char(t, '\n');
    customers_text_.row_done();
  }

  double days_since_start(std::int64_t ts) const {
    return static_cast<double>(ts - sh_.s.start_time) / 86400.0;
  }

  void write_truth_and_tasks(const eventlog::CustomerRow& c, const sim::CustomerTruth& t,
                             const Acc& a) {
    const bool nc = sh_.s.model == sim::Scenario::Model::non_contractual;
    const double nan = std::nan("");
    // the closed forms of the oracle (docs/datasets.md, "Ground truth")
    double p_churn = nan, p_upgrade = nan, e_purchases = nan, e_spend = nan;
    if (nc) {
      const double w = sh_.holdout_days, lam = t.purchase_rate_day, q = t.dropout_p;
      e_purchases = !t.alive ? 0.0 : q > 0 ? -std::expm1(-lam * q * w) / q : lam * w;
      e_spend = e_purchases * t.spend_mean;
    } else if (t.alive) {
      const double h = t.churn_hazard_month, u = t.upgrade_rate_month;
      const double months = kTaskWindowDays / kMonth;
      p_churn = -std::expm1(-h * months);
      if (u > 0) p_upgrade = u / (u + h) * -std::expm1(-(u + h) * months);
    }
    {
      std::string& s = truth_text_.text();
      put_int(s, c.id);
      put_char(s, ',');
      put_int(s, c.market);
      put_char(s, ',');
      put_int(s, c.replication);
      put_char(s, ',');
      put_field(s, name_of(sh_.meta, "segments", t.segment));
      put_char(s, ',');
      put(s, sim::kCustomerPhaseNames[static_cast<std::size_t>(t.phase)]);
      put_char(s, ',');
      put_int(s, t.alive ? 1 : 0);
      put_char(s, ',');
      put_field(s, name_of(sh_.meta, "plans", t.plan));
      put_char(s, ',');
      put_int(s, t.seats);
      for (double v : {t.mrr, t.login_rate_week, t.churn_hazard_month, t.upgrade_rate_month,
                       nc ? t.purchase_rate_day : nan, nc ? t.dropout_p : nan,
                       nc ? t.spend_mean : nan, p_churn, p_upgrade, e_purchases, e_spend}) {
        put_char(s, ',');
        put_double(s, v);
      }
      put_char(s, '\n');
      truth_text_.row_done();
    }
    const bool converted = c.converted_time >= 0;
    const bool paying = t.phase == sim::CustomerPhase::paying;
    const std::uint32_t x = a.purchases > 0 ? a.purchases - 1 : 0;
    {
      std::string& s = summary_text_.text();
      put_int(s, c.id);
      put_char(s, ',');
      put_double(s, days_since_start(c.created_time));
      put_char(s, ',');
      if (converted) put_double(s, days_since_start(c.converted_time));
      put_char(s, ',');
      if (c.churn_time >= 0) put_double(s, days_since_start(c.churn_time));
      put_char(s, ',');
      put_int(s, paying ? 1 : 0);
      put_char(s, ',');
      if (paying) put_field(s, name_of(sh_.meta, "plans", t.plan));
      put_char(s, ',');
      put_double(s, c.final_mrr);
      put_char(s, ',');
      put_int(s, a.purchases);
      put_char(s, ',');
      put_int(s, x);
      put_char(s, ',');
      if (a.first_purchase >= 0) {
        put_double(s, static_cast<double>(a.last_purchase - a.first_purchase) / 86400.0);
        put_char(s, ',');
        put_double(s, static_cast<double>(sh_.cut_ts - a.first_purchase) / 86400.0);
        put_char(s, ',');
        put_double(s, x > 0 ? a.repeat_spend / x : 0.0);
      } else {
        put(s, ",,");
      }
      put_char(s, ',');
      put_int(s, a.upgrades);
      put_char(s, '\n');
      summary_text_.row_done();
    }
    for (std::size_t k = 0; k < sh_.tasks.size(); ++k) {
      const std::string& name = sh_.tasks[k].name;
      double label = 0;
      if (name == "churn_90d") {
        if (!paying) continue;
        label = a.churn_after > sh_.cut_ts && a.churn_after <= sh_.window_end_ts ? 1 : 0;
      } else if (name == "upgrade_90d") {
        if (!(paying && t.upgrade_rate_month > 0)) continue;
        label = a.upgrade_after > sh_.cut_ts && a.upgrade_after <= sh_.window_end_ts ? 1 : 0;
      } else if (name == "purchases_holdout") {
        label = a.post_purchases;
      } else if (name == "spend_holdout") {
        label = a.post_spend;
      }
      std::string& ids = ids_text_[k].text();
      put_int(ids, c.id);
      put_char(ids, '\n');
      ids_text_[k].row_done();
      std::string& l = labels_text_[k].text();
      put_int(l, c.id);
      put_char(l, ',');
      put_double(l, label);
      put_char(l, '\n');
      labels_text_[k].row_done();
      ++task_stats_[k].rows;
      task_stats_[k].label_sum += label;
    }
  }

  const Shared& sh_;
  std::uint32_t market_;
  IsoTime iso_;
  std::vector<Acc> acc_;
  std::vector<eventlog::CustomerRow> unit_customers_;
  // observable rows for the HDF5 partition
  std::vector<std::vector<eventlog::Event>> blocks_;
  std::vector<eventlog::CustomerRow> customers_;
  std::vector<eventlog::ChannelDayRow> channels_;
  GzipMembers events_text_, customers_text_, channels_text_, truth_text_, summary_text_;
  std::vector<GzipMembers> ids_text_, labels_text_;
  std::vector<GzipMember> events_members_, customers_members_, channels_members_, truth_members_,
      summary_members_;
  std::vector<std::vector<GzipMember>> ids_members_, labels_members_;
  std::array<std::uint64_t, eventlog::kEventTypeCount> event_counts_{};
  std::uint64_t customer_rows_ = 0, channel_rows_ = 0;
  std::vector<TaskStats> task_stats_;
};

// The files of one partition, open while its markets are added.
struct PartitionFiles {
  std::uint32_t index = 0;
  std::uint32_t market_end = 0;
  std::unique_ptr<eventlog::EventLogWriter> h5;
  std::unique_ptr<GzipWriter> events, customers, channels, truth, summary;
  std::vector<std::unique_ptr<GzipWriter>> ids, labels;  // per task
  PartitionRecord record;
};

// The release's writer: takes the units in market order and appends them to their partition's
// files, opening and closing partitions as the markets cross their bounds.
class DatasetSink : public sim::EventSink {
 public:
  DatasetSink(const sim::Scenario& s, const ScalePlan& plan, const eventlog::Metadata& meta,
              const GenerateOptions& o, std::uint32_t first, std::uint32_t last)
      : plan_(plan),
        meta_(meta),
        o_(o),
        next_partition_(first),
        last_(last),
        tasks_(tasks_for(s)),
        shared_{s, meta, o, tasks_, 0, 0, plan.holdout_days} {
    shared_.cut_ts = s.start_time + static_cast<std::int64_t>(std::llround(plan.cut_day * 86400.0));
    shared_.window_end_ts =
        shared_.cut_ts + static_cast<std::int64_t>(std::llround(kTaskWindowDays * 86400.0));
  }

  std::unique_ptr<sim::EventSink> unit_sink(std::uint64_t unit) override {
    // one replication: unit u is market u
    return std::make_unique<UnitWork>(shared_, static_cast<std::uint32_t>(unit));
  }

  void take_unit(std::unique_ptr<sim::EventSink> sink) override {
    auto& w = static_cast<UnitWork&>(*sink);
    w.seal();
    PartitionFiles& p = partition_for(w.market());
    if (p.h5) {
      if (!w.channels_.empty()) p.h5->append_channels(w.channels_);
      for (const auto& b : w.blocks_) p.h5->append_events(b);
      if (!w.customers_.empty()) p.h5->append_customers(w.customers_);
    }
    if (p.events) p.events->append(std::move(w.events_members_));
    if (p.customers) p.customers->append(std::move(w.customers_members_));
    if (p.channels) p.channels->append(std::move(w.channels_members_));
    p.truth->append(std::move(w.truth_members_));
    p.summary->append(std::move(w.summary_members_));
    for (std::size_t k = 0; k < tasks_.size(); ++k) {
      p.ids[k]->append(std::move(w.ids_members_[k]));
      p.labels[k]->append(std::move(w.labels_members_[k]));
      TaskStats& st = p.record.tasks[tasks_[k].name];
      st.rows += w.task_stats_[k].rows;
      st.label_sum += w.task_stats_[k].label_sum;
    }
    for (std::size_t t = 0; t < w.event_counts_.size(); ++t)
      p.record.event_counts[t] += w.event_counts_[t];
    p.record.rows["customers"] += w.customer_rows_;
    p.record.rows["channels"] += w.channel_rows_;
    // The program keeps freed memory in its malloc heaps (tools/main.cpp, for speed); over many
    // units the heaps' high-water marks add up (SF 10: 400 -> 660 MB). When the resident size
    // passes 1.25 x what it was after the first two units, the free memory goes back to the
    // system: the peak stays near that of the units in flight at any SF, and the trim (whose
    // page faults cost a second at SF 10 when done after every unit) stays rare.
    sink.reset();
    const std::uint64_t rss = resident_bytes();
    if (++units_taken_ <= 2)
      rss_baseline_ = std::max(rss_baseline_, rss);
    else if (rss > rss_baseline_ + rss_baseline_ / 4)
      ::malloc_trim(0);
  }

  // Closes the open partition and creates the (empty) files of any left up to `last_`.
  void finish() {
    while (current_ || next_partition_ <= last_) {
      if (current_) close_current();
      if (next_partition_ <= last_) open_next();
    }
  }

  std::vector<PartitionRecord>& records() { return records_; }

 private:
  PartitionFiles& partition_for(std::uint32_t market) {
    while (!current_ || market >= current_->market_end) {
      if (current_) close_current();
      if (next_partition_ > last_) throw std::logic_error("dataset: a market past the partitions");
      open_next();
    }
    return *current_;
  }

  std::string path(const std::string& table, const std::string& ext) const {
    return (fs::path(o_.output_dir) / table /
            (partition_name(current_->index, plan_.partitions) + ext))
        .string();
  }

  std::unique_ptr<GzipWriter> gz(const std::string& table, const std::string& header) {
    fs::create_directories(fs::path(o_.output_dir) / table);
    auto w = std::make_unique<GzipWriter>(path(table, ".csv.gz"), o_.gzip_level);
    w->text() += header;
    return w;
  }

  void open_next() {
    current_ = std::make_unique<PartitionFiles>();
    PartitionFiles& p = *current_;
    p.index = next_partition_++;
    auto [m0, m1] = partition_markets(plan_, p.index);
    p.market_end = m1;
    p.record.index = p.index;
    p.record.market_begin = m0;
    p.record.market_end = m1;
    p.record.rows["customers"] = 0;
    p.record.rows["channels"] = 0;
    if (o_.hdf5) {
      fs::create_directories(fs::path(o_.output_dir) / "events");
      eventlog::Metadata m = meta_;
      m.part = std::to_string(p.index) + "/" + std::to_string(plan_.partitions);
      eventlog::WriterOptions wo;
      wo.compression = o_.compression;
      p.h5 = std::make_unique<eventlog::EventLogWriter>(path("events", ".h5"), m, wo);
    }
    if (o_.csv) {
      p.events = gz("events", "time,customer,type,arg,arg_name,value,market,replication\n");
      p.customers = gz("customers",
                       "id,market,replication,segment,channel,referrer,created_time,"
                       "converted_time,first_plan,churn_time,end_time,final_stage,final_mrr\n");
      p.channels =
          gz("channels", "day,market,replication,channel,spend,impressions,clicks,engaged,leads\n");
    }
    p.truth = gz("truth", kTruthHeader);
    p.summary = gz("summary", kSummaryHeader);
    for (const auto& t : tasks_) {
      p.ids.push_back(gz("tasks/" + t.name, "customer_id\n"));
      p.labels.push_back(gz("labels/" + t.name, "customer_id," + t.name + "\n"));
      p.record.tasks[t.name];
    }
  }

  void close_current() {
    PartitionFiles& p = *current_;
    std::uint64_t n = 0;
    for (auto c : p.record.event_counts) n += c;
    p.record.rows["events"] = n;
    if (p.h5) {
      p.h5->commit();
      const std::string f = path("events", ".h5");
      const auto d = sha256_file(f);
      p.record.files.push_back(
          {fs::relative(f, o_.output_dir).generic_string(), "events", d.bytes, n, d.sha256});
      bytes_written_ += d.bytes;
    }
    auto done = [&](std::unique_ptr<GzipWriter>& w, const std::string& table) {
      if (!w) return;
      w->commit();
      p.record.files.push_back({fs::relative(w->path(), o_.output_dir).generic_string(), table,
                                w->bytes(), w->rows(), w->sha256()});
      bytes_written_ += w->bytes();
    };
    done(p.events, "events");
    done(p.customers, "customers");
    done(p.channels, "channels");
    done(p.truth, "truth");
    done(p.summary, "summary");
    for (std::size_t k = 0; k < tasks_.size(); ++k) {
      done(p.ids[k], "tasks/" + tasks_[k].name);
      done(p.labels[k], "labels/" + tasks_[k].name);
    }
    events_ += n;
    customers_ += p.record.rows["customers"];
    records_.push_back(std::move(p.record));
    current_.reset();
  }

  const ScalePlan& plan_;
  const eventlog::Metadata& meta_;
  const GenerateOptions& o_;
  std::uint32_t next_partition_, last_;
  std::vector<TaskSpec> tasks_;
  UnitWork::Shared shared_;
  std::unique_ptr<PartitionFiles> current_;
  std::vector<PartitionRecord> records_;
  std::uint64_t units_taken_ = 0, rss_baseline_ = 0;

 public:
  std::uint64_t events_ = 0, customers_ = 0, bytes_written_ = 0;
};

// The process's resident set size (0 if /proc is not there).
std::uint64_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

std::string now_iso() {
  return eventlog::iso_time(static_cast<std::int64_t>(std::time(nullptr)));
}

// A scenario parsed from its resolved text (what the release records and regenerates from).
sim::Scenario scenario_from_text(const std::string& text, const std::string& what) {
  sim::Scenario s = sim::parse_scenario(sim::parse_yaml_string(text, what));
  s.resolved_text = text;
  return s;
}

GenerateResult generate_partitions(const sim::Scenario& s, const ScalePlan& plan,
                                   const GenerateOptions& o, std::uint32_t first,
                                   std::uint32_t last, const ReleaseIdentity& id) {
  auto t0 = std::chrono::steady_clock::now();
  fs::create_directories(o.output_dir);
  eventlog::Metadata meta;
  meta.scenario_name = s.name;
  meta.scenario_text = s.resolved_text;
  meta.seed = s.seed;
  meta.version = kVersion;
  // the canonical command, not this process's: every machine writes the same bytes
  meta.command_line = canonical_command(id);
  meta.options_json = identity_json(id).dump();
  meta.start_time = s.start_time;
  meta.horizon_days = plan.cut_day;
  meta.markets = plan.markets;
  meta.replications = 1;
  meta.first_replication = 0;
  meta.names = sim::name_tables(s);

  DatasetSink sink(s, plan, meta, o, first, last);
  sim::RunOptions ro;
  ro.threads = o.threads;
  ro.markets = plan.markets;
  ro.snapshot_day = plan.cut_day;
  ro.unit_begin = partition_markets(plan, first).first;
  ro.unit_end = partition_markets(plan, last).second;
  const bool show = o.progress && isatty(STDERR_FILENO);
  auto last_draw = std::chrono::steady_clock::now();
  if (show) {
    ro.progress = [&](double done, double total, std::uint64_t events) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_draw < std::chrono::milliseconds(200) && done < total) return;
      last_draw = now;
      std::fprintf(stderr, "\r  generating %5.1f%%  %llu events  %.1f s  ", 100.0 * done / total,
                   static_cast<unsigned long long>(events),
                   std::chrono::duration<double>(now - t0).count());
      std::fflush(stderr);
    };
  }
  sim::RunStats stats = sim::simulate(s, ro, sink);
  sink.finish();
  if (show) std::fprintf(stderr, "\r%60s\r", "");

  PartRecord rec;
  rec.identity = id;
  rec.first = first;
  rec.last = last;
  rec.command_line = o.command_line;
  rec.generated_at = now_iso();
  rec.partitions = std::move(sink.records());
  GenerateResult r;
  r.plan = plan;
  r.first_partition = first;
  r.last_partition = last;
  r.events = sink.events_;
  r.events_total = stats.events;
  r.customers = sink.customers_;
  r.random_words = stats.random_words;
  r.bytes_written = sink.bytes_written_;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rec.seconds = r.seconds;
  r.part_record = write_part_record(o.output_dir, rec);
  return r;
}

}  // namespace

GenerateResult generate(const std::string& scenario_path, const std::vector<std::string>& overrides,
                        const GenerateOptions& o) {
  if (!o.hdf5 && !o.csv) throw std::invalid_argument("--format: expected hdf5, csv or both");
  sim::Scenario base = sim::load_scenario(scenario_path, overrides);
  ScalePlan plan = plan_scale(base.customers, base.horizon_days, base.epoch_days, o.scale_factor,
                              o.partitions, o.holdout_days);
  // the scenario as generated: each market of the plan's size
  std::vector<std::string> ov = overrides;
  {
    char b[64];
    std::snprintf(b, sizeof b, "customers=%.17g", plan.customers_per_market);
    ov.push_back(b);
  }
  sim::Scenario scaled = sim::load_scenario(scenario_path, ov);
  fs::create_directories(o.output_dir);
  sim::Scenario s = scenario_from_text(scaled.resolved_text, scenario_path);

  if (o.part_count == 0 || o.part_index < 1 || o.part_index > o.part_count)
    throw std::invalid_argument("--part: expected k/N with 1 <= k <= N");
  if (o.part_count > plan.partitions)
    throw std::invalid_argument("--part: N = " + std::to_string(o.part_count) + " machines for " +
                                std::to_string(plan.partitions) +
                                " partitions; use --partitions >= N");
  std::uint32_t first, last;
  if (o.only_first) {
    first = o.only_first;
    last = o.only_last;
  } else {
    auto [a, b] = sim::part_units(plan.partitions, o.part_index, o.part_count);
    first = static_cast<std::uint32_t>(a) + 1;
    last = static_cast<std::uint32_t>(b);
  }
  ReleaseIdentity id = make_identity(s, plan, o);
  return generate_partitions(s, plan, o, first, last, id);
}

GenerateResult regenerate(const std::string& dir, std::uint32_t first, std::uint32_t last,
                          const std::string& into, int threads) {
  ReleaseIdentity id = read_identity(dir);
  fs::create_directories(into);
  sim::Scenario s = scenario_from_text(id.scenario_text, dir + "/manifest.json scenario_text");
  ScalePlan plan = plan_scale(id.base_customers, s.horizon_days, s.epoch_days, id.scale_factor,
                              id.partitions, id.holdout_days_requested);
  GenerateOptions o = options_of(id);
  o.output_dir = into;
  o.threads = threads;
  o.command_line = "verify: regenerate " + partition_name(first, plan.partitions);
  if (first < 1 || last > plan.partitions || first > last)
    throw std::invalid_argument("--partition: expected 1.." + std::to_string(plan.partitions));
  return generate_partitions(s, plan, o, first, last, id);
}

}  // namespace journeysim::dataset
