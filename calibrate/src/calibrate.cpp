#include "journeysim/calibrate/calibrate.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "journeysim/kpi/score.hpp"
#include "journeysim/kpi/survival.hpp"
#include "journeysim/sim/engine.hpp"
#include "journeysim/sweep/execute.hpp"
#include "journeysim/sweep/journal.hpp"
#include "journeysim/sweep/ranks.hpp"
#include "journeysim/version.hpp"

namespace journeysim::calibrate {

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kMonthDays = 30.4375;
// D's share for a moment the runs could not produce at some point of the search (the start is
// checked: there, an unavailable moment is an error)
constexpr double kMissingPenalty = 1e6;

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

std::string num(double v, int prec = 4) {
  if (!std::isfinite(v)) return "-";
  std::ostringstream os;
  os.precision(prec);
  os << v;
  return os.str();
}

// "[lo, hi]" (appended piece by piece: GCC 12 warns falsely on "[" + std::string, -Wrestrict)
std::string interval_text(const std::string& lo, const std::string& hi) {
  std::string s(1, '[');
  s += lo;
  s += ", ";
  s += hi;
  s += ']';
  return s;
}

// The moments of one replication's log, in CalSpec::moments() order.
std::vector<double> measure(const CalSpec& spec, const kpi::Log& log) {
  std::vector<double> out;
  for (const auto& t : spec.kpi_targets) {
    const std::vector<double> v = kpi_target_values(t, log, t.sim_group);
    out.insert(out.end(), v.begin(), v.end());
  }
  for (const auto& t : spec.survival_targets) {
    const kpi::Lifetimes life = kpi::lifetimes(log, t.sim_group.empty() ? "" : t.by);
    std::vector<double> time;
    std::vector<std::uint8_t> event;
    for (std::size_t i = 0; i < life.days.size(); ++i)
      if (t.sim_group.empty() || life.group[i] == t.sim_group) {
        time.push_back(life.days[i]);
        event.push_back(life.churned[i]);
      }
    if (time.empty()) {
      out.insert(out.end(), t.months.size(), NAN);
      continue;
    }
    const kpi::KmCurve km = kpi::kaplan_meier(time, event);
    for (double m : t.months) out.push_back(km.survival_at(m * kMonthDays));
  }
  return out;
}

// A tree holding only the overrides, shaped as the base scenario (maps, and lists of named
// items addressed by name), so that `extends:` merges it into the base.
void add_override(sim::ConfigNode& out, const sim::ConfigNode& base, const std::string& path,
                  const sim::ConfigNode& value) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
  sim::ConfigNode* o = &out;
  const sim::ConfigNode* b = &base;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    if (b && b->kind == sim::ConfigNode::Kind::Seq) {
      const sim::ConfigNode* item = nullptr;
      for (const auto& it : b->seq)
        if (const sim::ConfigNode* nm = it.find("name"); nm && nm->scalar == parts[i]) item = &it;
      if (!item && std::all_of(parts[i].begin(), parts[i].end(), ::isdigit)) {
        const std::size_t idx = std::stoul(parts[i]);
        if (idx < b->seq.size()) item = &b->seq[idx];
      }
      const sim::ConfigNode* nm = item ? item->find("name") : nullptr;
      const std::string name = nm ? nm->scalar : parts[i];
      o->kind = sim::ConfigNode::Kind::Seq;
      sim::ConfigNode* slot = nullptr;
      for (auto& it : o->seq)
        if (const sim::ConfigNode* n2 = it.find("name"); n2 && n2->scalar == name) slot = &it;
      if (!slot) {
        sim::ConfigNode m;
        m.kind = sim::ConfigNode::Kind::Map;
        sim::ConfigNode n;
        n.kind = sim::ConfigNode::Kind::Scalar;
        n.scalar = name;
        m.map.emplace_back("name", n);
        o->seq.push_back(m);
        slot = &o->seq.back();
      }
      if (last) {
        *slot = value;
        return;
      }
      o = slot;
      b = item;
      continue;
    }
    o->kind = sim::ConfigNode::Kind::Map;
    sim::ConfigNode* child = o->find(parts[i]);
    if (!child) {
      o->map.emplace_back(parts[i], sim::ConfigNode{});
      child = &o->map.back().second;
    }
    if (last) {
      *child = value;
      return;
    }
    o = child;
    b = b ? b->find(parts[i]) : nullptr;
  }
}

}  // namespace

