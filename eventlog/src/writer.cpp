#include "journeysim/eventlog/writer.hpp"

#include <tbb/parallel_for.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "h5util.hpp"
#include "lz4_filter.hpp"
#include "table_layout.hpp"

namespace journeysim::eventlog {

namespace {

using h5::Handle;

// HDF5's shuffle filter (H5Z_filter_shuffle): byte j of element i goes to j * n + i.
void shuffle_bytes(const unsigned char* src, unsigned char* dst, std::size_t n, std::size_t size) {
  for (std::size_t j = 0; j < size; ++j) {
    unsigned char* out = dst + j * n;
    const unsigned char* in = src + j;
    for (std::size_t i = 0; i < n; ++i) out[i] = in[i * size];
  }
}

// One chunked, extendible 1-D column. Rows are staged as bytes until whole chunks can be written.
struct Column {
  layout::ColumnSpec spec;
  Handle type;  // owned copy of the column's file/memory type
  Handle dset;
  std::vector<unsigned char> pending;
  std::uint64_t rows_flushed = 0;
};

struct Table {
  std::string name;
  Handle group;
  std::vector<Column> cols;
  std::size_t chunk_rows = 0;
  std::uint64_t rows = 0;
};

struct ChunkJob {
  Column* col;
  std::uint64_t chunk_index;
  const unsigned char* src;
  std::size_t valid_rows;
  std::vector<unsigned char> out;
};

}  // namespace

struct EventLogWriter::Impl {
  std::string ctx;
  WriterOptions opt;
  Handle file;
  Table events, customers, channels;
  std::uint64_t bytes_out = 0;

  void create_table(Table& t, const char* name, const std::vector<layout::ColumnSpec>& specs,
                    std::size_t chunk_rows) {
    t.name = name;
    t.chunk_rows = chunk_rows;
    Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
    H5Pset_obj_track_times(gcpl, false);
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
    for (auto& c : t.cols) {
      std::size_t old = c.pending.size();
      c.pending.resize(old + rows.size() * c.spec.size);
      unsigned char* dst = c.pending.data() + old;
      const auto* base = reinterpret_cast<const unsigned char*>(rows.data());
      for (std::size_t i = 0; i < rows.size(); ++i)
        std::memcpy(dst + i * c.spec.size, base + i * sizeof(Row) + c.spec.offset, c.spec.size);
    }
    t.rows += rows.size();
    std::uint64_t pending_rows = t.rows - t.cols.front().rows_flushed;
    if (pending_rows >= t.chunk_rows * opt.flush_chunks) flush(t, false);
  }

