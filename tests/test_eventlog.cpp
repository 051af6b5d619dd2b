// The HDF5 event log: round trips, self-description, atomic writes, CSV export, bad files.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "checksum.hpp"  // eventlog/src: the chunk checksum, to rebuild a corrupt chunk's
#include "journeysim/eventlog/csv_export.hpp"
#include "journeysim/eventlog/reader.hpp"
#include "journeysim/eventlog/writer.hpp"
#include "journeysim/sim/driver.hpp"
#include "sim_test_util.hpp"

using namespace journeysim;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path p =
      fs::temp_directory_path() / ("journeysim_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

sim::Scenario small() {
  return sim::load_scenario(test::source_path("scenarios/saas_b2b.yaml"),
                            {"customers=3000", "horizon_days=120"});
}

sim::DriverResult write_log(const sim::Scenario& s, const std::string& path, int threads,
                            const std::string& compression, std::size_t chunk_rows = 4096) {
  sim::DriverOptions o;
  o.run.threads = threads;
  o.output = path;
  o.writer.compression = eventlog::parse_compression(compression);
  o.writer.chunk_rows = chunk_rows;  // small chunks: many chunks and a partial last one
  o.writer.flush_chunks = 3;
  o.command_line = "test";
  return sim::run_to_file(s, o);
}

// Every event of a log, through the reader's parallel chunk decoder.
eventlog::EventColumns all_events(const eventlog::EventLogReader& log) {
  eventlog::EventColumns c;
  log.read_events(0, log.event_count(), c);
  return c;
}

// Raw (still compressed) bytes of every chunk of a dataset, via H5Dread_chunk.
std::vector<std::vector<unsigned char>> raw_chunks(const std::string& file,
                                                   const std::string& dset) {
  hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, dset.c_str(), H5P_DEFAULT);
  hid_t space = H5Dget_space(d);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space, &n, nullptr);
  hid_t dcpl = H5Dget_create_plist(d);
  hsize_t chunk = 0;
  H5Pget_chunk(dcpl, 1, &chunk);
  std::vector<std::vector<unsigned char>> out;
  for (hsize_t off = 0; off < n; off += chunk) {
    hsize_t size = 0;
    H5Dget_chunk_storage_size(d, &off, &size);
    std::vector<unsigned char> buf(size);
    uint32_t mask = 0;
    H5Dread_chunk(d, H5P_DEFAULT, &off, &mask, buf.data());
    out.push_back(std::move(buf));
  }
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Dclose(d);
  H5Fclose(f);
  return out;
}

}  // namespace

TEST(EventLog, ReadsBackWhatTheEngineProduced) {
  auto dir = temp_dir("roundtrip");
  auto s = small();
  std::string path = (dir / "run.h5").string();
  write_log(s, path, 2, "4");
  test::VectorSink mem;
  sim::RunOptions ro;
  sim::simulate(s, ro, mem);
  eventlog::EventLogReader log(path);
  ASSERT_EQ(log.event_count(), mem.ev.size());
  const eventlog::EventColumns cols = all_events(log);
  for (std::size_t i = 0; i < mem.ev.size(); ++i) {
    const auto& e = mem.ev[i];
    ASSERT_EQ(cols.time[i], e.time);
    ASSERT_EQ(cols.customer[i], e.customer);
    ASSERT_EQ(cols.type[i], static_cast<std::uint8_t>(e.type));
    ASSERT_EQ(cols.arg[i], e.arg);
    ASSERT_EQ(cols.value[i], e.value);
    ASSERT_EQ(cols.market[i], e.market);
    ASSERT_EQ(cols.replication[i], e.replication);
  }
  auto cu = log.read_customers();
  ASSERT_EQ(cu.size(), mem.cu.size());
  EXPECT_EQ(0, std::memcmp(cu.data(), mem.cu.data(), cu.size() * sizeof(cu[0])));
  auto ch = log.read_channels();
  ASSERT_EQ(ch.size(), mem.ch.size());
  // self-description: names and metadata
  const auto& m = log.metadata();
  EXPECT_EQ(m.scenario_name, "saas_b2b");
  EXPECT_EQ(m.seed, s.seed);
  EXPECT_EQ(m.scenario_text, s.resolved_text);
  EXPECT_NE(m.scenario_text.find("customers: 3000"), std::string::npos);
  EXPECT_EQ(m.command_line, "test");
  EXPECT_FALSE(m.version.empty());
  EXPECT_EQ(m.names.at("channels").front(), "paid_search");
  EXPECT_EQ(log.event_type_names().size(), eventlog::kEventTypeCount);
  EXPECT_EQ(log.event_type_names()[static_cast<int>(eventlog::EventType::churned)], "churned");
  fs::remove_all(dir);
}

