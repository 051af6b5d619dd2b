#include "journeysim/analysis/report.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "journeysim/analysis/decision.hpp"
#include "journeysim/analysis/statistics.hpp"
#include "journeysim/common/input_file.hpp"
#include "journeysim/kpi/survival.hpp"
#include "journeysim/kpi/table.hpp"
#include "journeysim/version.hpp"
#include "svg.hpp"

namespace journeysim::analysis {

namespace {

using nlohmann::json;
using svg::escape;
using svg::Format;
using svg::verdict_class;
using svg::verdict_color;

Format format_for_unit(const std::string& unit) {
  return unit.rfind("share", 0) == 0 ? Format::percent : Format::number;
}
std::string fmt(double v, const std::string& unit) {
  return svg::format_value(v, format_for_unit(unit));
}
std::string fmt_ci(double lo, double hi, const std::string& unit) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return "–";
  return "[" + fmt(lo, unit) + ", " + fmt(hi, unit) + "]";
}
std::string fmt_signed(double v, const std::string& unit) {
  std::string s = fmt(v, unit);
  if (std::isfinite(v) && v > 0) s.insert(0, "+");
  return s;
}
// A p-value as text (not HTML: escape it where it goes into HTML; the SVG tooltips escape their
// text themselves, and an escaped "&lt;" there showed as "&lt;", #16).
std::string fmt_p_text(double p) {
  if (!std::isfinite(p)) return "–";
  if (p < 0.001) return "<0.001";
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", p);
  return b;
}
// The same, escaped for HTML.
std::string fmt_p(double p) {
  return escape(fmt_p_text(p));
}

// A direction id (as in the compare JSON) for people.
std::string direction_text(const std::string& d) {
  if (d == "higher_is_better") return "↑ higher is better";
  if (d == "lower_is_better") return "↓ lower is better";
  return "neutral";
}

}  // namespace

std::string format_kpi_value(double value, const std::string& unit) {
  return fmt(value, unit);
}

namespace {

int replication_count(const kpi::Log& log) {
  int r = std::max<int>(1, log.replications);
  for (const auto& c : log.customers) r = std::max(r, c.replication - log.first_replication + 1);
  return r;
}

std::vector<std::vector<std::uint32_t>> populations(const kpi::Log& log, int R) {
  std::vector<std::vector<std::uint32_t>> pops(R);
  for (std::uint32_t c = 0; c < log.customers.size(); ++c) {
    int r = log.customers[c].replication - log.first_replication;
    if (r >= 0 && r < R) pops[r].push_back(c);
  }
  return pops;
}

// A KPI table computed in every replication: mean per cell and the 95% CI of the mean.
struct TableStats {
  bool available = false;
  std::string reason;
  int replications = 0;  // replications in which the table exists
  std::vector<std::string> rows, columns;
  std::vector<std::vector<double>> mean, lo, hi;
  std::vector<double> headline;  // the KPI's headline value, per replication where available
  int column(const std::string& name) const {
    auto it = std::find(columns.begin(), columns.end(), name);
    return it == columns.end() ? -1 : static_cast<int>(it - columns.begin());
  }
  std::vector<double> col(const std::vector<std::vector<double>>& m, int c) const {
    std::vector<double> v;
    for (const auto& row : m)
      v.push_back(c >= 0 && c < static_cast<int>(row.size()) ? row[c] : NAN);
    return v;
  }
};

TableStats table_stats(const kpi::Log& log, const std::vector<std::vector<std::uint32_t>>& pops,
                       const std::string& kpi_id, const std::string& table_name,
                       const kpi::Params& params) {
  TableStats st;
  const kpi::KpiDef* def = kpi::find_kpi(kpi_id);
  if (!def) {
    st.reason = "unknown KPI " + kpi_id;
    return st;
  }
  for (kpi::EventType t : def->needs)
    if (!log.has(t)) {
      st.reason = "the log has no " + std::string(eventlog::event_type_name(t)) + " events";
      return st;
    }
  if (def->needs_channels && !log.has_channel_table) {
    st.reason = "the log has no channel table";
    return st;
  }
  std::vector<kpi::ResultTable> tables;
  for (std::size_t r = 0; r < pops.size(); ++r) {
    std::vector<const kpi::ChannelDay*> rows;
    for (const auto& d : log.channels)
      if (d.replication == log.first_replication + r) rows.push_back(&d);
    kpi::Context ctx{log, pops[r], *def, params, &rows, nullptr, {}};
    kpi::Result res = def->compute(ctx);
    if (!res.available) {
      if (st.reason.empty()) st.reason = res.reason;
      continue;
    }
    st.headline.push_back(res.value);
    for (auto& t : res.tables)
      if (t.name == table_name) tables.push_back(std::move(t));
  }
  if (tables.empty()) {
    if (st.reason.empty()) st.reason = "no " + table_name + " table";
    return st;
  }
  st.available = true;
  st.replications = static_cast<int>(tables.size());
  std::set<std::string> row_set;
  for (const auto& t : tables) row_set.insert(t.row_labels.begin(), t.row_labels.end());
  st.rows.assign(row_set.begin(), row_set.end());
  const kpi::ResultTable* widest = &tables[0];
  for (const auto& t : tables)
    if (t.columns.size() > widest->columns.size()) widest = &t;
  st.columns = widest->columns;
  for (const auto& t : tables)
    for (const auto& c : t.columns)
      if (std::find(st.columns.begin(), st.columns.end(), c) == st.columns.end())
        st.columns.push_back(c);
  std::map<std::string, std::size_t> row_index;
  for (std::size_t i = 0; i < st.rows.size(); ++i) row_index[st.rows[i]] = i;
  std::vector<std::vector<std::vector<double>>> values(
      st.rows.size(), std::vector<std::vector<double>>(st.columns.size()));
  for (const auto& t : tables)
    for (std::size_t i = 0; i < t.row_labels.size() && i < t.cells.size(); ++i)
      for (std::size_t k = 0; k < t.columns.size() && k < t.cells[i].size(); ++k)
        if (std::isfinite(t.cells[i][k]))
          values[row_index[t.row_labels[i]]][st.column(t.columns[k])].push_back(t.cells[i][k]);
  auto blank =
      std::vector<std::vector<double>>(st.rows.size(), std::vector<double>(st.columns.size(), NAN));
  st.mean = st.lo = st.hi = blank;
  for (std::size_t i = 0; i < st.rows.size(); ++i)
    for (std::size_t k = 0; k < st.columns.size(); ++k) {
      const auto& v = values[i][k];
      if (v.empty()) continue;
      double m = 0;
      for (double x : v) m += x;
      m /= v.size();
      st.mean[i][k] = m;
      if (v.size() > 1) {
        double ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        double h = kpi::t_quantile_975(static_cast<int>(v.size()) - 1) *
                   std::sqrt(ss / (v.size() - 1) / v.size());
        st.lo[i][k] = m - h;
        st.hi[i][k] = m + h;
      }
    }
  return st;
}

std::vector<double> iota_x(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i);
  return x;
}

using svg::figure;
using svg::page;

std::string missing(const std::string& id, const std::string& title, const std::string& reason) {
  return "<div class=\"missing\" data-chart-missing=\"" + id + "\"><strong>" + escape(title) +
         "</strong>: not available for this log (" + escape(reason) + ").</div>\n";
}

