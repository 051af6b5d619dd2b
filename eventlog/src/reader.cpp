#include "journeysim/eventlog/reader.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>

#include "checksum.hpp"
#include "deflate_codec.hpp"
#include "h5util.hpp"
#include "journeysim/common/input_file.hpp"
#include "lz4_filter.hpp"
#include "table_layout.hpp"

namespace journeysim::eventlog {

using h5::Handle;

struct EventLogReader::Impl {
  Handle file;
  std::uint64_t n_events = 0;
};

namespace {

std::uint64_t dataset_rows(hid_t group, const char* name, const std::string& ctx) {
  Handle ds(h5::check_id(H5Dopen2(group, name, H5P_DEFAULT), ctx,
                         (std::string("open dataset ") + name).c_str()),
            H5Dclose);
  Handle space(H5Dget_space(ds), H5Sclose);
  hsize_t dims = 0;
  if (H5Sget_simple_extent_ndims(space) != 1)
    throw std::runtime_error(ctx + ": dataset " + name + " is not one-dimensional");
  H5Sget_simple_extent_dims(space, &dims, nullptr);
  return dims;
}

// Reads rows [start, start+count) of 1-D dataset `name` of `group` into dst as `mem_type` (defined
// below, after the parallel chunk decoder it uses).
void read_rows(hid_t group, const char* name, hid_t mem_type, std::uint64_t start,
               std::uint64_t count, void* dst, const std::string& ctx);

// Copies `count` values of `Size` bytes from the packed column `src` into the field at `offset`
// of each row of `rows` (stride `row_size`), in parallel over row ranges.
template <std::size_t Size>
void scatter_field(const unsigned char* src, std::uint64_t count, unsigned char* rows,
                   std::size_t row_size, std::size_t offset) {
  tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, count, 1 << 15), [&](const auto& r) {
    for (std::uint64_t i = r.begin(); i < r.end(); ++i)
      std::memcpy(rows + i * row_size + offset, src + i * Size, Size);
  });
}

template <class Row>
std::vector<Row> read_table(hid_t file, const char* name,
                            const std::vector<layout::ColumnSpec>& specs, const std::string& ctx) {
  Handle g(h5::check_id(H5Gopen2(file, name, H5P_DEFAULT), ctx,
                        (std::string("open group /") + name).c_str()),
           H5Gclose);
  std::uint64_t n = dataset_rows(g, specs.front().name, ctx);
  std::size_t widest = 0;
  for (const auto& s : specs) {
    if (dataset_rows(g, s.name, ctx) != n)
      throw std::runtime_error(ctx + ": /" + name + " columns have different lengths");
    widest = std::max(widest, s.size);
  }
  std::vector<Row> rows(n);
  // one scratch column for all fields (a fresh one per field paid its page faults every time)
  std::unique_ptr<unsigned char[]> buf(new unsigned char[std::max<std::uint64_t>(1, n * widest)]);
  auto* out = reinterpret_cast<unsigned char*>(rows.data());
  for (const auto& s : specs) {
    read_rows(g, s.name, s.native_type(), 0, n, buf.get(), ctx);
    layout::with_width(s.size, [&](auto width) {
      scatter_field<decltype(width)::value>(buf.get(), n, out, sizeof(Row), s.offset);
    });
  }
  return rows;
}

}  // namespace

