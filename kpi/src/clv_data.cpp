// Data for the CLV models: RFM summaries of transaction logs and the readers of the CLI.
#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "journeysim/kpi/clv.hpp"
#include "journeysim/kpi/table.hpp"

namespace journeysim::kpi {

double RfmData::total_weight() const {
  double s = 0;
  for (std::size_t i = 0; i < size(); ++i) s += w(i);
  return s;
}

void RfmData::validate(bool discrete) const {
  const std::size_t n = x.size();
  auto same = [&](const auto& v, const char* name, bool optional) {
    if (optional && v.empty()) return;
    if (v.size() != n)
      throw std::runtime_error(std::string("RFM data: column '") + name + "' has " +
                               std::to_string(v.size()) + " values, expected " + std::to_string(n));
  };
  same(t_x, "t_x", false);
  same(T, "T", false);
  same(monetary, "monetary", true);
  same(weight, "weight", true);
  same(holdout_x, "holdout_x", true);
  same(id, "id", true);
  if (n == 0) throw std::runtime_error("RFM data: no customers");
  constexpr double eps = 1e-9;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string where = "RFM data row " + std::to_string(i + 1) +
                              (id.empty() ? std::string() : " (customer " + id[i] + ")") + ": ";
    if (!(std::isfinite(x[i]) && std::isfinite(t_x[i]) && std::isfinite(T[i])))
      throw std::runtime_error(where + "non-finite value");
    if (x[i] < 0) throw std::runtime_error(where + "negative frequency");
    if (t_x[i] < 0 || t_x[i] > T[i] + eps)
      throw std::runtime_error(where + "recency " + std::to_string(t_x[i]) +
                               " outside [0, T = " + std::to_string(T[i]) + "]");
    if (x[i] == 0 && t_x[i] != 0)
      throw std::runtime_error(where + "recency must be 0 when the frequency is 0");
    if (!weight.empty() && !(weight[i] >= 0))
      throw std::runtime_error(where + "weight must be >= 0");
    if (discrete) {
      auto integer = [](double v) { return v == std::floor(v); };
      if (!integer(x[i]) || !integer(t_x[i]) || !integer(T[i]))
        throw std::runtime_error(where + "BG/BB needs whole numbers of periods");
      if (x[i] > t_x[i])
        throw std::runtime_error(where + "x transactions cannot end before period x (t_x < x)");
    }
  }
}

double time_unit_days(const std::string& name) {
  if (name == "day" || name == "days" || name == "D") return 1.0;
  if (name == "week" || name == "weeks" || name == "W") return 7.0;
  if (name == "month" || name == "months" || name == "M") return 365.25 / 12.0;
  throw std::runtime_error("unknown time unit '" + name + "' (expected day, week or month)");
}

RfmData summarize_transactions(std::span<const Transaction> tx, const SummaryOptions& opt) {
  if (tx.empty()) throw std::runtime_error("transaction summary: no transactions");
  if (!(opt.time_unit_days > 0))
    throw std::runtime_error("transaction summary: the time unit must be positive");
  std::unordered_map<std::string, std::size_t> index;
  std::vector<std::string> ids;
  std::vector<std::map<long, double>> days;  // per customer: day -> summed amount
  long last_day = tx.front().day;
  for (const auto& t : tx) {
    auto [it, fresh] = index.emplace(t.customer, ids.size());
    if (fresh) {
      ids.push_back(t.customer);
      days.emplace_back();
    }
    days[it->second][t.day] += t.amount;
    last_day = std::max(last_day, t.day);
  }
  const long cal_end = opt.calibration_end.value_or(last_day);
  const long obs_end = opt.observation_end.value_or(last_day);
  const double unit = opt.time_unit_days;
  RfmData out;
  for (std::size_t c = 0; c < ids.size(); ++c) {
    const auto& d = days[c];
    const long first = d.begin()->first;
    if (first > cal_end) continue;  // not yet a customer at the end of calibration
    std::size_t n_cal = 0, n_hold = 0;
    long last_cal = first;
    double repeat_sum = 0;
    for (const auto& [day, amount] : d) {
      if (day <= cal_end) {
        if (n_cal > 0) repeat_sum += amount;
        ++n_cal;
        last_cal = day;
      } else if (day <= obs_end) {
        ++n_hold;
      }
    }
    const double x = static_cast<double>(n_cal - 1);
    out.id.push_back(ids[c]);
    out.x.push_back(x);
    out.t_x.push_back(static_cast<double>(last_cal - first) / unit);
    out.T.push_back(static_cast<double>(cal_end - first) / unit);
    out.monetary.push_back(x > 0 ? repeat_sum / x : 0.0);
    out.holdout_x.push_back(static_cast<double>(n_hold));
  }
  if (out.x.empty())
    throw std::runtime_error(
        "transaction summary: no customer made a purchase on or before the "
        "calibration end " +
        format_date(cal_end));
  out.holdout_length = obs_end > cal_end ? static_cast<double>(obs_end - cal_end) / unit : 0.0;
  return out;
}