std::string date_of(std::int64_t t) {
  return kpi::format_date(static_cast<long>(std::floor(static_cast<double>(t) / kpi::kDay)));
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// Funnel

Funnel acquisition_funnel(const kpi::Log& log) {
  using E = kpi::EventType;
  enum { kLead, kTrial, kConverted, kActivated, kPaying, kSteps };
  static const std::array<const char*, kSteps> ids = {"leads", "trial_started", "converted",
                                                      "activated", "paying_at_end"};
  static const std::array<const char*, kSteps> labels = {
      "Leads / sign-ups", "Trial started", "Converted to paying", "Activated", "Paying at the end"};
  const int R = replication_count(log);
  const bool contractual = !(log.has(E::purchase) && !log.has(E::payment));
  std::vector<std::uint8_t> reached(log.customers.size(), 0);
  std::array<double, kSteps> count{};
  std::map<std::string, std::array<double, kSteps>> by_channel;
  for (std::uint32_t c = 0; c < log.customers.size(); ++c) {
    const auto& ci = log.customers[c];
    std::int64_t start = ci.created != kpi::kNone              ? ci.created
                         : log.offsets[c] < log.offsets[c + 1] ? log.time[log.offsets[c]]
                                                               : log.start;
    std::array<std::int64_t, kSteps> at;
    at.fill(kpi::kNone);
    at[kLead] = start;
    if (ci.converted != kpi::kNone) at[kConverted] = ci.converted;
    bool paying = false;
    for (std::uint64_t i = log.offsets[c]; i < log.offsets[c + 1]; ++i) {
      auto t = static_cast<E>(log.type[i]);
      if (t == E::trial_started && at[kTrial] == kpi::kNone) at[kTrial] = log.time[i];
      if (t == E::activated && at[kActivated] == kpi::kNone) at[kActivated] = log.time[i];
      if (t == E::conversion || t == E::reactivated) {
        paying = true;
        if (at[kConverted] == kpi::kNone) at[kConverted] = log.time[i];
      }
      if (t == E::churned) paying = false;
    }
    if (ci.converted != kpi::kNone && !log.has(E::conversion)) paying = ci.churned == kpi::kNone;
    if (contractual && paying && at[kConverted] != kpi::kNone) at[kPaying] = log.end;
    auto& ch = by_channel[ci.channel >= 0 ? log.name("channels", ci.channel) : "(none)"];
    for (int s = 0; s < kSteps; ++s)
      if (at[s] != kpi::kNone) {
        reached[c] |= 1u << s;
        count[s] += 1;
        ch[s] += 1;
      }
  }
  // the lifecycle order; steps nobody reached (no trials in a sales-led log) are left out
  std::vector<int> order = {kLead, kTrial, kConverted, kActivated, kPaying};
  std::erase_if(order, [&](int s) { return s != kLead && count[s] == 0; });
  // the chart's bars must nest: an optional step (trial, activation) is a bar only if every
  // customer of the next core bar (converted, then paying at the end) reached it too
  auto nests = [&](int step, int next) {
    unsigned need = (1u << next);
    for (auto m : reached)
      if ((m & need) && !(m & (1u << step))) return false;
    return true;
  };
  std::array<bool, kSteps> bar{};
  bar[kLead] = bar[kConverted] = bar[kPaying] = true;
  // trial: every converted customer started one; activation: every activated customer
  // converted and every customer paying at the end activated
  bar[kTrial] = count[kTrial] > 0 && count[kConverted] > 0 && nests(kTrial, kConverted);
  bar[kActivated] = count[kActivated] > 0 && count[kPaying] > 0 && nests(kConverted, kActivated) &&
                    nests(kActivated, kPaying);
  Funnel f;
  f.replications = R;
  for (std::size_t k = 0; k < order.size(); ++k) {
    int s = order[k];
    FunnelStepCount step;
    step.id = ids[s];
    step.label = labels[s];
    if (s == kConverted && !contractual) step.label = "First purchase";
    step.customers = count[s] / R;
    step.in_chart = bar[s];
    if (k > 0) {
      // a bar refers to the bar above it; a side step to the step before it (paying at the end
      // to converted, its superset)
      int base = s == kPaying ? kConverted : order[k - 1];
      if (bar[s])
        for (std::size_t j = k; j-- > 0;)
          if (bar[order[j]]) {
            base = order[j];
            break;
          }
      unsigned both = (1u << s) | (1u << base);
      double n = 0;
      for (auto m : reached)
        if ((m & both) == both) n += 1;
      step.base = ids[base];
      step.with_base = n / R;
    } else {
      step.with_base = step.customers;
    }
    f.steps.push_back(step);
  }
  for (const auto& [name, counts] : by_channel) {
    std::vector<double> v;
    for (int s : order) v.push_back(counts[s] / R);
    f.by_channel.emplace_back(name, v);
  }
  return f;
}

// ----------------------------------------------------------------------------------------------
// Run report

namespace {

std::string funnel_section(const kpi::Log& log, const Funnel& f) {
  std::string s = "<section id=\"funnel\">\n<h2>Acquisition funnel</h2>\n";
  if (f.steps.empty() || f.steps[0].customers <= 0)
    return s + missing("funnel", "Acquisition funnel", "no customers") + "</section>\n";
  svg::FunnelChart ch;
  ch.title = "Acquisition funnel";
  ch.subtitle = f.replications > 1 ? "customers reaching each step, mean per replication (" +
                                         std::to_string(f.replications) + " replications)"
                                   : "customers reaching each step";
  ch.value_label = "customers";
  ch.width = 1200;
  const double lead = f.steps[0].customers;
  std::string side;  // the steps that do not nest, beside the chart
  for (std::size_t i = 0; i < f.steps.size(); ++i) {
    const auto& st = f.steps[i];
    auto base = std::find_if(f.steps.begin(), f.steps.end(),
                             [&](const FunnelStepCount& x) { return x.id == st.base; });
    std::string of_base;
    if (i > 0 && base != f.steps.begin() && base != f.steps.end() && base->customers > 0)
      of_base = svg::format_value(st.with_base / base->customers, Format::percent) + " of \"" +
                base->label + "\"";
    if (!st.in_chart) {
      side += "<li>" + escape(st.label) + ": " + svg::format_value(st.customers, Format::number) +
              " (" + svg::format_value(st.customers / lead, Format::percent) + " of leads" +
              (of_base.empty() ? "" : "; " + escape(of_base)) + ")</li>\n";
      continue;
    }
    svg::FunnelStep step{st.label, st.customers, ""};
    if (i > 0) step.note = svg::format_value(st.customers / lead, Format::percent) + " of leads";
    if (!of_base.empty()) step.note += " · " + of_base;
    ch.steps.push_back(step);
  }
  s += figure("funnel", svg::render(ch),
              "Each bar counts the customers who reached the step at any time within the log, and "
              "each bar's customers are among the bar's above it: leads or sign-ups; a trial start "
              "(a bar only when every converted customer started one); the first conversion to "
              "paying; activation (all required activation tasks done; a bar only when every "
              "activated customer converted and every customer paying at the end activated); "
              "paying at the end (converted and not churned, or reactivated after the last "
              "churn). \"of &lt;step&gt;\" is the share of the bar above.");
  if (!side.empty())
    s += "<p class=\"meta\">Steps that not every customer passes through, so not bars of the "
         "funnel:</p>\n<ul class=\"side-steps\">\n" +
         side + "</ul>\n";
  // by channel
  s += "<h3>By acquisition channel</h3>\n<div "
       "class=\"table-wrap\">\n<table>\n<thead><tr><th>channel</th>";
  for (const auto& st : f.steps) s += "<th class=\"num\">" + escape(st.label) + "</th>";
  s += "<th class=\"num\">lead → paying</th></tr></thead>\n<tbody>\n";
  int conv_col = -1;
  for (std::size_t i = 0; i < f.steps.size(); ++i)
    if (f.steps[i].id == "converted") conv_col = static_cast<int>(i);
  for (const auto& [name, counts] : f.by_channel) {
    s += "<tr><td>" + escape(name) + "</td>";
    for (double v : counts)
      s += "<td class=\"num\">" + svg::format_value(v, Format::number) + "</td>";
    double rate = conv_col >= 0 && counts[0] > 0 ? counts[conv_col] / counts[0] : NAN;
    s += "<td class=\"num\">" + svg::format_value(rate, Format::percent) + "</td></tr>\n";
  }
  s += "</tbody>\n</table>\n</div>\n";
  (void)log;
  return s + "</section>\n";
}

std::string months_caption(int R) {
  return R > 1 ? "Mean over " + std::to_string(R) +
                     " replications; the band is the 95% confidence interval of that mean "
                     "(Student t)."
               : "One replication (no confidence band).";
}

std::string revenue_section(const kpi::Log& log,
                            const std::vector<std::vector<std::uint32_t>>& pops,
                            const kpi::Params& params) {
  const int R = static_cast<int>(pops.size());
  std::string s =
      "<section id=\"growth\">\n<h2>MRR and active customers</h2>\n<div class=\"grid2\">\n";
  TableStats mrr = table_stats(log, pops, "mrr", "mrr", params);
  TableStats act = table_stats(log, pops, "active_customers", "active_customers", params);
  if (mrr.available && mrr.column("mrr") >= 0) {
    svg::LineChart ch;
    ch.title = "Monthly recurring revenue";
    ch.subtitle = R > 1 ? "at each month end; mean of " + std::to_string(R) + " replications"
                        : "at each month end";
    ch.x = {"month end", Format::number, {}, {}};
    ch.y = {"MRR (currency/month)", Format::number, {}, {}};
    ch.x_categories = mrr.rows;
    int c = mrr.column("mrr");
    svg::Series se{"MRR", iota_x(mrr.rows.size()), mrr.col(mrr.mean, c), {}, {}, false, true, ""};
    if (R > 1) se.lo = mrr.col(mrr.lo, c), se.hi = mrr.col(mrr.hi, c);
    // the headline MRR is at the end of the log: when that is inside a month, the chart ends
    // there too (the last whole month's end is not the end of the data, #16)
    const double days = static_cast<double>(log.end - log.start) / 86400;
    const bool partial = days / (365.25 / 12) - mrr.rows.size() > 1e-6;
    if (partial && !mrr.headline.empty()) {
      Estimate e = estimate(mrr.headline);
      ch.x_categories.push_back("end (day " + svg::format_value(days, Format::number) + ")");
      se.x.push_back(static_cast<double>(se.x.size()));
      se.y.push_back(e.mean);
      if (R > 1) se.lo.push_back(e.ci_low), se.hi.push_back(e.ci_high);
      ch.subtitle += "; the last point is the end of the log";
    }
    ch.series.push_back(se);
    ch.band_label = "95% CI";
    s += figure("mrr", svg::render(ch),
                "MRR replayed from conversion, upgrade, downgrade, seat, churn and reactivation "
                "events at each whole month's end, and at the end of the log when it falls inside "
                "a month: that last point is the headline MRR (KPI <code>mrr</code>). " +
                    months_caption(R));
  } else {
    s += missing("mrr", "Monthly recurring revenue", mrr.reason);
  }
  if (act.available && act.column("active") >= 0) {
    svg::LineChart ch;
    ch.title = "Active and paying customers";
    ch.subtitle = R > 1 ? "per month; mean of " + std::to_string(R) + " replications" : "per month";
    ch.x = {"month", Format::number, {}, {}};
    ch.y = {"customers", Format::number, {}, {}};
    ch.x_categories = act.rows;
    int c = act.column("active");
    svg::Series se{"active (engaged in the month)",
                   iota_x(act.rows.size()),
                   act.col(act.mean, c),
                   {},
                   {},
                   false,
                   true,
                   ""};
    if (R > 1) se.lo = act.col(act.lo, c), se.hi = act.col(act.hi, c);
    ch.series.push_back(se);
    if (mrr.available && mrr.column("paying_customers") >= 0) {
      // align the paying customers (month ends) with the same month labels
      int pc = mrr.column("paying_customers");
      std::vector<double> y(act.rows.size(), NAN), lo(act.rows.size(), NAN),
          hi(act.rows.size(), NAN);
      for (std::size_t i = 0; i < act.rows.size(); ++i) {
        auto it = std::find(mrr.rows.begin(), mrr.rows.end(), act.rows[i]);
        if (it == mrr.rows.end()) continue;
        std::size_t k = it - mrr.rows.begin();
        y[i] = mrr.mean[k][pc];
        lo[i] = mrr.lo[k][pc];
        hi[i] = mrr.hi[k][pc];
      }
      svg::Series ps{"paying (at month end)", iota_x(act.rows.size()), y, {}, {}, false, true, ""};
      if (R > 1) ps.lo = lo, ps.hi = hi;
      ch.series.push_back(ps);
    }
    ch.band_label = R > 1 ? "95% CI" : "";
    s += figure("active", svg::render(ch),
                "Active: customers with a login, feature use, value action or purchase in the "
                "month (KPI <code>active_customers</code>); paying: customers paying at the "
                "month's end (from <code>mrr</code>). " +
                    months_caption(R));
  } else {
    s += missing("active", "Active customers", act.reason);
  }
  return s + "</div>\n</section>\n";
}

std::string retention_section(const kpi::Log& log,
                              const std::vector<std::vector<std::uint32_t>>& pops,
                              const kpi::Params& params) {
  const int R = static_cast<int>(pops.size());
  std::string s = "<section id=\"retention\">\n<h2>Cohort retention</h2>\n<div class=\"grid2\">\n";
  struct Which {
    const char* table;
    const char* id;
    const char* title;
    const char* subtitle;
    const char* caption;
  };
  const std::array<Which, 2> which = {
      Which{"logo_retention", "retention", "Cohort retention (logo)",
            "share of each conversion-month cohort still paying k months later",
            "Cell (cohort, k): share of the customers who converted in that month who are paying "
            "k months (30.44 days) after their own conversion; cells beyond the end of the log "
            "are empty (KPI <code>cohort_retention</code>). "},
      Which{"active_share", "active-share", "Cohort activity",
            "share of each conversion-month cohort active in its k-th month",
            "Cell (cohort, k): share of the cohort with a login, feature use, value action or "
            "purchase in the k-th month after conversion. "}};
  // cohort sizes (customers converting in the month, mean per replication) for the row labels
  std::map<std::string, double> cohort_size;
  // the cohort's last conversion: a cell whose month this member cannot have reached by the end
  // of the log holds only the cohort's earlier converters (partial, marked)
  std::map<std::string, std::int64_t> last_conversion;
  for (const auto& c : log.customers)
    if (c.converted != kpi::kNone) {
      const std::string label = kpi::month_label(c.converted);
      cohort_size[label] += 1.0 / R;
      auto& last = last_conversion.try_emplace(label, c.converted).first->second;
      last = std::max(last, c.converted);
    }
  const double month_s = 365.25 / 12 * 86400;
  for (const auto& w : which) {
    TableStats t = table_stats(log, pops, "cohort_retention", w.table, params);
    if (!t.available) {
      s += missing(w.id, w.title, t.reason);
      continue;
    }
    svg::Heatmap h;
    h.title = w.title;
    h.subtitle = w.subtitle;
    h.x_label = "months since conversion";
    h.y_label = "conversion cohort (month)";
    h.value_label = "share";
    for (const auto& r : t.rows)
      h.rows.push_back(r + " (n=" + svg::format_value(cohort_size[r], Format::number) + ")");
    for (const auto& c : t.columns)
      h.columns.push_back(c.size() > 1 && c[0] == 'm' ? c.substr(1) : c);
    h.cells = t.mean;
    h.format = Format::percent;
    // logo retention is read at the start of month k, activity over the whole month k
    const int needs = std::string(w.table) == "active_share" ? 1 : 0;
    int partial = 0;
    h.cell_labels.assign(t.rows.size(), std::vector<std::string>(t.columns.size()));
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      auto last = last_conversion.find(t.rows[r]);
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        const double v = t.mean[r][c];
        if (!std::isfinite(v) || last == last_conversion.end()) continue;
        const double reach = static_cast<double>(last->second) + (c + needs) * month_s;
        if (reach > static_cast<double>(log.end)) {
          h.cell_labels[r][c] =
              std::to_string(std::lround(v * 100)) + "*";  // as the others, marked
          ++partial;
        }
      }
    }
    // colour scale from the lowest share (down to a 10% step) to 100%: retention often stays
    // within 70-100%, and a 0-100% scale would paint it all dark
    double lowest = 1;
    for (const auto& row : t.mean)
      for (double v : row)
        if (std::isfinite(v)) lowest = std::min(lowest, v);
    h.min = std::clamp(std::floor(lowest * 10 + 1e-9) / 10, 0.0, 0.9);
    h.max = 1;
    s += figure(w.id, svg::render(h),
                std::string(w.caption) + "n: customers in the cohort" +
                    (R > 1 ? " (mean per replication); cells are the mean over " +
                                 std::to_string(R) + " replications."
                           : ".") +
                    (partial ? " * partial: the log ends before the cohort's later converters "
                               "reach this month, so the cell holds only its earlier ones (" +
                                   std::to_string(partial) + " cells)."
                             : ""),
                " data-partial=\"" + std::to_string(partial) + "\"");
  }
  return s + "</div>\n</section>\n";
}

