// `journeysim clv`: fit a probabilistic CLV model (BG/NBD, Pareto/NBD, Gamma-Gamma, BG/BB, sBG)
// by maximum likelihood, print the fit as JSON, and optionally write per-customer predictions.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "command.hpp"
#include "journeysim/common/input_file.hpp"
#include "journeysim/kpi/clv.hpp"
#include "journeysim/kpi/table.hpp"

namespace {

using namespace journeysim::kpi;

struct ClvState {
  std::string input;
  std::string model;
  std::string input_format;  // empty: guessed
  std::string customer_col = "customer";
  std::string date_col = "date";
  std::string amount_col;
  int customer_field = 1;
  std::string time_unit = "week";
  std::string calibration_end;
  std::string observation_end;
  std::string alive_col;
  std::string id_col;
  std::string predict;
  double horizon = -1;
  double discount_rate = 0;
  double discount_period = 1;
  double margin = 1;
  double spend = -1;
  double arpa = -1;
  std::string format = "json";
  bool skip_bad_rows = false;
};

long parse_date_option(const std::string& text, const char* option) {
  auto d = parse_date(text);
  if (!d)
    throw std::runtime_error(std::string(option) + ": cannot parse '" + text +
                             "' as a date (YYYY-MM-DD)");
  return *d;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string num(double v) {
  if (!std::isfinite(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// Writes rows to path.tmp-PID, then renames it over path; removed if never committed.
class CsvOut {
 public:
  explicit CsvOut(std::string path)
      : path_(checked(std::move(path))),
        tmp_(path_ + ".tmp-" + std::to_string(::getpid())),
        out_(tmp_) {
    if (!out_) throw std::runtime_error("cannot open '" + tmp_ + "' for writing");
    journeysim::common::register_temporary(tmp_);
  }
  ~CsvOut() {
    if (!committed_) {
      out_.close();
      std::error_code ec;
      std::filesystem::remove(tmp_, ec);
    }
    journeysim::common::unregister_temporary(tmp_);
  }
  static std::string checked(std::string p) {
    journeysim::common::check_output(p);
    journeysim::common::remove_stale_temporaries(p);
    return p;
  }
  void row(const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) out_ << (i ? "," : "") << fields[i];
    out_ << "\n";
  }
  void commit() {
    out_.close();
    if (!out_) throw std::runtime_error("error while writing '" + tmp_ + "' (disk full?)");
    std::filesystem::rename(tmp_, path_);
    committed_ = true;
  }

 private:
  std::string path_, tmp_;
  std::ofstream out_;
  bool committed_ = false;
};

std::string guess_format(const ClvState& st) {
  if (!st.input_format.empty()) return st.input_format;
  if (st.model == "sbg") return "survival-table";
  const std::string ext = std::filesystem::path(st.input).extension().string();
  if (ext == ".txt" || ext == ".dat") return "cdnow";
  Table head = Table::read(st.input);
  if ((head.has_column("frequency") || head.has_column("x")) &&
      (head.has_column("recency") || head.has_column("t_x")))
    return "summary";
  return "transactions";
}

int run_clv(const ClvState& st) {
  const std::string fmt = guess_format(st);
  nlohmann::ordered_json out;
  out["model"] = st.model;
  out["params"] = nullptr;
  out["log_likelihood"] = nullptr;
  out["n"] = nullptr;
  out["input"] = {{"file", st.input}, {"format", fmt}};

  // ---- sBG: cohort survival table.
  if (st.model == "sbg") {
    if (fmt != "survival-table")
      throw std::runtime_error("--model sbg needs --input-format survival-table");
    Table t = Table::read(st.input);
    std::string col = st.alive_col;
    if (col.empty()) {
      if (t.columns().size() == 2) {
        col = t.columns()[1];
      } else {
        std::string have;
        for (const auto& c : t.columns()) have += (have.empty() ? "'" : ", '") + c + "'";
        throw std::runtime_error(st.input +
                                 ": several columns; choose the cohort with "
                                 "--alive-col (available columns: " +
                                 have + ")");
      }
    }
    std::vector<double> alive = t.numbers(col);
    auto fit = fit_sbg(alive);
    const SbgParams& p = fit.params;
    out["params"] = to_json(p);
    out["log_likelihood"] = fit.log_likelihood;
    out["n"] = fit.n;
    out["converged"] = fit.converged;
    out["input"]["alive_col"] = col;
    const double horizon = st.horizon > 0 ? st.horizon : 10;
    const int periods = static_cast<int>(std::ceil(horizon));
    std::vector<double> s;
    for (int k = 0; k < periods; ++k) s.push_back(sbg_survival(p, k));
    nlohmann::ordered_json life = {{"periods", periods},
                                   {"expected_lifetime", expected_lifetime(s)},
                                   {"discount_rate", st.discount_rate}};
    if (st.discount_rate > 0)
      life["discounted_expected_lifetime_infinite"] =
          sbg_discounted_expected_lifetime(p, st.discount_rate);
    if (st.arpa > 0) life["clv"] = survival_clv(s, st.arpa, st.margin, st.discount_rate);
    out["lifetime"] = life;
    if (!st.predict.empty()) {
      CsvOut csv(st.predict);
      csv.row({"t", "survival", "retention", "churn_probability", "observed_survival"});
      for (int k = 0; k <= periods; ++k) {
        const double tk = k;
        csv.row({std::to_string(k), num(sbg_survival(p, tk)),
                 k > 0 ? num(sbg_retention(p, tk)) : "",
                 k > 0 ? num(sbg_churn_probability(p, tk)) : "",
                 static_cast<std::size_t>(k) < alive.size() ? num(alive[k] / alive[0]) : ""});
      }
      csv.commit();
      out["predictions"] = {{"file", st.predict}, {"periods", periods}};
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }

  // ---- RFM-based models.
  RfmData data;
  const double unit = time_unit_days(st.time_unit);
  if (fmt == "summary") {
    data = read_rfm_summary_csv(st.input, st.id_col);
  } else if (fmt == "cdnow" || fmt == "transactions") {
    std::vector<Transaction> tx;
    std::size_t skipped = 0;
    if (fmt == "cdnow") {
      tx = read_cdnow(st.input, st.customer_field);
    } else {
      tx = read_transactions_csv(st.input, st.customer_col, st.date_col, st.amount_col,
                                 st.skip_bad_rows, &skipped);
    }
    SummaryOptions so;
    so.time_unit_days = unit;
    if (!st.calibration_end.empty())
      so.calibration_end = parse_date_option(st.calibration_end, "--calibration-end");
    if (!st.observation_end.empty())
      so.observation_end = parse_date_option(st.observation_end, "--observation-end");
    data = summarize_transactions(tx, so);
    long last = tx.front().day, first = tx.front().day;
    for (const auto& t : tx) {
      last = std::max(last, t.day);
      first = std::min(first, t.day);
    }
    double repeat = 0, holdout = 0, repeaters = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
      repeat += data.x[i];
      holdout += data.holdout_x[i];
      repeaters += data.x[i] > 0;
    }
    out["input"]["transactions"] = tx.size();
    out["input"]["rows_skipped"] = skipped;
    out["summary"] = {{"time_unit", st.time_unit},
                      {"time_unit_days", unit},
                      {"first_date", format_date(first)},
                      {"last_date", format_date(last)},
                      {"calibration_end", format_date(so.calibration_end.value_or(last))},
                      {"customers", data.size()},
                      {"customers_with_repeat", repeaters},
                      {"repeat_transactions", repeat},
                      {"holdout_length", data.holdout_length},
                      {"holdout_repeat_transactions", holdout}};
  } else {
    throw std::runtime_error("--input-format " + fmt + " does not fit --model " + st.model);
  }

  const bool has_ids = data.id.size() == data.size();
  auto id_of = [&](std::size_t i) { return has_ids ? data.id[i] : std::to_string(i + 1); };
  const bool has_money = data.monetary.size() == data.size();
  const bool has_holdout = data.holdout_x.size() == data.size() && data.holdout_length > 0;

  if (st.model == "gamma-gamma") {
    auto fit = fit_gamma_gamma(data);
    out["params"] = to_json(fit.params);
    out["log_likelihood"] = fit.log_likelihood;
    out["n"] = fit.n;
    out["converged"] = fit.converged;
    out["expected_spend"] = expected_spend(fit.params);
    if (!st.predict.empty()) {
      CsvOut csv(st.predict);
      csv.row({"customer", "frequency", "monetary", "expected_spend"});
      for (std::size_t i = 0; i < data.size(); ++i)
        csv.row({csv_field(id_of(i)), num(data.x[i]), num(data.monetary[i]),
                 num(conditional_expected_spend(fit.params, data.x[i], data.monetary[i]))});
      csv.commit();
      out["predictions"] = {{"file", st.predict}};
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }

  if (st.model == "bgbb") {
    auto fit = fit_bgbb(data);
    const BgBbParams& p = fit.params;
    out["params"] = to_json(p);
    out["log_likelihood"] = fit.log_likelihood;
    out["n"] = fit.n;
    out["converged"] = fit.converged;
    if (!st.predict.empty()) {
      const double horizon = st.horizon > 0 ? std::round(st.horizon) : 5;
      CsvOut csv(st.predict);
      std::vector<std::string> head = {"customer",
                                       "frequency",
                                       "recency",
                                       "periods",
                                       "weight",
                                       "p_alive",
                                       "expected_transactions"};
      if (st.spend > 0) head.push_back("clv");
      csv.row(head);
      for (std::size_t i = 0; i < data.size(); ++i) {
        const double x = data.x[i], tx = data.t_x[i], n = data.T[i];
        std::vector<std::string> row = {
            csv_field(id_of(i)),
            num(x),
            num(tx),
            num(n),
            num(data.w(i)),
            num(p_alive(p, x, tx, n)),
            num(conditional_expected_transactions(p, horizon, x, tx, n))};
        if (st.spend > 0) {
          auto cum = [&](double k) { return conditional_expected_transactions(p, k, x, tx, n); };
          row.push_back(num(discounted_purchase_value(cum, horizon, st.discount_rate,
                                                      st.spend * st.margin, 1.0)));
        }
        csv.row(row);
      }
      csv.commit();
      out["predictions"] = {{"file", st.predict}, {"horizon_periods", horizon}};
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }

  // BG/NBD or Pareto/NBD (+ Gamma-Gamma for spend when monetary values are known).
  std::function<double(double, double, double, double)> cond;  // (t, x, t_x, T)
  std::function<double(double, double, double)> alive;
  // Records a BG/NBD or Pareto/NBD fit and binds its prediction functions.
  auto use_fit = [&](const auto& fit) {
    out["params"] = to_json(fit.params);
    out["log_likelihood"] = fit.log_likelihood;
    out["n"] = fit.n;
    out["converged"] = fit.converged;
    const auto p = fit.params;
    cond = [p](double t, double x, double tx, double T) {
      return conditional_expected_purchases(p, t, x, tx, T);
    };
    alive = [p](double x, double tx, double T) { return p_alive(p, x, tx, T); };
  };
  if (st.model == "bgnbd") {
    use_fit(fit_bgnbd(data));
  } else if (st.model == "pareto-nbd") {
    use_fit(fit_pareto_nbd(data));
  } else {
    throw std::runtime_error("unknown model '" + st.model + "'");
  }
  if (st.predict.empty()) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }

  const double horizon = st.horizon > 0 ? st.horizon : 52;
  std::optional<GammaGammaParams> gg;
  if (st.spend <= 0 && has_money) {
    // The spend model uses repeat customers with a positive mean spend; others (e.g. net refunds)
    // are left out of its fit and get the population mean spend.
    RfmData spenders;
    std::size_t excluded = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (data.x[i] <= 0) continue;
      if (!(data.monetary[i] > 0)) {
        ++excluded;
        continue;
      }
      spenders.x.push_back(data.x[i]);
      spenders.t_x.push_back(data.t_x[i]);
      spenders.T.push_back(data.T[i]);
      spenders.monetary.push_back(data.monetary[i]);
      spenders.weight.push_back(data.w(i));
    }
    if (!spenders.x.empty()) {
      auto g = fit_gamma_gamma(spenders);
      gg = g.params;
      out["spend_model"] = {{"model", "gamma-gamma"},
                            {"params", to_json(g.params)},
                            {"log_likelihood", g.log_likelihood},
                            {"n", g.n},
                            {"converged", g.converged},
                            {"excluded_nonpositive_spend", excluded}};
    }
  }
  const bool with_value = st.spend > 0 || gg.has_value();
  CsvOut csv(st.predict);
  std::vector<std::string> head = {"customer", "frequency", "recency", "T"};
  if (has_money) head.push_back("monetary");
  head.insert(head.end(), {"p_alive", "expected_purchases"});
  if (has_holdout) head.push_back("holdout_purchases");
  if (with_value) head.insert(head.end(), {"expected_spend", "clv"});
  csv.row(head);
  double total_purchases = 0, total_clv = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const double x = data.x[i], tx = data.t_x[i], T = data.T[i];
    const double e = cond(horizon, x, tx, T);
    total_purchases += data.w(i) * e;
    std::vector<std::string> row = {csv_field(id_of(i)), num(x), num(tx), num(T)};
    if (has_money) row.push_back(num(data.monetary[i]));
    row.push_back(num(alive(x, tx, T)));
    row.push_back(num(e));
    if (has_holdout) row.push_back(num(data.holdout_x[i]));
    if (with_value) {
      const bool usable = has_money && data.monetary[i] > 0;
      const double spend = st.spend > 0 ? st.spend
                                        : conditional_expected_spend(*gg, usable ? x : 0,
                                                                     usable ? data.monetary[i] : 0);
      auto cum = [&](double t) { return cond(t, x, tx, T); };
      const double clv = discounted_purchase_value(cum, horizon, st.discount_rate,
                                                   spend * st.margin, st.discount_period);
      total_clv += data.w(i) * clv;
      row.push_back(num(spend));
      row.push_back(num(clv));
    }
    csv.row(row);
  }
  csv.commit();
  nlohmann::ordered_json pj = {{"file", st.predict},
                               {"horizon", horizon},
                               {"discount_rate", st.discount_rate},
                               {"discount_period", st.discount_period},
                               {"margin", st.margin},
                               {"expected_purchases_total", total_purchases}};
  if (with_value) pj["clv_total"] = total_clv;
  if (has_holdout) {
    double actual = 0;
    for (double v : data.holdout_x) actual += v;
    pj["holdout_length"] = data.holdout_length;
    pj["holdout_purchases_total"] = actual;
  }
  out["predictions"] = pj;
  std::cout << out.dump(2) << "\n";
  return 0;
}

const bool registered = journeysim::cli::register_command(
    61, "clv",
    "Fit a CLV model (BG/NBD, Pareto/NBD, Gamma-Gamma, BG/BB, sBG) by maximum likelihood and "
    "predict per-customer purchases, P(alive) and CLV",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions&) -> journeysim::cli::Runner {
      auto st = std::make_shared<ClvState>();
      sub.add_option("INPUT", st->input,
                     "Transaction log (CDNOW .txt or CSV), RFM summary CSV, or cohort survival "
                     "table CSV")
          ->required()
          ->check(CLI::ExistingFile);
      sub.add_option("--model", st->model, "Model to fit")
          ->required()
          ->check(journeysim::cli::one_of({"bgnbd", "pareto-nbd", "gamma-gamma", "bgbb", "sbg"}));
      sub.add_option("--input-format", st->input_format,
                     "cdnow (whitespace: id [sample_id] YYYYMMDD qty amount), transactions "
                     "(CSV), summary (frequency,recency,T[,monetary_value][,weights] or "
                     "x,t_x,T[,zbar]; BG/BB: frequency,recency,periods,weights), survival-table "
                     "(sBG). Default: guessed from the model, extension and header")
          ->check(journeysim::cli::one_of({"cdnow", "transactions", "summary", "survival-table"}));
      sub.add_option("--customer-col", st->customer_col, "Transactions CSV: customer id column")
          ->capture_default_str();
      sub.add_option("--date-col", st->date_col, "Transactions CSV: date column")
          ->capture_default_str();
      sub.add_option("--amount-col", st->amount_col,
                     "Transactions CSV: amount column (none: amounts are 0, no spend model)");
      sub.add_option("--customer-field", st->customer_field,
                     "CDNOW format: 1-based field holding the customer id")
          ->capture_default_str();
      sub.add_option("--id-col", st->id_col, "Summary CSV: customer id column");
      sub.add_option("--time-unit", st->time_unit,
                     "Time unit of recency, T and horizon for transaction logs (month = 30.4375 "
                     "days)")
          ->check(journeysim::cli::one_of({"day", "week", "month"}))
          ->capture_default_str();
      sub.add_option("--calibration-end", st->calibration_end,
                     "Last day (inclusive) of the calibration period, YYYY-MM-DD (default: last "
                     "transaction date); later purchases are the holdout");
      sub.add_option("--observation-end", st->observation_end,
                     "Last day (inclusive) of the holdout period (default: last transaction date)");
      sub.add_option("--alive-col", st->alive_col,
                     "Survival table: column with the customers still active per period");
      sub.add_option("--predict", st->predict,
                     "Write per-customer predictions (sBG: per-period curves) to this CSV");
      sub.add_option("--horizon", st->horizon,
                     "Prediction horizon in time units (default 52; BG/BB: 5 periods; sBG: 10 "
                     "periods)")
          ->check(CLI::PositiveNumber);
      sub.add_option("--discount-rate", st->discount_rate,
                     "Discount rate per discount period (see --discount-period)")
          ->check(CLI::Range(0.0, 10.0))
          ->capture_default_str();
      sub.add_option("--discount-period", st->discount_period,
                     "Length of one discount period in time units (e.g. 4.348 weeks = 1 month)")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
      sub.add_option("--margin", st->margin, "Profit margin applied to spend")
          ->check(CLI::Range(0.0, 1.0))
          ->capture_default_str();
      sub.add_option("--spend", st->spend,
                     "Value per transaction for CLV (default: Gamma-Gamma fitted on the same data "
                     "when amounts are known)")
          ->check(CLI::PositiveNumber);
      sub.add_option("--arpa", st->arpa, "sBG: revenue per period for the survival-based CLV")
          ->check(CLI::PositiveNumber);
      sub.add_option("--format", st->format, "Output format")
          ->check(journeysim::cli::one_of({"json"}))
          ->capture_default_str();
      sub.add_flag("--skip-bad-rows", st->skip_bad_rows,
                   "Transactions CSV: skip (and count) malformed rows instead of failing");
      return [st] { return run_clv(*st); };
    });

}  // namespace
