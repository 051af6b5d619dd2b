#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "h5util.hpp"
#include "journeysim/common/input_file.hpp"
#include "journeysim/eventlog/writer.hpp"

namespace journeysim::eventlog {

namespace {
template <class T>
void write_column(hid_t g, const char* name, hid_t type, const std::vector<T>& v,
                  const std::string& ctx) {
  hsize_t n = v.size();
  h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(dcpl, false);
  h5::Handle ds(h5::check_id(H5Dcreate2(g, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), ctx,
                             "create /kpi column"),
                H5Dclose);
  if (n > 0)
    h5::check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), ctx,
              "write /kpi column");
}
}  // namespace

void write_kpi_results(const std::string& log_path, const std::string& report_json,
                       const std::string& params_json, const KpiRows& rows) {
  h5::init_library();
  namespace fs = std::filesystem;
  // A symlink keeps pointing at the log: the copy is made beside the target and renamed over it.
  std::error_code ec;
  const fs::path target = fs::canonical(log_path, ec);
  if (ec) throw std::runtime_error(log_path + ": cannot resolve: " + ec.message());
  const std::string tmp = target.string() + ".tmp-" + std::to_string(::getpid());
  common::remove_stale_temporaries(target.string());
  common::register_temporary(tmp);
  struct Unregister {
    const std::string& p;
    ~Unregister() { common::unregister_temporary(p); }
  } unregister{tmp};
  // the copy keeps the log's permissions (a 0600 log stays 0600)
  fs::copy_file(target, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(tmp, ec);  // a partial copy (a full disk)
    throw std::runtime_error(log_path +
                             ": cannot copy for writing /kpi (the log is unchanged): " + why);
  }
  try {
    h5::Handle f(H5Fopen(tmp.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    if (!f.valid()) throw std::runtime_error(log_path + ": cannot open for writing /kpi");
    if (H5Lexists(f, "kpi", H5P_DEFAULT) > 0) H5Ldelete(f, "kpi", H5P_DEFAULT);
    h5::Handle gcpl = h5::group_create_plist();
    h5::Handle g(
        h5::check_id(H5Gcreate2(f, "kpi", H5P_DEFAULT, gcpl, H5P_DEFAULT), log_path, "create /kpi"),
        H5Gclose);
    h5::write_string(g, "report", report_json, log_path);
    h5::write_string(g, "parameters", params_json, log_path);
    h5::write_strings(g, "id", rows.id, log_path);
    h5::write_strings(g, "group", rows.group, log_path);
    write_column(g, "value", H5T_NATIVE_DOUBLE, rows.value, log_path);
    write_column(g, "se", H5T_NATIVE_DOUBLE, rows.se, log_path);
    write_column(g, "ci_low", H5T_NATIVE_DOUBLE, rows.ci_low, log_path);
    write_column(g, "ci_high", H5T_NATIVE_DOUBLE, rows.ci_high, log_path);
    write_column(g, "n", H5T_NATIVE_DOUBLE, rows.n, log_path);
    write_column(g, "available", H5T_NATIVE_UINT8, rows.available, log_path);
    // every close checked before the rename: a copy whose close failed (a full disk) must not
    // replace the log
    if (!g.close() || !f.close())
      throw std::runtime_error(log_path + ": cannot write /kpi (disk full?); the log is unchanged");
    fs::rename(tmp, target);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
}

}  // namespace journeysim::eventlog