std::string survival_and_stages_section(const kpi::Log& log,
                                        const std::vector<std::vector<std::uint32_t>>& pops,
                                        const kpi::Params& params) {
  const int R = static_cast<int>(pops.size());
  using E = kpi::EventType;
  std::string s =
      "<section id=\"survival\">\n<h2>Survival and lifecycle stages</h2>\n<div class=\"grid2\">\n";
  kpi::Lifetimes lt = kpi::lifetimes(log);
  if (lt.days.empty()) {
    s += missing("survival", "Kaplan-Meier survival", "no customer converted");
  } else if (!log.has(E::churned)) {
    s += missing("survival", "Kaplan-Meier survival", "the log has no churned events");
  } else {
    kpi::KmCurve km = kpi::kaplan_meier(lt.days, lt.churned);
    svg::LineChart ch;
    ch.title = "Customer survival (Kaplan-Meier)";
    ch.subtitle = svg::format_value(static_cast<double>(km.n), Format::integer) +
                  " converted customers, " +
                  svg::format_value(static_cast<double>(km.events), Format::integer) + " churned" +
                  (R > 1 ? " (pooled over " + std::to_string(R) + " replications)" : "");
    ch.x = {"days since conversion", Format::number, 0.0, kpi::days(log.end - log.start)};
    ch.y = {"share still paying (survival)", Format::percent, 0.0, 1.0};
    svg::Series se{"survival S(t)", {0.0}, {1.0}, {1.0}, {1.0}, true, false, ""};
    for (const auto& p : km.points) {
      se.x.push_back(p.t);
      se.y.push_back(p.survival);
      se.lo.push_back(p.lower);
      se.hi.push_back(p.upper);
    }
    ch.series.push_back(se);
    ch.band_label = "95% CI (log-log)";
    std::string median = "not reached";
    if (km.median) {
      median = svg::format_value(*km.median, Format::number) + " days";
      ch.x_markers.emplace_back(*km.median, "median " + median);
      median += " (95% CI " +
                (km.median_lower ? svg::format_value(*km.median_lower, Format::number) : "–") +
                " to " +
                (km.median_upper ? svg::format_value(*km.median_upper, Format::number)
                                 : std::string("not reached")) +
                ")";
    }
    s += figure("survival", svg::render(ch),
                "Share of paying customers not yet churned t days after their conversion; "
                "customers still paying at the end of the log are censored there. Pointwise 95% "
                "band from Greenwood's variance on the log-log scale (R survival's default). "
                "Median lifetime: " +
                    escape(median) + ".");
  }
  TableStats st = table_stats(log, pops, "stage_distribution", "stage_distribution", params);
  if (!st.available) {
    s += missing("stages", "Stage distribution", st.reason);
  } else {
    svg::StackedArea ch;
    ch.title = "Lifecycle stages over time";
    ch.subtitle = R > 1 ? "customers in each stage at month end; mean of " + std::to_string(R) +
                              " replications"
                        : "customers in each stage at month end";
    ch.x = {"month end", Format::number, {}, {}};
    ch.y = {"customers in stage", Format::number, {}, {}};
    ch.x_categories = st.rows;
    for (std::size_t k = 0; k < st.columns.size(); ++k)
      ch.series.emplace_back(st.columns[k], st.col(st.mean, static_cast<int>(k)));
    s +=
        figure("stages", svg::render(ch),
               "Customers in each lifecycle stage (from <code>stage_entered</code> events) at each "
               "whole month's end, stacked in stage order; churned customers leave the stack "
               "(KPI <code>stage_distribution</code>).");
  }
  return s + "</div>\n</section>\n";
}

