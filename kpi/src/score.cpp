#include "journeysim/kpi/score.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>

#include "journeysim/common/text.hpp"

namespace journeysim::kpi {

double t_quantile_975(int df) {
  if (df <= 0) return NAN;
  return boost::math::quantile(boost::math::students_t(df), 0.975);
}

std::string group_label(const Log& log, const CustomerInfo& c, const std::string& by) {
  if (by.empty()) return "all";
  if (by == "channel") return log.name("channels", c.channel);
  if (by == "segment") return log.name("segments", c.segment);
  if (by == "plan") return c.first_plan < 0 ? "" : log.name("plans", c.first_plan);
  if (by == "cohort") return c.converted == kNone ? "" : month_label(c.converted);
  if (by == "market") return std::to_string(c.market);
  throw std::runtime_error("--by: expected channel, segment, plan, cohort or market, found '" + by +
                           "'");
}

namespace {

std::string fmt(double v) {
  if (std::isnan(v)) return "-";
  char b[64];
  double a = std::abs(v);
  if (a != 0 && (a < 0.001 || a >= 1e7))
    std::snprintf(b, sizeof b, "%.3g", v);
  else if (a >= 1000)
    std::snprintf(b, sizeof b, "%.0f", v);
  else
    std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

}  // namespace

Lifetimes lifetimes(const Log& log, const std::string& by) {
  Lifetimes out;
  const auto churned = static_cast<std::uint8_t>(EventType::churned);
  for (std::uint32_t c = 0; c < log.customers.size(); ++c) {
    const auto& ci = log.customers[c];
    if (ci.converted == kNone) continue;
    std::string g = group_label(log, ci, by);
    if (g.empty()) continue;
    std::int64_t churn = kNone;
    for (std::uint64_t i = log.offsets[c]; i < log.offsets[c + 1]; ++i)
      if (log.type[i] == churned && log.time[i] >= ci.converted) {
        churn = log.time[i];
        break;
      }
    out.days.push_back(std::max(0.0, days((churn != kNone ? churn : log.end) - ci.converted)));
    out.churned.push_back(churn != kNone);
    out.group.push_back(by.empty() ? std::string() : g);
  }
  return out;
}

namespace {

nlohmann::json num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

ScoreReport score(const Log& log, const ScoreOptions& opt) {
  std::vector<const KpiDef*> defs;
  if (opt.kpis.empty()) {
    for (const auto& d : registry()) defs.push_back(&d);
  } else {
    for (const auto& id : opt.kpis) {
      const KpiDef* d = find_kpi(id);
      if (!d) {
        std::vector<std::string> ids;
        for (const auto& k : registry()) ids.push_back(k.id);
        throw std::runtime_error("unknown KPI '" + id + "'" + common::did_you_mean(id, ids) +
                                 " (see `journeysim kpis`)");
      }
      defs.push_back(d);
    }
  }
  ScoreReport rep;
  rep.source = log.source;
  rep.scenario = log.scenario_name;
  rep.by = opt.by;
  // The replications scored are those the log holds, found in its rows: a --part file holds
  // some of a run's (its missing ones were averaged in as zeros), and /meta/replications is not
  // trusted (a flipped byte made it 65; 0 and 70,000 were accepted) (#15).
  std::vector<int> slot(65536, -1);
  {
    std::vector<char> seen(65536, 0);
    for (const auto& c : log.customers) seen[c.replication] = 1;
    for (const auto& d : log.channels) seen[d.replication] = 1;
    for (int r = 0; r < 65536; ++r)
      if (seen[r]) rep.replication_ids.push_back(r);
  }
  if (rep.replication_ids.empty()) rep.replication_ids.push_back(log.first_replication);
  for (std::size_t i = 0; i < rep.replication_ids.size(); ++i)
    slot[rep.replication_ids[i]] = static_cast<int>(i);
  rep.replications = static_cast<int>(rep.replication_ids.size());
  rep.first_replication = rep.replication_ids.front();
  rep.declared_first = log.first_replication;
  rep.declared_replications = log.replications;
  // population per (group, replication)
  std::map<std::string, std::vector<std::vector<std::uint32_t>>> pop;
  for (std::uint32_t c = 0; c < log.customers.size(); ++c) {
    const auto& ci = log.customers[c];
    std::string g = group_label(log, ci, opt.by);
    if (g.empty()) continue;
    auto& v = pop[g];
    if (v.empty()) v.resize(rep.replications);
    v[slot[ci.replication]].push_back(c);
  }
  if (opt.by.empty() && pop.empty()) pop["all"].resize(rep.replications);
  for (auto& [g, v] : pop) rep.groups.push_back(g);
  // channel rows in scope per (group, replication), in table order, made once (not per KPI):
  // every row of the replication ungrouped, the group's own with --by channel or market, none
  // attributable for the other breakdowns
  const bool attributable = opt.by.empty() || opt.by == "channel" || opt.by == "market";
  std::map<std::string, std::vector<std::vector<const ChannelDay*>>> rows_by;
  if (attributable) {
    for (const auto& g : rep.groups) rows_by[g].resize(rep.replications);
    for (const auto& d : log.channels) {
      const int r = slot[d.replication];
      if (opt.by.empty()) {
        for (auto& [g, v] : rows_by) v[r].push_back(&d);
        continue;
      }
      const std::string g =
          opt.by == "channel" ? log.name("channels", d.channel) : std::to_string(d.market);
      if (auto it = rows_by.find(g); it != rows_by.end()) it->second[r].push_back(&d);
    }
  }
  auto rows_for = [&](const std::string& g, int r) -> const std::vector<const ChannelDay*>* {
    return attributable ? &rows_by.at(g)[r] : nullptr;
  };
  struct Job {
    const KpiDef* def;
    std::string group;
    int rep;
    Result result;
  };
  std::vector<Job> jobs;
  for (const KpiDef* d : defs)
    for (const auto& g : rep.groups)
      for (int r = 0; r < rep.replications; ++r) jobs.push_back({d, g, r, {}});
  // Amounts that add up past the range of a double make sums infinite: say so, rather than
  // blame an empty denominator (#15). Summed in order, once, over every amount of the log.
  double largest_amount = 0;
  bool amounts_overflow = false;
  {
    double total = 0;
    for (double v : log.value) {
      total += std::fabs(v);
      largest_amount = std::max(largest_amount, std::fabs(v));
    }
    for (const auto& d : log.channels) {
      total += std::fabs(d.spend);
      largest_amount = std::max(largest_amount, std::fabs(d.spend));
    }
    amounts_overflow = !std::isfinite(total);
  }
  KpiMemo memo;  // components shared by several KPIs, computed once per population
  tbb::parallel_for(std::size_t{0}, jobs.size(), [&](std::size_t j) {
    Job& job = jobs[j];
    const KpiDef& d = *job.def;
    for (EventType t : d.needs)
      if (!log.has(t)) {
        job.result = Result::unavailable("the log has no " +
                                         std::string(eventlog::event_type_name(t)) + " events");
        return;
      }
    if (d.needs_channels && !log.has_channel_table) {
      job.result = Result::unavailable("the log has no channel table (spend, impressions, clicks)");
      return;
    }
    Context ctx{log,        pop.at(job.group)[job.rep],   d,
                opt.params, rows_for(job.group, job.rep), &memo,
                opt.by};
    job.result = d.compute(ctx);
    if (job.result.available && !std::isfinite(job.result.value)) {
      if (amounts_overflow) {
        char largest[32];
        std::snprintf(largest, sizeof largest, "%.3g", largest_amount);
        job.result = Result::unavailable(
            std::string("not computable: the log's amounts add up past the largest number a "
                        "double holds (largest amount ") +
            largest + "; check the log's value, spend and MRR columns)");
      } else if (std::isnan(job.result.value)) {
        job.result = Result::unavailable("not defined for this population (an empty denominator)");
      } else {
        job.result = Result::unavailable(
            "not defined for this population (a non-zero amount over an empty denominator)");
      }
    }
  });
  for (std::size_t j = 0; j < jobs.size(); j += rep.replications) {
    KpiScore s;
    s.id = jobs[j].def->id;
    s.group = jobs[j].group;
    std::vector<double> vals;
    s.values.assign(rep.replications, NAN);
    for (int r = 0; r < rep.replications; ++r)
      if (jobs[j + r].result.available) vals.push_back(s.values[r] = jobs[j + r].result.value);
    s.result = jobs[j].result;
    if (!s.result.available)
      for (int r = 1; r < rep.replications && !s.result.available; ++r)
        s.result = jobs[j + r].result;
    s.replications = static_cast<int>(vals.size());
    if (!vals.empty()) {
      double m = 0;
      for (double v : vals) m += v;
      m /= vals.size();
      double ss = 0;
      for (double v : vals) ss += (v - m) * (v - m);
      s.mean = m;
      if (vals.size() > 1) {
        s.se = std::sqrt(ss / (vals.size() - 1) / vals.size());
        double h = t_quantile_975(static_cast<int>(vals.size()) - 1) * s.se;
        s.ci_low = m - h;
        s.ci_high = m + h;
      } else {
        s.se = NAN;
        s.ci_low = s.ci_high = NAN;
      }
    }
    rep.scores.push_back(std::move(s));
  }
  return rep;
}

std::string ScoreReport::note() const {
  const bool whole = static_cast<int>(replication_ids.size()) == declared_replications &&
                     replication_ids.front() == declared_first &&
                     replication_ids.back() == declared_first + declared_replications - 1;
  if (whole) return "";
  auto list = [](const std::vector<int>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size() && i < 8; ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    if (v.size() > 8) s += ", ... (" + std::to_string(v.size()) + ")";
    return s;
  };
  return "note: the log holds replication" + std::string(replication_ids.size() > 1 ? "s " : " ") +
         list(replication_ids) + " of the " + std::to_string(declared_replications) +
         " its /meta declares (" + std::to_string(declared_first) + ".." +
         std::to_string(declared_first + declared_replications - 1) +
         "): a --part file or a damaged one; scored the ones it holds";
}

nlohmann::json to_json(const ScoreReport& r, bool tables) {
  nlohmann::json j;
  j["source"] = r.source;
  j["scenario"] = r.scenario;
  j["by"] = r.by.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.by);
  j["groups"] = r.groups;
  j["replications"] = r.replications;
  j["first_replication"] = r.first_replication;
  j["replication_ids"] = r.replication_ids;
  if (!r.note().empty()) j["note"] = r.note();
  j["kpis"] = nlohmann::json::array();
  for (const auto& s : r.scores) {
    const KpiDef* d = find_kpi(s.id);
    nlohmann::json k;
    k["id"] = s.id;
    k["name"] = d->name;
    k["unit"] = d->unit;
    k["group"] = s.group;
    k["available"] = s.replications > 0;
    if (s.replications == 0) {
      k["reason"] = s.result.reason;
    } else {
      k["value"] = num(s.mean);
      k["replications"] = s.replications;
      k["se"] = num(s.se);
      k["ci"] = {num(s.ci_low), num(s.ci_high)};
      k["n"] = s.result.n;
      if (r.replications > 1) {
        nlohmann::json vs = nlohmann::json::array();
        for (double v : s.values) vs.push_back(num(v));
        k["replication_values"] = vs;  // one per replication, null where not available
      }
      nlohmann::json extra = nlohmann::json::object();
      for (const auto& [name, v] : s.result.extra) extra[name] = num(v);
      k["extra"] = extra;  // secondary figures and tables: replication 0's
      if (r.replications > 1) k["extra_from_replication"] = 0;
      if (tables && !s.result.tables.empty()) {
        nlohmann::json ts = nlohmann::json::array();
        for (const auto& t : s.result.tables) {
          nlohmann::json tj;
          tj["name"] = t.name;
          tj["row_header"] = t.row_header;
          tj["rows"] = t.row_labels;
          tj["columns"] = t.columns;
          nlohmann::json cells = nlohmann::json::array();
          for (const auto& row : t.cells) {
            nlohmann::json rj = nlohmann::json::array();
            for (double v : row) rj.push_back(num(v));
            cells.push_back(rj);
          }
          tj["cells"] = cells;
          ts.push_back(tj);
        }
        k["tables"] = ts;
      }
    }
    j["kpis"].push_back(k);
  }
  return j;
}

std::string to_text(const ScoreReport& r) {
  std::ostringstream o;
  o << "KPI report: " << (r.scenario.empty() ? r.source : r.scenario) << "  (" << r.source << ")\n";
  if (!r.note().empty()) o << r.note() << "\n";
  if (r.replications > 1)
    o << r.replications
      << " replications: value = mean, +/- = half-width of the 95% CI (Student t); the figures"
         " after the unit are those of replication "
      << r.first_replication << "\n";
  // areas in pipeline order, KPIs in registry order within an area
  static const std::vector<std::string> areas = {"acquisition", "activation", "adoption",
                                                 "retention",   "revenue",    "messages",
                                                 "sentiment",   "referral"};
  auto area_rank = [](const std::string& a) {
    auto it = std::find(areas.begin(), areas.end(), a);
    return static_cast<int>(it - areas.begin());
  };
  std::vector<const KpiScore*> ordered;
  for (const auto& s : r.scores) ordered.push_back(&s);
  std::stable_sort(ordered.begin(), ordered.end(), [&](const KpiScore* a, const KpiScore* b) {
    if (a->group != b->group) return a->group < b->group;
    return area_rank(find_kpi(a->id)->area) < area_rank(find_kpi(b->id)->area);
  });
  std::string area, group;
  for (const KpiScore* sp : ordered) {
    const KpiScore& s = *sp;
    const KpiDef* d = find_kpi(s.id);
    if (s.group != group) {
      group = s.group;
      area.clear();
      if (!r.by.empty()) o << "\n== " << r.by << ": " << group << " ==\n";
    }
    if (d->area != area) o << "\n[" << (area = d->area) << "]\n";
    char line[512];
    if (s.replications == 0) {
      std::snprintf(line, sizeof line, "  %-56s n/a: %s\n", d->name.c_str(),
                    s.result.reason.c_str());
    } else {
      std::string v = fmt(s.mean);
      if (r.replications > 1 && std::isfinite(s.ci_high)) v += " +/- " + fmt(s.ci_high - s.mean);
      std::string extra;
      for (std::size_t i = 0; i < s.result.extra.size() && i < 3; ++i)
        extra += (i ? ", " : "") + s.result.extra[i].first + " " + fmt(s.result.extra[i].second);
      std::snprintf(line, sizeof line, "  %-56s %14s  %-14s %s\n", d->name.c_str(), v.c_str(),
                    d->unit.c_str(), extra.c_str());
    }
    o << line;
  }
  return o.str();
}

std::string to_csv(const ScoreReport& r) {
  std::ostringstream o;
  o << "kpi,group,available,value,se,ci_low,ci_high,replications,n,unit,reason\n";
  for (const auto& s : r.scores) {
    const KpiDef* d = find_kpi(s.id);
    auto q = [](const std::string& x) {
      std::string y = "\"";
      for (char ch : x) y += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      return y + "\"";
    };
    auto f = [](double v) {
      if (!std::isfinite(v)) return std::string();
      char b[40];
      std::snprintf(b, sizeof b, "%.10g", v);
      return std::string(b);
    };
    bool ok = s.replications > 0;
    o << s.id << "," << q(s.group) << "," << (ok ? "true" : "false") << "," << (ok ? f(s.mean) : "")
      << "," << (ok ? f(s.se) : "") << "," << (ok ? f(s.ci_low) : "") << ","
      << (ok ? f(s.ci_high) : "") << "," << s.replications << "," << (ok ? f(s.result.n) : "")
      << "," << q(d->unit) << "," << q(ok ? "" : s.result.reason) << "\n";
  }
  return o.str();
}

}  // namespace journeysim::kpi