TEST(EventLog, EventAndCustomerBytesIdenticalForOneAndTwoThreads) {
  auto dir = temp_dir("bytes");
  auto s = small();
  std::string a = (dir / "t1.h5").string(), b = (dir / "t2.h5").string();
  for (const char* comp : {"6", "lz4"}) {
    write_log(s, a, 1, comp);
    write_log(s, b, 2, comp);
    for (const char* col :
         {"/events/time", "/events/customer", "/events/type", "/events/arg", "/events/value",
          "/customers/id", "/customers/churn_time", "/channels/spend"}) {
      auto ca = raw_chunks(a, col), cb = raw_chunks(b, col);
      ASSERT_EQ(ca.size(), cb.size()) << col;
      ASSERT_GT(ca.size(), 0u);
      for (std::size_t i = 0; i < ca.size(); ++i)
        EXPECT_EQ(ca[i], cb[i]) << comp << " " << col << " chunk " << i;
    }
  }
  fs::remove_all(dir);
}

TEST(EventLog, UncompressedAndCompressedHoldTheSameData) {
  auto dir = temp_dir("levels");
  auto s = small();
  std::string a = (dir / "l0.h5").string(), b = (dir / "l9.h5").string();
  write_log(s, a, 2, "0");
  write_log(s, b, 2, "9");
  eventlog::EventLogReader la(a), lb(b);
  const eventlog::EventColumns ca = all_events(la), cb = all_events(lb);
  EXPECT_EQ(ca.time, cb.time);
  EXPECT_EQ(ca.value, cb.value);
  EXPECT_EQ(ca.type, cb.type);
  EXPECT_LT(fs::file_size(b), fs::file_size(a) / 2);  // deflate actually applied
  fs::remove_all(dir);
}

// Reads a whole 1-D dataset through HDF5's own filter pipeline (H5Dread), not the reader's
// parallel decoder: for LZ4 that is the registered filter 32004 (Debian's plugin or ours).
template <class T>
std::vector<T> read_via_hdf5(const std::string& file, const char* dset, hid_t mem_type) {
  hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
  hid_t space = H5Dget_space(d);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space, &n, nullptr);
  std::vector<T> v(n);
  herr_t st = H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Sclose(space);
  H5Dclose(d);
  H5Fclose(f);
  if (st < 0) v.clear();
  return v;
}