sim::Scenario scenario_at(const CalSpec& spec, const std::vector<double>& x) {
  sim::ConfigNode root = spec.base;
  for (std::size_t i = 0; i < spec.parameters.size(); ++i)
    sim::apply_override(root, spec.parameters[i].path + "=" +
                                  fmt(spec.parameters[i].integer ? std::round(x[i]) : x[i]));
  sim::Scenario sc = sim::parse_scenario(root);
  sc.resolved_text = sim::emit_yaml(root);
  sc.seed = spec.seed;
  return sc;
}

Evaluation evaluate(const CalSpec& spec, const std::vector<double>& u, int threads) {
  Evaluation e;
  e.u = u;
  for (std::size_t i = 0; i < spec.parameters.size(); ++i) {
    const double v = spec.parameters[i].value(u[i]);
    e.x.push_back(spec.parameters[i].integer ? std::round(v) : v);
  }
  const sim::Scenario sc = scenario_at(spec, e.x);
  const std::vector<Moment> targets = spec.moments();
  const std::size_t R = spec.replications, M = targets.size();
  // Under mpirun every rank runs the same search and simulates its share of the replications
  // (r mod ranks); the values are gathered by a sum in which each entry comes from one rank and
  // is 0 elsewhere, so the moments are bit-identical whatever the rank count.
  const sweep::Ranks ranks = sweep::mpi_ranks();
  std::vector<double> flat((M + 1) * R + 1, 0.0);  // per replication: M values and its events;
                                                   // last: failures (summed over the ranks)
  std::string failure;
  std::mutex failure_mutex;
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, R, [&](std::size_t r) {
      if (static_cast<int>(r % static_cast<std::size_t>(ranks.size)) != ranks.rank) return;
      try {
        std::uint64_t ev = 0;
        const kpi::Log log =
            sweep::simulate_log(sc, spec.markets, static_cast<std::uint16_t>(r), &ev);
        const std::vector<double> v = measure(spec, log);
        std::copy(v.begin(), v.end(), flat.begin() + static_cast<std::ptrdiff_t>(r * (M + 1)));
        flat[r * (M + 1) + M] = static_cast<double>(ev);
      } catch (const std::exception& e) {
        // kept, and raised on every rank together after the sum (one rank throwing alone would
        // leave the others waiting in it)
        std::lock_guard lock(failure_mutex);
        if (failure.empty())
          failure = dynamic_cast<const sim::Interrupted*>(&e) ? "interrupted" : e.what();
      }
    });
  });
  if (!failure.empty()) flat.back() = 1;
  if (ranks.size > 1) sweep::sum_across_ranks(flat);
  if (flat.back() > 0) {
    if (failure == "interrupted" || sim::g_interrupt) throw sim::Interrupted();
    throw std::runtime_error(failure.empty() ? "another rank's replication failed (see its message)"
                                             : failure);
  }
  std::vector<std::vector<double>> vals(R);
  std::vector<std::uint64_t> events(R, 0);
  for (std::size_t r = 0; r < R; ++r) {
    vals[r].assign(flat.begin() + static_cast<std::ptrdiff_t>(r * (M + 1)),
                   flat.begin() + static_cast<std::ptrdiff_t>(r * (M + 1) + M));
    events[r] = static_cast<std::uint64_t>(flat[r * (M + 1) + M]);
  }
  for (auto n : events) e.events += n;
  e.distance = 0;
  for (std::size_t m = 0; m < M; ++m) {
    double sum = 0, sq = 0;
    std::size_t n = 0;
    for (std::size_t r = 0; r < R; ++r)
      if (std::isfinite(vals[r][m])) {
        sum += vals[r][m];
        ++n;
      }
    const double mean = n ? sum / static_cast<double>(n) : NAN;
    for (std::size_t r = 0; r < R; ++r)
      if (std::isfinite(vals[r][m])) sq += (vals[r][m] - mean) * (vals[r][m] - mean);
    const double se =
        n > 1 ? std::sqrt(sq / static_cast<double>(n - 1) / static_cast<double>(n)) : NAN;
    e.mean.push_back(mean);
    e.se.push_back(se);
    const double var = targets[m].se * targets[m].se + (std::isfinite(se) ? se * se : 0.0);
    const double z = std::isfinite(mean) ? (mean - targets[m].observed) / std::sqrt(var) : NAN;
    e.z.push_back(z);
    e.distance += std::isfinite(z) ? targets[m].weight * z * z : kMissingPenalty;
  }
  return e;
}

