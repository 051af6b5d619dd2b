// Helpers shared by the simulator tests.
#pragma once
#include <string>
#include <vector>

#include "journeysim/sim/engine.hpp"
#include "journeysim/sim/scenario.hpp"

namespace journeysim::test {

// Collects a run's output in memory.
struct VectorSink : sim::EventSink {
  std::vector<eventlog::Event> ev;
  std::vector<eventlog::CustomerRow> cu;
  std::vector<eventlog::ChannelDayRow> ch;
  void events(std::span<const eventlog::Event> e) override {
    ev.insert(ev.end(), e.begin(), e.end());
  }
  void customers(std::span<const eventlog::CustomerRow> r) override {
    cu.insert(cu.end(), r.begin(), r.end());
  }
  void channels(std::span<const eventlog::ChannelDayRow> r) override {
    ch.insert(ch.end(), r.begin(), r.end());
  }
};

// Simulates `s` with 2 threads into memory (and its statistics into `stats` when given).
inline VectorSink run_in_memory(const sim::Scenario& s, sim::RunStats* stats = nullptr) {
  VectorSink sink;
  sim::RunOptions o;
  o.threads = 2;
  sim::RunStats st = sim::simulate(s, o, sink);
  if (stats) *stats = st;
  return sink;
}

inline sim::Scenario scenario_from_yaml(const std::string& text) {
  sim::Scenario s = sim::parse_scenario(sim::parse_yaml_string(text, "<test>"));
  return s;
}

inline std::string source_path(const std::string& rel) {
  return std::string(JOURNEYSIM_SOURCE_DIR) + "/" + rel;
}

inline bool same_event(const eventlog::Event& a, const eventlog::Event& b) {
  return a.time == b.time && a.customer == b.customer && a.type == b.type && a.arg == b.arg &&
         a.value == b.value && a.market == b.market && a.replication == b.replication;
}

}  // namespace journeysim::test
