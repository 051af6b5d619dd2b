#include "reference.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <unordered_map>

#include "csv_read.hpp"
#include "csv_text.hpp"
#include "gzip_file.hpp"
#include "journeysim/dataset/tasks.hpp"
#include "journeysim/kpi/clv.hpp"
#include "journeysim/kpi/survival.hpp"

namespace journeysim::dataset {

namespace fs = std::filesystem;

namespace {

double num(const std::string& s) {
  return s.empty() ? std::nan("") : std::stod(s);
}

struct Row {
  std::uint64_t id;
  double converted_day, churn_day, x, t_x, T, zbar;
  bool paying;
  double upgrades;
};

// Every partition's rows of one table, in partition order: (file, records without header).
template <class F>
void each_row(const std::string& dir, const std::string& table, std::uint32_t partitions, F f) {
  std::vector<std::string> fields;
  for (std::uint32_t p = 1; p <= partitions; ++p) {
    const std::string path =
        (fs::path(dir) / table / (partition_name(p, partitions) + ".csv.gz")).string();
    CsvText csv(read_gzip(path), path);
    csv.next(fields);  // header
    while (csv.next(fields)) f(fields, csv);
  }
}

void write_predictions(const std::string& dir, const std::string& rel, const std::string& task,
                       const std::vector<std::uint64_t>& ids, const std::vector<double>& pred,
                       std::vector<FileRecord>& files) {
  const fs::path path = fs::path(dir) / rel;
  fs::create_directories(path.parent_path());
  GzipWriter w(path.string());
  w.text() += "customer_id," + task + "\n";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::string& t = w.text();
    put_int(t, ids[i]);
    put_char(t, ',');
    put_double(t, pred[i]);
    put_char(t, '\n');
    w.row_done();
  }
  w.commit();
  files.push_back({rel, "reference/" + task, w.bytes(), w.rows(), w.sha256()});
}

}  // namespace

