#include "journeysim/kpi/survival.hpp"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace journeysim::kpi {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_inputs(std::span<const double> time, std::span<const std::uint8_t> event,
                  const char* what) {
  if (time.size() != event.size())
    throw std::runtime_error(std::string(what) + ": " + std::to_string(time.size()) +
                             " durations but " + std::to_string(event.size()) + " event flags");
  for (std::size_t i = 0; i < time.size(); ++i)
    if (!std::isfinite(time[i]) || time[i] < 0)
      throw std::runtime_error(std::string(what) + ": duration #" + std::to_string(i + 1) + " is " +
                               std::to_string(time[i]) + "; durations must be finite and >= 0");
}

void set_limits(KmPoint& p, double z, ConfType type) {
  const double s = p.survival;
  const double se = std::sqrt(p.var_log);
  if (s >= 1.0) {
    p.lower = p.upper = 1.0;
    return;
  }
  if (s <= 0.0) {
    if (type == ConfType::kPlain) {
      p.lower = p.upper = 0.0;
    } else {
      p.lower = p.upper = kNaN;
    }
    return;
  }
  switch (type) {
    case ConfType::kPlain:
      p.lower = std::max(0.0, s - z * s * se);
      p.upper = std::min(1.0, s + z * s * se);
      break;
    case ConfType::kLog:
      p.lower = std::exp(std::log(s) - z * se);
      p.upper = std::min(1.0, std::exp(std::log(s) + z * se));
      break;
    case ConfType::kLogLog: {
      const double ls = std::log(s);
      // R survfit: exp(-exp(log(-log S) -/+ z se / log S)) = S^exp(-/+ z se / log S).
      p.lower = std::pow(s, std::exp(-z * se / ls));
      p.upper = std::pow(s, std::exp(z * se / ls));
      break;
    }
  }
}

// First time at which `value(point)` <= 0.5; points where S == 0 count as crossed.
template <class F>
std::optional<double> first_below_half(const std::vector<KmPoint>& pts, F value) {
  for (const auto& p : pts) {
    double v = value(p);
    if (p.survival <= 0.0 || (!std::isnan(v) && v <= 0.5)) return p.t;
  }
  return std::nullopt;
}

}  // namespace

ConfType parse_conf_type(const std::string& name) {
  if (name == "log-log" || name == "loglog") return ConfType::kLogLog;
  if (name == "log") return ConfType::kLog;
  if (name == "plain" || name == "linear") return ConfType::kPlain;
  throw std::runtime_error("unknown confidence interval type '" + name +
                           "' (expected log-log, log or plain)");
}

std::string to_string(ConfType type) {
  switch (type) {
    case ConfType::kLogLog:
      return "log-log";
    case ConfType::kLog:
      return "log";
    case ConfType::kPlain:
      return "plain";
  }
  return "?";
}

double KmCurve::survival_at(double t) const {
  double s = 1.0;
  for (const auto& p : points) {
    if (p.t > t) break;
    s = p.survival;
  }
  return s;
}

KmCurve kaplan_meier(std::span<const double> time, std::span<const std::uint8_t> event,
                     const KmOptions& options) {
  check_inputs(time, event, "kaplan_meier");
  if (time.empty()) throw std::runtime_error("kaplan_meier: no observations");
  if (!(options.conf_level > 0 && options.conf_level < 1))
    throw std::runtime_error("kaplan_meier: confidence level must be in (0, 1)");
  const double z = boost::math::quantile(boost::math::normal(), 0.5 + options.conf_level / 2.0);

  std::vector<std::size_t> order(time.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return time[a] < time[b]; });

  KmCurve c;
  c.n = time.size();
  c.conf_level = options.conf_level;
  c.conf_type = options.conf_type;
  std::size_t at_risk = time.size();
  double s = 1.0;
  double var_log = 0.0;
  for (std::size_t i = 0; i < order.size();) {
    const double t = time[order[i]];
    std::size_t d = 0, cens = 0, j = i;
    for (; j < order.size() && time[order[j]] == t; ++j) (event[order[j]] ? d : cens) += 1;
    KmPoint p;
    p.t = t;
    p.n_risk = at_risk;
    p.n_event = d;
    p.n_censor = cens;
    if (d > 0) {
      const double n = static_cast<double>(at_risk), dd = static_cast<double>(d);
      s *= 1.0 - dd / n;
      var_log += d < at_risk ? dd / (n * (n - dd)) : std::numeric_limits<double>::infinity();
    }
    p.survival = s;
    p.var_log = var_log;
    p.std_err = s > 0 ? s * std::sqrt(var_log) : 0.0;
    set_limits(p, z, options.conf_type);
    c.points.push_back(p);
    c.events += d;
    at_risk -= d + cens;
    i = j;
  }
  c.median = first_below_half(c.points, [](const KmPoint& p) { return p.survival; });
  c.median_lower = first_below_half(c.points, [](const KmPoint& p) { return p.lower; });
  c.median_upper = first_below_half(c.points, [](const KmPoint& p) { return p.upper; });
  if (options.rmst_tau) c.rmst = restricted_mean(c, *options.rmst_tau);
  return c;
}

