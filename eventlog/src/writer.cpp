#include "journeysim/eventlog/writer.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_group.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "byte_buffer.hpp"
#include "byte_shuffle.hpp"
#include "checksum.hpp"
#include "deflate_codec.hpp"
#include "h5util.hpp"
#include "journeysim/common/input_file.hpp"
#include "lz4_filter.hpp"
#include "table_layout.hpp"

namespace journeysim::eventlog {

namespace {

using h5::Handle;

// Copies the `Size`-byte field at `offset` of `rows` structs of `stride` bytes, into column order
// (`shuffle` false) or HDF5's shuffle order (byte j of element i at j * n + i). `dst` holds n
// elements; rows beyond `rows` are left as they are (the caller zeroes a partial chunk).
template <std::size_t Size>
void gather(const unsigned char* src, std::size_t stride, std::size_t offset, std::size_t rows,
            std::size_t n, bool shuffle, unsigned char* dst) {
  src += offset;
  if (!shuffle || Size == 1) {
    for (std::size_t i = 0; i < rows; ++i) std::memcpy(dst + i * Size, src + i * stride, Size);
    return;
  }
  std::size_t i = 0;
#if defined(JOURNEYSIM_SHUFFLE16)
  if constexpr (Size > 1) {  // 16 elements at a time (a third of the instructions of bytewise)
    alignas(16) unsigned char block[16 * Size];
    for (; i + 16 <= rows; i += 16) {
      for (std::size_t k = 0; k < 16; ++k)
        std::memcpy(block + k * Size, src + (i + k) * stride, Size);
      shuffle::shuffle16<Size>(block, n, dst + i);
    }
  }
#endif
  for (; i < rows; ++i) {
    unsigned char e[Size];
    std::memcpy(e, src + i * stride, Size);
    for (std::size_t j = 0; j < Size; ++j) dst[j * n + i] = e[j];
  }
}

// One chunked, extendible 1-D column.
struct Column {
  layout::ColumnSpec spec;
  Handle type;  // owned copy of the column's file/memory type
  Handle dset;
};

// A table's rows are staged as the in-memory row structs until whole chunks can be written; each
// chunk is then cut into its columns, filtered and compressed in one parallel task.
struct Table {
  std::string name;
  Handle group;
  std::vector<Column> cols;
  std::size_t chunk_rows = 0;
  std::size_t row_size = 0;            // sizeof the row struct
  std::vector<unsigned char> pending;  // rows not yet written
  std::uint64_t rows = 0;              // rows appended
  std::uint64_t rows_flushed = 0;      // rows written
};

// The filtered bytes of one chunk of every column of a table.
struct ChunkJob {
  std::uint64_t chunk_index;
  const unsigned char* src;  // the chunk's first row struct
  std::size_t valid_rows;
  std::vector<ByteBuffer> out;  // per column
};

}  // namespace

struct EventLogWriter::Impl {
  std::string ctx;
  WriterOptions opt;
  Handle file;
  Table events, customers, channels;
  std::uint64_t bytes_out = 0;
  Metadata meta;
  std::vector<std::string> type_names;

