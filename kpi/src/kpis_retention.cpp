// Retention KPIs: lifespan, cohorts, churn, revenue retention, win-back, repeat purchase, RFM.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "journeysim/kpi/survival.hpp"
#include "kpi_families.hpp"
#include "kpi_shared.hpp"

namespace journeysim::kpi::kpis_detail {

namespace {

// std::to_string(double) ("%f": fixed, 6 decimals) through std::to_chars, which the standard
// defines as printf's conversion: the same text without a vsnprintf per value (a KM curve's
// labels were 4% of score's instructions).
std::string fixed6(double v) {
  char buf[400];  // enough for any double in fixed notation with 6 decimals
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 6);
  return std::string(buf, res.ptr);
}

Result lifespan_of(const Context& x) {
  std::vector<double> t;
  std::vector<std::uint8_t> ev;
  std::vector<double> churned_only;
  for (auto c : x.customers) {
    const auto& ci = x.log.customers[c];
    if (ci.converted == kNone) continue;
    std::int64_t churn = first_time(x, c, E::churned, ci.converted);
    bool died = churn != kNone;
    double d = days((died ? churn : x.log.end) - ci.converted);
    t.push_back(std::max(0.0, d));
    ev.push_back(died);
    if (died) churned_only.push_back(d);
  }
  if (t.empty()) return Result::unavailable("no customer converted");
  double tau = x.num("tau_days");
  if (!(tau > 0)) tau = days(x.log.end - x.log.start);
  KmOptions o;
  o.rmst_tau = tau;
  KmCurve km = kaplan_meier(t, ev, o);
  Result r;
  r.value = km.rmst ? km.rmst->value : kNaN;
  r.n = static_cast<double>(t.size());
  r.extra = {{"rmst_se", km.rmst ? km.rmst->se : kNaN},
             {"rmst_tau_days", tau},
             {"km_median_days", km.median ? *km.median : kNaN},
             {"churned", static_cast<double>(km.events)},
             {"mean_of_churned_only_biased", mean_of(churned_only)}};
  ResultTable curve{"survival", "day", {}, {"survival", "lower", "upper", "at_risk"}, {}};
  for (const auto& p : km.points) {
    curve.row_labels.push_back(fixed6(p.t));
    curve.cells.push_back({p.survival, p.lower, p.upper, static_cast<double>(p.n_risk)});
  }
  r.tables.push_back(std::move(curve));
  return r;
}

}  // namespace
// (shared by avg_customer_lifespan and clv_survival, which calls it with that KPI's definition)
Result lifespan(const Context& x) {
  return memoized(x, &lifespan_of, true);
}

Result cohort_retention(const Context& x) {
  // months 0..n_months: month n_months is observed for customers converted early enough
  const int K = n_months(x.log) + 1;
  std::map<std::string, std::vector<std::uint32_t>> cohorts;
  for (auto c : x.customers)
    if (x.log.customers[c].converted != kNone)
      cohorts[month_label(x.log.customers[c].converted)].push_back(c);
  if (cohorts.empty()) return Result::unavailable("no customer converted");
  ResultTable logo{"logo_retention", "cohort", {}, {}, {}},
      active{"active_share", "cohort", {}, {}, {}};
  for (int k = 0; k < K; ++k) {
    std::string col = "m";  // (not "m" + ...: GCC 12 -Wrestrict false positive)
    col += std::to_string(k);
    logo.columns.push_back(col);
    active.columns.push_back(col);
  }
  const int month_param = static_cast<int>(x.num("month"));
  double pooled_num = 0, pooled_den = 0;
  for (auto& [label, members] : cohorts) {
    std::vector<double> lnum(K, 0), lden(K, 0), anum(K, 0), aden(K, 0);
    std::vector<std::int64_t> tks(K + 1);
    std::vector<std::int64_t> starts(K);
    auto at = std::make_unique<bool[]>(K);  // paying at the start of month k
    std::vector<char> engaged(K);
    for (auto c : members) {
      // month k after conversion is [tks[k], tks[k+1]); one pass for the paying state at each
      // tks[k] and one for the months with an engagement event
      const std::int64_t t0 = x.log.customers[c].converted;
      for (int k = 0; k <= K; ++k) tks[k] = t0 + static_cast<std::int64_t>(k * kMonthDays * kDay);
      std::copy(tks.begin(), tks.end() - 1, starts.begin());
      replay_at(x, c, starts, false, paying_step, at.get());
      std::fill(engaged.begin(), engaged.end(), 0);
      int k = 0;
      for (Ev e : events(x, c)) {
        if (!engagement(e.type) || e.t < tks[0]) continue;
        while (k < K && e.t >= tks[k + 1]) ++k;
        if (k >= K) break;
        engaged[k] = 1;
      }
      for (int m = 0; m < K; ++m) {
        if (tks[m] <= x.log.end) {
          lden[m] += 1;
          lnum[m] += at[m];
        }
        if (tks[m + 1] <= x.log.end) {
          aden[m] += 1;
          anum[m] += engaged[m];
        }
      }
    }
    logo.row_labels.push_back(label);
    active.row_labels.push_back(label);
    std::vector<double> lrow(K), arow(K);
    for (int k = 0; k < K; ++k) {
      lrow[k] = lden[k] > 0 ? lnum[k] / lden[k] : kNaN;
      arow[k] = aden[k] > 0 ? anum[k] / aden[k] : kNaN;
    }
    if (month_param < K) pooled_num += lnum[month_param], pooled_den += lden[month_param];
    logo.cells.push_back(lrow);
    active.cells.push_back(arow);
  }
  if (pooled_den <= 0)
    return Result::unavailable("no cohort has been observed for " + std::to_string(month_param) +
                               " months");
  Result r;
  r.value = pooled_num / pooled_den;
  r.n = pooled_den;
  r.tables = {logo, active};
  return r;
}