Fit calibrate(const CalSpec& spec, const CalibrateOptions& o) {
  namespace fs = std::filesystem;
  const auto t0 = Clock::now();
  const std::size_t n = spec.parameters.size();
  const std::vector<Moment> targets = spec.moments();
  const std::size_t M = targets.size();
  Fit fit;
  fit.name = spec.name;
  fit.targets = targets;
  fit.moments = M;
  {
    std::size_t at = 0;
    for (const auto& t : spec.kpi_targets) at += t.values.size();
    for (const auto& t : spec.survival_targets) {
      fit.curves.push_back({t.group, t.sim_group, t.by, at, t.months, t.customers, t.events});
      at += t.months.size();
    }
  }

  // the journal: one record per evaluation, in the order the search asked for them
  const std::string jdir = o.journal_dir.empty() ? o.output + ".journal" : o.journal_dir;
  sweep::JournalHeader header;
  header.fingerprint = spec.fingerprint;
  header.tasks = std::uint64_t{1} << 40;
  header.kpis = static_cast<std::uint32_t>(n + 1 + 2 * M);
  header.build = std::string(kVersion) + " " + kGitCommit;
  header.sweep = "calibration " + spec.name + " (" + spec.path + ")";
  // Rank 0 owns the journal: it reads it and shares the records (every rank replays the same
  // search), and only it appends.
  const sweep::Ranks ranks = sweep::mpi_ranks();
  if (ranks.size > 1 && spec.optimiser.max_seconds > 0)
    throw std::runtime_error(
        spec.path +
        ": optimiser.max_seconds is not allowed under mpirun: each rank would stop "
        "on its own clock and the ranks' searches would part; give max_evaluations");
  const std::size_t width = n + 1 + 2 * M;
  std::vector<double> shared(2, 0.0);  // [setup failed, records], then the records
  std::vector<sweep::TaskRecord> cache;
  std::string setup_error;
  std::unique_ptr<sweep::JournalWriter> journal;
  if (ranks.rank == 0) {
    try {
      fs::create_directories(jdir);
      auto files = sweep::journal_files(jdir);
      if (!files.empty() && o.restart) {
        for (const auto& f : files) fs::remove(f);
        files.clear();
      }
      if (!files.empty() && !o.resume)
        throw std::runtime_error("a journal of an earlier run of this calibration is in " + jdir +
                                 ": give --resume to continue it, or --restart to discard it");
      for (const auto& f : files)
        sweep::read_journal(f, header, [&](const sweep::TaskRecord& r) {
          if (r.task >= cache.size()) cache.resize(r.task + 1);
          if (cache[r.task].kpis.empty()) cache[r.task] = r;
        });
      const std::uint32_t attempt = sweep::next_attempt(jdir, "cal");
      journal = std::make_unique<sweep::JournalWriter>(
          (fs::path(jdir) / sweep::journal_name("cal", attempt, 0)).string(), header);
    } catch (const std::exception& e) {
      setup_error = e.what();
      shared[0] = 1;
    }
    shared[1] = static_cast<double>(cache.size());
  }
  if (ranks.size > 1) {
    sweep::sum_across_ranks(shared);
    if (shared[0] == 0) {
      std::vector<double> records(static_cast<std::size_t>(shared[1]) * (width + 2), 0.0);
      if (ranks.rank == 0)
        for (std::size_t i = 0; i < cache.size(); ++i) {
          double* at = records.data() + i * (width + 2);
          at[0] = cache[i].kpis.empty() ? 0.0 : 1.0;
          at[1] = static_cast<double>(cache[i].events);
          std::copy(cache[i].kpis.begin(), cache[i].kpis.end(), at + 2);
        }
      sweep::sum_across_ranks(records);
      if (ranks.rank != 0) {
        cache.assign(static_cast<std::size_t>(shared[1]), {});
        for (std::size_t i = 0; i < cache.size(); ++i) {
          const double* at = records.data() + i * (width + 2);
          if (at[0] == 0) continue;
          cache[i].task = i;
          cache[i].events = static_cast<std::uint64_t>(at[1]);
          cache[i].kpis.assign(at + 2, at + 2 + width);
        }
      }
    }
  }
  if (shared[0] != 0)
    throw std::runtime_error(setup_error.empty() ? "rank 0 could not set the calibration up"
                                                 : setup_error);

  const bool show = o.progress && ranks.rank == 0 && isatty(STDERR_FILENO);
  std::uint64_t count = 0;
  Evaluation best;
  best.distance = INFINITY;
  auto to_eval = [&](const sweep::TaskRecord& r) {
    Evaluation e;
    e.u.assign(r.kpis.begin(), r.kpis.begin() + static_cast<std::ptrdiff_t>(n));
    for (std::size_t i = 0; i < n; ++i) e.x.push_back(spec.parameters[i].value(e.u[i]));
    e.distance = r.kpis[n];
    e.mean.assign(r.kpis.begin() + static_cast<std::ptrdiff_t>(n + 1),
                  r.kpis.begin() + static_cast<std::ptrdiff_t>(n + 1 + M));
    e.se.assign(r.kpis.begin() + static_cast<std::ptrdiff_t>(n + 1 + M), r.kpis.end());
    for (std::size_t m = 0; m < M; ++m) {
      const double var =
          targets[m].se * targets[m].se + (std::isfinite(e.se[m]) ? e.se[m] * e.se[m] : 0.0);
      e.z.push_back((e.mean[m] - targets[m].observed) / std::sqrt(var));
    }
    e.events = r.events;
    return e;
  };
  Evaluation last;  // the latest evaluation (the Jacobian below reads its moments)
  auto objective = [&](const std::vector<double>& u) -> double {
    {  // an interrupt on any rank stops every rank at the same evaluation
      std::vector<double> stop{sim::g_interrupt ? 1.0 : 0.0};
      if (ranks.size > 1) sweep::sum_across_ranks(stop);
      if (stop[0] > 0) throw sim::Interrupted();
    }
    const std::uint64_t idx = count++;
    Evaluation e;
    if (idx < cache.size() && !cache[idx].kpis.empty() &&
        std::equal(u.begin(), u.end(), cache[idx].kpis.begin())) {
      e = to_eval(cache[idx]);
      ++fit.replayed;
    } else {
      const auto te = Clock::now();
      e = evaluate(spec, u, o.threads);
      if (idx == 0) {  // the start: every target must be producible
        std::vector<std::string> missing;
        for (std::size_t m = 0; m < M; ++m)
          if (!std::isfinite(e.mean[m])) missing.push_back(targets[m].name);
        if (!missing.empty()) {
          std::string list;
          for (const auto& s : missing) list += (list.empty() ? "" : ", ") + s;
          throw std::runtime_error(
              "the scenario cannot produce these targets at the start point (no replication "
              "gives a value): " +
              list +
              " (a KPI needs events the scenario does not generate, or a group has no converted "
              "customers)");
        }
      }
      sweep::TaskRecord r;
      r.task = idx;
      r.events = e.events;
      r.seconds = std::chrono::duration<double>(Clock::now() - te).count();
      r.kpis = u;
      r.kpis.push_back(e.distance);
      r.kpis.insert(r.kpis.end(), e.mean.begin(), e.mean.end());
      r.kpis.insert(r.kpis.end(), e.se.begin(), e.se.end());
      if (journal) journal->append(r);
    }
    if (e.distance < best.distance) {
      best = e;
      fit.best_evaluation = idx + 1;
    }
    if (show) {
      const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
      const double budget = static_cast<double>(spec.optimiser.max_evaluations);
      std::string params;
      for (std::size_t i = 0; i < n; ++i)
        params += (i ? ", " : "") + spec.parameters[i].name + "=" + num(best.x[i], 3);
      std::fprintf(stderr, "\r  calibrate: %llu evaluations, best D %.4g (%s), ETA %s   ",
                   static_cast<unsigned long long>(count), best.distance, params.c_str(),
                   budget > 0 && count > 0
                       ? (num(secs / static_cast<double>(count) *
                                  std::max(0.0, budget - static_cast<double>(count)),
                              3) +
                          " s")
                             .c_str()
                       : "?");
      std::fflush(stderr);
    }
    last = e;
    return e.distance;
  };
  std::vector<double> start(n), lo(n, 0.0), hi(n, 1.0);
  for (std::size_t i = 0; i < n; ++i) start[i] = spec.parameters[i].unit(spec.parameters[i].start);
  OptimiseOptions local = spec.optimiser;
  if (spec.global_evaluations > 0) {
    OptimiseOptions global = spec.optimiser;
    global.method = "direct";
    global.max_evaluations = spec.global_evaluations;
    minimise(objective, start, lo, hi, global);
    start = best.u;  // the local search starts from the global phase's best point
    local.max_evaluations = spec.optimiser.max_evaluations - count;
  }
  const OptimiseResult res = minimise(objective, start, lo, hi, local);
  fit.stop_reason = res.stop_reason;
  // Uncertainty: the Gauss-Newton curvature of D at the optimum, H = 2 J' W J, from the Jacobian
  // J of the simulated moments (central differences of step h in unit coordinates, one-sided at a
  // bound; these evaluations are journalled too) and W = diag(w / (se_obs^2 + se_sim^2)). This is
  // the asymptotic covariance of simulated minimum distance, cov = (J' W J)^-1 = 2 H^-1; it needs
  // first differences of the moments only, which common random numbers keep smooth, where the
  // second differences of D itself were dominated by the landscape's roughness (measured on the
  // Telco fit: a direct finite-difference Hessian of D was indefinite along every parameter).
  const Evaluation at_optimum = best;
  const std::uint64_t optimum_found_at = fit.best_evaluation;
  std::vector<std::vector<double>> J(M, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i) {
    const double step = spec.hessian_step;
    std::vector<double> up = at_optimum.u, down = at_optimum.u;
    up[i] = std::min(1.0, at_optimum.u[i] + step);
    down[i] = std::max(0.0, at_optimum.u[i] - step);
    objective(up);
    const Evaluation e_up = last;
    objective(down);
    const Evaluation e_down = last;
    for (std::size_t m = 0; m < M; ++m)
      J[m][i] = (e_up.mean[m] - e_down.mean[m]) / (up[i] - down[i]);
  }
  best = at_optimum;  // the probes do not move the reported optimum
  fit.best_evaluation = optimum_found_at;
  std::vector<std::vector<double>> H(n, std::vector<double>(n, 0.0));
  for (std::size_t m = 0; m < M; ++m) {
    const double se_sim = std::isfinite(at_optimum.se[m]) ? at_optimum.se[m] : 0.0;
    const double var = targets[m].se * targets[m].se + se_sim * se_sim;
    if (!(var > 0)) continue;  // (a NaN entry of J is skipped below, not the whole moment)
    const double w = targets[m].weight / var;
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b)
        if (std::isfinite(J[m][a]) && std::isfinite(J[m][b])) H[a][b] += 2 * w * J[m][a] * J[m][b];
  }
  const Uncertainty unc = uncertainty(H, lo, hi);
  if (show) std::fprintf(stderr, "\r%100s\r", "");
  if (journal) journal->sync();

  fit.evaluations = count;
  fit.distance = best.distance;
  fit.best = best;
  fit.correlation = unc.corr;
  for (std::size_t i = 0; i < n; ++i) {
    const Parameter& p = spec.parameters[i];
    ParameterFit pf;
    pf.name = p.name;
    pf.path = p.path;
    pf.start = p.start;
    pf.value = best.x[i];
    pf.lo = p.lo;
    pf.hi = p.hi;
    pf.identifiable = unc.identifiable[i];
    pf.se = unc.identifiable[i] ? unc.se[i] * p.dvalue_du(best.u[i]) : NAN;
    pf.at_bound = best.u[i] < 1e-3 || best.u[i] > 1 - 1e-3;
    if (!pf.identifiable)
      pf.warning = "not identifiable from these targets: " + unc.reason[i];
    else if (pf.at_bound)
      pf.warning =
          "at its bound: the best value may lie outside [" + num(p.lo) + ", " + num(p.hi) + "]";
    fit.parameters.push_back(pf);
  }
  for (std::size_t m = 0; m < M; ++m)
    if (!(std::abs(best.z[m]) <= 3)) fit.unreachable.push_back(targets[m].name);
  fit.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  fit.rank = ranks.rank;
  fit.ranks = ranks.size;
  return fit;
}