std::vector<Transaction> read_cdnow(const std::string& path, int customer_field) {
  TableOptions o;
  o.whitespace = true;
  o.header = false;
  Table t = Table::read(path, o);
  const std::size_t cols = t.columns().size();
  if (cols != 4 && cols != 5)
    throw std::runtime_error(path +
                             ": CDNOW format has 4 fields (customer date quantity amount) "
                             "or 5 (customer sample_id date quantity amount); found " +
                             std::to_string(cols));
  const std::size_t date_col = cols == 4 ? 1 : 2, amount_col = cols - 1;
  if (customer_field < 1 || static_cast<std::size_t>(customer_field) > cols)
    throw std::runtime_error(path + ": customer field " + std::to_string(customer_field) +
                             " out of range 1.." + std::to_string(cols));
  const std::size_t cust_col = static_cast<std::size_t>(customer_field - 1);
  std::vector<Transaction> out;
  out.reserve(t.rows());
  for (std::size_t r = 0; r < t.rows(); ++r) {
    auto day = parse_date(t.cell(r, date_col));
    if (!day) {
      if (r == 0) continue;  // header line
      throw std::runtime_error(t.where(r, date_col) + ": cannot parse '" + t.cell(r, date_col) +
                               "' as a date (YYYYMMDD)");
    }
    out.push_back({t.cell(r, cust_col), *day, t.number(r, amount_col)});
  }
  return out;
}

std::vector<Transaction> read_transactions_csv(const std::string& path,
                                               const std::string& customer_col,
                                               const std::string& date_col,
                                               const std::string& amount_col, bool skip_bad_rows,
                                               std::size_t* skipped) {
  TableOptions o;
  o.bad_rows = skip_bad_rows ? BadRowPolicy::kSkip : BadRowPolicy::kError;
  Table t = Table::read(path, o);
  const std::size_t cc = t.column(customer_col), dc = t.column(date_col);
  const bool has_amount = !amount_col.empty();
  const std::size_t ac = has_amount ? t.column(amount_col) : 0;
  std::vector<Transaction> out;
  out.reserve(t.rows());
  std::size_t bad = t.skipped_rows();
  for (std::size_t r = 0; r < t.rows(); ++r) {
    std::string problem;
    auto day = parse_date(t.cell(r, dc));
    std::optional<double> amount = has_amount ? parse_double(t.cell(r, ac)) : 0.0;
    if (t.cell(r, cc).empty())
      problem = t.where(r, cc) + ": empty customer id";
    else if (!day)
      problem = t.where(r, dc) + ": cannot parse '" + t.cell(r, dc) +
                "' as a date (YYYY-MM-DD or YYYYMMDD)";
    else if (!amount)
      problem = t.where(r, ac) + ": cannot parse '" + t.cell(r, ac) + "' as a number";
    if (!problem.empty()) {
      if (!skip_bad_rows) throw std::runtime_error(problem);
      ++bad;
      continue;
    }
    out.push_back({t.cell(r, cc), *day, *amount});
  }
  if (skipped) *skipped = bad;
  return out;
}

RfmData read_rfm_summary_csv(const std::string& path, const std::string& id_col) {
  Table t = Table::read(path);
  auto pick = [&](std::initializer_list<const char*> names) -> std::optional<std::size_t> {
    for (const char* n : names)
      if (auto c = t.find_column(n)) return c;
    return std::nullopt;
  };
  auto need = [&](std::initializer_list<const char*> names, const char* what) {
    if (auto c = pick(names)) return *c;
    std::string list;
    for (const char* n : names) list += std::string(list.empty() ? "" : ", ") + "'" + n + "'";
    std::string have;
    for (const auto& c : t.columns()) have += std::string(have.empty() ? "" : ", ") + "'" + c + "'";
    throw std::runtime_error(path + ": no " + what + " column (looked for " + list +
                             "); available columns: " + have);
  };
  const std::size_t cx = need({"frequency", "x"}, "frequency");
  const std::size_t ct = need({"recency", "t_x"}, "recency");
  const std::size_t cT = need({"T", "periods", "n", "T_cal", "age"}, "T (age / periods)");
  const auto cm = pick({"monetary_value", "zbar", "monetary"});
  const auto cw = pick({"weights", "n_custs", "weight", "count"});
  std::optional<std::size_t> cid;
  if (!id_col.empty())
    cid = t.column(id_col);
  else
    cid = pick({"ID", "id", "customer", "customer_id", "CustomerID", "cust"});
  RfmData d;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    d.x.push_back(t.number(r, cx));
    d.t_x.push_back(t.number(r, ct));
    d.T.push_back(t.number(r, cT));
    if (cm) d.monetary.push_back(t.number(r, *cm));
    if (cw) d.weight.push_back(t.number(r, *cw));
    if (cid) d.id.push_back(t.cell(r, *cid));
  }
  if (d.x.empty()) throw std::runtime_error(path + ": no rows");
  return d;
}

}  // namespace journeysim::kpi