// The headline figures. CAC is the fully loaded one (channel spend and team costs), the CAC of
// the CLV:CAC ratio beside it and of the KPI table: marketing-only CAC next to the subscription
// CLV made a 55:1 ratio on the cards while the table said 18.6 (#16).
std::string headline_cards(const kpi::ScoreReport& rep) {
  static const std::array<const char*, 7> ids = {
      "mrr", "active_customers", "conversion_rate", "monthly_churn_rate", "cac_fully_loaded",
      "clv", "cac_clv_ratio"};
  std::string s;
  for (const char* id : ids)
    for (const auto& k : rep.scores) {
      if (k.id != id || k.replications == 0) continue;
      const kpi::KpiDef* d = kpi::find_kpi(k.id);
      s += "<div class=\"card\"><div class=\"k\">" + escape(d->name) + "</div><div class=\"v\">" +
           escape(fmt(k.mean, d->unit)) + "</div><div class=\"c\">" + escape(d->unit);
      if (std::isfinite(k.ci_low)) s += " · 95% CI " + escape(fmt_ci(k.ci_low, k.ci_high, d->unit));
      s += "</div></div>\n";
    }
  return s.empty() ? s : "<div class=\"cards\">\n" + s + "</div>\n";
}

std::string kpi_section(const kpi::ScoreReport& rep, const BaselineVerdicts* baseline) {
  std::multimap<std::string, const KpiVerdict*> verdicts;
  if (baseline)
    for (const auto& v : baseline->verdicts) verdicts.emplace(v.kpi_id, &v);
  std::string s = "<section id=\"kpis\">\n<h2>KPIs</h2>\n<p class=\"meta\">";
  s += rep.replications > 1 ? "Mean over " + std::to_string(rep.replications) +
                                  " replications with its 95% confidence interval (Student t)."
                            : "One replication: values without confidence intervals.";
  if (baseline)
    s += " Baseline: <strong>" + escape(baseline->name) + "</strong> (" +
         std::to_string(baseline->verdicts.size()) +
         " published figures; hover a range for its source). Verdicts respect the KPI's "
         "direction: better / typical / worse than the range, meets / misses a threshold.";
  s += " Definitions: <code>journeysim kpis</code> or docs/kpis.md.</p>\n";
  s += "<div class=\"table-wrap\">\n<table class=\"kpis\">\n<thead><tr><th>KPI</th><th "
       "class=\"num\">value</th>"
       "<th class=\"num\">95% CI</th><th>unit</th><th>direction</th><th class=\"num\">n</th>";
  if (baseline) s += "<th>baseline range</th><th>verdict</th>";
  s += "</tr></thead>\n<tbody>\n";
  const int cols = baseline ? 8 : 6;
  // grouped by area (in order of first appearance, as docs/kpis.md), registry order within one
  std::vector<const kpi::KpiDef*> defs;
  for (const auto& d : kpi::registry()) {
    auto same = [&](const kpi::KpiDef* x) { return x->area == d.area; };
    auto last = std::find_if(defs.rbegin(), defs.rend(), same);
    defs.insert(last == defs.rend() ? defs.end() : last.base(), &d);
  }
  std::string area;
  for (const kpi::KpiDef* dp : defs) {
    const kpi::KpiDef& d = *dp;
    auto it = std::find_if(rep.scores.begin(), rep.scores.end(),
                           [&](const kpi::KpiScore& k) { return k.id == d.id; });
    if (it == rep.scores.end()) continue;
    const kpi::KpiScore& k = *it;
    if (d.area != area) {
      area = d.area;
      s += "<tr class=\"area\"><td colspan=\"" + std::to_string(cols) + "\">" + escape(area) +
           "</td></tr>\n";
    }
    bool ok = k.replications > 0;
    s += ok ? "<tr data-kpi=\"" : "<tr class=\"unavailable\" data-kpi=\"";
    s += escape(d.id) + "\"><td>" + escape(d.name) + " <code>" + escape(d.id) + "</code></td>";
    if (ok) {
      s += "<td class=\"num\">" + escape(fmt(k.mean, d.unit)) + "</td><td class=\"num\">" +
           escape(fmt_ci(k.ci_low, k.ci_high, d.unit)) + "</td>";
    } else {
      s += "<td colspan=\"2\">not available: " + escape(k.result.reason) + "</td>";
    }
    s += "<td>" + escape(d.unit) + "</td><td>" +
         escape(direction_text(kpi::direction_id(d.direction))) + "</td><td class=\"num\">" +
         (ok ? svg::format_value(k.result.n, Format::integer) : std::string("–")) + "</td>";
    if (baseline) {
      auto [first, last] = verdicts.equal_range(d.id);
      if (first == last) {
        s += "<td>–</td><td></td>";
      } else {
        // one line per published figure
        std::string ranges, badges;
        for (auto v = first; v != last; ++v) {
          std::string tip =
              v->second->note.empty() ? "" : " title=\"" + escape(v->second->note) + "\"";
          if (v != first) ranges += "<br/>", badges += "<br/>";
          ranges += "<span" + tip + ">" + escape(v->second->range) + "</span>";
          badges += "<span class=\"badge " + verdict_class(v->second->verdict) + "\"" + tip + ">" +
                    escape(v->second->verdict) + "</span>";
        }
        s += "<td>" + ranges + "</td><td>" + badges + "</td>";
      }
    }
    s += "</tr>\n";
  }
  return s + "</tbody>\n</table>\n</div>\n</section>\n";
}