std::string fitted_yaml(const CalSpec& spec, const Fit& fit, const std::string& output_path) {
  namespace fs = std::filesystem;
  sim::ConfigNode tree;
  tree.kind = sim::ConfigNode::Kind::Map;
  for (const auto& s : spec.sets) {
    const auto eq = s.find('=');
    add_override(tree, spec.base, s.substr(0, eq), sim::parse_yaml_string(s.substr(eq + 1), "set"));
  }
  for (const auto& p : fit.parameters) {
    sim::ConfigNode v;
    v.kind = sim::ConfigNode::Kind::Scalar;
    v.scalar = fmt(p.value);
    add_override(tree, spec.base, p.path, v);
  }
  const fs::path out_dir = fs::absolute(output_path).parent_path();
  const std::string base = fs::relative(fs::absolute(spec.scenario_path), out_dir).string();
  std::ostringstream os;
  const std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  os << "# Fitted by `journeysim calibrate " << spec.path << "` (journeysim " << kVersion << " "
     << kGitCommit << ") on " << when << ".\n"
     << "# " << fit.evaluations << " evaluations of " << spec.replications << " replications (seed "
     << spec.seed << ")";
  if (spec.customers) os << ", customers " << *spec.customers;
  if (spec.days) os << ", days " << *spec.days;
  os << "; distance D = " << num(fit.distance) << " over " << fit.moments
     << " targets (sum of squared z-scores).\n# Per target: observed, simulated mean, z\n";
  for (std::size_t m = 0; m < fit.targets.size(); ++m)
    os << "#   " << fit.targets[m].name << ": " << num(fit.targets[m].observed) << ", "
       << num(fit.best.mean[m]) << ", z = " << num(fit.best.z[m], 3) << "\n";
  os << "# Parameters: fitted value +- standard error (from the curvature of D)\n";
  for (const auto& p : fit.parameters)
    os << "#   " << p.path << " = " << num(p.value) << " +- " << num(p.se, 2)
       << (p.warning.empty() ? "" : "  (" + p.warning + ")") << "\n";
  os << "format_version: 1\n"
     << "extends: " << base << "\n"
     << "name: " << spec.name << "_fitted\n";
  std::string body = sim::emit_yaml(tree);
  os << body;
  return os.str();
}

