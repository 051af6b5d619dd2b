// Probabilistic customer-lifetime-value models, fitted by maximum likelihood:
//   non-contractual, continuous time: BG/NBD (Fader, Hardie & Lee 2005) and Pareto/NBD
//     (Schmittlein, Morrison & Colombo 1987; likelihood as in Fader & Hardie 2005 "A Note on
//     Deriving the Pareto/NBD Model and Related Expressions");
//   spend per transaction: Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"; note 025);
//   non-contractual, discrete time: BG/BB (Fader, Hardie & Shang 2010);
//   contractual, discrete time: shifted-beta-geometric (Fader & Hardie 2007);
// plus the RFM summary of a transaction log (the Fader-Hardie / lifetimes convention) and CLV
// helpers. Formulas and conventions: docs/survival-and-clv.md.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "journeysim/kpi/optimize.hpp"

namespace journeysim::kpi {

// ---------------------------------------------------------------------------------------------
// Data

// One row per customer (or per pattern, with a weight = number of customers sharing it).
//   x       repeat transactions in the calibration period ("frequency")
//   t_x     time of the last transaction, measured from the first ("recency")
//   T       time from the first transaction to the end of calibration ("age")
// For the discrete-time BG/BB model x, t_x and T are counts of periods: x transactions in
// T = n opportunities, the last one in period t_x (0 if x = 0).
struct RfmData {
  std::vector<std::string> id;  // may be empty
  std::vector<double> x, t_x, T;
  std::vector<double> monetary;  // mean value of the repeat transactions (0 if x = 0); may be empty
  std::vector<double> weight;    // empty = 1 per row
  std::vector<double> holdout_x;  // repeat transactions after calibration (if known); may be empty
  double holdout_length = 0;      // length of the holdout period in time units (0 if none)