std::vector<ReferenceFit> write_reference_predictions(const std::string& dir,
                                                      const ReleaseIdentity& id,
                                                      std::vector<FileRecord>& files) {
  // the observable summary, by customer
  std::vector<Row> rows;
  std::unordered_map<std::uint64_t, std::size_t> at;
  each_row(dir, "summary", id.partitions, [&](const std::vector<std::string>& f, CsvText& csv) {
    if (f.size() != 13) throw std::runtime_error(csv.where() + ": expected 13 fields");
    Row r{std::stoull(f[0]), num(f[2]),  num(f[3]),   num(f[8]), num(f[9]),
          num(f[10]),        num(f[11]), f[4] == "1", num(f[12])};
    at[r.id] = rows.size();
    rows.push_back(r);
  });
  // the oracle's columns of the truth table
  std::unordered_map<std::uint64_t, std::array<double, 4>> oracle;
  each_row(dir, "truth", id.partitions, [&](const std::vector<std::string>& f, CsvText& csv) {
    if (f.size() != 19) throw std::runtime_error(csv.where() + ": expected 19 fields");
    oracle[std::stoull(f[0])] = {num(f[15]), num(f[16]), num(f[17]), num(f[18])};
  });

  std::vector<ReferenceFit> fits;
  const double window = id.holdout_days;
  kpi::BgNbdParams bg{};
  kpi::GammaGammaParams gg{};
  bool bg_fitted = false;
  for (const std::string& task : id.tasks) {
    std::vector<std::uint64_t> ids;
    each_row(dir, "tasks/" + task, id.partitions, [&](const std::vector<std::string>& f, CsvText&) {
      ids.push_back(std::stoull(f[0]));
    });
    std::vector<double> base(ids.size()), orc(ids.size());
    ReferenceFit fit{task, ""};
    char note[400];
    if (task == "purchases_holdout" || task == "spend_holdout") {
      // BG/NBD (and Gamma-Gamma for spend) on (x, t_x, T) in weeks, as the BTYD literature;
      // fitted on times rounded to whole days, so that equal rows are fitted once (the fit on
      // 600,000 customers takes seconds, not minutes), and applied to the exact times
      if (!bg_fitted) {
        kpi::RfmData d;
        for (const Row& r : rows) {
          if (std::isnan(r.T)) continue;
          d.x.push_back(r.x);
          d.T.push_back(std::max(1.0, std::round(r.T)) / 7);
          d.t_x.push_back(std::min(std::round(r.t_x), std::max(1.0, std::round(r.T))) / 7);
          d.monetary.push_back(r.x > 0 ? r.zbar : 0);
        }
        bg = kpi::fit_bgnbd(d).params;
        gg = kpi::fit_gamma_gamma(d).params;
        bg_fitted = true;
      }
      for (std::size_t i = 0; i < ids.size(); ++i) {
        const Row& r = rows.at(at.at(ids[i]));
        double e = kpi::conditional_expected_purchases(bg, window / 7, r.x, r.t_x / 7, r.T / 7);
        base[i] =
            task == "spend_holdout" ? e * kpi::conditional_expected_spend(gg, r.x, r.zbar) : e;
        orc[i] = oracle.at(ids[i])[task == "spend_holdout" ? 3 : 2];
      }
      std::snprintf(note, sizeof note, "BG/NBD r = %.4g, alpha = %.4g weeks, a = %.4g, b = %.4g",
                    bg.r, bg.alpha, bg.a, bg.b);
      fit.baseline_note = note;
      if (task == "spend_holdout") {
        std::snprintf(note, sizeof note, "; Gamma-Gamma p = %.4g, q = %.4g, gamma = %.4g", gg.p,
                      gg.q, gg.gamma);
        fit.baseline_note += note;
      }
    } else if (task == "churn_90d") {
      // Kaplan-Meier of paying tenure (first conversion to first churn, censored at T_c)
      std::vector<double> t;
      std::vector<std::uint8_t> ev;
      for (const Row& r : rows) {
        if (std::isnan(r.converted_day)) continue;
        const bool churned = !std::isnan(r.churn_day);
        t.push_back((churned ? r.churn_day : id.cut_day) - r.converted_day);
        ev.push_back(churned ? 1 : 0);
      }
      auto km = kpi::kaplan_meier(t, ev);
      // past the longest tenure, the curve goes on at the hazard of its last 90 days
      double tmax = 0;
      for (double v : t) tmax = std::max(tmax, v);
      const double s_end = km.survival_at(tmax), s_back = km.survival_at(std::max(0.0, tmax - 90));
      const double tail = s_end > 0 && s_back > 0 ? std::log(s_back / s_end) / 90 : 0;
      auto S = [&](double a) {
        return a <= tmax ? km.survival_at(a) : s_end * std::exp(-tail * (a - tmax));
      };
      for (std::size_t i = 0; i < ids.size(); ++i) {
        const Row& r = rows.at(at.at(ids[i]));
        const double a = id.cut_day - r.converted_day, sa = S(a);
        base[i] = sa > 0 ? std::clamp(1 - S(a + kTaskWindowDays) / sa, 0.0, 1.0) : 1.0;
        orc[i] = oracle.at(ids[i])[0];
      }
      std::snprintf(note, sizeof note,
                    "Kaplan-Meier on %zu paying tenures (%zu churned); beyond %.0f days the "
                    "hazard of the last 90 days (%.3g per day)",
                    t.size(), km.events, tmax, tail);
      fit.baseline_note = note;
    } else if (task == "upgrade_90d") {
      double upgrades = 0, exposure = 0;
      for (const Row& r : rows) {
        if (std::isnan(r.converted_day)) continue;
        upgrades += r.upgrades;
        exposure += (std::isnan(r.churn_day) ? id.cut_day : r.churn_day) - r.converted_day;
      }
      const double rate = exposure > 0 ? upgrades / exposure : 0;
      for (std::size_t i = 0; i < ids.size(); ++i) {
        base[i] = -std::expm1(-rate * kTaskWindowDays);
        orc[i] = oracle.at(ids[i])[1];
      }
      std::snprintf(note, sizeof note,
                    "%.0f upgrades in %.0f paying customer-days before T_c: %.4g per day", upgrades,
                    exposure, rate);
      fit.baseline_note = note;
    }
    write_predictions(dir, "reference/" + task + "/baseline.csv.gz", task, ids, base, files);
    write_predictions(dir, "reference/" + task + "/oracle.csv.gz", task, ids, orc, files);
    fits.push_back(fit);
  }
  return fits;
}

}  // namespace journeysim::dataset
