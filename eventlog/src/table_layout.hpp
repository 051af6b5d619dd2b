// Column layout of the three tables (private to eventlog/, shared by writer and reader).
#pragma once
#include <hdf5.h>

#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "journeysim/eventlog/schema.hpp"

namespace journeysim::eventlog::layout {

struct ColumnSpec {
  const char* name;
  hid_t (*native_type)();  // the HDF5 native type of the column (the event enum for /events/type)
  std::size_t size;
  std::size_t offset;  // offset of the field in the row struct
};

inline hid_t t_i64() {
  return H5T_NATIVE_INT64;
}
inline hid_t t_u64() {
  return H5T_NATIVE_UINT64;
}
inline hid_t t_i32() {
  return H5T_NATIVE_INT32;
}
inline hid_t t_u32() {
  return H5T_NATIVE_UINT32;
}
inline hid_t t_u16() {
  return H5T_NATIVE_UINT16;
}
inline hid_t t_u8() {
  return H5T_NATIVE_UINT8;
}
inline hid_t t_f64() {
  return H5T_NATIVE_DOUBLE;
}

#define JS_COL(Row, field, fn)                           \
  ColumnSpec {                                           \
#field, fn, sizeof(Row::field), offsetof(Row, field) \
  }

inline const std::vector<ColumnSpec>& event_columns() {
  static const std::vector<ColumnSpec> c = {
      JS_COL(Event, time, t_i64),        JS_COL(Event, customer, t_u64),
      JS_COL(Event, type, t_u8),         JS_COL(Event, arg, t_i32),
      JS_COL(Event, value, t_f64),       JS_COL(Event, market, t_u32),
      JS_COL(Event, replication, t_u16),
  };
  return c;
}
inline const std::vector<ColumnSpec>& customer_columns() {
  static const std::vector<ColumnSpec> c = {
      JS_COL(CustomerRow, id, t_u64),           JS_COL(CustomerRow, market, t_u32),
      JS_COL(CustomerRow, replication, t_u16),  JS_COL(CustomerRow, segment, t_i32),
      JS_COL(CustomerRow, channel, t_i32),      JS_COL(CustomerRow, referrer, t_i64),
      JS_COL(CustomerRow, created_time, t_i64), JS_COL(CustomerRow, converted_time, t_i64),
      JS_COL(CustomerRow, first_plan, t_i32),   JS_COL(CustomerRow, churn_time, t_i64),
      JS_COL(CustomerRow, end_time, t_i64),     JS_COL(CustomerRow, final_stage, t_i32),
      JS_COL(CustomerRow, final_mrr, t_f64),
  };
  return c;
}
inline const std::vector<ColumnSpec>& channel_columns() {
  static const std::vector<ColumnSpec> c = {
      JS_COL(ChannelDayRow, market, t_u32),  JS_COL(ChannelDayRow, replication, t_u16),
      JS_COL(ChannelDayRow, channel, t_i32), JS_COL(ChannelDayRow, day_start, t_i64),
      JS_COL(ChannelDayRow, spend, t_f64),   JS_COL(ChannelDayRow, impressions, t_i64),
      JS_COL(ChannelDayRow, clicks, t_i64),  JS_COL(ChannelDayRow, engaged, t_i64),
      JS_COL(ChannelDayRow, leads, t_i64),
  };
  return c;
}
#undef JS_COL

// Calls f(std::integral_constant<std::size_t, N>{}) for a column element of N = `size` bytes, so
// per-element copies have a size known at compile time (a memcpy call of run-time size per value
// was a third of the time of reading or writing a column). The layouts' widths are 1, 2, 4, 8.
template <class F>
void with_width(std::size_t size, F&& f) {
  switch (size) {
    case 1:
      return f(std::integral_constant<std::size_t, 1>{});
    case 2:
      return f(std::integral_constant<std::size_t, 2>{});
    case 4:
      return f(std::integral_constant<std::size_t, 4>{});
    case 8:
      return f(std::integral_constant<std::size_t, 8>{});
    default:
      throw std::logic_error("column of unsupported element size " + std::to_string(size));
  }
}

}  // namespace journeysim::eventlog::layout
