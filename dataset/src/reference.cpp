#include "reference.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <tuple>
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

constexpr double kFitSample = 100000;

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

Row summary_row(const std::vector<std::string>& f, const CsvText& csv) {
  if (f.size() != 13) throw std::runtime_error(csv.where() + ": expected 13 fields");
  return Row{std::stoull(f[0]), num(f[2]),  num(f[3]),   num(f[8]), num(f[9]),
             num(f[10]),        num(f[11]), f[4] == "1", num(f[12])};
}

}  // namespace

std::vector<ReferenceFit> write_reference_predictions(const std::string& dir,
                                                      const ReleaseIdentity& id,
                                                      std::vector<FileRecord>& files) {
  // Pass 1 over summary/: the models' inputs, kept compact (the fit data, not the rows), so that
  // memory does not grow with the scale factor beyond a few bytes per customer.
  // The purchase models are fitted on a sample of at most kFitSample customers, chosen by a hash
  // of the id (the same whatever the partitions): their estimates from 100,000 customers are
  // already precise to a few parts in a thousand, and the fit's cost stays flat in the scale
  // factor.
  std::uint64_t customers = 0;
  for (const auto& f : files)
    if (f.table == "summary") customers += f.rows;
  const double keep = customers > kFitSample ? kFitSample / static_cast<double>(customers) : 1.0;
  auto sampled = [&](std::uint64_t cid) {
    if (keep >= 1) return true;
    std::uint64_t z = cid + 0x9e3779b97f4a7c15ULL;  // splitmix64
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53 < keep;
  };
  std::uint64_t fitted = 0;
  std::map<std::tuple<double, double, double>, double> bg_rows;  // (x, t_x, T) in days -> count
  kpi::RfmData gg_data;                                          // x > 0: (x, mean spend)
  std::vector<double> km_t;
  std::vector<std::uint8_t> km_event;
  double upgrades = 0, exposure = 0;
  each_row(dir, "summary", id.partitions, [&](const std::vector<std::string>& f, CsvText& csv) {
    const Row r = summary_row(f, csv);
    if (!std::isnan(r.T) && sampled(r.id)) {
      ++fitted;
      // times rounded to whole days so that equal rows are fitted once (applied to exact times)
      const double T = std::max(1.0, std::round(r.T)), tx = std::min(std::round(r.t_x), T);
      bg_rows[{r.x, tx, T}] += 1;
      if (r.x > 0) {
        gg_data.x.push_back(r.x);
        gg_data.t_x.push_back(0);
        gg_data.T.push_back(0);
        gg_data.monetary.push_back(r.zbar);
      }
    }
    if (!std::isnan(r.converted_day)) {
      const bool churned = !std::isnan(r.churn_day);
      const double end = churned ? r.churn_day : id.cut_day;
      km_t.push_back(end - r.converted_day);
      km_event.push_back(churned ? 1 : 0);
      upgrades += r.upgrades;
      exposure += end - r.converted_day;
    }
  });
  auto has = [&](const char* t) { return std::count(id.tasks.begin(), id.tasks.end(), t) > 0; };
  std::vector<ReferenceFit> fits;
  char note[400];
  kpi::BgNbdParams bg{};
  kpi::GammaGammaParams gg{};
  if (has("purchases_holdout") || has("spend_holdout")) {
    kpi::RfmData d;  // BG/NBD in weeks, as the BTYD literature
    for (const auto& [k, w] : bg_rows) {
      d.x.push_back(std::get<0>(k));
      d.t_x.push_back(std::get<1>(k) / 7);
      d.T.push_back(std::get<2>(k) / 7);
      d.weight.push_back(w);
    }
    bg = kpi::fit_bgnbd(d).params;
    std::snprintf(note, sizeof note,
                  "BG/NBD r = %.4g, alpha = %.4g weeks, a = %.4g, b = %.4g (fitted on %llu "
                  "customers%s)",
                  bg.r, bg.alpha, bg.a, bg.b, static_cast<unsigned long long>(fitted),
                  keep < 1 ? ", a sample by a hash of the id" : "");
    fits.push_back({"purchases_holdout", note});
    if (has("spend_holdout")) {
      gg = kpi::fit_gamma_gamma(gg_data).params;
      std::string n = note;
      std::snprintf(note, sizeof note, "; Gamma-Gamma p = %.4g, q = %.4g, gamma = %.4g", gg.p, gg.q,
                    gg.gamma);
      fits.push_back({"spend_holdout", n + note});
    }
  }
  // Kaplan-Meier of paying tenure; past the longest tenure, the hazard of its last 90 days
  std::optional<kpi::KmCurve> km;
  double tmax = 0, s_end = 1, tail = 0;
  if (has("churn_90d") && !km_t.empty()) {
    km = kpi::kaplan_meier(km_t, km_event);
    for (double v : km_t) tmax = std::max(tmax, v);
    s_end = km->survival_at(tmax);
    const double s_back = km->survival_at(std::max(0.0, tmax - 90));
    tail = s_end > 0 && s_back > 0 ? std::log(s_back / s_end) / 90 : 0;
    std::snprintf(note, sizeof note,
                  "Kaplan-Meier on %zu paying tenures (%zu churned); beyond %.0f days the hazard "
                  "of the last 90 days (%.3g per day)",
                  km_t.size(), km->events, tmax, tail);
    fits.push_back({"churn_90d", note});
  }
  auto S = [&](double a) {
    return a <= tmax ? km->survival_at(a) : s_end * std::exp(-tail * (a - tmax));
  };
  const double up_rate = exposure > 0 ? upgrades / exposure : 0;
  if (has("upgrade_90d")) {
    std::snprintf(note, sizeof note,
                  "%.0f upgrades in %.0f paying customer-days before T_c: %.4g per day", upgrades,
                  exposure, up_rate);
    fits.push_back({"upgrade_90d", note});
  }
  km_t = {};
  km_event = {};

  // Pass 2, partition by partition: each task's ids, with the summary and truth rows of the same
  // partition, give the baseline's and the oracle's predictions, streamed to their files.
  struct Out {
    std::unique_ptr<GzipWriter> base, orc;
    std::string base_rel, orc_rel;
  };
  std::map<std::string, Out> out;
  for (const auto& task : id.tasks) {
    Out& o = out[task];
    o.base_rel = "reference/" + task + "/baseline.csv.gz";
    o.orc_rel = "reference/" + task + "/oracle.csv.gz";
    fs::create_directories(fs::path(dir) / "reference" / task);
    o.base = std::make_unique<GzipWriter>((fs::path(dir) / o.base_rel).string(), id.gzip_level);
    o.orc = std::make_unique<GzipWriter>((fs::path(dir) / o.orc_rel).string(), id.gzip_level);
    o.base->text() += "customer_id," + task + "\n";
    o.orc->text() += "customer_id," + task + "\n";
  }
  const double window = id.holdout_days;
  std::vector<std::string> f;
  for (std::uint32_t p = 1; p <= id.partitions; ++p) {
    const std::string part = partition_name(p, id.partitions) + ".csv.gz";
    std::unordered_map<std::uint64_t, Row> rows;
    std::unordered_map<std::uint64_t, std::array<double, 4>> oracle;
    {
      const std::string path = (fs::path(dir) / "summary" / part).string();
      CsvText csv(read_gzip(path), path);
      csv.next(f);
      while (csv.next(f)) {
        const Row r = summary_row(f, csv);
        rows[r.id] = r;
      }
    }
    {
      const std::string path = (fs::path(dir) / "truth" / part).string();
      CsvText csv(read_gzip(path), path);
      csv.next(f);
      while (csv.next(f)) {
        if (f.size() != 19) throw std::runtime_error(csv.where() + ": expected 19 fields");
        oracle[std::stoull(f[0])] = {num(f[15]), num(f[16]), num(f[17]), num(f[18])};
      }
    }
    for (const auto& task : id.tasks) {
      const std::string path = (fs::path(dir) / "tasks" / task / part).string();
      CsvText csv(read_gzip(path), path);
      csv.next(f);
      Out& o = out[task];
      while (csv.next(f)) {
        const std::uint64_t cid = std::stoull(f[0]);
        auto rit = rows.find(cid);
        auto oit = oracle.find(cid);
        if (rit == rows.end() || oit == oracle.end())
          throw std::runtime_error(csv.where() + ": customer " + f[0] +
                                   " is not in the partition's summary and truth");
        const Row& r = rit->second;
        double base = 0, orc = 0;
        if (task == "purchases_holdout" || task == "spend_holdout") {
          base = kpi::conditional_expected_purchases(bg, window / 7, r.x, r.t_x / 7, r.T / 7);
          if (task == "spend_holdout") base *= kpi::conditional_expected_spend(gg, r.x, r.zbar);
          orc = oit->second[task == "spend_holdout" ? 3 : 2];
        } else if (task == "churn_90d") {
          const double a = id.cut_day - r.converted_day, sa = S(a);
          base = sa > 0 ? std::clamp(1 - S(a + kTaskWindowDays) / sa, 0.0, 1.0) : 1.0;
          orc = oit->second[0];
        } else if (task == "upgrade_90d") {
          base = -std::expm1(-up_rate * kTaskWindowDays);
          orc = oit->second[1];
        }
        for (auto [w, v] : {std::pair{o.base.get(), base}, std::pair{o.orc.get(), orc}}) {
          std::string& t = w->text();
          put_int(t, cid);
          put_char(t, ',');
          put_double(t, v);
          put_char(t, '\n');
          w->row_done();
        }
      }
    }
  }
  for (const auto& task : id.tasks) {
    Out& o = out[task];
    for (auto [w, rel] :
         {std::pair{o.base.get(), &o.base_rel}, std::pair{o.orc.get(), &o.orc_rel}}) {
      w->commit();
      files.push_back({*rel, "reference/" + task, w->bytes(), w->rows(), w->sha256()});
    }
  }
  return fits;
}

}  // namespace journeysim::dataset