Rmst restricted_mean(const KmCurve& curve, double tau) {
  if (!(tau > 0) || !std::isfinite(tau))
    throw std::runtime_error("restricted mean: tau must be a positive number");
  // Points with t <= tau; rectangles between consecutive times (and up to tau).
  std::vector<const KmPoint*> keep;
  for (const auto& p : curve.points)
    if (p.t <= tau) keep.push_back(&p);
  Rmst r;
  r.tau = tau;
  if (keep.empty()) {
    r.value = tau;
    return r;
  }
  // area[i] = width of [t_i, t_{i+1}) (or [t_last, tau)) times S(t_i).
  const std::size_t m = keep.size();
  std::vector<double> area(m);
  for (std::size_t i = 0; i < m; ++i) {
    const double next = i + 1 < m ? keep[i + 1]->t : tau;
    area[i] = (next - keep[i]->t) * keep[i]->survival;
  }
  r.value = keep[0]->t;  // S = 1 on [0, t_1)
  for (double a : area) r.value += a;
  // Var = sum_i A_i^2 d_i / (n_i (n_i - d_i)), A_i = integral of S from t_i to tau; terms with
  // n_i == d_i contribute 0 (as in R).
  double tail = 0.0, var = 0.0;
  for (std::size_t k = m; k-- > 0;) {
    tail += area[k];
    const KmPoint& p = *keep[k];
    if (p.n_event > 0 && p.n_event < p.n_risk) {
      const double n = static_cast<double>(p.n_risk), d = static_cast<double>(p.n_event);
      var += tail * tail * d / (n * (n - d));
    }
  }
  r.se = std::sqrt(var);
  return r;
}