nlohmann::json to_json(const Fit& f) {
  auto jn = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json j;
  j["format"] = "journeysim calibration fit";
  j["format_version"] = 1;
  j["calibration"] = f.name;
  j["distance"] = jn(f.distance);
  j["evaluations"] = f.evaluations;
  j["replayed_from_journal"] = f.replayed;
  j["stop_reason"] = f.stop_reason;
  j["best_evaluation"] = f.best_evaluation;
  j["seconds"] = f.seconds;
  for (std::size_t m = 0; m < f.targets.size(); ++m) {
    const double h = 1.959963984540054 * f.best.se[m];
    j["targets"].push_back({{"target", f.targets[m].name},
                            {"observed", jn(f.targets[m].observed)},
                            {"observed_se", jn(f.targets[m].se)},
                            {"simulated", jn(f.best.mean[m])},
                            {"simulated_ci_low", jn(f.best.mean[m] - h)},
                            {"simulated_ci_high", jn(f.best.mean[m] + h)},
                            {"z", jn(f.best.z[m])},
                            {"weight", f.targets[m].weight}});
  }
  for (const auto& p : f.parameters)
    j["parameters"].push_back({{"name", p.name},
                               {"path", p.path},
                               {"start", p.start},
                               {"value", p.value},
                               {"se", jn(p.se)},
                               {"bounds", {p.lo, p.hi}},
                               {"identifiable", p.identifiable},
                               {"at_bound", p.at_bound},
                               {"warning", p.warning}});
  j["correlation"] = nlohmann::json::array();
  for (const auto& row : f.correlation) {
    nlohmann::json r = nlohmann::json::array();
    for (double v : row) r.push_back(jn(v));
    j["correlation"].push_back(r);
  }
  j["unreachable_targets"] = f.unreachable;
  j["curves"] = nlohmann::json::array();
  for (const auto& c : f.curves) {
    nlohmann::json jc{{"kind", "survival"},       {"by", c.by},
                      {"group", c.group},         {"simulated_group", c.sim_group},
                      {"customers", c.customers}, {"events", c.events},
                      {"months", c.months}};
    for (std::size_t i = 0; i < c.months.size(); ++i) {
      const std::size_t m = c.first_moment + i;
      const double h = 1.959963984540054 * f.best.se[m];
      jc["observed"].push_back(jn(f.targets[m].observed));
      jc["observed_se"].push_back(jn(f.targets[m].se));
      jc["simulated"].push_back(jn(f.best.mean[m]));
      jc["simulated_ci_low"].push_back(jn(f.best.mean[m] - h));
      jc["simulated_ci_high"].push_back(jn(f.best.mean[m] + h));
    }
    double gap = 0, at = 0;
    for (std::size_t i = 0; i < c.months.size(); ++i) {
      const std::size_t m = c.first_moment + i;
      const double g = std::abs(f.best.mean[m] - f.targets[m].observed);
      if (g > gap) {
        gap = g;
        at = c.months[i];
      }
    }
    jc["largest_gap"] = jn(gap);
    jc["largest_gap_month"] = at;
    j["curves"].push_back(jc);
  }
  return j;
}

