// Revenue KPIs: MRR, ARPA, expansion, CAC, CLV, revenue collected, costs and net contribution.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kpi_families.hpp"
#include "kpi_shared.hpp"

namespace journeysim::kpi::kpis_detail {

Result referral_expansion(const Context& x) {
  if (Result s = need_subscription(x); !s.available) return s;
  double rev = 0, referred = 0;
  for (auto c : x.customers) {
    if (x.log.customers[c].referrer < 0) continue;
    referred += 1;
    for (Ev e : events(x, c))
      if ((e.type == E::upgrade || e.type == E::seats_changed) && e.value > 0) rev += e.value;
  }
  if (referred == 0) return Result::unavailable("no referred customers in the log");
  Result r;
  r.value = rev;
  r.n = referred;
  return r;
}

namespace {

std::size_t converted_count(const Context& x, std::int64_t from = INT64_MIN,
                            std::int64_t to = INT64_MAX) {
  std::size_t n = 0;
  for (auto c : x.customers) {
    auto t = x.log.customers[c].converted;
    n += t != kNone && t >= from && t <= to;
  }
  return n;
}

Result new_customer_cost(const Context& x, bool teams) {
  Result r = need_channels(x);
  if (!r.available) return r;
  // a team serves every channel's customers: its cost is not split by channel (it was left out,
  // so the "fully loaded" CAC of each channel equalled its marketing CAC, #16)
  if (teams && x.by == "channel")
    return Result::unavailable(
        "team costs are not allocated to channels: by channel, only marketing CAC (cac, or "
        "cost=marketing) is defined");
  double spend = channel_sum(
      x, [](const ChannelDay& d) { return d.spend; }, teams);
  return ratio(spend, static_cast<double>(converted_count(x)), "new customers");
}

}  // namespace
Result cac(const Context& x) {
  return new_customer_cost(x, false);
}
Result cac_fully_loaded(const Context& x) {
  return new_customer_cost(x, true);
}

Result mrr_series(const Context& x) {
  if (Result s = need_subscription(x); !s.available) return s;
  const int K = std::max(1, n_months(x.log));
  ResultTable t{"mrr", "month_end", {}, {"mrr", "paying_customers"}, {}};
  double last = 0, paying = 0;
  // month ends 1..K, then the end of the log (the headline: after the last whole month when the
  // log has a partial one)
  std::vector<std::int64_t> ts;
  for (int k = 1; k <= K; ++k) ts.push_back(std::min(x.log.end, month_start(x.log, k)));
  ts.push_back(x.log.end);
  std::vector<double> v(ts.size()), m(K, 0), p(K, 0);
  for (auto c : x.customers) {
    replay_at(x, c, ts, 0.0, mrr_step, v.data());
    for (int k = 0; k < K; ++k) {
      m[k] += v[k];
      p[k] += v[k] > 0;
    }
    last += v[K];
    paying += v[K] > 0;
  }
  for (int k = 0; k < K; ++k) {
    t.row_labels.push_back(period_label(x.log, k));
    t.cells.push_back({m[k], p[k]});
  }
  Result r;
  r.value = last;
  r.n = paying;
  r.tables.push_back(t);
  return r;
}

namespace {

double mrr_at(const Context& x, std::uint32_t c, std::int64_t t) {
  return replay_to(x, c, t, 0.0, mrr_step);
}
Result arpa_of(const Context& x) {
  if (Result s = need_subscription(x); !s.available) return s;
  double m = 0, p = 0;
  for (auto c : x.customers) {
    double v = mrr_at(x, c, x.log.end);
    m += v;
    p += v > 0;
  }
  return ratio(m, p, "paying customers at the end");
}

}  // namespace
// (shared by arpa and the CLVs and CAC payback built on it)
Result arpa(const Context& x) {
  return memoized(x, &arpa_of, false);
}

Result expansion(const Context& x) {
  if (Result s = need_subscription(x); !s.available) return s;
  double rev = 0, n = 0;
  for (auto c : x.customers)
    for (Ev e : events(x, c))
      if ((e.type == E::upgrade || e.type == E::seats_changed) && e.value > 0)
        rev += e.value, n += 1;
  Result r;
  r.value = rev;
  r.n = n;
  return r;
}

namespace {

// --- economics: what a run earned and spent (compare's playbook ROI is built from these)
double revenue_of(const Context& x, double* discounts = nullptr) {
  double rev = 0;
  for_each_event_of(x, {E::payment, E::purchase, E::discount_applied}, [&](const Ev& e) {
    if (e.type != E::discount_applied)
      rev += e.value;
    else if (discounts)
      *discounts += e.value;
  });
  return rev;
}

}  // namespace
Result revenue_collected(const Context& x) {
  if (!x.log.has(E::payment) && !x.log.has(E::purchase))
    return Result::unavailable("the log has no payment or purchase events");
  Result r;
  double discounts = 0;
  r.value = revenue_of(x, &discounts);
  r.n = static_cast<double>(x.customers.size());
  r.extra = {{"discounts_given", discounts}};
  return r;
}
// Channel spend, team costs and playbook action costs (message sends included) in scope.
Result costs(const Context& x) {
  Result r = need_channels(x);
  if (!r.available) return r;
  double media = channel_sum(
      x, [](const ChannelDay& d) { return d.spend; }, false);
  double all = channel_sum(
      x, [](const ChannelDay& d) { return d.spend; }, true);
  double actions = 0;
  for_each_event_of(x, {E::playbook_action}, [&](const Ev& e) { actions += e.value; });
  r.value = all + actions;
  r.n = static_cast<double>(x.customers.size());
  r.extra = {{"channel_spend", media}, {"team_cost", all - media}, {"playbook_cost", actions}};
  return r;
}
Result net_contribution(const Context& x) {
  Result cost = costs(x);
  if (!cost.available) return cost;
  Result rev = revenue_collected(x);
  if (!rev.available) return rev;
  Result r;
  r.value = rev.value - cost.value;
  r.n = rev.n;
  r.extra = {{"revenue", rev.value}, {"cost", cost.value}};
  return r;
}

Result clv_subscription(const Context& x) {
  Result a = arpa(x), ch = monthly_churn(x);
  if (!a.available) return a;
  if (!ch.available) return ch;
  if (ch.value <= 0)
    return Result::unavailable("no churn observed: the churn-based CLV is unbounded");
  Result r;
  r.value = a.value * x.num("margin") / ch.value;
  r.n = a.n;
  r.extra = {{"arpa", a.value}, {"monthly_churn", ch.value}};
  return r;
}

Result clv_survival(const Context& x) {
  // the lifetime as the avg_customer_lifespan KPI computes it (with its own parameters)
  Context lx{x.log,   x.customers, *find_kpi("avg_customer_lifespan"), x.params, x.channel_rows,
             nullptr, x.by};
  Result a = arpa(x), life = lifespan(lx);
  if (!a.available) return a;
  if (!life.available) return life;
  Result r;
  r.value = a.value * x.num("margin") * life.value / kMonthDays;
  r.n = a.n;
  r.extra = {{"restricted_mean_lifetime_months", life.value / kMonthDays}};
  return r;
}

namespace {

// The CAC of the ratio KPIs: fully loaded (sales and marketing, the industry convention of the
// published benchmarks) unless the `cost` parameter says marketing.
Result ratio_cac(const Context& x) {
  const std::string cost = x.str("cost");
  if (cost != "fully_loaded" && cost != "marketing")
    throw std::runtime_error("KPI parameter " + x.def.id +
                             ".cost: expected fully_loaded or marketing, found '" + cost + "'");
  return new_customer_cost(x, cost == "fully_loaded");
}

}  // namespace

Result cac_clv(const Context& x) {
  Result cac = ratio_cac(x), clv = clv_subscription(x);
  if (!cac.available) return cac;
  if (!clv.available) return clv;
  return ratio(clv.value, cac.value, "acquisition cost");
}

Result cac_payback(const Context& x) {
  Result cac = ratio_cac(x), a = arpa(x);
  if (!cac.available) return cac;
  if (!a.available) return a;
  return ratio(cac.value, a.value * x.num("margin"), "margin per account");
}

}  // namespace journeysim::kpi::kpis_detail