EventLogReader::EventLogReader(const std::string& path)
    : impl_(std::make_unique<Impl>()), path_(path) {
  h5::init_library();
  if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": no such file");
  // HDF5 would read a device or a FIFO until it blocks or memory runs out
  if (!std::filesystem::is_regular_file(path))
    throw std::runtime_error(path + ": not a regular file (a directory, a device or a FIFO)");
  common::note_input(path);
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw std::runtime_error(path + ": not an HDF5 file (or truncated)");
  impl_->file = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!impl_->file.valid()) throw std::runtime_error(path + ": cannot open HDF5 file (truncated?)");
  const std::string& ctx = path_;
  if (H5Lexists(impl_->file, "meta", H5P_DEFAULT) <= 0 ||
      H5Lexists(impl_->file, "events", H5P_DEFAULT) <= 0)
    throw std::runtime_error(path + ": not a journeysim event log (no /meta or /events)");
  Handle m(H5Gopen2(impl_->file, "meta", H5P_DEFAULT), H5Gclose);
  if (h5::read_string(m, "format", ctx) != "journeysim-eventlog")
    throw std::runtime_error(path + ": /meta/format is not journeysim-eventlog");
  int version = h5::read_scalar<std::int32_t>(m, "format_version", H5T_NATIVE_INT32, ctx);
  if (version == 1)
    throw std::runtime_error(
        path +
        ": event log format version 1 (written by an older journeysim, without checksums) is "
        "not read by this build (format " +
        std::to_string(kFormatVersion) +
        "): run its scenario again (/meta/scenario_text, seed and options record it)");
  if (version != kFormatVersion)
    throw std::runtime_error(path + ": event log format version " + std::to_string(version) +
                             " is not supported (this build reads " +
                             std::to_string(kFormatVersion) + ")");
  meta_.scenario_name = h5::read_string(m, "scenario_name", ctx);
  meta_.scenario_text = h5::read_string(m, "scenario_text", ctx);
  meta_.seed = h5::read_scalar<std::uint64_t>(m, "seed", H5T_NATIVE_UINT64, ctx);
  meta_.version = h5::read_string(m, "version", ctx);
  meta_.command_line = h5::read_string(m, "command_line", ctx);
  meta_.options_json = h5::read_string(m, "options", ctx);
  meta_.start_time = h5::read_scalar<std::int64_t>(m, "start_time", H5T_NATIVE_INT64, ctx);
  meta_.horizon_days = h5::read_scalar<double>(m, "horizon_days", H5T_NATIVE_DOUBLE, ctx);
  // the scenario's own bound (a hand-built 1e7 days made the monthly series run for minutes)
  if (!(meta_.horizon_days >= 0 && meta_.horizon_days <= 36500))
    throw std::runtime_error(path + ": /meta/horizon_days is " +
                             std::to_string(meta_.horizon_days) +
                             ", expected a number in [0, 36500] (docs/event-log.md)");
  meta_.markets = h5::read_scalar<std::uint32_t>(m, "markets", H5T_NATIVE_UINT32, ctx);
  // replications are uint16 in the rows
  auto replication_scalar = [&](const char* name) {
    const auto v = h5::read_scalar<std::uint32_t>(m, name, H5T_NATIVE_UINT32, ctx);
    if (v > 65535)
      throw std::runtime_error(path + ": /meta/" + name + " is " + std::to_string(v) +
                               ", expected at most 65535 (docs/event-log.md)");
    return static_cast<std::uint16_t>(v);
  };
  meta_.replications = replication_scalar("replications");
  meta_.first_replication = replication_scalar("first_replication");
  meta_.part = h5::read_string(m, "part", ctx);
  const auto file_bytes = std::filesystem::file_size(path);
  Handle n(H5Gopen2(impl_->file, "names", H5P_DEFAULT), H5Gclose);
  if (!n.valid()) throw std::runtime_error(path + ": no /names group");
  H5G_info_t info;
  H5Gget_info(n, &info);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    char name[256];
    H5Lget_name_by_idx(n, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
    std::string ns(name);
    auto values = h5::read_strings(n, ns, ctx, file_bytes);
    if (ns == "event_types")
      type_names_ = values;
    else
      meta_.names[ns] = values;
  }
  Handle g(H5Gopen2(impl_->file, "events", H5P_DEFAULT), H5Gclose);
  impl_->n_events = dataset_rows(g, "time", ctx);
  for (const auto& s : layout::event_columns())
    if (dataset_rows(g, s.name, ctx) != impl_->n_events)
      throw std::runtime_error(path + ": /events columns have different lengths");
  // What the file can make us allocate is bounded by what it holds: a row of /events is 35 bytes
  // and deflate compresses at most 1032:1, so a file of B bytes holds at most B x 1032 / 35 rows
  // (a 2 MB file declaring 2^28 rows, its chunks never written, took 4 GB) (#15).
  const double max_rows = static_cast<double>(file_bytes) * 1032.0 / 35.0 + 65536;
  if (static_cast<double>(impl_->n_events) > max_rows)
    throw std::runtime_error(path + ": /events declares " + std::to_string(impl_->n_events) +
                             " rows, more than a file of " + std::to_string(file_bytes) +
                             " bytes can hold (damaged or hand-built?)");
  // The metadata, names and extents are what was written: a flipped byte in them is an error,
  // not a different answer (chunks carry their own Fletcher32, checked as they are read) (#15).
  checksum::TableRows rows{impl_->n_events, 0, 0};
  {
    Handle c(h5::check_id(H5Gopen2(impl_->file, "customers", H5P_DEFAULT), ctx, "open /customers"),
             H5Gclose);
    rows.customers = dataset_rows(c, layout::customer_columns().front().name, ctx);
    Handle d(h5::check_id(H5Gopen2(impl_->file, "channels", H5P_DEFAULT), ctx, "open /channels"),
             H5Gclose);
    rows.channels = dataset_rows(d, layout::channel_columns().front().name, ctx);
  }
  const auto stored = h5::read_scalar<std::uint64_t>(m, "checksum", H5T_NATIVE_UINT64, ctx);
  if (stored != checksum::metadata_digest(meta_, type_names_, rows))
    throw std::runtime_error(path +
                             ": /meta/checksum does not match the metadata, names and table "
                             "sizes (the file is damaged)");
}