std::uint64_t big_endian(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

TEST(EventLog, Lz4LogHoldsTheSameDataAsDeflateAndDecodesThroughHdf5) {
  auto dir = temp_dir("lz4");
  auto s = small();
  std::string d = (dir / "deflate.h5").string(), l = (dir / "lz4.h5").string();
  write_log(s, d, 2, "deflate:4");
  write_log(s, l, 2, "lz4");
  eventlog::EventLogReader ld(d), ll(l);
  ASSERT_EQ(ld.event_count(), ll.event_count());
  const eventlog::EventColumns cd = all_events(ld), cl = all_events(ll);
  EXPECT_EQ(cd.time, cl.time);
  EXPECT_EQ(cd.customer, cl.customer);
  EXPECT_EQ(cd.type, cl.type);
  EXPECT_EQ(cd.arg, cl.arg);
  EXPECT_EQ(cd.value, cl.value);
  EXPECT_EQ(cd.market, cl.market);
  // a window that starts and ends inside chunks
  eventlog::EventColumns part;
  ll.read_events(5000, 7000, part);
  ASSERT_EQ(part.time.size(), 7000u);
  EXPECT_TRUE(std::equal(part.value.begin(), part.value.end(), cd.value.begin() + 5000));
  EXPECT_EQ(ll.read_customers().size(), ld.read_customers().size());
  // HDF5's own pipeline decodes the chunks journeysim encoded itself
  EXPECT_EQ(read_via_hdf5<double>(l, "/events/value", H5T_NATIVE_DOUBLE), cd.value);
  EXPECT_EQ(read_via_hdf5<std::int64_t>(l, "/events/time", H5T_NATIVE_INT64), cd.time);
  // the chunk header of the HDF5 LZ4 filter: original size (u64 BE), block size (u32 BE)
  auto chunks = raw_chunks(l, "/events/value");
  ASSERT_GT(chunks.size(), 1u);
  // (then HDF5's Fletcher32, 4 bytes)
  for (const auto& c : chunks) {
    ASSERT_GE(c.size(), 20u);
    EXPECT_EQ(big_endian(c.data(), 8), 4096u * 8);
    EXPECT_EQ(big_endian(c.data() + 8, 4), 4096u * 8);
    EXPECT_EQ(big_endian(c.data() + 12, 4), c.size() - 20);
  }
  fs::remove_all(dir);
}

// The writer's own column cutting (byte shuffling 16 elements at a time with a scalar tail, chunk
// buffers that are not zeroed, a zero-padded partial last chunk) against HDF5's own pipeline,
// which unshuffles and decodes the chunks independently.
TEST(EventLog, WriterColumnsMatchTheRowsAppendedThroughHdf5sOwnPipeline) {
  auto dir = temp_dir("writer_cols");
  std::mt19937_64 rng(7);
  std::vector<eventlog::Event> all;
  for (std::size_t i = 0; i < 10037; ++i)  // values that use every byte of every field
    all.push_back({static_cast<std::int64_t>(rng()), rng(), static_cast<std::int32_t>(rng()),
                   std::bit_cast<double>(rng() & ~(std::uint64_t{1} << 62)),  // finite
                   static_cast<std::uint32_t>(rng()), static_cast<std::uint16_t>(rng()),
                   static_cast<eventlog::EventType>(rng() % eventlog::kEventTypeNames.size())});
  for (const std::string comp : {"lz4", "deflate:1", "none"}) {
    SCOPED_TRACE(comp);
    const std::string path = (dir / ("w_" + comp + ".h5")).string();
    eventlog::WriterOptions wo;
    wo.compression = eventlog::parse_compression(comp);
    wo.chunk_rows = 1000;  // not a multiple of 16; the last chunk partial
    wo.flush_chunks = 2;
    {
      eventlog::EventLogWriter w(path, eventlog::Metadata{}, wo);
      // appends of sizes that straddle chunk boundaries and the 16-element blocks
      std::size_t i = 0;
      const std::size_t sizes[] = {1, 7, 333, 2500, 16, 15, 17, 999, 1001, 3};
      for (std::size_t k = 0; i < all.size(); ++k) {
        const std::size_t n = std::min(sizes[k % 10], all.size() - i);
        w.append_events(std::span(all).subspan(i, n));
        i += n;
      }
      w.commit();
    }
    auto column = [&](auto field) {
      std::vector<std::decay_t<decltype(all[0].*field)>> v;
      for (const auto& e : all) v.push_back(e.*field);
      return v;
    };
    using E = eventlog::Event;
    EXPECT_EQ(read_via_hdf5<std::int64_t>(path, "/events/time", H5T_NATIVE_INT64),
              column(&E::time));
    EXPECT_EQ(read_via_hdf5<std::uint64_t>(path, "/events/customer", H5T_NATIVE_UINT64),
              column(&E::customer));
    EXPECT_EQ(read_via_hdf5<std::int32_t>(path, "/events/arg", H5T_NATIVE_INT32), column(&E::arg));
    EXPECT_EQ(read_via_hdf5<double>(path, "/events/value", H5T_NATIVE_DOUBLE), column(&E::value));
    EXPECT_EQ(read_via_hdf5<std::uint32_t>(path, "/events/market", H5T_NATIVE_UINT32),
              column(&E::market));
    EXPECT_EQ(read_via_hdf5<std::uint16_t>(path, "/events/replication", H5T_NATIVE_UINT16),
              column(&E::replication));
    auto types = read_via_hdf5<std::uint8_t>(path, "/events/type", H5T_NATIVE_UINT8);
    ASSERT_EQ(types.size(), all.size());
    for (std::size_t i = 0; i < all.size(); ++i)
      ASSERT_EQ(types[i], static_cast<std::uint8_t>(all[i].type)) << i;
    // and the reader's own parallel decoder, whole and for a window that starts and ends
    // inside chunks
    eventlog::EventLogReader r(path);
    const eventlog::EventColumns c = all_events(r);
    EXPECT_EQ(c.time, column(&E::time));
    EXPECT_EQ(c.customer, column(&E::customer));
    EXPECT_EQ(c.arg, column(&E::arg));
    EXPECT_EQ(c.value, column(&E::value));
    EXPECT_EQ(c.market, column(&E::market));
    EXPECT_EQ(c.replication, column(&E::replication));
    EXPECT_EQ(c.type, types);
    eventlog::EventColumns part;
    r.read_events(1003, 2999, part);
    ASSERT_EQ(part.size(), 2999u);
    EXPECT_TRUE(std::equal(part.customer.begin(), part.customer.end(), c.customer.begin() + 1003));
    if (comp == "none") {  // the partial last chunk is padded with zeros, not leftover bytes
      const auto chunks = raw_chunks(path, "/events/value");
      ASSERT_EQ(chunks.size(), 11u);
      const auto& last = chunks.back();
      ASSERT_EQ(last.size(), 1000u * 8 + 4);  // and the Fletcher32
      EXPECT_TRUE(
          std::all_of(last.begin() + 37 * 8, last.end() - 4, [](auto b) { return b == 0; }));
    }
  }
  fs::remove_all(dir);
}

TEST(EventLog, CorruptLz4ChunkIsAnErrorNotWrongData) {
  // two corruptions of the second chunk of /events/value: a block size field larger than the
  // chunk (caught by the framing), and an LZ4 block one byte short (caught by the decoder)
  for (int kind = 0; kind < 2; ++kind) {
    auto dir = temp_dir("lz4bad");
    std::string l = (dir / "lz4.h5").string();
    write_log(small(), l, 2, "lz4");
    haddr_t addr = 0;
    hsize_t size = 0;
    {
      hid_t f = H5Fopen(l.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
      hid_t d = H5Dopen2(f, "/events/value", H5P_DEFAULT);
      hid_t space = H5Dget_space(d);
      hsize_t off = 0;
      unsigned mask = 0;
      ASSERT_GE(H5Dget_chunk_info(d, space, 1, &off, &mask, &addr, &size), 0);
      H5Sclose(space);
      H5Dclose(d);
      H5Fclose(f);
    }
    {
      std::fstream io(l, std::ios::in | std::ios::out | std::ios::binary);
      unsigned char field[4] = {};
      if (kind == 0) {
        field[0] = 0x7f;  // a block "larger than the chunk"
      } else {
        io.seekg(static_cast<std::streamoff>(addr + 12));
        io.read(reinterpret_cast<char*>(field), 4);
        const std::uint64_t stored = big_endian(field, 4);
        ASSERT_EQ(stored, size - 20);
        ASSERT_LT(stored, 4096u * 8) << "the chunk must be LZ4-compressed for this case";
        const std::uint64_t shorter = stored - 1;
        for (int i = 0; i < 4; ++i) field[i] = static_cast<unsigned char>(shorter >> (24 - 8 * i));
      }
      io.seekp(static_cast<std::streamoff>(addr + 12));
      io.write(reinterpret_cast<const char*>(field), 4);
      // with a valid checksum, so that the LZ4 framing is what must catch it
      std::vector<unsigned char> chunk(size);
      io.seekg(static_cast<std::streamoff>(addr));
      io.read(reinterpret_cast<char*>(chunk.data()), static_cast<std::streamsize>(size));
      eventlog::checksum::put_fletcher32(eventlog::checksum::fletcher32(chunk.data(), size - 4),
                                         chunk.data() + size - 4);
      io.seekp(static_cast<std::streamoff>(addr));
      io.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(size));
    }
    eventlog::EventLogReader log(l);
    try {
      all_events(log);
      ADD_FAILURE() << "a corrupt chunk was decoded (case " << kind << ")";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("lz4.h5"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("does not decode"), std::string::npos) << e.what();
    }
    fs::remove_all(dir);
  }
}

// The chunk checksum is HDF5's own Fletcher32: computed by HDF5's filter on a dataset it writes,
// it equals ours, for even and odd lengths and lengths past the 360-word reduction step.
TEST(EventLog, ChunkChecksumIsHdf5sFletcher32) {
  auto dir = temp_dir("fletcher");
  const std::string path = (dir / "f.h5").string();
  std::mt19937 rng(3);
  for (const hsize_t n :
       {hsize_t{1}, hsize_t{2}, hsize_t{359}, hsize_t{720}, hsize_t{721}, hsize_t{4097}}) {
    SCOPED_TRACE(n);
    std::vector<unsigned char> bytes(n);
    for (auto& b : bytes) b = static_cast<unsigned char>(rng());
    bytes[0] = 0xff;  // the largest words, where a sum overflows first
    {
      hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
      hid_t space = H5Screate_simple(1, &n, nullptr);
      hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
      H5Pset_chunk(dcpl, 1, &n);
      H5Pset_fletcher32(dcpl);
      hid_t d = H5Dcreate2(f, "x", H5T_NATIVE_UINT8, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
      ASSERT_GE(H5Dwrite(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), 0);
      H5Dclose(d);
      H5Pclose(dcpl);
      H5Sclose(space);
      H5Fclose(f);
    }
    const auto chunks = raw_chunks(path, "/x");
    ASSERT_EQ(chunks.size(), 1u);
    ASSERT_EQ(chunks[0].size(), n + 4);
    EXPECT_EQ(eventlog::checksum::stored_fletcher32(chunks[0].data(), n + 4),
              eventlog::checksum::fletcher32(bytes.data(), n));
  }
  fs::remove_all(dir);
}

// One flipped bit anywhere in a chunk of any codec is an error naming the file, never other data.
TEST(EventLog, FlippedBitInAnyChunkIsCaughtByItsChecksum) {
  auto dir = temp_dir("flipchunk");
  for (const std::string comp : {"deflate:4", "lz4", "none"}) {
    SCOPED_TRACE(comp);
    const std::string path = (dir / "f.h5").string();
    write_log(small(), path, 2, comp);
    for (const char* col : {"/events/value", "/events/time", "/customers/id"}) {
      haddr_t addr = 0;
      hsize_t size = 0;
      {
        hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        hid_t d = H5Dopen2(f, col, H5P_DEFAULT);
        hid_t space = H5Dget_space(d);
        hsize_t off = 0;
        unsigned mask = 0;
        ASSERT_GE(H5Dget_chunk_info(d, space, 0, &off, &mask, &addr, &size), 0);
        H5Sclose(space);
        H5Dclose(d);
        H5Fclose(f);
      }
      for (const hsize_t at : {hsize_t{0}, size / 2, size - 1}) {  // data, middle, checksum
        const auto flip = [&] {
          std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
          char b = 0;
          io.seekg(static_cast<std::streamoff>(addr + at));
          io.get(b);
          io.seekp(static_cast<std::streamoff>(addr + at));
          io.put(static_cast<char>(b ^ 0x10));
        };
        flip();
        try {
          eventlog::EventLogReader log(path);
          all_events(log);
          log.read_customers();
          ADD_FAILURE() << col << " byte " << at << ": a damaged chunk was read";
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find("f.h5: a chunk fails its Fletcher32"),
                    std::string::npos)
              << e.what();
        }
        flip();  // back
      }
    }
    eventlog::EventLogReader ok(path);  // restored: reads again
    EXPECT_GT(all_events(ok).size(), 0u);
  }
  fs::remove_all(dir);
}

TEST(EventLog, CompressionNamesParseAndBadOnesAreRejected) {
  using C = eventlog::Compression::Codec;
  EXPECT_EQ(eventlog::parse_compression("lz4").codec, C::lz4);
  EXPECT_EQ(eventlog::parse_compression("none").codec, C::none);
  EXPECT_EQ(eventlog::parse_compression("0").codec, C::none);
  EXPECT_EQ(eventlog::parse_compression("deflate").level, 4);
  EXPECT_EQ(eventlog::parse_compression("deflate:9").level, 9);
  EXPECT_EQ(eventlog::parse_compression("7").level, 7);
  EXPECT_EQ(eventlog::compression_name(eventlog::parse_compression("3")), "deflate:3");
  EXPECT_EQ(eventlog::compression_name(eventlog::parse_compression("lz4")), "lz4");
  for (const char* bad : {"lz5", "deflate:0", "deflate:10", "10", "", "LZ4", "deflate:"}) {
    try {
      eventlog::parse_compression(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("expected none, lz4, deflate"), std::string::npos);
    }
  }
}

TEST(EventLog, WriterWithoutCommitLeavesNoFile) {
  auto dir = temp_dir("atomic");
  std::string path = (dir / "out.h5").string();
  std::string temp;
  {
    eventlog::Metadata m;
    eventlog::EventLogWriter w(path, m);
    temp = w.temp_path();
    std::vector<eventlog::Event> ev(
        1000, eventlog::Event{1, 2, 3, 4.0, 0, 0, eventlog::EventType::login});
    w.append_events(ev);
    EXPECT_TRUE(fs::exists(temp));
    EXPECT_FALSE(fs::exists(path));
  }  // destroyed without commit (as on an error or Ctrl-C)
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(path));
  fs::remove_all(dir);
}

