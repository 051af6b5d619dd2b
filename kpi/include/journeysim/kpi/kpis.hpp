// The KPI catalogue (docs/kpis.md is generated from this registry: `journeysim kpis --markdown`).
// Each KPI has an id, a definition a user can check by hand, a unit, the events it needs, its
// parameters with defaults, and a direction (is higher better?). A KPI whose events the log
// lacks is "not available" with the reason, never 0 or NaN.
#pragma once
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "journeysim/kpi/log.hpp"

namespace journeysim::kpi {

// A matrix or a time series: rows x columns of numbers (NaN = empty cell).
struct ResultTable {
  std::string name;
  std::string row_header;
  std::vector<std::string> row_labels;
  std::vector<std::string> columns;
  std::vector<std::vector<double>> cells;
};

struct Result {
  bool available = true;
  std::string reason;  // why not available
  double value = 0;    // the headline figure
  double n = 0;        // size of the population behind it (customers, events, prompts, ...)
  std::vector<std::pair<std::string, double>> extra;  // secondary figures (median, p90, ...)
  std::vector<ResultTable> tables;
  static Result unavailable(std::string why) {
    Result r;
    r.available = false;
    r.reason = std::move(why);
    return r;
  }
};

struct ParamDef {
  std::string name;
  std::string default_value;
  std::string doc;
};

enum class Direction { higher_is_better, lower_is_better, neutral };
// "higher_is_better", "lower_is_better", "neutral" (JSON outputs).
const char* direction_id(Direction d);
// "higher is better", "lower is better", "neutral" (text, docs).
const char* direction_phrase(Direction d);

// The KPI parameters a user sets: "kpi_id.param" -> value (strings; numbers are parsed).
using Params = std::map<std::string, std::string>;

struct KpiDef;

// Results of the parameter-free component KPIs (ARPA, monthly churn, lifespan) that several KPIs
// are built on (the CLVs, CAC payback), kept for one score run so that each is computed once per
// population instead of once per KPI that uses it. Thread-safe; two first calls at once may both
// compute (the same value): none waits for another.
class KpiMemo {
 public:
  // `what` names the computation, `def` the KPI whose parameters it reads (nullptr: none).
  Result get(const void* what, const KpiDef* def, std::span<const std::uint32_t> population,
             const std::function<Result()>& compute);

 private:
  using Key = std::tuple<const void*, const KpiDef*, const std::uint32_t*, std::size_t>;
  std::mutex mutex_;
  std::map<Key, Result> results_;
};
struct Context {
  const Log& log;
  std::span<const std::uint32_t> customers;  // the population (a group of a breakdown)
  const KpiDef& def;
  const Params& params;
  // channel-day rows in scope (all rows, or those of the group's channel/market); nullptr when
  // the breakdown cannot attribute channel rows (segment, plan, cohort).
  const std::vector<const ChannelDay*>* channel_rows = nullptr;
  KpiMemo* memo = nullptr;  // shared component results (nullptr: computed every time)
  // the breakdown (`score --by`): "" for the whole population. Team costs belong to no channel,
  // so fully loaded costs are not defined per channel.
  std::string_view by;
  double num(const std::string& param) const;
  std::string str(const std::string& param) const;
};

struct KpiDef {
  std::string id, name, area, definition, unit;
  std::vector<EventType> needs;  // all of these must occur in the log
  bool needs_channels = false;   // needs the /channels table
  std::vector<ParamDef> params;
  Direction direction = Direction::neutral;
  std::function<Result(const Context&)> compute;
};

const std::vector<KpiDef>& registry();
const KpiDef* find_kpi(const std::string& id);  // nullptr if unknown

// Checks "kpi.param=value" assignments against the registry (unknown ids/params are errors).
Params parse_params(const std::vector<std::string>& assignments);

// Markdown documentation of the whole registry.
std::string registry_markdown();

}  // namespace journeysim::kpi