LogRankTest logrank_test(std::span<const double> time, std::span<const std::uint8_t> event,
                         std::span<const std::string> group) {
  check_inputs(time, event, "logrank_test");
  if (group.size() != time.size())
    throw std::runtime_error("logrank_test: group labels and durations differ in length");
  LogRankTest out;
  std::map<std::string, std::size_t> index;
  for (const auto& g : group) index.emplace(g, 0);
  for (auto& [name, i] : index) {
    i = out.groups.size();
    out.groups.push_back(name);
  }
  const std::size_t k = out.groups.size();
  if (k < 2) throw std::runtime_error("logrank_test: need at least two groups");
  std::vector<std::size_t> gid(time.size());
  for (std::size_t i = 0; i < time.size(); ++i) gid[i] = index.at(group[i]);

  std::vector<std::size_t> order(time.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return time[a] < time[b]; });
  std::vector<double> at_risk(k, 0.0);
  for (std::size_t i = 0; i < time.size(); ++i) at_risk[gid[i]] += 1.0;
  out.observed.assign(k, 0.0);
  out.expected.assign(k, 0.0);
  std::vector<double> var(k * k, 0.0);
  std::vector<double> deaths(k), leaving(k);
  for (std::size_t i = 0; i < order.size();) {
    const double t = time[order[i]];
    std::fill(deaths.begin(), deaths.end(), 0.0);
    std::fill(leaving.begin(), leaving.end(), 0.0);
    std::size_t j = i;
    for (; j < order.size() && time[order[j]] == t; ++j) {
      const std::size_t g = gid[order[j]];
      leaving[g] += 1.0;
      if (event[order[j]]) deaths[g] += 1.0;
    }
    const double n = std::accumulate(at_risk.begin(), at_risk.end(), 0.0);
    const double d = std::accumulate(deaths.begin(), deaths.end(), 0.0);
    if (d > 0) {
      for (std::size_t a = 0; a < k; ++a) {
        out.observed[a] += deaths[a];
        out.expected[a] += d * at_risk[a] / n;
      }
      if (n > 1) {
        const double f = d * (n - d) / (n * n * (n - 1));
        for (std::size_t a = 0; a < k; ++a)
          for (std::size_t b = 0; b < k; ++b)
            var[a * k + b] += f * at_risk[a] * ((a == b ? n : 0.0) - at_risk[b]);
      }
    }
    for (std::size_t g = 0; g < k; ++g) at_risk[g] -= leaving[g];
    i = j;
  }
  // Generalized inverse through an LDL' decomposition that drops (near-)zero pivots, as R's
  // survdiff (cholesky2 / chsolve2) does; the full k x k matrix has rank k - 1.
  double max_diag = 0.0;
  for (std::size_t a = 0; a < k; ++a) max_diag = std::max(max_diag, var[a * k + a]);
  const double tol = 1e-9 * max_diag;
  std::vector<double> L(k * k, 0.0), D(k, 0.0);
  for (std::size_t a = 0; a < k; ++a) {
    double piv = var[a * k + a];
    for (std::size_t b = 0; b < a; ++b) piv -= L[a * k + b] * L[a * k + b] * D[b];
    if (piv <= tol) continue;  // singular direction: D = 0, column of L stays 0
    D[a] = piv;
    L[a * k + a] = 1.0;
    for (std::size_t r = a + 1; r < k; ++r) {
      double v = var[r * k + a];
      for (std::size_t b = 0; b < a; ++b) v -= L[r * k + b] * L[a * k + b] * D[b];
      L[r * k + a] = v / piv;
    }
  }
  std::vector<double> diff(k), y(k, 0.0);
  for (std::size_t a = 0; a < k; ++a) diff[a] = out.observed[a] - out.expected[a];
  // Solve L y = diff (forward), skipping dropped columns.
  for (std::size_t a = 0; a < k; ++a) {
    if (D[a] == 0.0) continue;
    double v = diff[a];
    for (std::size_t b = 0; b < a; ++b) v -= L[a * k + b] * y[b];
    y[a] = v;
  }
  double chisq = 0.0;
  for (std::size_t a = 0; a < k; ++a)
    if (D[a] > 0.0) chisq += y[a] * y[a] / D[a];
  out.chisq = chisq;
  int positive = 0;
  for (double e : out.expected)
    if (e > 0) ++positive;
  out.df = std::max(0, positive - 1);
  out.p = out.df > 0 ? boost::math::cdf(boost::math::complement(boost::math::chi_squared(out.df),
                                                                std::max(0.0, chisq)))
                     : 1.0;
  return out;
}

SurvivalAnalysis analyze_survival(std::span<const double> time, std::span<const std::uint8_t> event,
                                  std::span<const std::string> group, KmOptions options) {
  check_inputs(time, event, "survival");
  if (time.empty()) throw std::runtime_error("survival: no observations");
  if (!options.rmst_tau) options.rmst_tau = *std::max_element(time.begin(), time.end());
  if (*options.rmst_tau <= 0) options.rmst_tau.reset();  // all durations 0: nothing to integrate
  SurvivalAnalysis out;
  if (group.empty()) {
    out.groups.push_back(kaplan_meier(time, event, options));
    out.groups.back().name = "all";
    return out;
  }
  if (group.size() != time.size())
    throw std::runtime_error("survival: group labels and durations differ in length");
  std::map<std::string, std::pair<std::vector<double>, std::vector<std::uint8_t>>> by;
  for (std::size_t i = 0; i < time.size(); ++i) {
    auto& [t, e] = by[group[i]];
    t.push_back(time[i]);
    e.push_back(event[i]);
  }
  for (auto& [name, te] : by) {
    out.groups.push_back(kaplan_meier(te.first, te.second, options));
    out.groups.back().name = name;
  }
  if (by.size() >= 2) out.logrank = logrank_test(time, event, group);
  return out;
}