TEST(EventLog, BadFilesGiveErrorsNamingTheFile) {
  auto dir = temp_dir("bad");
  std::string missing = (dir / "missing.h5").string();
  EXPECT_THROW(
      {
        try {
          eventlog::EventLogReader r(missing);
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find(missing), std::string::npos);
          throw;
        }
      },
      std::runtime_error);
  std::string text = (dir / "text.h5").string();
  std::ofstream(text) << "not hdf5";
  EXPECT_THROW(eventlog::EventLogReader r(text), std::runtime_error);
  // a truncated log
  std::string good = (dir / "good.h5").string(), cut = (dir / "cut.h5").string();
  write_log(small(), good, 2, "4");
  {
    std::ifstream in(good, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  EXPECT_THROW(
      {
        eventlog::EventLogReader r(cut);
        all_events(r);
      },
      std::runtime_error);
  fs::remove_all(dir);
}

namespace {
std::int64_t parse_iso(const std::string& s) {
  int y, mo, d, h, mi, se;
  std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &se);
  using namespace std::chrono;
  auto days = sys_days(
      year_month_day{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}});
  return days.time_since_epoch().count() * 86400LL + h * 3600 + mi * 60 + se;
}
std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, ',');) out.push_back(f);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}
}  // namespace

TEST(EventLog, CsvExportMatchesHdf5Content) {
  auto dir = temp_dir("csv");
  std::string path = (dir / "run.h5").string();
  write_log(small(), path, 2, "4");
  eventlog::EventLogReader log(path);
  auto st = eventlog::export_csv(log, (dir / "csv").string());
  EXPECT_EQ(st.events, log.event_count());
  const eventlog::EventColumns cols = all_events(log);
  std::ifstream in(dir / "csv" / "events.csv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "time,customer,type,arg,arg_name,value,market,replication");
  std::size_t i = 0;
  for (; std::getline(in, line); ++i) {
    auto f = split(line);
    ASSERT_EQ(f.size(), 8u) << line;
    ASSERT_LT(i, cols.size());
    ASSERT_EQ(parse_iso(f[0]), cols.time[i]) << line;
    ASSERT_EQ(std::stoull(f[1]), cols.customer[i]);
    ASSERT_EQ(f[2], log.event_type_names()[cols.type[i]]);
    ASSERT_EQ(std::stoi(f[3]), cols.arg[i]);
    ASSERT_EQ(std::stod(f[5]), cols.value[i]);  // %.17g round-trips doubles exactly
    ASSERT_EQ(std::stoul(f[6]), cols.market[i]);
  }
  EXPECT_EQ(i, cols.size());
  // customers: one line per row, times as ISO or empty
  auto cu = log.read_customers();
  std::ifstream cin(dir / "csv" / "customers.csv");
  std::getline(cin, line);
  std::size_t k = 0;
  for (; std::getline(cin, line); ++k) {
    auto f = split(line);
    ASSERT_EQ(std::stoull(f[0]), cu[k].id);
    ASSERT_EQ(parse_iso(f[6]), cu[k].created_time);
    ASSERT_EQ(f[9].empty() ? -1 : parse_iso(f[9]), cu[k].churn_time);
  }
  EXPECT_EQ(k, cu.size());
  EXPECT_FALSE(fs::exists(dir / "csv" / "events.csv.tmp"));
  fs::remove_all(dir);
}

TEST(EventLog, IsoTime) {
  EXPECT_EQ(eventlog::iso_time(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(eventlog::iso_time(1767225600 + 3600 + 61), "2026-01-01T01:01:01Z");
  EXPECT_EQ(eventlog::iso_time(-1), "");  // none
  // before 1970 is a time (export wrote an empty one, #15)
  EXPECT_EQ(eventlog::iso_time(-86400), "1969-12-31T00:00:00Z");
  EXPECT_EQ(eventlog::iso_time(-86400 * 365 + 3599), "1969-01-01T00:59:59Z");
  EXPECT_EQ(eventlog::csv_field("web"), "web");
  EXPECT_EQ(eventlog::csv_field("a, \"b\""), "\"a, \"\"b\"\"\"");
}

// Datasets whose type or shape breaks the contract are errors naming the file, not overflows
// (#15): /events/type as an enum over uint64 (a heap overflow in every reading command), and
// /meta/horizon_days as a 2-element array (a stack overflow in the scalar reader).
TEST(EventLog, DatasetsOfTheWrongTypeOrShapeAreErrors) {
  auto dir = temp_dir("contract");
  const std::string good = (dir / "good.h5").string();
  write_log(small(), good, 2, "none");
  auto rewrite = [&](const std::string& name, const std::function<void(hid_t)>& edit) {
    const std::string path = (dir / name).string();
    fs::copy_file(good, path, fs::copy_options::overwrite_existing);
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    edit(f);
    H5Fclose(f);
    return path;
  };
  const std::string wide_enum = rewrite("wide_enum.h5", [](hid_t f) {
    hsize_t n = 0;
    {
      hid_t d = H5Dopen2(f, "/events/type", H5P_DEFAULT);
      hid_t sp = H5Dget_space(d);
      H5Sget_simple_extent_dims(sp, &n, nullptr);
      H5Sclose(sp);
      H5Dclose(d);
    }
    H5Ldelete(f, "/events/type", H5P_DEFAULT);
    hid_t t = H5Tenum_create(H5T_NATIVE_UINT64);
    for (std::uint64_t v = 0; v < eventlog::kEventTypeCount; ++v)
      H5Tenum_insert(t, std::string(eventlog::kEventTypeNames[v]).c_str(), &v);
    hid_t sp = H5Screate_simple(1, &n, nullptr);
    hid_t d = H5Dcreate2(f, "/events/type", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    std::vector<std::uint64_t> zeros(n, 0);
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
    H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
  });
  try {
    eventlog::EventLogReader log(wide_enum);
    all_events(log);
    ADD_FAILURE() << "an enum over uint64 was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("wide_enum.h5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("column type is an enum of 8-byte values, expected 1"),
              std::string::npos)
        << e.what();
  }
  const std::string array_meta = rewrite("array_meta.h5", [](hid_t f) {
    H5Ldelete(f, "/meta/horizon_days", H5P_DEFAULT);
    hsize_t two = 2;
    hid_t sp = H5Screate_simple(1, &two, nullptr);
    hid_t d = H5Dcreate2(f, "/meta/horizon_days", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    const double v[2] = {120, 120};
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
    H5Sclose(sp);
  });
  try {
    eventlog::EventLogReader log(array_meta);
    ADD_FAILURE() << "a 2-element /meta/horizon_days was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("array_meta.h5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/meta/horizon_days holds 2 values, expected one"),
              std::string::npos)
        << e.what();
  }
  // a horizon far past any scenario's, and columns declaring 2^28 rows in a file of a few MB
  // (chunks never written): refused before anything is allocated (#15)
  const std::string long_horizon = rewrite("long_horizon.h5", [](hid_t f) {
    hid_t d = H5Dopen2(f, "/meta/horizon_days", H5P_DEFAULT);
    const double v = 1e7;
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
    H5Dclose(d);
  });
  try {
    eventlog::EventLogReader log(long_horizon);
    ADD_FAILURE() << "a horizon of 1e7 days was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/meta/horizon_days is 10000000"), std::string::npos)
        << e.what();
  }
  const std::string huge = rewrite("huge_extent.h5", [](hid_t f) {
    for (const char* col : {"time", "customer", "type", "arg", "value", "market", "replication"}) {
      const std::string path = std::string("/events/") + col;
      hid_t old = H5Dopen2(f, path.c_str(), H5P_DEFAULT);
      hid_t t = H5Dget_type(old);
      H5Dclose(old);
      H5Ldelete(f, path.c_str(), H5P_DEFAULT);
      hsize_t n = hsize_t{1} << 28, chunk = 1 << 16;
      hid_t sp = H5Screate_simple(1, &n, nullptr);
      hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
      H5Pset_chunk(dcpl, 1, &chunk);
      hid_t d = H5Dcreate2(f, path.c_str(), t, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
      H5Dclose(d);
      H5Pclose(dcpl);
      H5Sclose(sp);
      H5Tclose(t);
    }
  });
  try {
    eventlog::EventLogReader log(huge);
    ADD_FAILURE() << "2^28 rows declared in a small file were accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/events declares 268435456 rows, more than a file of"),
              std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}