EventLogReader::~EventLogReader() = default;

std::uint64_t EventLogReader::event_count() const {
  return impl_->n_events;
}

namespace {

// A filter pipeline this reader decodes itself: none, or shuffle, then deflate or LZ4 (what
// EventLogWriter writes). The bits are the filters' bits in a chunk's filter mask (their
// positions in the pipeline: a codec without shuffle is filter 0).
struct Pipeline {
  enum class Codec : std::uint8_t { none, deflate, lz4 };
  hsize_t chunk_rows = 0;
  bool shuffled = false;
  Codec codec = Codec::none;
  bool checksummed = false;  // Fletcher32 last: 4 bytes after the stored chunk
  std::uint32_t shuffle_bit = 0, codec_bit = 0, checksum_bit = 0;
};

std::optional<Pipeline> simple_pipeline(hid_t dset) {
  Pipeline p;
  Handle dcpl(H5Dget_create_plist(dset), H5Pclose);
  if (H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_chunk(dcpl, 1, &p.chunk_rows) != 1)
    return std::nullopt;
  const int n = H5Pget_nfilters(dcpl);
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0, cd[8], config = 0;
    std::size_t ncd = 8;
    char name[64];
    H5Z_filter_t f = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &ncd, cd, sizeof name,
                                    name, &config);
    if (f == H5Z_FILTER_SHUFFLE && i == 0)
      p.shuffled = true, p.shuffle_bit = 1u << i;
    else if (f == H5Z_FILTER_DEFLATE && p.codec == Pipeline::Codec::none)
      p.codec = Pipeline::Codec::deflate, p.codec_bit = 1u << i;
    else if (f == lz4::kFilterId && p.codec == Pipeline::Codec::none)
      p.codec = Pipeline::Codec::lz4, p.codec_bit = 1u << i;
    else if (f == H5Z_FILTER_FLETCHER32 && i == n - 1)
      p.checksummed = true, p.checksum_bit = 1u << i;
    else
      return std::nullopt;
  }
  return p;
}