Result downgrade_churn(const Context& x) {
  const double w = x.num("window_days");
  double n = 0, yes = 0;
  for (auto c : x.customers) {
    std::int64_t d = first_time(x, c, E::downgrade);
    if (d == kNone || d + static_cast<std::int64_t>(w * kDay) > x.log.end) continue;
    n += 1;
    std::int64_t ch = first_time(x, c, E::churned, d);
    yes += ch != kNone && ch <= d + static_cast<std::int64_t>(w * kDay);
  }
  return ratio(yes, n, "downgrade observed for the whole window");
}

namespace {

Result monthly_churn_of(const Context& x) {
  const int K = n_months(x.log);
  std::vector<double> rates;
  double churned_total = 0, exposure = 0;
  // per month boundary: paying, and the last churn so far (a churn in (a, b] of month k is
  // one with a + 1 <= last churn at b)
  struct State {
    bool paying = false;
    std::int64_t last_churn = kNone;
  };
  std::vector<std::int64_t> bounds;
  for (int k = 0; k <= K; ++k) bounds.push_back(month_start(x.log, k));
  std::vector<State> at(bounds.size());
  std::vector<double> base(K, 0), lost(K, 0);
  for (auto c : x.customers) {
    replay_at(
        x, c, bounds, State{},
        [](State& s, const Ev& e) {
          paying_step(s.paying, e);
          if (e.type == E::churned) s.last_churn = e.t;
        },
        at.data());
    for (int k = 0; k < K; ++k) {
      if (!at[k].paying) continue;
      base[k] += 1;
      lost[k] += at[k + 1].last_churn != kNone && at[k + 1].last_churn >= bounds[k] + 1;
    }
  }
  for (int k = 0; k < K; ++k) {
    if (base[k] > 0) rates.push_back(lost[k] / base[k]);
    churned_total += lost[k];
    exposure += base[k];
  }
  if (rates.empty()) return Result::unavailable("no customer was paying at the start of a month");
  Result r;
  r.value = mean_of(rates);
  r.n = exposure;
  r.extra = {{"months", static_cast<double>(rates.size())}, {"pooled", churned_total / exposure}};
  return r;
}

}  // namespace
// (shared by monthly_churn_rate and the churn-based CLVs)
Result monthly_churn(const Context& x) {
  return memoized(x, &monthly_churn_of, false);
}