std::string footer_text() {
  return std::string("<p>Generated by journeysim ") + kVersion +
         " (<code>journeysim report</code>). Self-contained: inline SVG and CSS, no scripts, no "
         "network access needed. Hover a chart element for its value.</p>\n";
}

}  // namespace

std::string run_report_html(const kpi::Log& log, const ReportOptions& options) {
  const int R = replication_count(log);
  auto pops = populations(log, R);
  kpi::ScoreOptions so;
  so.params = options.params;
  kpi::ScoreReport rep = kpi::score(log, so);
  BaselineVerdicts baseline;
  if (options.baseline) baseline = options.baseline(rep);
  Funnel funnel = acquisition_funnel(log);

  std::string scenario = log.scenario_name.empty() ? "event log" : log.scenario_name;
  std::string title = options.title.empty() ? scenario + ": journeysim report" : options.title;
  std::string header = "<h1>" + escape(title) + "</h1>\n";
  header += "<p class=\"meta\">Scenario <strong>" + escape(scenario) + "</strong> · log <code>" +
            escape(log.source) + "</code></p>\n";
  header += "<p class=\"meta\">" + date_of(log.start) + " to " + date_of(log.end) + " (" +
            svg::format_value(kpi::days(log.end - log.start), Format::number) + " days) · " +
            std::to_string(R) + (R > 1 ? " replications" : " replication") + " · " +
            svg::format_value(static_cast<double>(log.customers.size()) / R, Format::number) +
            " customers" + (R > 1 ? " per replication" : "") + " · " +
            svg::format_value(static_cast<double>(log.event_count()), Format::integer) +
            " events</p>\n";
  if (!options.params.empty()) {
    header += "<p class=\"meta\">KPI parameters:";
    for (const auto& [k, v] : options.params) header += " <code>" + escape(k + "=" + v) + "</code>";
    header += "</p>\n";
  }
  header += headline_cards(rep);
  std::string nav =
      "<a href=\"#funnel\">Funnel</a><a href=\"#growth\">MRR &amp; active customers</a>"
      "<a href=\"#retention\">Cohort retention</a><a href=\"#survival\">Survival &amp; stages</a>"
      "<a href=\"#kpis\">KPI table</a>\n";
  std::string body = funnel_section(log, funnel);
  body += revenue_section(log, pops, options.params);
  body += retention_section(log, pops, options.params);
  body += survival_and_stages_section(log, pops, options.params);
  body += kpi_section(rep, options.baseline ? &baseline : nullptr);
  return page(title, header, nav, body, footer_text());
}

// ----------------------------------------------------------------------------------------------
// Compare report

namespace {

double jnum(const json& j, const char* key) {
  if (!j.is_object()) return NAN;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}
std::string jstr(const json& j, const char* key, const std::string& def = "") {
  if (!j.is_object()) return def;
  auto it = j.find(key);
  if (it == j.end()) return def;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number() || it->is_boolean()) return it->dump();
  return def;
}
std::pair<double, double> jci(const json& j, const char* key) {
  if (!j.is_object()) return {NAN, NAN};
  auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->size() != 2) return {NAN, NAN};
  auto v = [](const json& x) { return x.is_number() ? x.get<double>() : NAN; };
  return {v((*it)[0]), v((*it)[1])};
}
bool jbool(const json& j, const char* key, bool def) {
  if (!j.is_object()) return def;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : def;
}

void check_compare_json(const json& c, const std::string& source) {
  auto bad = [&](const std::string& what) {
    return std::runtime_error(source +
                              ": not a `journeysim compare --format json` output: " + what);
  };
  if (!c.is_object()) throw bad("expected a JSON object, found " + std::string(c.type_name()));
  if (!c.contains("tool")) {
    if (c.contains("kpis") && c.contains("source"))
      throw std::runtime_error(source +
                               ": this is a `journeysim score` JSON, not a compare output; for "
                               "the report of a run give its event log (journeysim report "
                               "LOG.h5 -o report.html)");
    throw bad("no \"tool\" key");
  }
  if (jstr(c, "tool") != "journeysim compare")
    throw bad("\"tool\" is '" + jstr(c, "tool") + "', expected 'journeysim compare'");
  if (!c.contains("scenarios") || !c["scenarios"].is_array() || c["scenarios"].empty())
    throw bad("no \"scenarios\" list");
  for (const auto& s : c["scenarios"])
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string())
      throw bad("a scenario without a \"name\"");
  if (!c.contains("kpis") || !c["kpis"].is_array()) throw bad("no \"kpis\" list");
  for (const auto& k : c["kpis"]) {
    if (!k.is_object() || !k.contains("id") || !k["id"].is_string())
      throw bad("a KPI without an \"id\"");
    for (const char* list : {"values", "differences"})
      if (k.contains(list) && !k[list].is_array())
        throw bad("KPI '" + k["id"].get<std::string>() + "': \"" + list + "\" is not a list");
  }
  if (c.contains("economics") && !c["economics"].is_array())
    throw bad("\"economics\" is not a list");
}

std::string value_cell(const json& v, const std::string& unit, const std::string& attrs = "") {
  if (!v.is_object() || !jbool(v, "available", true) || !std::isfinite(jnum(v, "mean")))
    return "<td class=\"num\"" + attrs + ">–</td>";
  auto [lo, hi] = jci(v, "ci");
  std::string s = "<td class=\"num\"" + attrs + ">" + escape(fmt(jnum(v, "mean"), unit));
  if (std::isfinite(lo)) s += "<br/><small>" + escape(fmt_ci(lo, hi, unit)) + "</small>";
  return s + "</td>";
}

// Whether a difference is significant (older compare JSONs without the key: by its verdict).
bool significant(const json& d) {
  if (d.is_object() && d.contains("significant") && d["significant"].is_boolean())
    return d["significant"].get<bool>();
  std::string v = jstr(d, "verdict", "no difference");
  return v != "no difference" && v != "–";
}
// A difference as the summary writes it (pp for shares, points, or the unit with the relative
// change), from the JSON's "change" (older JSONs: the difference in the KPI's unit).
std::string change_text_of(const json& d, const std::string& unit) {
  if (d.is_object() && d.contains("change") && d["change"].is_object())
    return jstr(d["change"], "text", fmt_signed(jnum(d, "delta"), unit));
  return fmt_signed(jnum(d, "delta"), unit);
}