// Undoes HDF5's shuffle filter: byte j of element e is at in[j * n + e]. Elements are written in
// order (each output cache line once), reading the `size` byte planes side by side.
template <std::size_t Size>
void unshuffle_fixed(const unsigned char* in, unsigned char* out, std::size_t n) {
  for (std::size_t e = 0; e < n; ++e)
    for (std::size_t j = 0; j < Size; ++j) out[e * Size + j] = in[j * n + e];
}
void unshuffle(const unsigned char* in, unsigned char* out, std::size_t n, std::size_t size) {
  switch (size) {
    case 2:
      return unshuffle_fixed<2>(in, out, n);
    case 4:
      return unshuffle_fixed<4>(in, out, n);
    case 8:
      return unshuffle_fixed<8>(in, out, n);
    default:
      for (std::size_t e = 0; e < n; ++e)
        for (std::size_t j = 0; j < size; ++j) out[e * size + j] = in[j * n + e];
  }
}

// Reads rows [start, start+count) of a 1-D dataset of `size`-byte elements into dst: raw chunks
// are fetched in order (H5Dread_chunk) and decoded in parallel. False if the layout is not ours.
bool read_chunks_parallel(hid_t dset, std::size_t size, std::uint64_t start, std::uint64_t count,
                          void* dst, const std::string& ctx) {
  const std::optional<Pipeline> pipe = simple_pipeline(dset);
  if (!pipe) return false;
  // format 2: every chunk is checksummed (a pipeline without it is a damaged or foreign file)
  if (!pipe->checksummed)
    throw std::runtime_error(ctx +
                             ": a column's chunks carry no Fletcher32 checksum "
                             "(docs/event-log.md: damaged or not written by journeysim)");
  const hsize_t chunk = pipe->chunk_rows;
  const std::uint64_t first = start / chunk, last = (start + count - 1) / chunk;
  struct Raw {
    std::unique_ptr<unsigned char[]> bytes;  // not zeroed: H5Dread_chunk fills it
    hsize_t size = 0;
    std::uint32_t mask = 0;
  };
  std::vector<Raw> raw(last - first + 1);
  for (std::uint64_t k = first; k <= last; ++k) {
    hsize_t off = k * chunk, nbytes = 0;
    if (H5Dget_chunk_storage_size(dset, &off, &nbytes) < 0 || nbytes == 0)
      throw std::runtime_error(ctx + ": chunk at row " + std::to_string(off) +
                               " is missing (truncated file?)");
    Raw& r = raw[k - first];
    r.bytes = std::make_unique_for_overwrite<unsigned char[]>(nbytes);
    r.size = nbytes;
    h5::check(H5Dread_chunk(dset, H5P_DEFAULT, &off, &r.mask, r.bytes.get()), ctx,
              "read chunk (truncated or corrupt file?)");
  }
  auto* out = static_cast<unsigned char*>(dst);
  std::atomic<bool> bad{false};
  tbb::parallel_for(std::size_t{0}, raw.size(), [&](std::size_t i) {
    const std::uint64_t k = first + i;
    const std::size_t chunk_bytes = chunk * size;
    const std::uint64_t row0 = std::max<std::uint64_t>(start, k * chunk);
    const std::uint64_t row1 = std::min<std::uint64_t>(start + count, (k + 1) * chunk);
    const bool whole = row0 == k * chunk && row1 == (k + 1) * chunk;
    // scratch buffers are not zeroed: every byte is written before it is read
    std::unique_ptr<unsigned char[]> tmp, plain;
    const bool skip_shuffle = raw[i].mask & pipe->shuffle_bit;
    const bool skip_codec = raw[i].mask & pipe->codec_bit;
    const unsigned char* p = raw[i].bytes.get();
    std::size_t stored = raw[i].size;
    if (raw[i].mask & pipe->checksum_bit || stored < 4 ||
        checksum::stored_fletcher32(p, stored) != checksum::fletcher32(p, stored - 4)) {
      bad = true;
      return;
    }
    stored -= 4;
    // a chunk inflates at most ~1032:1 (deflate's limit): a damaged chunk size asks no more
    if (chunk_bytes > stored * 1032 + 1024) {
      bad = true;
      return;
    }
    if (pipe->codec != Pipeline::Codec::none && !skip_codec) {
      tmp = std::make_unique_for_overwrite<unsigned char[]>(chunk_bytes);
      bool ok = false;
      if (pipe->codec == Pipeline::Codec::lz4) {
        ok = lz4::decode(p, stored, tmp.get(), chunk_bytes);
      } else {
        ok = deflate::decompress(p, stored, tmp.get(), chunk_bytes);
      }
      if (!ok) {
        bad = true;
        return;
      }
      p = tmp.get();
    } else if (stored != chunk_bytes) {
      bad = true;
      return;
    }
    unsigned char* target = out + (row0 - start) * size;
    if (!whole) {
      plain = std::make_unique_for_overwrite<unsigned char[]>(chunk_bytes);
      target = plain.get();
    }
    if (pipe->shuffled && !skip_shuffle && size > 1) {
      unshuffle(p, target, chunk, size);
    } else {
      std::memcpy(target, p, chunk_bytes);
    }
    if (!whole)
      std::memcpy(out + (row0 - start) * size, plain.get() + (row0 - k * chunk) * size,
                  (row1 - row0) * size);
  });
  if (bad)
    throw std::runtime_error(ctx +
                             ": a chunk fails its Fletcher32 checksum or does not decode (the file "
                             "is damaged)");
  return true;
}

