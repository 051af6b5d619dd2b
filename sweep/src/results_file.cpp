#include "journeysim/sweep/results_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "h5util.hpp"
#include "journeysim/sweep/journal.hpp"
#include "journeysim/version.hpp"

namespace journeysim::sweep {

namespace h5 = eventlog::h5;
using h5::Handle;

namespace {

constexpr const char* kFormat = "journeysim sweep results";
constexpr std::int32_t kResultsFormatVersion = 1;

Handle untimed(hid_t cls) {
  Handle p(H5Pcreate(cls), H5Pclose);
  H5Pset_obj_track_times(p, false);  // no timestamps: the same results give the same bytes
  return p;
}

Handle group(hid_t loc, const char* name, const std::string& ctx) {
  Handle gcpl = untimed(H5P_GROUP_CREATE);
  return Handle(
      h5::check_id(H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT), ctx, "create group"),
      H5Gclose);
}

// A fixed-size dataset whose rows may be written in any order: contiguous, allocated and
// zero-filled when created, so the file's bytes depend only on the values written.
Handle fixed_dataset(hid_t loc, const char* name, hid_t type, std::vector<hsize_t> dims,
                     const std::string& ctx) {
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  H5Pset_layout(dcpl, H5D_CONTIGUOUS);
  H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
  H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
  return Handle(h5::check_id(H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                             ctx, (std::string("create ") + name).c_str()),
                H5Dclose);
}

template <class T>
void write_array(hid_t loc, const char* name, hid_t type, const std::vector<T>& v,
                 std::vector<hsize_t> dims, const std::string& ctx) {
  Handle ds = fixed_dataset(loc, name, type, dims, ctx);
  if (!v.empty())
    h5::check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), ctx,
              (std::string("write ") + name).c_str());
}

template <class T>
std::vector<T> read_array(hid_t loc, const char* name, hid_t type, const std::string& ctx,
                          std::vector<hsize_t>* dims_out = nullptr) {
  Handle ds(
      h5::check_id(H5Dopen2(loc, name, H5P_DEFAULT), ctx, (std::string("open ") + name).c_str()),
      H5Dclose);
  Handle space(H5Dget_space(ds), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  hsize_t n = 1;
  for (auto d : dims) n *= d;
  std::vector<T> v(n);
  if (n > 0)
    h5::check(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), ctx,
              (std::string("read ") + name).c_str());
  if (dims_out) *dims_out = dims;
  return v;
}

// A table of strings as fixed-length strings (the longest one's size): no variable-length
// strings and their global heap, so the bytes depend only on the values.
void write_strings(hid_t loc, const char* name, const std::vector<std::string>& values,
                   const std::string& ctx) {
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type, width);
  H5Tset_strpad(type, H5T_STR_NULLPAD);
  H5Tset_cset(type, H5T_CSET_UTF8);
  std::string buf(values.size() * width, '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    std::memcpy(buf.data() + i * width, values[i].data(), values[i].size());
  Handle ds = fixed_dataset(loc, name, type, {values.size()}, ctx);
  if (!values.empty())
    h5::check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), ctx,
              (std::string("write ") + name).c_str());
}