  // Compresses every whole chunk (and, when `final`, the last partial one) of every column in
  // parallel, then writes them in column-then-chunk order.
  void flush(Table& t, bool final) {
    std::vector<ChunkJob> jobs;
    for (auto& c : t.cols) {
      std::size_t rows_pending = c.pending.size() / c.spec.size;
      std::size_t whole = rows_pending / t.chunk_rows;
      std::size_t nchunks = whole + ((final && rows_pending % t.chunk_rows) ? 1 : 0);
      for (std::size_t k = 0; k < nchunks; ++k) {
        std::size_t first = k * t.chunk_rows;
        std::size_t valid = std::min(t.chunk_rows, rows_pending - first);
        jobs.push_back({&c,
                        c.rows_flushed / t.chunk_rows + k,
                        c.pending.data() + first * c.spec.size,
                        valid,
                        {}});
      }
    }
    if (!jobs.empty()) {
      const Compression comp = opt.compression;
      const int level = comp.level;
      const std::size_t chunk_rows = t.chunk_rows;
      tbb::parallel_for(std::size_t{0}, jobs.size(), [&](std::size_t j) {
        ChunkJob& job = jobs[j];
        std::size_t sz = job.col->spec.size;
        std::vector<unsigned char> raw(chunk_rows * sz, 0);  // last chunk padded with zeros
        std::memcpy(raw.data(), job.src, job.valid_rows * sz);
        if (comp.codec == Compression::Codec::none) {
          job.out = std::move(raw);
          return;
        }
        std::vector<unsigned char> shuffled(raw.size());
        if (sz > 1)
          shuffle_bytes(raw.data(), shuffled.data(), chunk_rows, sz);
        else
          shuffled = raw;
        if (comp.codec == Compression::Codec::lz4) {
          lz4::encode(shuffled.data(), shuffled.size(), job.out);
          return;
        }
        uLongf bound = compressBound(shuffled.size());
        job.out.resize(bound);
        if (compress2(job.out.data(), &bound, shuffled.data(), shuffled.size(), level) != Z_OK)
          throw std::runtime_error("deflate failed");
        job.out.resize(bound);
      });
    }
    // Extend every column to the rows now written, then write the chunks in order.
    std::uint64_t total = 0;
    for (auto& c : t.cols) {
      std::size_t rows_pending = c.pending.size() / c.spec.size;
      std::size_t done = final ? rows_pending : (rows_pending / t.chunk_rows) * t.chunk_rows;
      total = c.rows_flushed + done;
    }
    for (auto& c : t.cols) {
      hsize_t dims = total;
      h5::check(H5Dset_extent(c.dset, &dims), ctx, "extend dataset");
    }
    for (auto& job : jobs) {
      hsize_t offset = job.chunk_index * t.chunk_rows;
      h5::check(
          H5Dwrite_chunk(job.col->dset, H5P_DEFAULT, 0, &offset, job.out.size(), job.out.data()),
          ctx, "write chunk");
      if (&t == &events) bytes_out += job.out.size();
    }
    for (auto& c : t.cols) {
      std::size_t rows_pending = c.pending.size() / c.spec.size;
      std::size_t done = final ? rows_pending : (rows_pending / t.chunk_rows) * t.chunk_rows;
      c.pending.erase(c.pending.begin(), c.pending.begin() + done * c.spec.size);
      c.rows_flushed += done;
    }
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
  if (options.compression.codec == Compression::Codec::deflate &&
      (options.compression.level < 1 || options.compression.level > 9))
    throw std::runtime_error("deflate level must be 1..9, got " +
                             std::to_string(options.compression.level));
  h5::init_library();
  temp_path_ = path_ + ".tmp-" + std::to_string(::getpid());
  impl_->ctx = path_;
  impl_->opt = options;
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  impl_->file = Handle(H5Fcreate(temp_path_.c_str(), H5F_ACC_TRUNC, fcpl, fapl), H5Fclose);
  if (!impl_->file.valid())
    throw std::runtime_error("cannot create " + temp_path_ + " (is the directory writable?)");
  auto& im = *impl_;
  try {
    Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
    H5Pset_obj_track_times(gcpl, false);
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
    std::vector<std::string> types(kEventTypeNames.begin(), kEventTypeNames.end());
    h5::write_strings(n, "event_types", types, im.ctx);
    im.create_table(im.events, "events", layout::event_columns(), options.chunk_rows);
    im.create_table(im.customers, "customers", layout::customer_columns(), 1 << 14);
    im.create_table(im.channels, "channels", layout::channel_columns(), 1 << 12);
  } catch (...) {
    impl_->file.reset();
    std::remove(temp_path_.c_str());
    throw;
  }
}

EventLogWriter::~EventLogWriter() {
  if (!committed_) {
    impl_.reset();  // closes every handle
    std::remove(temp_path_.c_str());
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
  h5::check(H5Fflush(im.file, H5F_SCOPE_GLOBAL), im.ctx, "flush");
  im.file.reset();
  std::error_code ec;
  std::filesystem::rename(temp_path_, path_, ec);
  if (ec) {
    std::remove(temp_path_.c_str());
    throw std::runtime_error("cannot rename " + temp_path_ + " to " + path_ + ": " + ec.message());
  }
  committed_ = true;
}

}  // namespace journeysim::eventlog