std::string to_text(const Fit& f) {
  std::ostringstream os;
  os << "calibration " << f.name << ": D = " << num(f.distance) << " over " << f.moments
     << " targets after " << f.evaluations << " evaluations (" << f.stop_reason << "; "
     << num(f.seconds, 3) << " s";
  if (f.replayed) os << "; " << f.replayed << " replayed from the journal";
  os << ")\n\n";
  std::size_t w = 6;
  for (const auto& t : f.targets) w = std::max(w, t.name.size());
  os << std::left << std::setw(static_cast<int>(w)) << "target"
     << "  " << std::right << std::setw(11) << "observed"
     << "  " << std::setw(11) << "simulated"
     << "  " << std::setw(25) << "95% CI"
     << "  " << std::setw(7) << "z"
     << "\n";
  for (std::size_t m = 0; m < f.targets.size(); ++m) {
    const double h = 1.959963984540054 * f.best.se[m];
    os << std::left << std::setw(static_cast<int>(w)) << f.targets[m].name << "  " << std::right
       << std::setw(11) << num(f.targets[m].observed) << "  " << std::setw(11)
       << num(f.best.mean[m]) << "  " << std::setw(25)
       << interval_text(num(f.best.mean[m] - h), num(f.best.mean[m] + h)) << "  " << std::setw(7)
       << num(f.best.z[m], 3) << "\n";
  }
  os << "\n";
  std::size_t pw = 9;
  for (const auto& p : f.parameters) pw = std::max(pw, p.path.size());
  os << std::left << std::setw(static_cast<int>(pw)) << "parameter"
     << "  " << std::right << std::setw(11) << "start"
     << "  " << std::setw(11) << "fitted"
     << "  " << std::setw(11) << "+- se"
     << "\n";
  for (const auto& p : f.parameters) {
    os << std::left << std::setw(static_cast<int>(pw)) << p.path << "  " << std::right
       << std::setw(11) << num(p.start) << "  " << std::setw(11) << num(p.value) << "  "
       << std::setw(11) << num(p.se, 2);
    if (!p.warning.empty()) os << "  warning: " << p.warning;
    os << "\n";
  }
  for (const auto& c : f.curves) {
    double gap = 0, at = 0;
    for (std::size_t i = 0; i < c.months.size(); ++i) {
      const std::size_t m = c.first_moment + i;
      const double g = std::abs(f.best.mean[m] - f.targets[m].observed);
      if (g > gap) {
        gap = g;
        at = c.months[i];
      }
    }
    os << "\nsurvival curve of " << (c.group.empty() ? "all customers" : c.group) << " ("
       << c.customers << " customers, " << c.events << " churned): largest gap " << num(gap, 3)
       << " at " << num(at) << " months";
  }
  if (!f.curves.empty()) os << "\n";
  if (!f.unreachable.empty()) {
    os << "\nthe model does not reach these targets (|z| > 3 at the optimum):";
    for (const auto& t : f.unreachable) os << " " << t;
    os << "\n";
  }
  return os.str();
}

}  // namespace journeysim::calibrate