std::vector<std::string> read_strings(hid_t loc, const char* name, const std::string& ctx) {
  Handle ds(
      h5::check_id(H5Dopen2(loc, name, H5P_DEFAULT), ctx, (std::string("open ") + name).c_str()),
      H5Dclose);
  Handle ft(H5Dget_type(ds), H5Tclose);
  if (H5Tget_class(ft) != H5T_STRING || H5Tis_variable_str(ft) > 0)
    throw std::runtime_error(ctx + ": " + name + ": expected a table of fixed-length strings");
  const std::size_t width = H5Tget_size(ft);
  Handle space(H5Dget_space(ds), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::string> out;
  if (n <= 0 || width == 0) return out;
  std::string buf(static_cast<std::size_t>(n) * width, '\0');
  h5::check(H5Dread(ds, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), ctx,
            (std::string("read ") + name).c_str());
  for (hssize_t i = 0; i < n; ++i) {
    std::string v = buf.substr(static_cast<std::size_t>(i) * width, width);
    v.erase(std::find(v.begin(), v.end(), '\0'), v.end());
    out.push_back(v);
  }
  return out;
}

bool exists(hid_t loc, const char* name) {
  return H5Lexists(loc, name, H5P_DEFAULT) > 0;
}

// The /results row type: point, replication, status (enum ok/failed), events, then one float64
// field per KPI, packed (the same layout in memory and in the file).
struct ResultsType {
  Handle type, status;
  std::size_t size = 0;
  static constexpr std::size_t kPoint = 0, kRep = 8, kStatus = 12, kEvents = 13, kKpis = 21;
  explicit ResultsType(const std::vector<std::string>& kpis) {
    status = Handle(H5Tenum_create(H5T_NATIVE_UINT8), H5Tclose);
    std::uint8_t v = 0;
    H5Tenum_insert(status, "ok", &v);
    v = 1;
    H5Tenum_insert(status, "failed", &v);
    size = kKpis + 8 * kpis.size();
    type = Handle(H5Tcreate(H5T_COMPOUND, size), H5Tclose);
    H5Tinsert(type, "point", kPoint, H5T_NATIVE_UINT64);
    H5Tinsert(type, "replication", kRep, H5T_NATIVE_UINT32);
    H5Tinsert(type, "status", kStatus, status);
    H5Tinsert(type, "events", kEvents, H5T_NATIVE_UINT64);
    for (std::size_t k = 0; k < kpis.size(); ++k)
      H5Tinsert(type, kpis[k].c_str(), kKpis + 8 * k, H5T_NATIVE_DOUBLE);
  }
};

// The /points row type: point, then one field per factor (float64, or an enum of its choices).
struct PointsType {
  Handle type;
  std::vector<Handle> enums;
  std::size_t size = 0;
  explicit PointsType(const std::vector<Factor>& factors) {
    size = 8 + 8 * factors.size();
    type = Handle(H5Tcreate(H5T_COMPOUND, size), H5Tclose);
    H5Tinsert(type, "point", 0, H5T_NATIVE_UINT64);
    for (std::size_t i = 0; i < factors.size(); ++i) {
      const Factor& f = factors[i];
      if (f.kind == Factor::Kind::choices) {
        Handle e(H5Tenum_create(H5T_NATIVE_INT64), H5Tclose);
        for (std::size_t c = 0; c < f.choices.size(); ++c) {
          std::int64_t v = static_cast<std::int64_t>(c);
          H5Tenum_insert(e, f.choices[c].c_str(), &v);
        }
        H5Tinsert(type, f.name.c_str(), 8 + 8 * i, e);
        enums.push_back(std::move(e));
      } else {
        H5Tinsert(type, f.name.c_str(), 8 + 8 * i, H5T_NATIVE_DOUBLE);
      }
    }
  }
};

const char* kind_name(Factor::Kind k) {
  switch (k) {
    case Factor::Kind::levels:
      return "levels";
    case Factor::Kind::range:
      return "range";
    case Factor::Kind::choices:
      return "choices";
  }
  return "?";
}

// Rows waiting to be written, flushed in runs of consecutive tasks.
class RowWriter {
 public:
  RowWriter(hid_t ds, hid_t type, std::size_t row_size, const std::string& ctx)
      : ds_(ds), type_(type), row_size_(row_size), ctx_(ctx) {}
  void add(std::uint64_t row, const char* bytes) {
    pending_.emplace(row, std::string(bytes, row_size_));
    if (pending_.size() >= 65536) flush();
  }
  void flush() {
    auto it = pending_.begin();
    std::string buf;
    while (it != pending_.end()) {
      const std::uint64_t first = it->first;
      std::uint64_t next = first;
      buf.clear();
      while (it != pending_.end() && it->first == next) {
        buf += it->second;
        ++next;
        ++it;
      }
      hsize_t start = first, count = next - first;
      Handle fs(H5Dget_space(ds_), H5Sclose);
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, nullptr, &count, nullptr);
      Handle ms(H5Screate_simple(1, &count, nullptr), H5Sclose);
      h5::check(H5Dwrite(ds_, type_, ms, fs, H5P_DEFAULT, buf.data()), ctx_, "write rows");
    }
    pending_.clear();
  }

 private:
  hid_t ds_, type_;
  std::size_t row_size_;
  std::string ctx_;
  std::map<std::uint64_t, std::string> pending_;
};

}  // namespace

JournalHeader journal_header(const SweepSpec& spec);  // execute.cpp

