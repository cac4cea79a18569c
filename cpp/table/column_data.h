// Columns in memory, laid out like Arrow: a fixed-width column is one array
// of values; a variable-width one (string, bytes, pointcloud) is a data array
// plus length+1 byte offsets into it. A null mask (1 = null) is optional; a
// null fixed-width slot holds zero bytes.
//
// ColumnView borrows memory (a NumPy array, a decoded result); ColumnBuffer
// owns it and grows. A pointcloud's data are float32 values, `param` per
// point, so row i holds (offsets[i+1] - offsets[i]) / (4 * param) points.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "table/column_type.h"
#include "table/value.h"
#include "util/grow_buffer.h"

namespace embodb::table {

struct ColumnView {
  ColumnType type;
  size_t length = 0;
  const uint8_t* values = nullptr;
  const int64_t* offsets = nullptr;  // variable-width types only
  const uint8_t* nulls = nullptr;    // nullptr: no nulls

  bool IsNull(size_t i) const { return nulls != nullptr && nulls[i] != 0; }
  const uint8_t* Fixed(size_t i) const { return values + i * type.FixedWidth(); }
  std::string_view Bytes(size_t i) const {
    return std::string_view(reinterpret_cast<const char*>(values) + offsets[i],
                            static_cast<size_t>(offsets[i + 1] - offsets[i]));
  }
  template <typename T>
  T Get(size_t i) const {
    T v;
    std::memcpy(&v, values + i * sizeof(T), sizeof(T));
    return v;
  }
  // Value i of an integer, boolean or timestamp column widened to int64
  // (sign-extended for signed types; uint64 as its bits).
  int64_t IntegerAt(size_t i) const {
    switch (type.id) {
      case TypeId::kInt8: return Get<int8_t>(i);
      case TypeId::kInt16: return Get<int16_t>(i);
      case TypeId::kInt32: return Get<int32_t>(i);
      case TypeId::kBool:
      case TypeId::kUInt8: return Get<uint8_t>(i);
      case TypeId::kUInt16: return Get<uint16_t>(i);
      case TypeId::kUInt32: return Get<uint32_t>(i);
      default: return Get<int64_t>(i);  // int64, uint64, timestamp
    }
  }
};

// Row i of a scalar column as a Value (Null when null): Double for floats,
// UInt/Int for integers and timestamps, Bool, String for string and bytes.
Value ScalarAt(const ColumnView& c, size_t i);

class ColumnBuffer {
 public:
  explicit ColumnBuffer(ColumnType type) : type_(type) {
    if (type.IsVariable()) offsets_.push_back(0);
  }

  const ColumnType& type() const { return type_; }
  size_t length() const { return length_; }
  bool has_nulls() const { return has_nulls_; }

  void Reserve(size_t rows, size_t data_bytes);
  void AppendNull();
  // Fixed width: FixedWidth() bytes. Variable: the whole value.
  void AppendFixed(const void* p) {
    const size_t w = type_.FixedWidth();
    values_.append(static_cast<const uint8_t*>(p), w);
    FinishAppend();
  }
  // Appends count fixed-width values, none null, stored back to back at p.
  void AppendFixedValues(const void* p, size_t count) {
    values_.append(static_cast<const uint8_t*>(p), count * type_.FixedWidth());
    if (has_nulls_) nulls_.resize(nulls_.size() + count, 0);
    length_ += count;
  }
  // Appends count fixed-width values, none null, that the caller writes
  // (FixedWidth() bytes each, back to back) through the pointer returned
  // before the buffer is used again.
  uint8_t* AppendFixedSpace(size_t count) {
    uint8_t* at = values_.extend(count * type_.FixedWidth());
    if (has_nulls_) nulls_.resize(nulls_.size() + count, 0);
    length_ += count;
    return at;
  }
  // Drops the rows from `rows` on (rows <= length()).
  void Truncate(size_t rows) {
    if (type_.IsVariable()) {
      values_.resize(static_cast<size_t>(offsets_[rows]));
      offsets_.resize(rows + 1);
    } else {
      values_.resize(rows * type_.FixedWidth());
    }
    if (has_nulls_) nulls_.resize(rows);
    length_ = rows;
  }
  void AppendBytes(std::string_view v) {
    values_.append(reinterpret_cast<const uint8_t*>(v.data()), v.size());
    offsets_.push_back(static_cast<int64_t>(values_.size()));
    FinishAppend();
  }
  // Appends value i of a view of the same type.
  void AppendFrom(const ColumnView& view, size_t i);
  // Appends values [begin, begin + count) of a view of the same type.
  void AppendRange(const ColumnView& view, size_t begin, size_t count);
  // Appends a scalar that fits the type (see ValueFitsType).
  void AppendValue(const Value& v);
  // Appends n copies of it.
  void AppendValueRepeated(const Value& v, size_t n);

  ColumnView view() const;
  // The storage, for zero-copy export.
  GrowBuffer<uint8_t>& values() { return values_; }
  GrowBuffer<int64_t>& offsets() { return offsets_; }
  GrowBuffer<uint8_t>& nulls() { return nulls_; }

 private:
  void FinishAppend() {
    if (has_nulls_) nulls_.push_back(0);
    length_++;
  }
  ColumnType type_;
  size_t length_ = 0;
  bool has_nulls_ = false;
  // Large results grow without copying (util/grow_buffer.h).
  GrowBuffer<uint8_t> values_;
  GrowBuffer<int64_t> offsets_;
  GrowBuffer<uint8_t> nulls_;  // empty until the first null
};

}  // namespace embodb::table
