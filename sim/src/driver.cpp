#include "journeysim/sim/driver.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "journeysim/version.hpp"

namespace journeysim::sim {

std::map<std::string, std::vector<std::string>> name_tables(const Scenario& s) {
  std::map<std::string, std::vector<std::string>> n;
  auto names = [](const auto& items) {
    std::vector<std::string> v;
    for (const auto& i : items) v.push_back(i.name);
    return v;
  };
  n["channels"] = names(s.channels);
  for (const auto& t : s.teams) n["channels"].push_back("team:" + t.name);
  n["plans"] = names(s.plans);
  n["stages"] = names(s.stages);
  n["segments"] = names(s.segments);
  n["features"] = names(s.features);
  n["tasks"] = names(s.tasks);
  n["milestones"] = names(s.milestones);
  n["campaigns"] = names(s.campaigns);
  n["playbooks"] = names(s.playbooks);
  n["teams"] = names(s.teams);
  return n;
}

namespace {

class WriterSink : public EventSink {
 public:
  explicit WriterSink(eventlog::EventLogWriter* w) : w_(w) {}
  void events(std::span<const eventlog::Event> e) override {
    if (w_) w_->append_events(e);
  }
  void customers(std::span<const eventlog::CustomerRow> r) override {
    if (w_) w_->append_customers(r);
  }
  void channels(std::span<const eventlog::ChannelDayRow> r) override {
    if (w_) w_->append_channels(r);
  }

 private:
  eventlog::EventLogWriter* w_;
};

std::string options_json(const Scenario& s, const DriverOptions& o) {
  std::ostringstream js;
  js << "{\"seed\":" << s.seed << ",\"customers\":" << s.customers
     << ",\"horizon_days\":" << s.horizon_days << ",\"threads\":" << o.run.threads
     << ",\"markets\":" << o.run.markets << ",\"part\":\"" << o.run.part_index << "/"
     << o.run.part_count << "\",\"replications\":" << o.run.replications
     << ",\"first_replication\":" << o.run.first_replication << ",\"compression\":\""
     << eventlog::compression_name(o.writer.compression) << "\""
     << ",\"chunk_rows\":" << o.writer.chunk_rows << "}";
  return js.str();
}

}  // namespace

eventlog::Metadata run_metadata(const Scenario& scenario, const DriverOptions& options) {
  eventlog::Metadata meta;
  meta.scenario_name = scenario.name;
  meta.scenario_text = scenario.resolved_text;
  meta.seed = scenario.seed;
  meta.version = kVersion;
  meta.command_line = options.command_line;
  meta.options_json = options_json(scenario, options);
  meta.start_time = scenario.start_time;
  meta.horizon_days = scenario.horizon_days;
  meta.markets = options.run.markets;
  meta.replications = options.run.replications;
  meta.first_replication = options.run.first_replication;
  meta.part = std::to_string(options.run.part_index) + "/" + std::to_string(options.run.part_count);
  meta.names = name_tables(scenario);
  return meta;
}

MemoryRun run_to_memory(const Scenario& scenario, const DriverOptions& options) {
  class MemorySink : public EventSink {
   public:
    explicit MemorySink(MemoryRun& r) : r_(r) {}
    void events(std::span<const eventlog::Event> e) override {
      if (!e.empty()) r_.events.emplace_back(e.begin(), e.end());
    }
    void take_events(std::vector<eventlog::Event>&& e) override {
      if (!e.empty()) r_.events.push_back(std::move(e));
    }
    void customers(std::span<const eventlog::CustomerRow> c) override {
      r_.customers.insert(r_.customers.end(), c.begin(), c.end());
    }
    void channels(std::span<const eventlog::ChannelDayRow> c) override {
      r_.channels.insert(r_.channels.end(), c.begin(), c.end());
    }

   private:
    MemoryRun& r_;
  };
  MemoryRun run;
  run.meta = run_metadata(scenario, options);
  MemorySink sink(run);
  run.stats = simulate(scenario, options.run, sink);
  return run;
}

DriverResult run_to_file(const Scenario& scenario, const DriverOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<eventlog::EventLogWriter> writer;
  if (!options.output.empty())
    writer = std::make_unique<eventlog::EventLogWriter>(
        options.output, run_metadata(scenario, options), options.writer);
  WriterSink sink(writer.get());
  RunOptions ro = options.run;
  const bool show = options.progress && isatty(STDERR_FILENO);
  auto last = std::chrono::steady_clock::now();
  if (show) {
    ro.progress = [&](double done, double total, std::uint64_t events) {
      auto now = std::chrono::steady_clock::now();
      if (now - last < std::chrono::milliseconds(200) && done < total) return;
      last = now;
      double secs = std::chrono::duration<double>(now - t0).count();
      std::fprintf(stderr, "\r  simulating %5.1f%%  %llu events  %.1f s  ", 100.0 * done / total,
                   static_cast<unsigned long long>(events), secs);
      std::fflush(stderr);
    };
  }
  DriverResult res;
  res.stats = simulate(scenario, ro, sink);
  if (show) std::fprintf(stderr, "\r%60s\r", "");
  if (writer) {
    writer->commit();
    res.bytes_written = writer->bytes_compressed();
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace journeysim::sim
