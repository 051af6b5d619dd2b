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

void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values,
                   const std::string& ctx) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle dcpl = dcpl_untimed();
  Handle ds(check_id(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                     ctx, "create string table"),
            H5Dclose);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  // HDF5 converts the string pointers through a buffer it allocates zeroed, 1 MiB by default:
  // size it to the table (a few names), not 1 MiB per table (a tenth of a small run's writing)
  Handle dxpl(check_id(H5Pcreate(H5P_DATASET_XFER), ctx, "create transfer list"), H5Pclose);
  check(H5Pset_buffer(dxpl, std::clamp<std::size_t>(n * 64, 4096, std::size_t{1} << 20), nullptr,
                      nullptr),
        ctx, "size the conversion buffer");
  if (n > 0) check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, dxpl, ptrs.data()), ctx, "write strings");
}

std::vector<std::string> read_strings(hid_t loc, const std::string& name, const std::string& ctx) {
  Handle ds(check_id(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), ctx, ("open " + name).c_str()),
            H5Dclose);
  Handle space(H5Dget_space(ds), H5Sclose);
  hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::string> out;
  if (n <= 0) return out;
  Handle mt(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mt, H5T_VARIABLE);
  {
    Handle ft(H5Dget_type(ds), H5Tclose);
    H5Tset_cset(mt, H5Tget_cset(ft));  // HDF5 does not convert between ASCII and UTF-8
  }
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  check(H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), ctx, "read strings");
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
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