FinaliseSummary write_results(const SweepSpec& spec, const std::vector<std::string>& journals,
                              const std::string& output, const RunInfo& run) {
  h5::init_library();
  const JournalHeader header = journal_header(spec);
  const std::uint64_t T = spec.tasks();
  const std::size_t K = spec.kpis.size();
  // pass 1: which tasks have a record, which KPIs any task could compute
  std::vector<bool> have(T, false);
  std::vector<bool> kpi_seen(K, false);
  std::uint64_t present = 0;
  for (const auto& j : journals)
    read_journal(j, header, [&](const TaskRecord& r) {
      if (!have[r.task]) {
        have[r.task] = true;
        ++present;
      }
      for (std::size_t k = 0; k < K; ++k)
        if (std::isfinite(r.kpis[k])) kpi_seen[k] = true;
    });
  if (present < T) {
    std::string first;
    int shown = 0;
    for (std::uint64_t t = 0; t < T && shown < 5; ++t)
      if (!have[t]) {
        first += (shown++ ? ", " : "") + std::to_string(t) + " (point " +
                 std::to_string(t / spec.replications) + ", replication " +
                 std::to_string(t % spec.replications) + ")";
      }
    throw std::runtime_error(std::to_string(T - present) + " of " + std::to_string(T) +
                             " tasks have no result in the journals (" +
                             std::to_string(journals.size()) + " journal files); first: " + first +
                             ". Run the missing parts (or the sweep with --resume) first");
  }
  // KPI columns: those asked for; of the default catalogue, those some task could compute
  std::vector<std::size_t> keep;
  FinaliseSummary sum;
  sum.tasks = T;
  for (std::size_t k = 0; k < K; ++k) {
    if (!spec.kpis_default || kpi_seen[k])
      keep.push_back(k);
    else
      sum.dropped_kpis.push_back(spec.kpis[k]);
  }
  std::vector<std::string> kept_ids;
  for (auto k : keep) kept_ids.push_back(spec.kpis[k]);

  const std::string temp = output + ".tmp-" + std::to_string(getpid());
  const std::string ctx = output;
  struct Remove {
    std::string path;
    bool armed = true;
    ~Remove() {
      std::error_code ec;
      if (armed) std::filesystem::remove(path, ec);
    }
  } remove{temp};
  {
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);  // readable by HDF5 1.8+
    Handle fcpl = untimed(H5P_FILE_CREATE);
    Handle file(
        h5::check_id(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, fcpl, fapl), ctx, "create file"),
        H5Fclose);
    {  // /meta
      Handle meta = group(file, "meta", ctx);
      h5::write_string(meta, "format", kFormat, ctx);
      h5::write_scalar<std::int32_t>(meta, "format_version", H5T_NATIVE_INT32,
                                     kResultsFormatVersion, ctx);
      h5::write_string(meta, "name", spec.name, ctx);
      h5::write_string(meta, "description", spec.description, ctx);
      // names as the sweep file gives them (not as the command line spelled the path: a merge and
      // a run from another folder write the same bytes)
      namespace fs = std::filesystem;
      h5::write_string(meta, "sweep_file", fs::path(spec.path).filename().string(), ctx);
      h5::write_string(meta, "sweep_text", spec.text, ctx);
      h5::write_string(meta, "scenario_path", spec.scenario_given, ctx);
      h5::write_string(meta, "base_scenario", spec.base_text, ctx);
      h5::write_string(meta, "points_text", spec.points_text, ctx);
      h5::write_string(meta, "design", design_name(spec.design.kind), ctx);
      h5::write_scalar<std::uint64_t>(meta, "seed", H5T_NATIVE_UINT64, spec.seed, ctx);
      h5::write_scalar<std::uint32_t>(meta, "replications", H5T_NATIVE_UINT32, spec.replications,
                                      ctx);
      h5::write_scalar<std::uint32_t>(meta, "markets", H5T_NATIVE_UINT32, spec.markets, ctx);
      h5::write_scalar<std::uint64_t>(meta, "fingerprint", H5T_NATIVE_UINT64, spec.fingerprint,
                                      ctx);
      h5::write_string(meta, "version", kVersion, ctx);
      h5::write_string(meta, "commit", kGitCommit, ctx);
      write_strings(meta, "kpis", kept_ids, ctx);
      write_strings(meta, "kpis_not_available", sum.dropped_kpis, ctx);
      write_strings(meta, "kpi_params", spec.kpi_params, ctx);
      std::vector<std::string> names, paths, kinds, choices;
      std::vector<double> lo, hi;
      std::vector<std::int32_t> integer, log_scale, range_levels;
      for (const auto& f : spec.factors) {
        names.push_back(f.name);
        paths.push_back(f.path);
        kinds.push_back(kind_name(f.kind));
        std::string c;
        for (std::size_t i = 0; i < f.choices.size(); ++i) {
          if (i) c += '\n';
          c += f.choices[i];
        }
        if (f.kind == Factor::Kind::levels) {
          for (std::size_t i = 0; i < f.levels.size(); ++i) {
            char b[32];
            std::snprintf(b, sizeof b, "%.17g", f.levels[i]);
            if (i) c += '\n';
            c += b;
          }
        }
        choices.push_back(c);
        lo.push_back(f.lo);
        hi.push_back(f.hi);
        integer.push_back(f.integer);
        log_scale.push_back(f.log_scale);
        range_levels.push_back(f.range_levels);
      }
      Handle fg = group(meta, "factors", ctx);
      const hsize_t k = spec.factors.size();
      write_strings(fg, "name", names, ctx);
      write_strings(fg, "path", paths, ctx);
      write_strings(fg, "kind", kinds, ctx);
      write_strings(fg, "values", choices, ctx);  // levels or choices, one per line
      write_array(fg, "lo", H5T_NATIVE_DOUBLE, lo, {k}, ctx);
      write_array(fg, "hi", H5T_NATIVE_DOUBLE, hi, {k}, ctx);
      write_array(fg, "integer", H5T_NATIVE_INT32, integer, {k}, ctx);
      write_array(fg, "log_scale", H5T_NATIVE_INT32, log_scale, {k}, ctx);
      write_array(fg, "range_levels", H5T_NATIVE_INT32, range_levels, {k}, ctx);
    }
    const Design& d = spec.design;
    const hsize_t P = d.points.size(), k = spec.factors.size();
    {  // /design
      Handle dg = group(file, "design", ctx);
      h5::write_scalar<std::uint64_t>(dg, "sobol_n", H5T_NATIVE_UINT64, d.sobol_n, ctx);
      h5::write_scalar<std::uint64_t>(dg, "morris_levels", H5T_NATIVE_UINT64, d.morris_levels, ctx);
      h5::write_scalar<double>(dg, "morris_delta", H5T_NATIVE_DOUBLE, d.morris_delta, ctx);
      std::vector<double> unit;
      for (const auto& row : d.unit) unit.insert(unit.end(), row.begin(), row.end());
      write_array(dg, "unit", H5T_NATIVE_DOUBLE, unit, {d.unit.empty() ? 0 : P, k}, ctx);
      std::vector<std::uint32_t> level;
      for (const auto& row : d.level) level.insert(level.end(), row.begin(), row.end());
      write_array(dg, "level", H5T_NATIVE_UINT32, level, {d.level.empty() ? 0 : P, k}, ctx);
      std::vector<std::uint32_t> mf;
      std::vector<double> ms;
      for (const auto& row : d.morris_factor) mf.insert(mf.end(), row.begin(), row.end());
      for (const auto& row : d.morris_step) ms.insert(ms.end(), row.begin(), row.end());
      const hsize_t r = d.morris_factor.size();
      write_array(dg, "morris_factor", H5T_NATIVE_UINT32, mf, {r, r ? k : 0}, ctx);
      write_array(dg, "morris_step", H5T_NATIVE_DOUBLE, ms, {r, r ? k : 0}, ctx);
    }
    {  // /points
      PointsType pt(spec.factors);
      std::string rows(P * pt.size, '\0');
      for (hsize_t p = 0; p < P; ++p) {
        char* row = rows.data() + p * pt.size;
        std::uint64_t id = p;
        std::memcpy(row, &id, 8);
        for (hsize_t i = 0; i < k; ++i) {
          const FactorValue& v = d.points[p][i];
          if (spec.factors[i].kind == Factor::Kind::choices) {
            std::int64_t c = v.choice;
            std::memcpy(row + 8 + 8 * i, &c, 8);
          } else {
            std::memcpy(row + 8 + 8 * i, &v.number, 8);
          }
        }
      }
      Handle ds = fixed_dataset(file, "points", pt.type, {P}, ctx);
      h5::check(H5Dwrite(ds, pt.type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), ctx,
                "write points");
    }
    // /results, from the journals: the first record of each task, at the task's row
    ResultsType rt(kept_ids);
    Handle results = fixed_dataset(file, "results", rt.type, {T}, ctx);
    std::vector<double> seconds(T, NAN);
    std::vector<std::pair<std::uint64_t, std::string>> errors;
    {
      RowWriter w(results, rt.type, rt.size, ctx);
      std::vector<bool> written(T, false);
      std::string row(rt.size, '\0');
      for (const auto& j : journals)
        read_journal(j, header, [&](const TaskRecord& r) {
          if (written[r.task]) return;
          written[r.task] = true;
          std::uint64_t point = r.task / spec.replications;
          std::uint32_t rep = static_cast<std::uint32_t>(r.task % spec.replications);
          std::uint8_t status = r.failed ? 1 : 0;
          std::memcpy(row.data() + ResultsType::kPoint, &point, 8);
          std::memcpy(row.data() + ResultsType::kRep, &rep, 4);
          std::memcpy(row.data() + ResultsType::kStatus, &status, 1);
          std::memcpy(row.data() + ResultsType::kEvents, &r.events, 8);
          for (std::size_t c = 0; c < keep.size(); ++c) {
            double v = r.kpis[keep[c]];
            if (std::isnan(v)) v = NAN;  // one NaN bit pattern
            std::memcpy(row.data() + ResultsType::kKpis + 8 * c, &v, 8);
          }
          w.add(r.task, row.data());
          seconds[r.task] = r.seconds;
          sum.events += r.events;
          if (r.failed) {
            ++sum.failed;
            errors.emplace_back(r.task, r.error.substr(0, 1000));
          }
        });
      w.flush();
    }
    {  // /errors: failed tasks, in task order
      std::sort(errors.begin(), errors.end());
      Handle eg = group(file, "errors", ctx);
      std::vector<std::uint64_t> tasks;
      std::vector<std::string> messages;
      for (auto& [t, m] : errors) {
        tasks.push_back(t);
        messages.push_back(m);
      }
      write_array(eg, "task", H5T_NATIVE_UINT64, tasks, {tasks.size()}, ctx);
      write_strings(eg, "message", messages, ctx);
    }
    {  // /run: how this file was produced (the one part that differs between runs)
      Handle rg = group(file, "run", ctx);
      h5::write_string(rg, "command_line", run.command_line, ctx);
      h5::write_scalar<std::int32_t>(rg, "threads", H5T_NATIVE_INT32, run.threads, ctx);
      h5::write_scalar<std::int32_t>(rg, "ranks", H5T_NATIVE_INT32, run.ranks, ctx);
      h5::write_string(rg, "parts", run.parts, ctx);
      write_array(rg, "seconds", H5T_NATIVE_DOUBLE, seconds, {T}, ctx);
    }
    h5::check(H5Fflush(file, H5F_SCOPE_GLOBAL), ctx, "flush");
  }
  std::error_code ec;
  std::filesystem::rename(temp, output, ec);
  if (ec)
    throw std::runtime_error(output + ": cannot rename " + temp + " into place: " + ec.message());
  remove.armed = false;
  return sum;
}

