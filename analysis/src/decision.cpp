#include "journeysim/analysis/decision.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "journeysim/analysis/economics.hpp"
#include "journeysim/kpi/kpis.hpp"
#include "journeysim/sim/scenario.hpp"
#include "svg.hpp"

namespace journeysim::analysis {

namespace {

// Every kind of scenario with its label and headline KPIs; the first is the default.
const std::vector<ScenarioKind>& kinds() {
  static const std::vector<ScenarioKind> all = {
      {"self_serve",
       "self-serve subscription",
       {"conversion_rate", "activation_rate", "monthly_churn_rate", "mrr", "arpa",
        "cac_fully_loaded", "cac_payback_months", "cac_clv_ratio", "net_contribution", "nps"}},
      {"sales_led",
       "sales-led subscription",
       {"conversion_rate", "lead_response_median", "lead_response_within", "activation_rate",
        "monthly_churn_rate", "mrr", "arpa", "cac_fully_loaded", "cac_payback_months",
        "cac_clv_ratio", "net_contribution"}},
      {"trial",
       "self-serve subscription with a free trial",
       {"trial_to_paid_rate", "activation_rate", "monthly_churn_rate", "reactivation_rate", "mrr",
        "arpa", "cac_fully_loaded", "cac_payback_months", "cac_clv_ratio", "net_contribution"}},
      {"freemium",
       "product-led freemium subscription",
       {"activation_rate", "pql_rate", "conversion_rate", "viral_coefficient", "monthly_churn_rate",
        "mrr", "arpa", "cac_fully_loaded", "cac_payback_months", "net_contribution"}},
      {"non_contractual",
       "repeat purchases (non-contractual)",
       {"repeat_purchase_rate", "active_customers", "revenue_collected", "cac",
        "referral_participation_rate", "viral_coefficient", "csat", "total_cost",
        "net_contribution", "nps"}}};
  return all;
}

bool is_share(const std::string& unit) {
  return unit.rfind("share", 0) == 0;
}

std::string num(double v, bool sign) {
  if (!std::isfinite(v)) return "–";
  std::string s = sign && v > 0 ? std::string(1, '+') : std::string();
  s += svg::format_value(v, svg::Format::number);
  return s;
}
std::string pct(double v, bool sign = true) {
  if (!std::isfinite(v)) return "–";
  char b[32];
  std::snprintf(b, sizeof b, sign ? "%+.1f%%" : "%.1f%%", 100 * v);
  return b;
}

const kpi::KpiDef& def_of(const std::string& id) {
  const kpi::KpiDef* d = kpi::find_kpi(id);
  if (!d) throw std::runtime_error("unknown KPI '" + id + "' in a comparison");
  return *d;
}

std::string money(const Estimate& e) {
  std::string s = num(e.mean, true);
  if (std::isfinite(e.ci_low))
    s += " (95% CI " + num(e.ci_low, true) + " to " + num(e.ci_high, true) + ")";
  return s;
}

}  // namespace

ScenarioKind scenario_kind(const std::string& id) {
  for (const auto& k : kinds())
    if (k.id == id) return k;
  return kinds().front();
}

ScenarioKind scenario_kind(const sim::Scenario& s) {
  std::string id = "self_serve";
  if (s.model == sim::Scenario::Model::non_contractual)
    id = "non_contractual";
  else if (s.acquisition == sim::Scenario::Acquisition::sales_led)
    id = "sales_led";
  else if (s.entry_plan >= 0 && static_cast<std::size_t>(s.entry_plan) < s.plans.size()) {
    const auto& p = s.plans[static_cast<std::size_t>(s.entry_plan)];
    if (p.freemium)
      id = "freemium";
    else if (p.trial_days > 0)
      id = "trial";
  }
  return scenario_kind(id);
}

Change change_of(const std::string& unit, const Difference& d) {
  Change c;
  if (is_share(unit)) {
    c.value = 100 * d.delta.mean;
    c.ci_low = 100 * d.delta.ci_low;
    c.ci_high = 100 * d.delta.ci_high;
    c.unit = "pp";
    c.relative_shown = std::isfinite(d.relative);
  } else if (unit == "points") {
    c.value = d.delta.mean;
    c.ci_low = d.delta.ci_low;
    c.ci_high = d.delta.ci_high;
    c.unit = "points";
    c.relative_shown = false;  // a score that can cross zero has no meaningful ratio
  } else {
    c.value = d.delta.mean;
    c.ci_low = d.delta.ci_low;
    c.ci_high = d.delta.ci_high;
    c.unit = unit;
    c.relative_shown = std::isfinite(d.relative);
  }
  return c;
}

double effect_size(const std::string& unit, const Difference& d, double base_mean) {
  if (!d.available || !std::isfinite(d.delta.mean)) return 0;
  if (unit == "points") return std::abs(d.delta.mean) / 100;
  if (std::isfinite(d.relative)) return std::abs(d.relative);
  if (std::isfinite(base_mean) && base_mean != 0) return std::abs(d.delta.mean / base_mean);
  if (is_share(unit)) return std::abs(d.delta.mean);
  return d.delta.mean == 0 ? 0 : INFINITY;  // from a base of zero
}

std::string change_number(const Change& c, double v) {
  if (!std::isfinite(v)) return "–";
  if (c.unit == "pp" || c.unit == "points") {
    char b[32];
    std::snprintf(b, sizeof b, std::abs(v) < 1 ? "%+.2f" : "%+.1f", v);
    return b;
  }
  return num(v, true);
}

std::string change_text(const std::string& unit, const Difference& d, bool with_ci) {
  Change c = change_of(unit, d);
  auto n = [&](double v, bool) { return change_number(c, v); };
  std::string s = n(c.value, true) + " " + c.unit;
  if (c.unit != "pp" && c.unit != "points" && c.relative_shown) s += " (" + pct(d.relative) + ")";
  if (with_ci && std::isfinite(c.ci_low))
    s += ", 95% CI " + n(c.ci_low, true) + " to " + n(c.ci_high, true);
  return s;
}

std::vector<VariantSummary> summarise(const CompareResult& r) {
  std::vector<VariantSummary> out;
  const ScenarioKind kind = scenario_kind(r.kind);
  auto find = [&](const std::string& id) -> const KpiComparison* {
    for (const auto& k : r.kpis)
      if (k.id == id) return &k;
    return nullptr;
  };
  std::vector<std::string> headline;
  for (const auto& id : kind.headline)
    if (const KpiComparison* k = find(id)) {
      bool any = false;
      for (const auto& v : k->values) any = any || v.n > 0;
      if (any) headline.push_back(id);
    }
  for (std::size_t i = 1; i < r.names.size(); ++i) {
    VariantSummary s;
    s.variant = r.names[i];
    auto diff = [&](const KpiComparison& k) -> const Difference& { return k.differences[i - 1]; };
    auto size = [&](const std::string& id) {
      const KpiComparison& k = *find(id);
      return effect_size(def_of(id).unit, diff(k), k.values[0].mean);
    };
    auto by_size = [&](std::vector<std::string>& ids) {
      std::stable_sort(ids.begin(), ids.end(), [&](const std::string& a, const std::string& b) {
        return size(a) > size(b);
      });
    };
    std::vector<std::string> sig, rest;
    for (const auto& id : headline) {
      const Difference& d = diff(*find(id));
      (d.available && d.significant ? sig : rest).push_back(id);
    }
    by_size(sig);
    by_size(rest);
    s.headline_order = sig;
    s.headline_order.insert(s.headline_order.end(), rest.begin(), rest.end());
    s.changed = sig;
    for (const auto& id : rest)
      if (diff(*find(id)).available) s.unchanged.push_back(id);
    for (const auto& k : r.kpis) {
      const Difference& d = diff(k);
      if (!d.available || !d.significant) continue;
      if (std::find(headline.begin(), headline.end(), k.id) == headline.end()) ++s.other_changed;
      if (d.verdict == "worse") s.knock_on.push_back(k.id);
    }
    by_size(s.knock_on);
    // the headline's own changes are named in "What changed" already (its first four)
    std::vector<std::string> named(sig.begin(), sig.begin() + std::min<std::size_t>(4, sig.size()));
    std::erase_if(s.knock_on, [&](const std::string& id) {
      return std::find(named.begin(), named.end(), id) != named.end();
    });

    // the plain lines
    auto phrase = [&](const std::string& id) {
      const kpi::KpiDef& def = def_of(id);
      return def.name + " " + change_text(def.unit, diff(*find(id)));
    };
    std::string line = "What changed: ";
    if (sig.empty()) {
      line += "no headline KPI changed significantly";
    } else {
      for (std::size_t j = 0; j < sig.size() && j < 4; ++j)
        line += (j ? "; " : "") + phrase(sig[j]) + " (" + diff(*find(sig[j])).verdict + ")";
      if (sig.size() > 4) line += "; and " + std::to_string(sig.size() - 4) + " more in the table";
    }
    if (s.other_changed > 0)
      line += ". " + std::to_string(s.other_changed) + " other KPI" +
              (s.other_changed == 1 ? "" : "s") + " changed too (--all lists every KPI)";
    s.lines.push_back(line + ".");
    if (!s.unchanged.empty()) {
      line = "Did not change (no significant difference): ";
      for (std::size_t j = 0; j < s.unchanged.size(); ++j)
        line += (j ? ", " : "") + def_of(s.unchanged[j]).name;
      s.lines.push_back(line + ".");
    }
    // does it pay
    const Economics* e = nullptr;
    for (const auto& x : r.economics)
      if (x.variant == s.variant) e = &x;
    if (!e || e->profit.n == 0) {
      s.pays = "unknown";
      s.lines.push_back("Does it pay: not known (" +
                        (e && !e->note.empty() ? e->note : std::string("no economics")) + ").");
    } else {
      const PastHorizon& p = e->past;
      const Estimate& npv = p.npv;
      if (std::isfinite(npv.ci_low) && npv.ci_low > 0)
        s.pays = "yes";
      else if (std::isfinite(npv.ci_high) && npv.ci_high < 0)
        s.pays = "no";
      else if (std::isfinite(npv.mean) && !std::isfinite(npv.ci_low) && npv.se == 0)
        s.pays = npv.mean > 0 ? "yes" : npv.mean < 0 ? "no" : "unclear";
      else
        s.pays = "unclear";
      char rate[32];
      std::snprintf(rate, sizeof rate, "%g%%", 100 * p.options.discount_rate);
      line = std::string("Does it pay: ") +
             (s.pays == "yes"  ? "yes"
              : s.pays == "no" ? "no"
                               : "not clear (the NPV's 95% CI includes 0)") +
             ". Incremental profit over the " + num(r.horizon_days, false) + "-day horizon " +
             money(e->profit) + "; net present value at " + rate + " a year " + money(npv);
      if (!p.note.empty())
        line += " (no recurring revenue at the horizon: nothing is valued past it)";
      else if (p.options.projection_months == 0)
        line += " (nothing valued past the horizon: --projection-months 0)";
      else
        line += ", of which " + num(p.residual.mean, true) +
                " is the MRR still running at the horizon, valued over " +
                std::to_string(p.options.projection_months) + " months";
      if (std::isfinite(p.break_even)) {
        int m = month_number(p.break_even);
        line += "; breaks even in month " + std::to_string(m) +
                (p.break_even > p.window_months + 1e-9 ? " (past the horizon, projected)" : "");
        if (std::isfinite(p.break_even_confident))
          line += ", month " + std::to_string(month_number(p.break_even_confident)) +
                  " by the lower 95% bound";
        else
          line += ", but the lower 95% bound never does";
      } else {
        line += "; no break-even within " +
                std::to_string(month_number(p.month_end.empty() ? 0 : p.month_end.back())) +
                " months";
      }
      s.lines.push_back(line + ".");
    }
    if (s.knock_on.empty()) {
      s.lines.push_back("Knock-on effects: no KPI moved the wrong way.");
    } else {
      line = "Knock-on effects (moved the wrong way): ";
      for (std::size_t j = 0; j < s.knock_on.size() && j < 4; ++j)
        line += (j ? "; " : "") + phrase(s.knock_on[j]);
      if (s.knock_on.size() > 4) line += "; and " + std::to_string(s.knock_on.size() - 4) + " more";
      s.lines.push_back(line + ".");
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace journeysim::analysis