namespace {
nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}
nlohmann::json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json to_json(const KmCurve& c) {
  nlohmann::json curve = nlohmann::json::array();
  for (const auto& p : c.points)
    curve.push_back({{"t", p.t},
                     {"n_risk", p.n_risk},
                     {"n_event", p.n_event},
                     {"n_censor", p.n_censor},
                     {"survival", p.survival},
                     {"std_err", number_or_null(p.std_err)},
                     {"lower", number_or_null(p.lower)},
                     {"upper", number_or_null(p.upper)}});
  nlohmann::json j = {
      {"name", c.name},
      {"n", c.n},
      {"events", c.events},
      {"conf_level", c.conf_level},
      {"conf_type", to_string(c.conf_type)},
      {"curve", std::move(curve)},
      {"median", optional_number(c.median)},
      {"median_reached", c.median.has_value()},
      {"median_ci", {optional_number(c.median_lower), optional_number(c.median_upper)}}};
  if (c.rmst)
    j["rmst"] = {{"tau", c.rmst->tau}, {"value", c.rmst->value}, {"se", c.rmst->se}};
  else
    j["rmst"] = nullptr;
  return j;
}

nlohmann::json to_json(const LogRankTest& t) {
  nlohmann::json groups = nlohmann::json::array();
  for (std::size_t i = 0; i < t.groups.size(); ++i)
    groups.push_back(
        {{"name", t.groups[i]}, {"observed", t.observed[i]}, {"expected", t.expected[i]}});
  return {{"chisq", t.chisq}, {"df", t.df}, {"p", t.p}, {"groups", std::move(groups)}};
}

nlohmann::json to_json(const SurvivalAnalysis& a) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& c : a.groups) groups.push_back(to_json(c));
  return {{"groups", std::move(groups)},
          {"logrank", a.logrank ? to_json(*a.logrank) : nlohmann::json(nullptr)}};
}

std::string to_table(const SurvivalAnalysis& a) {
  std::ostringstream os;
  char buf[256];
  auto opt = [](const std::optional<double>& v) {
    if (!v) return std::string("NA");
    char b[64];
    std::snprintf(b, sizeof b, "%g", *v);
    return std::string(b);
  };
  for (const auto& c : a.groups) {
    os << "group: " << c.name << "  n=" << c.n << "  events=" << c.events << "\n";
    os << "  median: " << (c.median ? opt(c.median) : std::string("not reached")) << "  ("
       << static_cast<int>(std::lround(c.conf_level * 100)) << "% CI " << opt(c.median_lower)
       << " .. " << opt(c.median_upper) << ")\n";
    if (c.rmst) {
      std::snprintf(buf, sizeof buf, "  restricted mean to %g: %.4f (se %.4f)\n", c.rmst->tau,
                    c.rmst->value, c.rmst->se);
      os << buf;
    }
    std::snprintf(buf, sizeof buf, "  %10s %8s %7s %8s %10s %10s %10s %10s\n", "time", "n.risk",
                  "n.event", "n.censor", "survival", "std.err", "lower", "upper");
    os << buf;
    for (const auto& p : c.points) {
      if (p.n_event == 0) continue;  // like summary.survfit: event times only
      std::snprintf(buf, sizeof buf, "  %10g %8zu %7zu %8zu %10.6f %10.6f %10.6f %10.6f\n", p.t,
                    p.n_risk, p.n_event, p.n_censor, p.survival, p.std_err, p.lower, p.upper);
      os << buf;
    }
    os << "\n";
  }
  if (a.logrank) {
    std::snprintf(buf, sizeof buf, "log-rank test: chisq = %.4f on %d df, p = %.4g\n",
                  a.logrank->chisq, a.logrank->df, a.logrank->p);
    os << buf;
    for (std::size_t i = 0; i < a.logrank->groups.size(); ++i) {
      std::snprintf(buf, sizeof buf, "  %-30s observed %10.2f expected %10.3f\n",
                    a.logrank->groups[i].c_str(), a.logrank->observed[i], a.logrank->expected[i]);
      os << buf;
    }
  }
  return os.str();
}

}  // namespace journeysim::kpi
