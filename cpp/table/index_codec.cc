#include "table/index_codec.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "table/keyspace.h"
#include "table/schema.h"
#include "util/coding.h"

namespace embodb::table {

namespace {

constexpr char kNullMarker = 0x00;
constexpr char kValueMarker = 0x01;
constexpr uint64_t kSignBit = uint64_t{1} << 63;

void PutSigned(std::string* dst, int64_t v) { PutBigEndian64(dst, static_cast<uint64_t>(v) ^ kSignBit); }

void PutDouble(std::string* dst, double d) {
  if (d == 0) d = 0;  // -0.0 equals 0.0
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  bits = (bits & kSignBit) ? ~bits : bits ^ kSignBit;
  PutBigEndian64(dst, bits);
}

void PutEscaped(std::string* dst, std::string_view s) {
  for (char c : s) {
    dst->push_back(c);
    if (c == '\0') dst->push_back('\xff');
  }
  dst->push_back('\0');
  dst->push_back('\x01');
}

}  // namespace

std::string IndexKeyPrefix(uint32_t index_id) {
  std::string p(1, static_cast<char>(KeySpace::kIndex));
  PutBigEndian32(&p, index_id);
  return p;
}

std::string IndexEntryKey(uint32_t index_id, const ColumnView& col, size_t i, std::string_view pk_tail) {
  std::string key = IndexKeyPrefix(index_id);
  AppendIndexValue(col, i, &key);
  key.append(pk_tail);
  return key;
}

bool IsIndexable(ColumnType t) { return t.IsScalar(); }

void AppendIndexValue(const ColumnView& col, size_t i, std::string* dst) {
  if (col.IsNull(i)) {
    dst->push_back(kNullMarker);
    return;
  }
  dst->push_back(kValueMarker);
  switch (col.type.id) {
    case TypeId::kBool:
    case TypeId::kUInt8: PutBigEndian64(dst, col.Get<uint8_t>(i)); break;
    case TypeId::kUInt16: PutBigEndian64(dst, col.Get<uint16_t>(i)); break;
    case TypeId::kUInt32: PutBigEndian64(dst, col.Get<uint32_t>(i)); break;
    case TypeId::kUInt64: PutBigEndian64(dst, col.Get<uint64_t>(i)); break;
    case TypeId::kInt8: PutSigned(dst, col.Get<int8_t>(i)); break;
    case TypeId::kInt16: PutSigned(dst, col.Get<int16_t>(i)); break;
    case TypeId::kInt32: PutSigned(dst, col.Get<int32_t>(i)); break;
    case TypeId::kInt64:
    case TypeId::kTimestamp: PutSigned(dst, col.Get<int64_t>(i)); break;
    case TypeId::kFloat32: PutDouble(dst, col.Get<float>(i)); break;
    case TypeId::kFloat64: PutDouble(dst, col.Get<double>(i)); break;
    default: PutEscaped(dst, col.Bytes(i)); break;  // string, bytes
  }
}

bool AppendIndexLiteral(ColumnType t, const Value& v, std::string* dst) {
  if (v.is_null()) return false;  // = NULL matches nothing
  if (t.IsFloat()) {
    if (!v.is_number()) return false;
    double d = v.AsDouble();
    if (std::isnan(d)) return false;
    dst->push_back(kValueMarker);
    PutDouble(dst, d);
    return true;
  }
  if (t.id == TypeId::kString || t.id == TypeId::kBytes) {
    if (v.kind != Value::Kind::kString) return false;
    dst->push_back(kValueMarker);
    PutEscaped(dst, v.s);
    return true;
  }
  Value as_int = v;
  if (v.kind == Value::Kind::kBool) as_int = Value::Int(v.b ? 1 : 0);
  if (as_int.kind != Value::Kind::kInt && as_int.kind != Value::Kind::kUInt) return false;
  if (t.id == TypeId::kBool) {
    if (as_int.kind != Value::Kind::kInt || (as_int.i != 0 && as_int.i != 1)) return false;
    dst->push_back(kValueMarker);
    PutBigEndian64(dst, static_cast<uint64_t>(as_int.i));
    return true;
  }
  if (t.id == TypeId::kTimestamp) {
    if (as_int.kind != Value::Kind::kInt) return false;
    dst->push_back(kValueMarker);
    PutSigned(dst, as_int.i);
    return true;
  }
  if (!ValueFitsType(as_int, t)) return false;
  dst->push_back(kValueMarker);
  if (t.IsSignedInteger()) {
    PutSigned(dst, as_int.i);
  } else {
    PutBigEndian64(dst, as_int.kind == Value::Kind::kUInt ? as_int.u : static_cast<uint64_t>(as_int.i));
  }
  return true;
}

bool SkipIndexValue(ColumnType t, std::string_view* in) {
  if (in->empty()) return false;
  const char marker = in->front();
  in->remove_prefix(1);
  if (marker == kNullMarker) return true;
  if (marker != kValueMarker) return false;
  if (t.id != TypeId::kString && t.id != TypeId::kBytes) {
    if (in->size() < 8) return false;
    in->remove_prefix(8);
    return true;
  }
  for (size_t i = 0; i + 1 < in->size(); i++) {
    if ((*in)[i] != '\0') continue;
    if ((*in)[i + 1] == '\x01') {
      in->remove_prefix(i + 2);
      return true;
    }
    if ((*in)[i + 1] != '\xff') return false;
    i++;  // an escaped 0x00
  }
  return false;
}

}  // namespace embodb::table
