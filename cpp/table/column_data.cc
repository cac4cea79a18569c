#include "table/column_data.h"

#include <algorithm>

namespace embodb::table {

void ColumnBuffer::Reserve(size_t rows, size_t data_bytes) {
  if (type_.IsVariable()) {
    offsets_.reserve(offsets_.size() + rows);
    values_.reserve(values_.size() + data_bytes);
  } else {
    values_.reserve(values_.size() + rows * type_.FixedWidth());
  }
}

void ColumnBuffer::AppendNull() {
  if (!has_nulls_) {
    nulls_.assign(length_, 0);
    has_nulls_ = true;
  }
  if (type_.IsVariable()) {
    offsets_.push_back(static_cast<int64_t>(values_.size()));
  } else {
    values_.resize(values_.size() + type_.FixedWidth(), 0);
  }
  nulls_.push_back(1);
  length_++;
}

void ColumnBuffer::AppendFrom(const ColumnView& view, size_t i) {
  if (view.IsNull(i)) {
    AppendNull();
  } else if (type_.IsVariable()) {
    AppendBytes(view.Bytes(i));
  } else {
    AppendFixed(view.Fixed(i));
  }
}

void ColumnBuffer::AppendRange(const ColumnView& view, size_t begin, size_t count) {
  if (count == 0) return;
  const bool any_null = view.nulls != nullptr &&
                        std::find(view.nulls + begin, view.nulls + begin + count, uint8_t{1}) != view.nulls + begin + count;
  if (any_null && !has_nulls_) {
    nulls_.assign(length_, 0);
    has_nulls_ = true;
  }
  if (has_nulls_) {
    if (view.nulls != nullptr) {
      nulls_.append(view.nulls + begin, count);
    } else {
      nulls_.resize(nulls_.size() + count, 0);
    }
  }
  if (type_.IsVariable()) {
    const int64_t first = view.offsets[begin], last = view.offsets[begin + count];
    const int64_t shift = static_cast<int64_t>(values_.size()) - first;
    values_.append(view.values + first, static_cast<size_t>(last - first));
    offsets_.reserve(offsets_.size() + count);
    for (size_t i = 1; i <= count; i++) offsets_.push_back(view.offsets[begin + i] + shift);
  } else {
    const size_t w = type_.FixedWidth();
    values_.append(view.values + begin * w, count * w);
  }
  length_ += count;
}

void ColumnBuffer::AppendValue(const Value& v) {
  if (v.is_null()) {
    AppendNull();
    return;
  }
  switch (type_.id) {
    case TypeId::kString:
    case TypeId::kBytes: AppendBytes(v.s); return;
    case TypeId::kBool: {
      const uint8_t b = v.b ? 1 : 0;
      AppendFixed(&b);
      return;
    }
    case TypeId::kFloat32: {
      const float f = static_cast<float>(v.AsDouble());
      AppendFixed(&f);
      return;
    }
    case TypeId::kFloat64: {
      const double d = v.AsDouble();
      AppendFixed(&d);
      return;
    }
    default: {
      // Integers and timestamps, little-endian: the low bytes are the value
      // of a narrower type.
      const uint64_t bits = v.kind == Value::Kind::kUInt ? v.u : static_cast<uint64_t>(v.i);
      AppendFixed(&bits);
      return;
    }
  }
}

Value ScalarAt(const ColumnView& c, size_t i) {
  if (c.IsNull(i)) return Value::Null();
  const TypeId t = c.type.id;
  if (t == TypeId::kFloat64) return Value::Double(c.Get<double>(i));
  if (t == TypeId::kFloat32) return Value::Double(c.Get<float>(i));
  if (t == TypeId::kBool) return Value::Bool(c.Get<uint8_t>(i) != 0);
  if (c.type.IsStringOrBytes()) return Value::String(c.Bytes(i));
  const int64_t v = c.IntegerAt(i);
  return c.type.IsInteger() && !c.type.IsSignedInteger() ? Value::UInt(static_cast<uint64_t>(v)) : Value::Int(v);
}

void ColumnBuffer::AppendValueRepeated(const Value& v, size_t n) {
  if (n == 0) return;
  if (v.is_null()) {
    for (size_t i = 0; i < n; i++) AppendNull();
    return;
  }
  const size_t before = length_;
  AppendValue(v);  // the first copy, then its bytes again and again
  if (type_.IsVariable()) {
    const size_t size = v.s.size();
    const int64_t start = offsets_[before];
    uint8_t* at = values_.extend((n - 1) * size);
    for (size_t i = 1; i < n; i++) std::memcpy(at + (i - 1) * size, v.s.data(), size);
    int64_t* ends = offsets_.extend(n - 1);
    for (size_t i = 1; i < n; i++) ends[i - 1] = start + static_cast<int64_t>((i + 1) * size);
  } else {
    const size_t width = type_.FixedWidth();
    uint8_t* at = values_.extend((n - 1) * width);
    const uint8_t* first = values_.data() + before * width;
    for (size_t i = 1; i < n; i++) std::memcpy(at + (i - 1) * width, first, width);
  }
  if (has_nulls_) nulls_.resize(nulls_.size() + n - 1, 0);
  length_ += n - 1;
}

ColumnView ColumnBuffer::view() const {
  ColumnView v;
  v.type = type_;
  v.length = length_;
  v.values = values_.data();
  v.offsets = type_.IsVariable() ? offsets_.data() : nullptr;
  v.nulls = has_nulls_ ? nulls_.data() : nullptr;
  return v;
}

}  // namespace embodb::table