std::string forest_section(const json& c) {
  const auto& scen = c["scenarios"];
  std::string base = jstr(scen[0], "name");
  svg::ForestPlot fp;
  fp.title = "Relative difference of each KPI, variant vs " + base;
  fp.x = {"relative difference, (variant − base) / base (%)", Format::signed_percent, {}, {}};
  std::size_t skipped = 0, folded_count = 0, plotted = 0;
  std::vector<double> mags;
  std::string folded;  // the non-significant differences, listed under the plot
  for (std::size_t vi = 1; vi < scen.size(); ++vi) {
    const std::string variant = jstr(scen[vi], "name");
    struct Row {
      svg::ForestRow r;
      double size;
    };
    std::vector<Row> rows;
    std::vector<std::string> quiet;
    for (const auto& k : c["kpis"]) {
      std::string unit = jstr(k, "unit");
      for (const auto& d : k.value("differences", json::array())) {
        if (jstr(d, "variant") != variant) continue;
        double rel = jnum(d, "relative");
        auto [lo, hi] = jci(d, "relative_ci");
        const bool relative_shown =
            !d.contains("change") || jbool(d["change"], "relative_shown", true);
        if (!jbool(d, "available", true) || !std::isfinite(rel) || !std::isfinite(lo) ||
            !std::isfinite(hi) || !relative_shown) {
          ++skipped;
          continue;
        }
        std::string name = jstr(k, "name", jstr(k, "id"));
        if (!significant(d)) {
          quiet.push_back(name + " " + change_text_of(d, unit));
          ++folded_count;
          continue;
        }
        std::string verdict = jstr(d, "verdict", "–");
        svg::ForestRow r;
        r.label = name;
        r.estimate = rel;
        r.lo = lo;
        r.hi = hi;
        r.color = verdict_color(verdict);
        std::string rel_text = svg::format_value(rel, Format::signed_percent) + " [" +
                               svg::format_value(lo, Format::signed_percent) + ", " +
                               svg::format_value(hi, Format::signed_percent) + "]";
        // the absolute change next to the relative one: pp for shares, points, else the number
        std::string abs_text = fmt_signed(jnum(d, "delta"), unit);
        if (d.contains("change") && d["change"].is_object()) {
          Change ch;
          ch.unit = jstr(d["change"], "unit");
          double v = jnum(d["change"], "value");
          if ((ch.unit == "pp" || ch.unit == "points") && std::isfinite(v))
            abs_text = change_number(ch, v) + " " + ch.unit;
        }
        r.note = abs_text + " · " + rel_text;
        r.tooltip =
            jstr(k, "name") + " (" + jstr(k, "id") + "), " + variant + " vs " + base +
            ": difference " + abs_text + ", relative " + rel_text + ", adjusted p " +
            (std::isfinite(jnum(d, "p_adjusted")) ? fmt_p_text(jnum(d, "p_adjusted")) : "–") +
            ", " + verdict;
        for (double v : {rel, lo, hi}) mags.push_back(std::abs(v));
        rows.push_back({r, std::abs(rel)});
      }
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& a, const Row& b) { return a.size > b.size; });
    svg::ForestRow h;
    h.heading = true;
    h.label =
        variant + " vs " + base + ": " + std::to_string(rows.size()) + " significant difference" +
        (rows.size() == 1 ? "" : "s") +
        (quiet.empty() ? "" : ", " + std::to_string(quiet.size()) + " not significant (folded)");
    fp.rows.push_back(h);
    for (auto& r : rows) fp.rows.push_back(r.r);
    plotted += rows.size();
    if (!quiet.empty()) {
      folded += "<details class=\"folded\" data-variant=\"" + escape(variant) + "\"><summary>" +
                escape(variant) + ": " + std::to_string(quiet.size()) +
                " differences that are not significant</summary>\n<ul>\n";
      for (const auto& q : quiet) folded += "<li>" + escape(q) + "</li>\n";
      folded += "</ul>\n</details>\n";
    }
  }
  std::string s = "<section id=\"forest\">\n<h2>Differences (forest plot)</h2>\n";
  if (plotted == 0)
    return s +
           missing("forest", "Forest plot",
                   folded_count ? "no significant KPI difference with a relative confidence "
                                  "interval"
                                : "no KPI difference with a relative confidence interval") +
           folded + "</section>\n";
  // a few huge relative changes (small bases) would squeeze all others: clip the axis
  std::string clipped;
  std::sort(mags.begin(), mags.end());
  double q90 = mags[static_cast<std::size_t>(0.9 * (mags.size() - 1))];
  if (q90 > 0 && mags.back() > 4 * q90) {
    double lim = svg::nice_ticks(0, 2 * q90, 4).hi;
    double lo = 0, hi = 0;
    for (const auto& r : fp.rows)
      if (!r.heading) lo = std::min(lo, r.lo), hi = std::max(hi, r.hi);
    fp.x.min = std::max(lo, -lim);
    fp.x.max = std::min(hi, lim);
    clipped = "; intervals beyond ±" + svg::tick_label(lim, lim, Format::percent) +
              " are cut (arrow heads)";
  }
  fp.subtitle =
      "significant differences by variant, largest first; point: relative difference; "
      "line: its 95% CI" +
      clipped;
  for (const char* v : {"better", "worse"}) fp.legend.emplace_back(v, verdict_color(v));
  fp.legend.emplace_back("neutral KPI (changed)", verdict_color("changed"));
  std::string caption =
      "One row per significant KPI difference (after the " +
      escape(jstr(c, "correction", "chosen")) +
      " correction), grouped by variant and sorted by the size of the relative change (variant − "
      "base) / base mean; the right column gives the absolute change (percentage points for "
      "shares) next to the relative one. Colour: the verdict (the KPI's direction).";
  if (folded_count)
    caption += " " + std::to_string(folded_count) +
               " differences that are not significant are folded into the lists below.";
  if (skipped)
    caption += " " + std::to_string(skipped) +
               " KPI differences have no relative CI (not available, a base mean of 0, or a "
               "score such as NPS that can cross zero) and are not shown.";
  return s + figure("forest", svg::render(fp), caption) + folded + "</section>\n";
}

// The KPI table of a comparison: the KPIs `ids` in that order (every KPI when empty).
std::string compare_kpi_table(const json& c, const std::vector<std::string>& ids) {
  const auto& scen = c["scenarios"];
  std::string base = jstr(scen[0], "name");
  // with one variant its name is in the header; with several, a column says which row is which
  const bool variant_column = scen.size() > 2;
  const std::string one_variant = scen.size() == 2 ? jstr(scen[1], "name") : "variant";
  std::string s;
  s += "<div class=\"table-wrap\">\n<table class=\"kpis\">\n<thead><tr><th>KPI<br/><small>unit · "
       "direction</small></th><th class=\"num\">" +
       escape(base) + "<br/><small>base</small></th>";
  if (variant_column) s += "<th>variant</th>";
  s += "<th class=\"num\">" + escape(variant_column ? std::string("variant") : one_variant) +
       "<br/><small>variant</small></th><th class=\"num\">difference</th><th "
       "class=\"num\">relative</th><th class=\"num\">p<br/><small>adjusted</small></th>"
       "<th>verdict</th></tr></thead>\n<tbody>\n";
  const int rest_cols = variant_column ? 6 : 5;
  std::vector<const json*> chosen;
  if (ids.empty()) {
    for (const auto& k : c["kpis"]) chosen.push_back(&k);
  } else {
    for (const auto& id : ids)
      for (const auto& k : c["kpis"])
        if (jstr(k, "id") == id) chosen.push_back(&k);
  }
  for (const json* kp : chosen) {
    const json& k = *kp;
    std::string unit = jstr(k, "unit");
    json values = k.value("values", json::array());
    json diffs = k.value("differences", json::array());
    auto value_of = [&](const std::string& name) -> json {
      for (const auto& v : values)
        if (jstr(v, "scenario") == name) return v;
      return json();
    };
    const bool available = jbool(k, "available", true);
    // one row per variant, or one row saying why there is none: the KPI and base cells span
    // exactly the rows emitted (a rowspan of every variant over one row shifted every later
    // KPI's cells into the wrong columns, #16)
    const bool one_row = diffs.empty() || !available;
    std::string rows = std::to_string(one_row ? 1 : diffs.size());
    std::string head = "<td rowspan=\"" + rows + "\">" + escape(jstr(k, "name", jstr(k, "id"))) +
                       " <code>" + escape(jstr(k, "id")) + "</code><br/><small>" + escape(unit) +
                       " · " + escape(direction_text(jstr(k, "direction"))) + "</small></td>";
    json bv = value_of(base);
    if (bv.is_null() && !values.empty()) bv = values[0];
    head += value_cell(bv, unit, " rowspan=\"" + rows + "\"");
    if (one_row) {
      std::string reason = jstr(bv, "reason", "not available");
      s += "<tr class=\"unavailable\" data-kpi=\"" + escape(jstr(k, "id")) + "\">" + head +
           "<td colspan=\"" + std::to_string(rest_cols) + "\">" +
           (available ? "no variant" : "not available: " + escape(reason)) + "</td></tr>\n";
      continue;
    }
    for (std::size_t i = 0; i < diffs.size(); ++i) {
      const json& d = diffs[i];
      std::string variant = jstr(d, "variant");
      s += "<tr data-kpi=\"" + escape(jstr(k, "id")) + "\">";
      if (i == 0) s += head;
      if (variant_column) s += "<td>" + escape(variant) + "</td>";
      s += value_cell(value_of(variant), unit);
      if (!jbool(d, "available", true)) {
        s += "<td colspan=\"4\">not available: " + escape(jstr(d, "reason", "–")) + "</td></tr>\n";
        continue;
      }
      auto [lo, hi] = jci(d, "ci");
      auto [rlo, rhi] = jci(d, "relative_ci");
      if (d.contains("change") && d["change"].is_object() &&
          jstr(d["change"], "unit") != unit) {  // percentage points, or points
        const json& ch = d["change"];
        auto [clo, chi] = jci(ch, "ci");
        Change c;
        c.unit = jstr(ch, "unit");
        auto pp = [&](double v) { return change_number(c, v); };
        std::string u = " " + c.unit;
        s += "<td class=\"num\">" + escape(pp(jnum(ch, "value")) + u) + "<br/><small>" +
             escape(std::isfinite(clo) ? "[" + pp(clo) + ", " + pp(chi) + "]" : "–") +
             "</small></td>";
      } else {
        s += "<td class=\"num\">" + escape(fmt_signed(jnum(d, "delta"), unit)) + "<br/><small>" +
             escape(fmt_ci(lo, hi, unit)) + "</small></td>";
      }
      const bool rel_shown = !d.contains("change") || jbool(d["change"], "relative_shown", true);
      s += "<td class=\"num\">" +
           (rel_shown ? svg::format_value(jnum(d, "relative"), Format::signed_percent)
                      : std::string("–"));
      if (std::isfinite(rlo) && rel_shown)
        s += "<br/><small>[" + svg::format_value(rlo, Format::signed_percent) + ", " +
             svg::format_value(rhi, Format::signed_percent) + "]</small>";
      s += "</td><td class=\"num\">" + fmt_p(jnum(d, "p")) + "<br/><small>" +
           fmt_p(jnum(d, "p_adjusted")) + "</small></td>";
      std::string verdict = jstr(d, "verdict", "–");
      s += "<td><span class=\"badge " + verdict_class(verdict) + "\">" + escape(verdict) +
           "</span></td></tr>\n";
    }
  }
  return s + "</tbody>\n</table>\n</div>\n";
}

