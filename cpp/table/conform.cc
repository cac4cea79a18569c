#include "table/conform.h"

#include <cmath>
#include <limits>

namespace embodb::table {

namespace {

std::string Where(const Column& c, size_t row) {
  return "column '" + c.name + "', row " + std::to_string(row);
}

Status Mismatch(const Column& c, const ColumnType& got) {
  return Status::Schema("column '" + c.name + "' has type " + c.type.Name() + " and cannot take " + got.Name() +
                        " values");
}

// Reads value i of an integer column as int128-free pair (negative flag, magnitude).
bool ReadInteger(const ColumnView& v, size_t i, int64_t* s, uint64_t* u, bool* is_unsigned_big) {
  *is_unsigned_big = false;
  switch (v.type.id) {
    case TypeId::kInt8: *s = v.Get<int8_t>(i); return true;
    case TypeId::kInt16: *s = v.Get<int16_t>(i); return true;
    case TypeId::kInt32: *s = v.Get<int32_t>(i); return true;
    case TypeId::kInt64:
    case TypeId::kTimestamp: *s = v.Get<int64_t>(i); return true;
    case TypeId::kUInt8: *s = v.Get<uint8_t>(i); return true;
    case TypeId::kUInt16: *s = v.Get<uint16_t>(i); return true;
    case TypeId::kUInt32: *s = v.Get<uint32_t>(i); return true;
    case TypeId::kUInt64: {
      *u = v.Get<uint64_t>(i);
      if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        *is_unsigned_big = true;
      } else {
        *s = static_cast<int64_t>(*u);
      }
      return true;
    }
    default: return false;
  }
}

template <typename T>
void Store(ColumnBuffer* out, T v) {
  out->AppendFixed(&v);
}

Status ConvertIntegers(const ColumnView& in, const Column& c, ColumnBuffer* out) {
  for (size_t i = 0; i < in.length; i++) {
    if (in.IsNull(i)) {
      out->AppendNull();
      continue;
    }
    int64_t s = 0;
    uint64_t u = 0;
    bool big = false;
    ReadInteger(in, i, &s, &u, &big);
    const Value v = big ? Value::UInt(u) : Value::Int(s);
    if (c.type.IsInteger() && !ValueFitsType(v, c.type)) {
      return Status::Schema(Where(c, i) + ": " + v.ToString() + " is out of range for " + c.type.Name());
    }
    switch (c.type.id) {
      case TypeId::kInt8: Store<int8_t>(out, static_cast<int8_t>(s)); break;
      case TypeId::kInt16: Store<int16_t>(out, static_cast<int16_t>(s)); break;
      case TypeId::kInt32: Store<int32_t>(out, static_cast<int32_t>(s)); break;
      case TypeId::kInt64:
      case TypeId::kTimestamp: Store<int64_t>(out, s); break;
      case TypeId::kUInt8: Store<uint8_t>(out, static_cast<uint8_t>(s)); break;
      case TypeId::kUInt16: Store<uint16_t>(out, static_cast<uint16_t>(s)); break;
      case TypeId::kUInt32: Store<uint32_t>(out, static_cast<uint32_t>(s)); break;
      case TypeId::kUInt64: Store<uint64_t>(out, big ? u : static_cast<uint64_t>(s)); break;
      case TypeId::kFloat32: Store<float>(out, static_cast<float>(big ? static_cast<double>(u) : s)); break;
      case TypeId::kFloat64: Store<double>(out, big ? static_cast<double>(u) : static_cast<double>(s)); break;
      default: return Mismatch(c, in.type);
    }
  }
  return Status::OK();
}

Status ConvertFloats(const ColumnView& in, const Column& c, ColumnBuffer* out) {
  for (size_t i = 0; i < in.length; i++) {
    if (in.IsNull(i)) {
      out->AppendNull();
      continue;
    }
    const double d = in.type.id == TypeId::kFloat32 ? in.Get<float>(i) : in.Get<double>(i);
    if (c.type.id == TypeId::kFloat32) {
      if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
        return Status::Schema(Where(c, i) + ": " + Value::Double(d).ToString() + " is out of range for float32");
      }
      Store<float>(out, static_cast<float>(d));
    } else {
      Store<double>(out, d);
    }
  }
  return Status::OK();
}

Status CheckFloatArrays(const ColumnView& v, const Column& c) {
  const size_t floats_per_row = v.type.IsVariable() ? 0 : v.type.FixedWidth() / 4;
  for (size_t i = 0; i < v.length; i++) {
    if (v.IsNull(i)) continue;
    const float* p;
    size_t n;
    if (v.type.IsVariable()) {
      const std::string_view bytes = v.Bytes(i);
      const size_t point_bytes = size_t{4} * c.type.param;
      if (bytes.size() % point_bytes != 0) {
        return Status::Schema(Where(c, i) + ": a point cloud must have shape (n, " + std::to_string(c.type.param) +
                              ")");
      }
      p = reinterpret_cast<const float*>(bytes.data());
      n = bytes.size() / 4;
    } else {
      p = reinterpret_cast<const float*>(v.Fixed(i));
      n = floats_per_row;
    }
    for (size_t k = 0; k < n; k++) {
      float f;
      std::memcpy(&f, p + k, 4);
      if (!std::isfinite(f)) {
        return Status::InvalidArgument(Where(c, i) + ": " + (std::isnan(f) ? "NaN" : "infinity") + " in a " +
                                       c.type.Name());
      }
    }
  }
  return Status::OK();
}