void read_rows(hid_t group, const char* name, hid_t mem_type, std::uint64_t start,
               std::uint64_t count, void* dst, const std::string& ctx) {
  Handle ds(h5::check_id(H5Dopen2(group, name, H5P_DEFAULT), ctx,
                         (std::string("open column ") + name).c_str()),
            H5Dclose);
  if (count == 0) return;
  Handle ft(H5Dget_type(ds), H5Tclose);
  // An enum column (/events/type, over uint8) is read with its own type: HDF5 does not convert
  // enums to integers.
  const bool is_enum = H5Tget_class(ft) == H5T_ENUM;
  // ... so its values land as they are: an enum over a wider base type than the column's would
  // write past the buffer (a heap overflow in every reading command, #15)
  if (is_enum && H5Tget_size(ft) != H5Tget_size(mem_type))
    throw std::runtime_error(ctx + ": column " + name + " is an enum of " +
                             std::to_string(H5Tget_size(ft)) + "-byte values, expected " +
                             std::to_string(H5Tget_size(mem_type)) + " (docs/event-log.md)");
  // fast path: our own layout with the native type in the file, decoded in parallel
  if ((is_enum || H5Tequal(ft, mem_type) > 0) &&
      read_chunks_parallel(ds, H5Tget_size(ft), start, count, dst, ctx))
    return;
  {  // HDF5 decodes another pipeline itself: it must include the Fletcher32 check too
    Handle dcpl(H5Dget_create_plist(ds), H5Pclose);
    unsigned flags = 0, config = 0;
    std::size_t ncd = 0;
    if (H5Pget_filter_by_id2(dcpl, H5Z_FILTER_FLETCHER32, &flags, &ncd, nullptr, 0, nullptr,
                             &config) < 0)
      throw std::runtime_error(ctx + ": column " + name +
                               " carries no Fletcher32 checksum (docs/event-log.md: damaged or "
                               "not written by journeysim)");
  }
  Handle fspace(H5Dget_space(ds), H5Sclose);
  hsize_t off = start, cnt = count;
  h5::check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &off, nullptr, &cnt, nullptr), ctx,
            "select rows");
  Handle mspace(H5Screate_simple(1, &cnt, nullptr), H5Sclose);
  h5::check(H5Dread(ds, is_enum ? ft.get() : mem_type, mspace, fspace, H5P_DEFAULT, dst), ctx,
            (std::string("read column ") + name + " (truncated or corrupt file?)").c_str());
}

}  // namespace