  void create_table(Table& t, const char* name, const std::vector<layout::ColumnSpec>& specs,
                    std::size_t chunk_rows, std::size_t row_size) {
    t.name = name;
    t.chunk_rows = chunk_rows;
    t.row_size = row_size;
    Handle gcpl = h5::group_create_plist();
    t.group = Handle(
        h5::check_id(H5Gcreate2(file, name, H5P_DEFAULT, gcpl, H5P_DEFAULT), ctx, "create group"),
        H5Gclose);
    for (const auto& s : specs) {
      Column c;
      c.spec = s;
      bool is_type = std::string(s.name) == "type" && std::string(name) == "events";
      c.type = Handle(is_type ? h5::event_type_enum() : H5Tcopy(s.native_type()), H5Tclose);
      hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = chunk_rows;
      Handle space(H5Screate_simple(1, &zero, &unlimited), H5Sclose);
      Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
      H5Pset_chunk(dcpl, 1, &chunk);
      H5Pset_obj_track_times(dcpl, false);
      using Codec = Compression::Codec;
      if (opt.compression.codec != Codec::none) H5Pset_shuffle(dcpl);
      if (opt.compression.codec == Codec::deflate)
        H5Pset_deflate(dcpl, static_cast<unsigned>(opt.compression.level));
      if (opt.compression.codec == Codec::lz4)
        h5::check(H5Pset_filter(dcpl, static_cast<H5Z_filter_t>(lz4::kFilterId), H5Z_FLAG_MANDATORY,
                                0, nullptr),
                  ctx, "set LZ4 filter");
      // every chunk carries HDF5's Fletcher32 of its stored bytes, checked on every read (#15)
      h5::check(H5Pset_fletcher32(dcpl), ctx, "set Fletcher32 filter");
      c.dset = Handle(
          h5::check_id(H5Dcreate2(t.group, s.name, c.type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                       ctx, "create dataset"),
          H5Dclose);
      t.cols.push_back(std::move(c));
    }
  }

  template <class Row>
  void append(Table& t, std::span<const Row> rows) {
    if (rows.empty()) return;
    const auto* bytes = reinterpret_cast<const unsigned char*>(rows.data());
    t.pending.insert(t.pending.end(), bytes, bytes + rows.size_bytes());
    t.rows += rows.size();
    if (t.rows - t.rows_flushed >= t.chunk_rows * opt.flush_chunks) flush(t, false);
  }

  // Filters and compresses every whole chunk (and, when `final`, the last partial one) of every
  // column in parallel, one task per chunk, then writes them in column-then-chunk order.
  void flush(Table& t, bool final) {
    const std::size_t rows_pending = t.pending.size() / t.row_size;
    const std::size_t whole = rows_pending / t.chunk_rows;
    const std::size_t nchunks = whole + ((final && rows_pending % t.chunk_rows) ? 1 : 0);
    const std::size_t done = final ? rows_pending : whole * t.chunk_rows;
    std::vector<ChunkJob> jobs;
    for (std::size_t k = 0; k < nchunks; ++k) {
      const std::size_t first = k * t.chunk_rows;
      jobs.push_back({t.rows_flushed / t.chunk_rows + k,
                      t.pending.data() + first * t.row_size,
                      std::min(t.chunk_rows, rows_pending - first),
                      {}});
    }
    const Compression comp = opt.compression;
    const std::size_t n = t.chunk_rows;
    // An isolated context: when the writer is driven from a pipeline stage that another stage
    // cancels (an interrupted run), the chunks must still all be made or the flush must throw,
    // never leave some jobs silently undone.
    tbb::task_group_context isolated(tbb::task_group_context::isolated);
    tbb::parallel_for(
        std::size_t{0}, jobs.size(),
        [&](std::size_t j) {
          ChunkJob& job = jobs[j];
          job.out.resize(t.cols.size());
          ByteBuffer plain;
          for (std::size_t ci = 0; ci < t.cols.size(); ++ci) {
            const layout::ColumnSpec& spec = t.cols[ci].spec;
            const bool raw = comp.codec == Compression::Codec::none;
            ByteBuffer& target = raw ? job.out[ci] : plain;
            // a partial last chunk is padded with zeros (HDF5 stores whole chunks)
            if (job.valid_rows < n)
              target.assign(n * spec.size, 0);
            else
              target.resize(n * spec.size);
            layout::with_width(spec.size, [&](auto width) {
              gather<decltype(width)::value>(job.src, t.row_size, spec.offset, job.valid_rows, n,
                                             !raw, target.data());
            });
            if (comp.codec == Compression::Codec::lz4)
              lz4::encode(plain.data(), plain.size(), job.out[ci]);
            else if (!raw)
              deflate::compress(plain.data(), plain.size(), comp.level, job.out[ci]);
            // what HDF5's Fletcher32 filter appends, last in the pipeline
            ByteBuffer& stored = job.out[ci];
            const std::size_t size = stored.size();
            const std::uint32_t sum = checksum::fletcher32(stored.data(), size);
            stored.resize(size + 4);
            checksum::put_fletcher32(sum, stored.data() + size);
          }
        },
        isolated);
    for (const auto& job : jobs)
      if (job.out.size() != t.cols.size())
        throw std::runtime_error(ctx + ": chunk compression did not complete");
    // Extend every column to the rows now written, then write the chunks in order.
    hsize_t dims = t.rows_flushed + done;
    for (auto& c : t.cols) h5::check(H5Dset_extent(c.dset, &dims), ctx, "extend dataset");
    for (std::size_t ci = 0; ci < t.cols.size(); ++ci)
      for (auto& job : jobs) {
        hsize_t offset = job.chunk_index * t.chunk_rows;
        const auto& bytes = job.out[ci];
        h5::check(
            H5Dwrite_chunk(t.cols[ci].dset, H5P_DEFAULT, 0, &offset, bytes.size(), bytes.data()),
            ctx, "write chunk");
        if (&t == &events) bytes_out += bytes.size();
      }
    t.pending.erase(t.pending.begin(),
                    t.pending.begin() + static_cast<std::ptrdiff_t>(done * t.row_size));
    t.rows_flushed += done;
  }
};

Compression parse_compression(const std::string& text) {
  Compression c;
  auto level = [&](const std::string& digits) {
    if (digits.size() != 1 || digits[0] < '0' || digits[0] > '9') return -1;
    return digits[0] - '0';
  };
  if (text == "none") {
    c.codec = Compression::Codec::none;
  } else if (text == "lz4") {
    c.codec = Compression::Codec::lz4;
  } else if (text == "deflate") {
    c.codec = Compression::Codec::deflate;
  } else if (text.rfind("deflate:", 0) == 0 && level(text.substr(8)) >= 1) {
    c.level = level(text.substr(8));
  } else if (level(text) >= 0) {
    c.level = level(text);
    if (c.level == 0) c.codec = Compression::Codec::none;
  } else {
    throw std::runtime_error("compression '" + text +
                             "': expected none, lz4, deflate, deflate:1..9 or a level 0..9");
  }
  return c;
}

std::string compression_name(const Compression& c) {
  switch (c.codec) {
    case Compression::Codec::none:
      return "none";
    case Compression::Codec::lz4:
      return "lz4";
    case Compression::Codec::deflate:
      break;
  }
  return "deflate:" + std::to_string(c.level);
}

EventLogWriter::EventLogWriter(std::string path, const Metadata& meta, WriterOptions options)
    : impl_(std::make_unique<Impl>()), path_(std::move(path)) {
  common::check_output(path_);
  if (options.compression.codec == Compression::Codec::deflate &&
      (options.compression.level < 1 || options.compression.level > 9))
    throw std::runtime_error("deflate level must be 1..9, got " +
                             std::to_string(options.compression.level));
  h5::init_library();
  temp_path_ = path_ + ".tmp-" + std::to_string(::getpid());
  common::remove_stale_temporaries(path_);  // of a run killed with -9
  common::register_temporary(temp_path_);
  impl_->ctx = path_;
  impl_->opt = options;
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  h5::keep_links_compact(fcpl);
  H5Pset_obj_track_times(fcpl, false);  // the root group's header has no timestamps either
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  // HDF5 1.10's file format: its superblock, object headers and chunk indexes carry checksums
  // that HDF5 checks on every read, so a damaged structure is an error (#15)
  h5::check(H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110), path_,
            "set file format bounds");
  impl_->file = Handle(H5Fcreate(temp_path_.c_str(), H5F_ACC_TRUNC, fcpl, fapl), H5Fclose);
  if (!impl_->file.valid())
    throw std::runtime_error("cannot create " + temp_path_ + " (is the directory writable?)");
  auto& im = *impl_;
  try {
    Handle gcpl = h5::group_create_plist();
    Handle m(H5Gcreate2(im.file, "meta", H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose);
    h5::write_string(m, "format", "journeysim-eventlog", im.ctx);
    h5::write_scalar<std::int32_t>(m, "format_version", H5T_NATIVE_INT32, kFormatVersion, im.ctx);
    h5::write_string(m, "scenario_name", meta.scenario_name, im.ctx);
    h5::write_string(m, "scenario_text", meta.scenario_text, im.ctx);
    h5::write_scalar<std::uint64_t>(m, "seed", H5T_NATIVE_UINT64, meta.seed, im.ctx);
    h5::write_string(m, "version", meta.version, im.ctx);
    h5::write_string(m, "command_line", meta.command_line, im.ctx);
    h5::write_string(m, "options", meta.options_json, im.ctx);
    h5::write_scalar<std::int64_t>(m, "start_time", H5T_NATIVE_INT64, meta.start_time, im.ctx);
    h5::write_scalar<double>(m, "horizon_days", H5T_NATIVE_DOUBLE, meta.horizon_days, im.ctx);
    h5::write_scalar<std::uint32_t>(m, "markets", H5T_NATIVE_UINT32, meta.markets, im.ctx);
    h5::write_scalar<std::uint32_t>(m, "replications", H5T_NATIVE_UINT32, meta.replications,
                                    im.ctx);
    h5::write_scalar<std::uint32_t>(m, "first_replication", H5T_NATIVE_UINT32,
                                    meta.first_replication, im.ctx);
    h5::write_string(m, "part", meta.part, im.ctx);
    h5::write_string(m, "time_unit", "seconds since 1970-01-01T00:00:00Z", im.ctx);
    Handle n(H5Gcreate2(im.file, "names", H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose);
    for (const auto& [ns, values] : meta.names) h5::write_strings(n, ns, values, im.ctx);
    im.type_names.assign(kEventTypeNames.begin(), kEventTypeNames.end());
    h5::write_strings(n, "event_types", im.type_names, im.ctx);
    im.meta = meta;  // for /meta/checksum, written at commit with the row counts
    im.create_table(im.events, "events", layout::event_columns(), options.chunk_rows,
                    sizeof(Event));
    im.create_table(im.customers, "customers", layout::customer_columns(), 1 << 14,
                    sizeof(CustomerRow));
    im.create_table(im.channels, "channels", layout::channel_columns(), 1 << 12,
                    sizeof(ChannelDayRow));
  } catch (...) {
    impl_->file.reset();
    std::remove(temp_path_.c_str());
    common::unregister_temporary(temp_path_);
    throw;
  }
}

EventLogWriter::~EventLogWriter() {
  if (!committed_) {
    impl_.reset();  // closes every handle
    std::remove(temp_path_.c_str());
    common::unregister_temporary(temp_path_);
  }
}

void EventLogWriter::append_events(std::span<const Event> events) {
  impl_->append(impl_->events, events);
}
void EventLogWriter::append_customers(std::span<const CustomerRow> rows) {
  impl_->append(impl_->customers, rows);
}
void EventLogWriter::append_channels(std::span<const ChannelDayRow> rows) {
  impl_->append(impl_->channels, rows);
}

std::uint64_t EventLogWriter::events_written() const {
  return impl_->events.rows;
}
std::uint64_t EventLogWriter::bytes_compressed() const {
  return impl_->bytes_out;
}

void EventLogWriter::commit() {
  auto& im = *impl_;
  im.flush(im.events, true);
  im.flush(im.customers, true);
  im.flush(im.channels, true);
  for (Table* t : {&im.events, &im.customers, &im.channels}) {
    for (auto& c : t->cols) {
      c.dset.reset();
      c.type.reset();
    }
    t->group.reset();
  }
  {
    const checksum::TableRows rows{im.events.rows, im.customers.rows, im.channels.rows};
    Handle m(h5::check_id(H5Gopen2(im.file, "meta", H5P_DEFAULT), im.ctx, "open /meta"), H5Gclose);
    h5::write_scalar<std::uint64_t>(m, "checksum", H5T_NATIVE_UINT64,
                                    checksum::metadata_digest(im.meta, im.type_names, rows),
                                    im.ctx);
  }
  h5::check(H5Fflush(im.file, H5F_SCOPE_GLOBAL), im.ctx, "flush");
  // the close flushes: on a full disk it fails, and the file must not be published
  if (!im.file.close()) throw std::runtime_error(path_ + ": cannot finish writing (disk full?)");
  std::error_code ec;
  std::filesystem::rename(temp_path_, path_, ec);
  if (ec) {
    std::remove(temp_path_.c_str());
    throw std::runtime_error("cannot rename " + temp_path_ + " to " + path_ + ": " + ec.message());
  }
  committed_ = true;
  common::unregister_temporary(temp_path_);
}

}  // namespace journeysim::eventlog
