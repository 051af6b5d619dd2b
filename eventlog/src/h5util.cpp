#include "h5util.hpp"

#include <algorithm>
#include <cstring>

#include "journeysim/eventlog/schema.hpp"
#include "lz4_filter.hpp"

namespace journeysim::eventlog::h5 {

void init_library() {
  // No HDF5 clean-up at exit: after a failed write (a full disk) the library keeps the file
  // half-closed, and its exit handler crashed closing it (#15). Our files are closed by their
  // owners; a failed one is removed. Must come before any other HDF5 call, hence first here.
  static const bool no_atexit = [] { return H5dont_atexit() >= 0; }();
  (void)no_atexit;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  lz4::register_filter();
}

hid_t event_type_enum() {
  hid_t t = H5Tenum_create(H5T_NATIVE_UINT8);
  for (std::size_t i = 0; i < kEventTypeCount; ++i) {
    std::uint8_t v = static_cast<std::uint8_t>(i);
    std::string name(kEventTypeNames[i]);
    H5Tenum_insert(t, name.c_str(), &v);
  }
  return t;
}

void keep_links_compact(hid_t plist) {
  H5Pset_link_phase_change(plist, 64, 48);
}

Handle group_create_plist() {
  Handle p(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_obj_track_times(p, false);
  keep_links_compact(p);
  return p;
}

namespace {
Handle dcpl_untimed() {
  Handle p(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(p, false);  // no timestamps: identical runs give identical bytes
  return p;
}
}  // namespace

void write_string(hid_t loc, const std::string& name, const std::string& value,
                  const std::string& ctx) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type, value.empty() ? 1 : value.size());
  H5Tset_cset(type, H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle dcpl = dcpl_untimed();
  Handle ds(check_id(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                     ctx, "create string"),
            H5Dclose);
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, padded.data()), ctx, "write string");
}

std::string read_string(hid_t loc, const std::string& name, const std::string& ctx) {
  Handle ds(check_id(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), ctx, ("open " + name).c_str()),
            H5Dclose);
  Handle type(H5Dget_type(ds), H5Tclose);
  if (H5Tget_class(type) != H5T_STRING)
    throw std::runtime_error(ctx + ": " + name + " not a string");
  if (H5Tis_variable_str(type) > 0) {
    char* p = nullptr;
    Handle mt(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(type));
    check(H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), ctx, "read string");
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  std::size_t n = H5Tget_size(type);
  std::string s(n, '\0');
  check(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, s.data()), ctx, "read string");
  s.resize(std::strlen(s.c_str()));
  return s;
}

// Fixed-length, null-terminated UTF-8 strings, one byte wider than the longest: no variable-length
// strings, whose global-heap reads crashed libhdf5 1.10.8 on a corrupt file (#15).
void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values,
                   const std::string& ctx) {
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size() + 1);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type, width);
  H5Tset_strpad(type, H5T_STR_NULLTERM);
  H5Tset_cset(type, H5T_CSET_UTF8);
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle dcpl = dcpl_untimed();
  Handle ds(check_id(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                     ctx, "create string table"),
            H5Dclose);
  std::string packed(values.size() * width, '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    std::memcpy(packed.data() + i * width, values[i].data(), values[i].size());
  if (n > 0)
    check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, packed.data()), ctx, "write strings");
}

std::vector<std::string> read_strings(hid_t loc, const std::string& name, const std::string& ctx,
                                      std::uint64_t max_bytes) {
  Handle ds(check_id(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), ctx, ("open " + name).c_str()),
            H5Dclose);
  Handle space(H5Dget_space(ds), H5Sclose);
  if (H5Sget_simple_extent_ndims(space) != 1)
    throw std::runtime_error(ctx + ": /names/" + name +
                             " is not a one-dimensional table (docs/event-log.md)");
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::string> out;
  Handle ft(H5Dget_type(ds), H5Tclose);
  if (H5Tget_class(ft) != H5T_STRING || H5Tis_variable_str(ft) != 0)
    throw std::runtime_error(ctx + ": /names/" + name +
                             " is not a table of fixed-length strings (docs/event-log.md)");
  const std::size_t width = H5Tget_size(ft);
  // a table can hold no more than the file does (a damaged extent would allocate without bound)
  if (n < 0 || width == 0 ||
      static_cast<double>(n) * static_cast<double>(width) > static_cast<double>(max_bytes))
    throw std::runtime_error(ctx + ": /names/" + name + " declares " + std::to_string(n) +
                             " strings of " + std::to_string(width) +
                             " bytes, more than the file holds (damaged?)");
  if (n == 0) return out;
  std::string packed(static_cast<std::size_t>(n) * width, '\0');
  check(H5Dread(ds, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, packed.data()), ctx,
        ("read /names/" + name).c_str());
  out.reserve(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    const char* p = packed.data() + i * width;
    out.emplace_back(p, strnlen(p, width));
  }
  return out;
}

template <class T>
void write_scalar(hid_t loc, const std::string& name, hid_t type, T value, const std::string& ctx) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle dcpl = dcpl_untimed();
  Handle ds(check_id(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                     ctx, "create scalar"),
            H5Dclose);
  check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value), ctx, "write scalar");
}

template <class T>
T read_scalar(hid_t loc, const std::string& name, hid_t type, const std::string& ctx) {
  Handle ds(check_id(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), ctx, ("open " + name).c_str()),
            H5Dclose);
  // one value of a number class: a 2-element array read into one value overflowed the stack,
  // a string or compound one is not a number (#15)
  Handle space(H5Dget_space(ds), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n != 1)
    throw std::runtime_error(ctx + ": /meta/" + name + " holds " + std::to_string(n) +
                             " values, expected one (docs/event-log.md)");
  Handle ft(H5Dget_type(ds), H5Tclose);
  const H5T_class_t cls = H5Tget_class(ft);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    throw std::runtime_error(ctx + ": /meta/" + name + " is not a number (docs/event-log.md)");
  T v{};
  check(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v), ctx, ("read " + name).c_str());
  return v;
}

template void write_scalar<std::uint64_t>(hid_t, const std::string&, hid_t, std::uint64_t,
                                          const std::string&);
template void write_scalar<std::int64_t>(hid_t, const std::string&, hid_t, std::int64_t,
                                         const std::string&);
template void write_scalar<double>(hid_t, const std::string&, hid_t, double, const std::string&);
template void write_scalar<std::uint32_t>(hid_t, const std::string&, hid_t, std::uint32_t,
                                          const std::string&);
template void write_scalar<std::int32_t>(hid_t, const std::string&, hid_t, std::int32_t,
                                         const std::string&);
template std::uint64_t read_scalar<std::uint64_t>(hid_t, const std::string&, hid_t,
                                                  const std::string&);
template std::int64_t read_scalar<std::int64_t>(hid_t, const std::string&, hid_t,
                                                const std::string&);
template double read_scalar<double>(hid_t, const std::string&, hid_t, const std::string&);
template std::uint32_t read_scalar<std::uint32_t>(hid_t, const std::string&, hid_t,
                                                  const std::string&);
template std::int32_t read_scalar<std::int32_t>(hid_t, const std::string&, hid_t,
                                                const std::string&);

}  // namespace journeysim::eventlog::h5