namespace {

template <class T>
hid_t native_type();
template <>
hid_t native_type<std::int64_t>() {
  return H5T_NATIVE_INT64;
}
template <>
hid_t native_type<std::uint64_t>() {
  return H5T_NATIVE_UINT64;
}
template <>
hid_t native_type<std::uint8_t>() {
  return H5T_NATIVE_UINT8;
}
template <>
hid_t native_type<std::int32_t>() {
  return H5T_NATIVE_INT32;
}
template <>
hid_t native_type<double>() {
  return H5T_NATIVE_DOUBLE;
}
template <>
hid_t native_type<std::uint32_t>() {
  return H5T_NATIVE_UINT32;
}
template <>
hid_t native_type<std::uint16_t>() {
  return H5T_NATIVE_UINT16;
}

// The native type of each /events column: a caller's element type must match it.
hid_t event_column_type(const std::string& name, const std::string& path) {
  if (name == "time") return native_type<std::int64_t>();
  if (name == "customer") return native_type<std::uint64_t>();
  if (name == "type") return native_type<std::uint8_t>();
  if (name == "arg") return native_type<std::int32_t>();
  if (name == "value") return native_type<double>();
  if (name == "market") return native_type<std::uint32_t>();
  if (name == "replication") return native_type<std::uint16_t>();
  throw std::runtime_error(path + ": no event column '" + name + "'");
}

}  // namespace

template <class T>
void EventLogReader::read_event_column(const char* name, std::uint64_t start, std::uint64_t count,
                                       T* dst) const {
  if (start + count > impl_->n_events)
    throw std::runtime_error(path_ + ": event rows out of range");
  if (H5Tequal(event_column_type(name, path_), native_type<T>()) <= 0)
    throw std::logic_error(std::string("read_event_column: wrong element type for column ") + name);
  Handle g(H5Gopen2(impl_->file, "events", H5P_DEFAULT), H5Gclose);
  read_rows(g, name, native_type<T>(), start, count, dst, path_);
}

template void EventLogReader::read_event_column(const char*, std::uint64_t, std::uint64_t,
                                                std::int64_t*) const;
template void EventLogReader::read_event_column(const char*, std::uint64_t, std::uint64_t,
                                                std::uint64_t*) const;
template void EventLogReader::read_event_column(const char*, std::uint64_t, std::uint64_t,
                                                std::uint8_t*) const;
template void EventLogReader::read_event_column(const char*, std::uint64_t, std::uint64_t,
                                                std::int32_t*) const;
template void EventLogReader::read_event_column(const char*, std::uint64_t, std::uint64_t,
                                                double*) const;
template void EventLogReader::read_event_column(const char*, std::uint64_t, std::uint64_t,
                                                std::uint32_t*) const;
template void EventLogReader::read_event_column(const char*, std::uint64_t, std::uint64_t,
                                                std::uint16_t*) const;

void EventLogReader::read_events(std::uint64_t start, std::uint64_t count,
                                 EventColumns& out) const {
  out.time.resize(count);
  out.customer.resize(count);
  out.type.resize(count);
  out.arg.resize(count);
  out.value.resize(count);
  out.market.resize(count);
  out.replication.resize(count);
  read_event_column("time", start, count, out.time.data());
  read_event_column("customer", start, count, out.customer.data());
  read_event_column("type", start, count, out.type.data());
  read_event_column("arg", start, count, out.arg.data());
  read_event_column("value", start, count, out.value.data());
  read_event_column("market", start, count, out.market.data());
  read_event_column("replication", start, count, out.replication.data());
}

std::vector<CustomerRow> EventLogReader::read_customers() const {
  return read_table<CustomerRow>(impl_->file, "customers", layout::customer_columns(), path_);
}
std::vector<ChannelDayRow> EventLogReader::read_channels() const {
  return read_table<ChannelDayRow>(impl_->file, "channels", layout::channel_columns(), path_);
}

}  // namespace journeysim::eventlog