// The headline KPIs of the scenario's kind (from the summary: significant first, by effect
// size), then every other KPI folded (open with --all).
std::string compare_kpi_section(const json& c) {
  const auto& scen = c["scenarios"];
  std::string base = jstr(scen[0], "name");
  std::string s = "<section id=\"kpis\">\n<h2>KPIs by scenario</h2>\n";
  s += "<p class=\"meta\">Values: mean over replications [95% CI]. Difference: variant − " +
       escape(base) +
       " [95% CI], in percentage points (pp) for shares and in points for scores that can "
       "cross zero; relative: difference / base mean. p: two-sided; adjusted: after the " +
       escape(jstr(c, "correction", "chosen")) +
       " correction across variants. Verdict: significant at the adjusted p and in the KPI's "
       "good or bad direction.</p>\n";
  std::vector<std::string> headline;
  json summary = c.value("summary", json::array());
  if (summary.is_array() && !summary.empty() && summary[0].is_object())
    for (const auto& id : summary[0].value("headline", json::array()))
      if (id.is_string()) headline.push_back(id.get<std::string>());
  if (headline.empty()) return s + compare_kpi_table(c, {}) + "</section>\n";
  std::string kind = c.contains("kind") ? jstr(c["kind"], "label") : "";
  s += "<h3>Headline KPIs" + (kind.empty() ? "" : " of a " + escape(kind)) + "</h3>\n";
  s += compare_kpi_table(c, headline);
  std::vector<std::string> others;
  for (const auto& k : c["kpis"]) {
    std::string id = jstr(k, "id");
    if (std::find(headline.begin(), headline.end(), id) == headline.end()) others.push_back(id);
  }
  if (!others.empty())
    s += std::string("<details class=\"all-kpis\"") + (jbool(c, "all", false) ? " open" : "") +
         "><summary>Every other KPI (" + std::to_string(others.size()) + ")</summary>\n" +
         compare_kpi_table(c, others) + "</details>\n";
  return s + "</section>\n";
}

// The decision summary: a few plain lines per variant.
std::string summary_section(const json& c) {
  json summary = c.value("summary", json::array());
  if (!summary.is_array() || summary.empty()) return "";
  std::string base = jstr(c["scenarios"][0], "name");
  std::string s = "<section id=\"summary\">\n<h2>Decision summary</h2>\n";
  for (const auto& v : summary) {
    std::string pays = jstr(v, "pays", "unknown");
    std::string cls = pays == "yes" ? "good" : pays == "no" ? "bad" : "same";
    s += "<div class=\"decision\" data-variant=\"" + escape(jstr(v, "variant")) + "\"><h3>" +
         escape(jstr(v, "variant")) + " vs " + escape(base) + " <span class=\"badge " + cls +
         "\">pays: " + escape(pays) + "</span></h3>\n<ul>\n";
    for (const auto& l : v.value("lines", json::array()))
      if (l.is_string()) s += "<li>" + escape(l.get<std::string>()) + "</li>\n";
    s += "</ul>\n</div>\n";
  }
  return s + "</section>\n";
}

