// Small RAII and error helpers over the HDF5 C API (private to eventlog/).
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace journeysim::eventlog::h5 {

// Owns one HDF5 identifier and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, -1)), closer_(o.closer_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, -1);
      closer_ = o.closer_;
    }
    return *this;
  }
  ~Handle() { reset(); }
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = -1;
  }
  // Closes now and says whether the close succeeded (a file's close flushes: it can fail).
  bool close() {
    const bool ok = id_ < 0 || !closer_ || closer_(id_) >= 0;
    id_ = -1;
    return ok;
  }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

// Turns HDF5's automatic error printing off (errors become exceptions here) and registers the
// LZ4 filter (lz4_filter.hpp) unless a plugin provides it.
void init_library();

// Throws std::runtime_error("<context>: <what>") when `status` is negative.
inline void check(herr_t status, const std::string& context, const char* what) {
  if (status < 0) throw std::runtime_error(context + ": HDF5 " + what + " failed");
}
inline hid_t check_id(hid_t id, const std::string& context, const char* what) {
  if (id < 0) throw std::runtime_error(context + ": HDF5 " + what + " failed");
  return id;
}

hid_t event_type_enum();  // a new enum type; caller closes

// Group creation properties of every group we write: no timestamps, and links kept in the
// group's object header (checksummed in the 1.10 format) up to 64 of them, never in the
// "dense" fractal heap, whose corrupt blocks crashed libhdf5 1.10.8 (#15). Also sets `plist`
// (a file creation list, for the root group) when given.
Handle group_create_plist();
void keep_links_compact(hid_t plist);

void write_string(hid_t loc, const std::string& name, const std::string& value,
                  const std::string& ctx);
std::string read_string(hid_t loc, const std::string& name, const std::string& ctx);
void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values,
                   const std::string& ctx);
// A table written by write_strings; at most `max_bytes` of strings (the file's size).
std::vector<std::string> read_strings(hid_t loc, const std::string& name, const std::string& ctx,
                                      std::uint64_t max_bytes);
template <class T>
void write_scalar(hid_t loc, const std::string& name, hid_t type, T value, const std::string& ctx);
template <class T>
T read_scalar(hid_t loc, const std::string& name, hid_t type, const std::string& ctx);

}  // namespace journeysim::eventlog::h5