  std::size_t size() const { return x.size(); }
  double w(std::size_t i) const { return weight.empty() ? 1.0 : weight[i]; }
  double total_weight() const;
  // Checks lengths and ranges (0 <= t_x <= T, x >= 0, x = 0 => t_x = 0); throws on error.
  void validate(bool discrete = false) const;
};

// A transaction: who, when (days since 1970-01-01), how much.
struct Transaction {
  std::string customer;
  long day = 0;
  double amount = 0;
};

struct SummaryOptions {
  double time_unit_days = 7.0;          // week
  std::optional<long> calibration_end;  // inclusive; default: the last transaction date
  std::optional<long> observation_end;  // inclusive end of the holdout; default: last date
};

// Builds the RFM summary with the Fader-Hardie / lifetimes / BTYD convention: transactions of
// the same customer on the same day are merged (amounts summed); per customer, with first = day
// of the first purchase, and only days <= calibration_end:
//   x = number of distinct purchase days - 1, t_x = (last day - first day) / unit,
//   T = (calibration_end - first day) / unit, monetary = mean of the repeat-day totals (0 if x=0);
//   holdout_x = distinct purchase days in (calibration_end, observation_end].
// Customers whose first purchase is after calibration_end are left out. Rows are in order of
// each customer's first appearance in `transactions`.
RfmData summarize_transactions(std::span<const Transaction> transactions,
                               const SummaryOptions& options = {});

// Time units by name: "day" (1), "week" (7), "month" (365.25/12 = 30.4375 days).
double time_unit_days(const std::string& name);

// Readers used by the CLI (and tests).
// CDNOW_master.txt / CDNOW_sample.txt: whitespace-separated, optional header; 4 fields
// (customer, date YYYYMMDD, quantity, amount) or 5 (customer, sample id, date, quantity,
// amount). `customer_field` picks the id column: 1-based field number (default 1).
std::vector<Transaction> read_cdnow(const std::string& path, int customer_field = 1);
// CSV transaction log: customer, date (YYYY-MM-DD[ time] or YYYYMMDD) and optional amount
// (empty name: amount 0). Rows with unparseable values are errors unless skip_bad_rows.
std::vector<Transaction> read_transactions_csv(
    const std::string& path, const std::string& customer_col, const std::string& date_col,
    const std::string& amount_col, bool skip_bad_rows = false, std::size_t* skipped = nullptr);
// A summary CSV: recognizes lifetimes names (frequency, recency, T, monetary_value, periods,
// weights) and Fader-Hardie names (x, t_x, T, zbar, n, n_custs); an id column is taken from
// `id_col` if given, else "ID"/"id"/"customer"/"customer_id" if present.
RfmData read_rfm_summary_csv(const std::string& path, const std::string& id_col = "");

// ---------------------------------------------------------------------------------------------
// Fitting

struct FitOptions {
  NelderMeadOptions optimizer{};
  // Extra starting points (natural parameter scale); defaults are always tried too.
  std::vector<std::vector<double>> starts{};
};

template <class Params>
struct FitResult {
  Params params;
  double log_likelihood = 0;
  double n = 0;  // customers (sum of weights) the model was fitted on
  int evaluations = 0;
  bool converged = false;
};

// ---- BG/NBD ---------------------------------------------------------------------------------
struct BgNbdParams {
  double r = 1, alpha = 1, a = 1, b = 1;
};
double log_likelihood(const BgNbdParams& p, double x, double t_x, double T);
double log_likelihood(const BgNbdParams& p, const RfmData& data);
FitResult<BgNbdParams> fit_bgnbd(const RfmData& data, const FitOptions& options = {});
// P(alive at T | x, t_x, T).
double p_alive(const BgNbdParams& p, double x, double t_x, double T);
// E[X(t)] for a randomly chosen new customer.
double expected_purchases(const BgNbdParams& p, double t);
// E[Y(t) | x, t_x, T]: expected purchases in (T, T + t].
double conditional_expected_purchases(const BgNbdParams& p, double t, double x, double t_x,
                                      double T);

// ---- Pareto/NBD -----------------------------------------------------------------------------
struct ParetoNbdParams {
  double r = 1, alpha = 1, s = 1, beta = 1;
};
double log_likelihood(const ParetoNbdParams& p, double x, double t_x, double T);
double log_likelihood(const ParetoNbdParams& p, const RfmData& data);
// The same likelihood through its integral form (adaptive quadrature instead of 2F1); used to
// cross-check the hypergeometric formulation.
double log_likelihood_by_quadrature(const ParetoNbdParams& p, double x, double t_x, double T);
FitResult<ParetoNbdParams> fit_pareto_nbd(const RfmData& data, const FitOptions& options = {});
double p_alive(const ParetoNbdParams& p, double x, double t_x, double T);
double expected_purchases(const ParetoNbdParams& p, double t);
double conditional_expected_purchases(const ParetoNbdParams& p, double t, double x, double t_x,
                                      double T);

// ---- Gamma-Gamma spend model ------------------------------------------------------------------
// Fitted on customers with x > 0 only (their mean repeat-transaction value `monetary`).
struct GammaGammaParams {
  double p = 1, q = 1, gamma = 1;
};
// Log density of the mean spend zbar of x transactions.
double log_likelihood(const GammaGammaParams& p, double x, double zbar);
double log_likelihood(const GammaGammaParams& p, const RfmData& data);  // rows with x > 0
FitResult<GammaGammaParams> fit_gamma_gamma(const RfmData& data, const FitOptions& options = {});
// E[Z | x, zbar] = (gamma + x zbar) p / (p x + q - 1); the population mean p gamma/(q-1) if x = 0.
double conditional_expected_spend(const GammaGammaParams& p, double x, double zbar);
double expected_spend(const GammaGammaParams& p);  // p gamma / (q - 1), needs q > 1

// ---- BG/BB (discrete time) --------------------------------------------------------------------
struct BgBbParams {
  double alpha = 1, beta = 1, gamma = 1, delta = 1;
};
// x transactions in n opportunities, the last in period t_x.
double log_likelihood(const BgBbParams& p, double x, double t_x, double n);
double log_likelihood(const BgBbParams& p, const RfmData& data);  // T column = n
FitResult<BgBbParams> fit_bgbb(const RfmData& data, const FitOptions& options = {});
// P(alive in period n+1 | x, t_x, n).
double p_alive(const BgBbParams& p, double x, double t_x, double n);
// E[X(n)]: expected transactions of a new customer in the first n periods.
double expected_transactions(const BgBbParams& p, double n);
// P(X(n) = x) for a new customer.
double probability_of_transactions(const BgBbParams& p, double x, double n);
// E[X(n, n + n_star) | x, t_x, n]: expected transactions in the next n_star periods.
double conditional_expected_transactions(const BgBbParams& p, double n_star, double x, double t_x,
                                         double n);

// ---- shifted-beta-geometric (contractual, discrete time) -------------------------------------
struct SbgParams {
  double alpha = 1, beta = 1;
};
// Cohort data: alive[0] customers at the start, alive[t] still active after period t.
double log_likelihood(const SbgParams& p, std::span<const double> alive);
FitResult<SbgParams> fit_sbg(std::span<const double> alive, const FitOptions& options = {});
// S(t) = B(alpha, beta + t) / B(alpha, beta).
double sbg_survival(const SbgParams& p, double t);
// P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta), t = 1, 2, ...
double sbg_churn_probability(const SbgParams& p, double t);
// Retention rate r(t) = S(t)/S(t-1) = (beta + t - 1)/(alpha + beta + t - 1), t >= 1.
double sbg_retention(const SbgParams& p, double t);
// Discounted expected lifetime in periods, counting period 0: sum_{t>=0} S(t)/(1+d)^t
// = 2F1(1, beta; alpha + beta; 1/(1+d)) (Fader & Hardie 2010); d > 0, or d = 0 with alpha > 1.
double sbg_discounted_expected_lifetime(const SbgParams& p, double discount_rate);

// ---------------------------------------------------------------------------------------------
// CLV

// Discounted value of the purchases predicted by a cumulative curve F(t) (F(0) = 0) over
// (0, horizon]: sum_k (F(t_k) - F(t_{k-1})) * value_per_purchase / (1 + d)^k, with
// t_k = min(k * step, horizon); d is the discount rate per step.
double discounted_purchase_value(const std::function<double(double)>& cumulative_purchases,
                                 double horizon, double discount_rate, double value_per_purchase,
                                 double step = 1.0);

// Subscription CLV: margin-adjusted ARPA over churn. Per period, paid at the start of each
// period while the customer is active, retention 1 - churn:
//   sum_{t>=0} arpa * margin * (1 - churn)^t / (1 + d)^t = arpa * margin * (1 + d) / (churn + d)
// which is arpa * margin / churn when d = 0.
double subscription_clv(double arpa, double margin, double churn_rate, double discount_rate = 0);

// Survival-based CLV: arpa * margin * sum_{t=0}^{H-1} S(t) / (1 + d)^t, with
// survival_at_period_start[t] = S(t) (S(0) = 1 normally), e.g. from a Kaplan-Meier curve or
// the sBG model. With d = 0 the sum is the expected (restricted) lifetime in periods.
double survival_clv(std::span<const double> survival_at_period_start, double arpa, double margin,
                    double discount_rate = 0);
double expected_lifetime(std::span<const double> survival_at_period_start);

// ---------------------------------------------------------------------------------------------
// JSON
nlohmann::json to_json(const BgNbdParams& p);
nlohmann::json to_json(const ParetoNbdParams& p);
nlohmann::json to_json(const GammaGammaParams& p);
nlohmann::json to_json(const BgBbParams& p);
nlohmann::json to_json(const SbgParams& p);

}  // namespace journeysim::kpi