int SweepResults::kpi_index(const std::string& id) const {
  auto it = std::find(kpis.begin(), kpis.end(), id);
  return it == kpis.end() ? -1 : static_cast<int>(it - kpis.begin());
}

bool is_sweep_results(const std::string& path) {
  h5::init_library();
  // HDF5 would block on a FIFO or read a device: only a regular file can be one
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  if (H5Fis_hdf5(path.c_str()) <= 0) return false;
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid() || !exists(file, "meta")) return false;
  Handle meta(H5Gopen2(file, "meta", H5P_DEFAULT), H5Gclose);
  if (!meta.valid() || !exists(meta, "format")) return false;
  try {
    return h5::read_string(meta, "format", path) == kFormat;
  } catch (const std::exception&) {
    return false;
  }
}

SweepResults read_results(const std::string& path) {
  h5::init_library();
  if (!is_sweep_results(path))
    throw std::runtime_error(path + ": not the results of `journeysim sweep` (no /meta/format '" +
                             std::string(kFormat) + "')");
  const std::string ctx = path;
  Handle file(h5::check_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), ctx, "open"),
              H5Fclose);
  SweepResults r;
  r.path = path;
  Handle meta(H5Gopen2(file, "meta", H5P_DEFAULT), H5Gclose);
  const auto fv = h5::read_scalar<std::int32_t>(meta, "format_version", H5T_NATIVE_INT32, ctx);
  if (fv != kResultsFormatVersion)
    throw std::runtime_error(path + ": sweep results format_version " + std::to_string(fv) +
                             ", this journeysim reads " + std::to_string(kResultsFormatVersion));
  r.name = h5::read_string(meta, "name", ctx);
  r.sweep_text = h5::read_string(meta, "sweep_text", ctx);
  r.base_text = h5::read_string(meta, "base_scenario", ctx);
  r.scenario_path = h5::read_string(meta, "scenario_path", ctx);
  r.version = h5::read_string(meta, "version", ctx);
  r.commit = h5::read_string(meta, "commit", ctx);
  r.seed = h5::read_scalar<std::uint64_t>(meta, "seed", H5T_NATIVE_UINT64, ctx);
  r.replications = h5::read_scalar<std::uint32_t>(meta, "replications", H5T_NATIVE_UINT32, ctx);
  r.kpis = read_strings(meta, "kpis", ctx);
  r.kpis_not_available = read_strings(meta, "kpis_not_available", ctx);
  const auto design = h5::read_string(meta, "design", ctx);
  {
    Handle fg(H5Gopen2(meta, "factors", H5P_DEFAULT), H5Gclose);
    auto names = read_strings(fg, "name", ctx);
    auto paths = read_strings(fg, "path", ctx);
    auto kinds = read_strings(fg, "kind", ctx);
    auto values = read_strings(fg, "values", ctx);
    auto lo = read_array<double>(fg, "lo", H5T_NATIVE_DOUBLE, ctx);
    auto hi = read_array<double>(fg, "hi", H5T_NATIVE_DOUBLE, ctx);
    auto integer = read_array<std::int32_t>(fg, "integer", H5T_NATIVE_INT32, ctx);
    auto log_scale = read_array<std::int32_t>(fg, "log_scale", H5T_NATIVE_INT32, ctx);
    auto range_levels = read_array<std::int32_t>(fg, "range_levels", H5T_NATIVE_INT32, ctx);
    const std::size_t k = names.size();
    if (paths.size() != k || kinds.size() != k || values.size() != k || lo.size() != k ||
        hi.size() != k || integer.size() != k || log_scale.size() != k || range_levels.size() != k)
      throw std::runtime_error(path + ": /meta/factors: tables of different lengths");
    for (std::size_t i = 0; i < k; ++i) {
      Factor f;
      f.name = names[i];
      f.path = paths[i];
      f.kind = kinds[i] == "choices" ? Factor::Kind::choices
               : kinds[i] == "range" ? Factor::Kind::range
                                     : Factor::Kind::levels;
      std::vector<std::string> items;
      std::size_t s = 0;
      while (!values[i].empty() && s <= values[i].size()) {
        auto e = values[i].find('\n', s);
        if (e == std::string::npos) e = values[i].size();
        items.push_back(values[i].substr(s, e - s));
        s = e + 1;
      }
      if (f.kind == Factor::Kind::choices) f.choices = items;
      if (f.kind == Factor::Kind::levels)
        for (const auto& it : items) f.levels.push_back(std::strtod(it.c_str(), nullptr));
      f.lo = lo[i];
      f.hi = hi[i];
      f.integer = integer[i] != 0;
      f.log_scale = log_scale[i] != 0;
      f.range_levels = range_levels[i];
      r.factors.push_back(std::move(f));
    }
  }
  const std::size_t k = r.factors.size();
  Design& d = r.design;
  d.kind = design_from_name(design).value_or(DesignKind::points);
  d.factors = k;
  {
    Handle dg(H5Gopen2(file, "design", H5P_DEFAULT), H5Gclose);
    d.sobol_n = h5::read_scalar<std::uint64_t>(dg, "sobol_n", H5T_NATIVE_UINT64, ctx);
    d.morris_levels = h5::read_scalar<std::uint64_t>(dg, "morris_levels", H5T_NATIVE_UINT64, ctx);
    d.morris_delta = h5::read_scalar<double>(dg, "morris_delta", H5T_NATIVE_DOUBLE, ctx);
    std::vector<hsize_t> dims;
    auto unit = read_array<double>(dg, "unit", H5T_NATIVE_DOUBLE, ctx, &dims);
    for (hsize_t p = 0; k && p < dims[0]; ++p)
      d.unit.emplace_back(unit.begin() + p * k, unit.begin() + (p + 1) * k);
    auto level = read_array<std::uint32_t>(dg, "level", H5T_NATIVE_UINT32, ctx, &dims);
    for (hsize_t p = 0; k && p < dims[0]; ++p)
      d.level.emplace_back(level.begin() + p * k, level.begin() + (p + 1) * k);
    auto mf = read_array<std::uint32_t>(dg, "morris_factor", H5T_NATIVE_UINT32, ctx, &dims);
    for (hsize_t t = 0; k && t < dims[0]; ++t)
      d.morris_factor.emplace_back(mf.begin() + t * k, mf.begin() + (t + 1) * k);
    auto ms = read_array<double>(dg, "morris_step", H5T_NATIVE_DOUBLE, ctx, &dims);
    for (hsize_t t = 0; k && t < dims[0]; ++t)
      d.morris_step.emplace_back(ms.begin() + t * k, ms.begin() + (t + 1) * k);
  }
  {
    PointsType pt(r.factors);
    Handle ds(h5::check_id(H5Dopen2(file, "points", H5P_DEFAULT), ctx, "open points"), H5Dclose);
    Handle space(H5Dget_space(ds), H5Sclose);
    const auto P = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    std::string rows(P * pt.size, '\0');
    if (P)
      h5::check(H5Dread(ds, pt.type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), ctx,
                "read points");
    d.points.assign(P, std::vector<FactorValue>(k));
    for (std::size_t p = 0; p < P; ++p)
      for (std::size_t i = 0; i < k; ++i) {
        const char* at = rows.data() + p * pt.size + 8 + 8 * i;
        FactorValue& v = d.points[p][i];
        if (r.factors[i].kind == Factor::Kind::choices) {
          std::int64_t c = 0;
          std::memcpy(&c, at, 8);
          v.choice = static_cast<int>(c);
          v.number = static_cast<double>(c);
        } else {
          std::memcpy(&v.number, at, 8);
        }
      }
  }
  {
    ResultsType rt(r.kpis);
    Handle ds(h5::check_id(H5Dopen2(file, "results", H5P_DEFAULT), ctx, "open results"), H5Dclose);
    Handle space(H5Dget_space(ds), H5Sclose);
    const auto T = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    if (T != d.points.size() * r.replications)
      throw std::runtime_error(path + ": /results has " + std::to_string(T) + " rows, expected " +
                               std::to_string(d.points.size() * r.replications));
    r.status.resize(T);
    r.events.resize(T);
    r.values.assign(r.kpis.size(), std::vector<double>(T));
    const std::size_t block = 65536;
    std::string buf;
    for (std::size_t s = 0; s < T; s += block) {
      hsize_t start = s, count = std::min(block, T - s);
      buf.assign(count * rt.size, '\0');
      Handle fs(H5Dget_space(ds), H5Sclose);
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, nullptr, &count, nullptr);
      Handle ms(H5Screate_simple(1, &count, nullptr), H5Sclose);
      h5::check(H5Dread(ds, rt.type, ms, fs, H5P_DEFAULT, buf.data()), ctx, "read results");
      for (std::size_t i = 0; i < count; ++i) {
        const char* row = buf.data() + i * rt.size;
        std::memcpy(&r.status[s + i], row + ResultsType::kStatus, 1);
        std::memcpy(&r.events[s + i], row + ResultsType::kEvents, 8);
        for (std::size_t c = 0; c < r.kpis.size(); ++c)
          std::memcpy(&r.values[c][s + i], row + ResultsType::kKpis + 8 * c, 8);
      }
    }
  }
  {
    Handle eg(H5Gopen2(file, "errors", H5P_DEFAULT), H5Gclose);
    auto tasks = read_array<std::uint64_t>(eg, "task", H5T_NATIVE_UINT64, ctx);
    auto messages = read_strings(eg, "message", ctx);
    for (std::size_t i = 0; i < tasks.size() && i < messages.size(); ++i)
      r.errors.emplace_back(tasks[i], messages[i]);
  }
  {
    Handle rg(H5Gopen2(file, "run", H5P_DEFAULT), H5Gclose);
    r.command_line = h5::read_string(rg, "command_line", ctx);
    r.seconds = read_array<double>(rg, "seconds", H5T_NATIVE_DOUBLE, ctx);
  }
  return r;
}

}  // namespace journeysim::sweep