bool SameShape(const ColumnType& in, const ColumnType& target) {
  if (in == target) return true;
  // A (n, 3) float32 array is a point3 column's natural input.
  if (target.id == TypeId::kPoint3) return in.id == TypeId::kVector && in.param == 3;
  return false;
}

Status ShapeMismatch(const Column& c, const ColumnType& got) {
  if (c.type.id == TypeId::kVector && got.id == TypeId::kVector) {
    return Status::Schema("column '" + c.name + "' holds vectors of dimension " + std::to_string(c.type.param) +
                          ", got dimension " + std::to_string(got.param));
  }
  if (c.type.id == TypeId::kPointCloud && got.id == TypeId::kPointCloud) {
    return Status::Schema("column '" + c.name + "' holds point clouds of " + std::to_string(c.type.param) +
                          " channels, got " + std::to_string(got.param));
  }
  return Mismatch(c, got);
}

}  // namespace

Result<ConformedColumn> ConformColumn(const ColumnView& in, const Column& c) {
  if (c.not_null && in.nulls != nullptr) {
    for (size_t i = 0; i < in.length; i++) {
      if (in.nulls[i]) return Status::Schema(Where(c, i) + " is null, but the column is not_null");
    }
  }
  ConformedColumn out;
  const ColumnType& t = c.type;
  if (t.IsFloatArray()) {
    if (!SameShape(in.type, t)) return ShapeMismatch(c, in.type);
    EMBODB_RETURN_IF_ERROR(CheckFloatArrays(in, c));
    out.view = in;
    out.view.type = t;
    return out;
  }
  if (in.type == t || (in.type.id == TypeId::kTimestamp && t.id == TypeId::kInt64) ||
      (in.type.id == TypeId::kInt64 && t.id == TypeId::kTimestamp)) {
    out.view = in;
    out.view.type = t;
    return out;
  }
  const bool numeric_target = t.IsNumeric() || t.id == TypeId::kTimestamp;
  if (numeric_target && (in.type.IsInteger() || in.type.id == TypeId::kTimestamp)) {
    if (in.type.id == TypeId::kTimestamp && t.id != TypeId::kInt64) return Mismatch(c, in.type);
    out.owned = std::make_unique<ColumnBuffer>(t);
    out.owned->Reserve(in.length, 0);
    EMBODB_RETURN_IF_ERROR(ConvertIntegers(in, c, out.owned.get()));
  } else if (t.IsFloat() && in.type.IsFloat()) {
    out.owned = std::make_unique<ColumnBuffer>(t);
    out.owned->Reserve(in.length, 0);
    EMBODB_RETURN_IF_ERROR(ConvertFloats(in, c, out.owned.get()));
  } else {
    return Mismatch(c, in.type);
  }
  out.view = out.owned->view();
  return out;
}

Result<ConformedColumn> DefaultColumn(const Column& c, size_t rows) {
  if (c.not_null && c.default_value.is_null()) {
    return Status::Schema("missing column '" + c.name + "'", "it is not_null and has no default");
  }
  ConformedColumn out;
  out.owned = std::make_unique<ColumnBuffer>(c.type);
  out.owned->Reserve(rows, c.default_value.s.size() * rows);
  for (size_t i = 0; i < rows; i++) out.owned->AppendValue(c.default_value);
  out.view = out.owned->view();
  return out;
}

Result<RowKeys> ConformKeys(uint32_t table_id, const Schema& schema, const std::vector<ColumnView>& keys) {
  const std::vector<size_t>& key_columns = schema.key_columns();
  if (keys.size() != key_columns.size()) {
    return Status::Schema("keys of " + std::to_string(keys.size()) + (keys.size() == 1 ? " column" : " columns") +
                          " for the primary key " + schema.KeyName() + " of " + std::to_string(key_columns.size()));
  }
  std::vector<ConformedColumn> conformed(keys.size());
  std::vector<ColumnView> views(keys.size());
  for (size_t k = 0; k < keys.size(); k++) {
    if (keys[k].length != keys[0].length) {
      return Status::Schema("key columns of different lengths: " + std::to_string(keys[0].length) + " and " +
                            std::to_string(keys[k].length));
    }
    EMBODB_ASSIGN_OR_RETURN(conformed[k], ConformColumn(keys[k], schema.column(key_columns[k])));
    views[k] = conformed[k].view;
  }
  return EncodeRowKeys(table_id, views);
}

}  // namespace embodb::table