namespace {

// The month sums both revenue retentions are made of, from one MRR replay per customer: per
// whole month k, the MRR at its start of the customers paying then (row 0), and theirs at its end
// (row 1, net) and capped at the start (row 2, gross). A Result's table so that the run's memo
// keeps it for the other retention KPI.
Result retention_sums_of(const Context& x) {
  const int K = n_months(x.log);
  std::vector<std::int64_t> bounds;
  for (int k = 0; k <= K; ++k) bounds.push_back(month_start(x.log, k));
  std::vector<double> mrr(bounds.size()), m0(K, 0), net(K, 0), gross(K, 0);
  for (auto c : x.customers) {
    replay_at(x, c, bounds, 0.0, mrr_step, mrr.data());
    for (int k = 0; k < K; ++k) {
      const double s = mrr[k], e = mrr[k + 1];
      if (s <= 0) continue;
      m0[k] += s;
      net[k] += e;
      gross[k] += std::min(e, s);
    }
  }
  Result r;
  r.tables.push_back({"sums", "", {}, {}, {std::move(m0), std::move(net), std::move(gross)}});
  return r;
}

Result revenue_retention(const Context& x, bool net) {
  if (Result s = need_subscription(x); !s.available) return s;
  const Result sums = memoized(x, &retention_sums_of, false);
  const std::vector<double>& m0 = sums.tables[0].cells[0];
  const std::vector<double>& m1 = sums.tables[0].cells[net ? 1 : 2];
  std::vector<double> rates;
  for (std::size_t k = 0; k < m0.size(); ++k)
    if (m0[k] > 0) rates.push_back(m1[k] / m0[k]);
  if (rates.empty()) return Result::unavailable("no MRR at the start of any month");
  Result r;
  r.value = mean_of(rates);
  r.n = static_cast<double>(rates.size());
  r.extra = {{"annualised", std::pow(r.value, 12)}};
  return r;
}

}  // namespace
Result gross_revenue_retention(const Context& x) {
  return revenue_retention(x, false);
}
Result net_revenue_retention(const Context& x) {
  return revenue_retention(x, true);
}

Result reactivation_rate(const Context& x) {
  double churned = 0, back = 0;
  for (auto c : x.customers) {
    std::int64_t ch = first_time(x, c, E::churned);
    if (ch == kNone) continue;
    churned += 1;
    back += first_time(x, c, E::reactivated, ch) != kNone;
  }
  return ratio(back, churned, "churned customers");
}

Result repeat_purchase(const Context& x) {
  double buyers = 0, repeat = 0;
  for (auto c : x.customers) {
    int n = 0;
    for (Ev e : events(x, c)) n += e.type == E::purchase;
    if (n == 0) continue;
    buyers += 1;
    repeat += n >= 2;
  }
  return ratio(repeat, buyers, "purchasers");
}

namespace {

// Quintile score 1..5 of each value (ties share the higher score of their block).
std::vector<int> quintiles(const std::vector<double>& v) {
  std::vector<std::size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<int> q(v.size());
  for (std::size_t r = 0; r < idx.size();) {
    std::size_t e = r + 1;  // at least one: a NaN equals nothing, not even itself
    while (e < idx.size() && v[idx[e]] == v[idx[r]]) ++e;
    int score = 1 + static_cast<int>(5 * (e - 1) / idx.size());
    for (std::size_t k = r; k < e; ++k) q[idx[k]] = std::min(5, score);
    r = e;
  }
  return q;
}

}  // namespace

Result rfm(const Context& x) {
  std::vector<double> rec, freq, mon;
  for (auto c : x.customers) {
    double n = 0, amount = 0;
    std::int64_t last = kNone;
    for (Ev e : events(x, c))
      if (e.type == E::purchase || e.type == E::payment) n += 1, amount += e.value, last = e.t;
    if (n == 0) continue;
    rec.push_back(-days(x.log.end - last));  // more recent = higher
    freq.push_back(n);
    mon.push_back(amount);
  }
  if (rec.empty()) return Result::unavailable("no purchases or payments in the log");
  auto r5 = quintiles(rec), f5 = quintiles(freq), m5 = quintiles(mon);
  ResultTable t{
      "rfm", "recency_score", {"1", "2", "3", "4", "5"}, {"f1", "f2", "f3", "f4", "f5"}, {}};
  t.cells.assign(5, std::vector<double>(5, 0));
  double champions = 0;
  for (std::size_t i = 0; i < rec.size(); ++i) {
    t.cells[r5[i] - 1][f5[i] - 1] += 1;
    champions += r5[i] >= 4 && f5[i] >= 4 && m5[i] >= 4;
  }
  Result r;
  r.value = champions / rec.size();
  r.n = static_cast<double>(rec.size());
  r.tables.push_back(t);
  return r;
}

}  // namespace journeysim::kpi::kpis_detail
