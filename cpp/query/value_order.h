// The order of scalar values shared by ordered scans and aggregates:
// nulls aside, numbers map to uint64 keys in the same order (signed
// integers and timestamps offset by 2^63, floats by their bits, -0.0 equal
// to 0.0, NaN above +infinity), strings and bytes compare as bytes.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "table/column_data.h"

namespace embodb::query {

// Value i (not null) of a boolean, integer, float or timestamp column as
// a uint64 in the same order.
inline uint64_t OrderedNumber(const table::ColumnView& c, size_t i) {
  constexpr uint64_t kSign = uint64_t{1} << 63;
  switch (c.type.id) {
    case table::TypeId::kBool:
    case table::TypeId::kUInt8: return c.Get<uint8_t>(i);
    case table::TypeId::kUInt16: return c.Get<uint16_t>(i);
    case table::TypeId::kUInt32: return c.Get<uint32_t>(i);
    case table::TypeId::kUInt64: return c.Get<uint64_t>(i);
    case table::TypeId::kInt8: return static_cast<uint64_t>(static_cast<int64_t>(c.Get<int8_t>(i))) ^ kSign;
    case table::TypeId::kInt16: return static_cast<uint64_t>(static_cast<int64_t>(c.Get<int16_t>(i))) ^ kSign;
    case table::TypeId::kInt32: return static_cast<uint64_t>(static_cast<int64_t>(c.Get<int32_t>(i))) ^ kSign;
    case table::TypeId::kFloat32:
    case table::TypeId::kFloat64: {
      const double d = c.type.id == table::TypeId::kFloat32 ? c.Get<float>(i) : c.Get<double>(i);
      if (std::isnan(d)) return UINT64_MAX;
      const double v = d == 0 ? 0.0 : d;  // -0.0 and 0.0 are equal
      uint64_t bits;
      std::memcpy(&bits, &v, 8);
      return (bits & kSign) ? ~bits : bits | kSign;
    }
    default: return static_cast<uint64_t>(c.Get<int64_t>(i)) ^ kSign;  // int64, timestamp
  }
}

}  // namespace embodb::query