std::string economics_section(const json& c) {
  std::string s = "<section id=\"economics\">\n<h2>Economics</h2>\n";
  json econ = c.value("economics", json::array());
  if (econ.empty())
    return s + "<p class=\"meta\">No economics in this comparison.</p>\n</section>\n";
  std::string base = jstr(c["scenarios"][0], "name");
  s += "<p class=\"meta\">Incremental figures of each variant over <strong>" + escape(base) +
       "</strong> (currency), mean over replications [95% CI]. Revenue, cost, profit and ROI "
       "(incremental profit / incremental cost) are over the simulated horizon; the residual "
       "value is the MRR still running at the horizon, projected with each replication's monthly "
       "churn and discounted; the NPV adds it to the discounted monthly profit of the horizon "
       "(docs/compare.md).</p>\n";
  s += "<div class=\"table-wrap\">\n<table>\n<thead><tr><th>variant</th><th "
       "class=\"num\">incremental revenue</th>"
       "<th class=\"num\">incremental cost</th><th class=\"num\">incremental profit</th>"
       "<th class=\"num\">ROI</th><th class=\"num\">residual value</th><th "
       "class=\"num\">NPV</th><th class=\"num\">break-even<br/><small>(lower "
       "bound)</small></th><th>note</th></tr></thead>\n<tbody>\n";
  auto cell = [](const json& e, const char* key, const char* value_key) {
    if (!e.is_object() || !e.contains(key)) return std::string("<td class=\"num\">–</td>");
    const json& x = e[key];
    auto [lo, hi] = jci(x, "ci");
    std::string unit = std::string(key) == "roi" ? "ratio" : "currency";
    std::string s = "<td class=\"num\">" + escape(fmt_signed(jnum(x, value_key), unit));
    if (std::isfinite(lo)) s += "<br/><small>" + escape(fmt_ci(lo, hi, unit)) + "</small>";
    return s + "</td>";
  };
  std::string charts;
  int chart_no = 0;
  for (const auto& e : econ) {
    json past = e.value("past_horizon", json::object());
    auto month = [&](const char* key) {
      return past.contains(key) && past[key].is_number()
                 ? "month " + std::to_string(past[key].get<int>())
                 : std::string("none");
    };
    std::string note = jstr(e, "note");
    if (!jstr(past, "note").empty()) note += (note.empty() ? "" : "; ") + jstr(past, "note");
    s += "<tr><td>" + escape(jstr(e, "variant")) + "</td>" +
         cell(e, "incremental_revenue", "delta") + cell(e, "incremental_cost", "delta") +
         cell(e, "incremental_profit", "delta") + cell(e, "roi", "value") +
         cell(past, "residual_value", "delta") + cell(past, "npv", "delta") + "<td class=\"num\">" +
         escape(month("break_even_month")) + "<br/><small>(" +
         escape(month("break_even_month_confident")) + ")</small></td><td>" + escape(note) +
         "</td></tr>\n";
    // the cumulative incremental profit, month by month, with its band
    if (!past.contains("cumulative_profit")) continue;
    const json& cp = past["cumulative_profit"];
    svg::LineChart ch;
    ch.title = "Cumulative incremental profit: " + jstr(e, "variant") + " vs " + base;
    ch.width = 1200;  // the section's width, as the forest plot: room for long scenario names
    ch.subtitle = "undiscounted; the horizon's months, then the MRR still running (projected)";
    ch.x = {"months from the start", Format::number, 0.0, {}};
    ch.y = {"cumulative incremental profit (currency)", Format::number, {}, {}};
    svg::Series sr;
    sr.name = "variant − base";
    auto vec = [](const json& a) {
      std::vector<double> v;
      for (const auto& x : a) v.push_back(x.is_number() ? x.get<double>() : NAN);
      return v;
    };
    sr.x = vec(cp.value("month_end", json::array()));
    sr.y = vec(cp.value("delta", json::array()));
    sr.lo = vec(cp.value("ci_low", json::array()));
    sr.hi = vec(cp.value("ci_high", json::array()));
    if (sr.x.empty() || sr.x.size() != sr.y.size()) continue;
    sr.x.insert(sr.x.begin(), 0.0);  // nothing at the start
    for (auto* v : {&sr.y, &sr.lo, &sr.hi}) v->insert(v->begin(), 0.0);
    ch.series.push_back(sr);
    ch.band_label = "95% CI";
    double w = jnum(past, "window_months");
    if (std::isfinite(w)) ch.x_markers.emplace_back(w, "horizon");
    if (past.contains("break_even_month") && past["break_even_month"].is_number()) {
      double be = past["break_even_month"].get<double>();
      ch.subtitle += "; break-even in month " + std::to_string(past["break_even_month"].get<int>());
      // two labels a few months apart would overlap: the subtitle names the break-even then
      ch.x_markers.emplace_back(be, std::abs(be - w) < 4 ? "" : "break-even");
    }
    charts += figure("cumulative-profit-" + std::to_string(++chart_no), svg::render(ch),
                     "Cumulative incremental profit of " + escape(jstr(e, "variant")) +
                         " (mean over replications, 95% CI band). Left of the horizon line: the "
                         "simulated months; right of it: the MRR still running at the horizon, "
                         "times the margin, surviving at each replication's monthly churn "
                         "(no discounting in this chart).",
                     " data-variant=\"" + escape(jstr(e, "variant")) + "\"");
  }
  return s + "</tbody>\n</table>\n</div>\n" + charts + "</section>\n";
}

}  // namespace

std::string compare_report_html(const json& c, const std::string& source,
                                const ReportOptions& options) {
  check_compare_json(c, source);
  try {
    const auto& scen = c["scenarios"];
    std::string base = jstr(scen[0], "name");
    std::string title = options.title;
    if (title.empty()) {
      title = "Comparison: " + base;
      for (std::size_t i = 1; i < scen.size(); ++i)
        title += (i == 1 ? " vs " : ", ") + jstr(scen[i], "name");
    }
    std::string header = "<h1>" + escape(title) + "</h1>\n";
    header += "<p class=\"meta\">From <code>" + escape(source) + "</code> (journeysim compare " +
              escape(jstr(c, "version", "?")) + ") · " + escape(jstr(c, "replications", "?")) +
              " replications · " +
              (jbool(c, "crn", true) ? "common random numbers (paired differences)"
                                     : "independent replications (Welch)") +
              " · multiple-comparison correction: " + escape(jstr(c, "correction", "none"));
    if (std::isfinite(jnum(c, "alpha"))) header += " · α = " + jstr(c, "alpha");
    if (std::isfinite(jnum(c, "horizon_days")))
      header += " · " + svg::format_value(jnum(c, "horizon_days"), Format::number) + " days";
    if (std::isfinite(jnum(c, "customers")))
      header += " · " + svg::format_value(jnum(c, "customers"), Format::number) + " customers";
    header += "</p>\n";
    std::string body =
        "<section id=\"scenarios\">\n<h2>Scenarios</h2>\n<div "
        "class=\"table-wrap\">\n<table>\n<thead><tr>"
        "<th>role</th><th>name</th><th>file</th><th class=\"num\">seed</th></tr>"
        "</thead>\n<tbody>\n";
    for (std::size_t i = 0; i < scen.size(); ++i)
      body += "<tr><td>" + escape(jstr(scen[i], "role", i == 0 ? "base" : "variant")) +
              "</td><td>" + escape(jstr(scen[i], "name")) + "</td><td><code>" +
              escape(jstr(scen[i], "path")) + "</code></td><td class=\"num\">" +
              escape(jstr(scen[i], "seed", "–")) + "</td></tr>\n";
    body += "</tbody>\n</table>\n</div>\n";
    if (c.contains("design"))
      body += "<p class=\"meta\">Design: " + escape(jstr(c, "design")) + "</p>\n";
    // what --days, --keep-rate and --scale-teams did to each scenario (the JSON's notes)
    if (c.contains("notes") && c["notes"].is_array() && !c["notes"].empty()) {
      body += "<ul class=\"notes\">\n";
      for (const auto& n : c["notes"])
        if (n.is_string()) body += "<li>" + escape(n.get<std::string>()) + "</li>\n";
      body += "</ul>\n";
    }
    body += "</section>\n";
    std::string scenarios_part = body;
    body = summary_section(c);
    body += compare_kpi_section(c);
    body += forest_section(c);
    body += economics_section(c);
    body += scenarios_part;
    std::string nav = std::string(c.contains("summary") ? "<a href=\"#summary\">Summary</a>" : "") +
                      "<a href=\"#kpis\">KPI table</a><a href=\"#forest\">Forest plot</a>"
                      "<a href=\"#economics\">Economics</a><a href=\"#scenarios\">Scenarios</a>\n";
    return page(title, header, nav, body, footer_text());
  } catch (const json::exception& e) {
    throw std::runtime_error(source +
                             ": not a `journeysim compare --format json` output: " + e.what());
  }
}

// ----------------------------------------------------------------------------------------------
// Files

ReportInputKind detect_report_input(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error(path +
                             ": is a directory, expected an event log (.h5) or a compare "
                             "JSON");
  common::check_input_file(path, std::uintmax_t{1} << 40, "report input");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  static const char sig[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  // the HDF5 superblock is at 0, 512, 1024, 2048, ... (after an optional user block)
  for (std::streamoff off : {0, 512, 1024, 2048, 4096}) {
    char b[8] = {};
    in.clear();
    in.seekg(off);
    if (!in.read(b, 8)) break;
    if (std::equal(b, b + 8, sig)) return ReportInputKind::hdf5;
  }
  in.clear();
  in.seekg(0);
  char ch = 0;
  while (in.get(ch))
    if (!std::isspace(static_cast<unsigned char>(ch))) break;
  if (in && (ch == '{' || ch == '[')) return ReportInputKind::json;
  if (!in)
    throw std::runtime_error(path + ": empty file, expected an event log (.h5) or a compare JSON");
  throw std::runtime_error(path +
                           ": neither an HDF5 event log (no HDF5 signature) nor a compare JSON "
                           "(does not start with '{')");
}

void write_report(const std::string& input, const std::string& output,
                  const ReportOptions& options) {
  std::string html;
  if (detect_report_input(input) == ReportInputKind::hdf5) {
    kpi::Log log = kpi::load_event_log(input);
    html = run_report_html(log, options);
  } else {
    common::check_input_file(input, std::uintmax_t{1} << 30, "compare JSON");
    std::ifstream in(input, std::ios::binary);
    json c;
    try {
      c = json::parse(in);
    } catch (const json::exception& e) {
      throw std::runtime_error(input + ": not valid JSON: " + e.what());
    }
    html = compare_report_html(c, input, options);
  }
  write_file_atomically(output, html);
}

}  // namespace journeysim::analysis
