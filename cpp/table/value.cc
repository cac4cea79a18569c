#include "table/value.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "util/coding.h"

namespace embodb::table {

Value Value::UInt(uint64_t v) {
  if (v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return Int(static_cast<int64_t>(v));
  Value x;
  x.kind = Kind::kUInt;
  x.u = v;
  return x;
}

double Value::AsDouble() const {
  switch (kind) {
    case Kind::kInt: return static_cast<double>(i);
    case Kind::kUInt: return static_cast<double>(u);
    case Kind::kDouble: return d;
    case Kind::kBool: return b ? 1.0 : 0.0;
    default: return 0.0;
  }
}

bool Value::operator==(const Value& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case Kind::kNull: return true;
    case Kind::kBool: return b == o.b;
    case Kind::kInt: return i == o.i;
    case Kind::kUInt: return u == o.u;
    case Kind::kDouble: return d == o.d || (std::isnan(d) && std::isnan(o.d));
    case Kind::kString: return s == o.s;
  }
  return false;
}

std::string Value::ToString() const {
  switch (kind) {
    case Kind::kNull: return "NULL";
    case Kind::kBool: return b ? "TRUE" : "FALSE";
    case Kind::kInt: return std::to_string(i);
    case Kind::kUInt: return std::to_string(u);
    case Kind::kDouble: {
      char buf[32];
      snprintf(buf, sizeof(buf), "%.17g", d);
      return buf;
    }
    case Kind::kString: return "'" + s + "'";
  }
  return "?";
}

void Value::EncodeTo(std::string* dst) const {
  dst->push_back(static_cast<char>(kind));
  switch (kind) {
    case Kind::kNull: break;
    case Kind::kBool: dst->push_back(b ? 1 : 0); break;
    case Kind::kInt: PutFixed64(dst, static_cast<uint64_t>(i)); break;
    case Kind::kUInt: PutFixed64(dst, u); break;
    case Kind::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      PutFixed64(dst, bits);
      break;
    }
    case Kind::kString: PutLengthPrefixed(dst, s); break;
  }
}

Result<Value> Value::Decode(std::string_view* input) {
  const Status bad = Status::Corruption("bad value in catalog");
  if (input->empty()) return bad;
  const auto kind = static_cast<Kind>((*input)[0]);
  input->remove_prefix(1);
  Value value;
  value.kind = kind;
  uint64_t bits = 0;
  switch (kind) {
    case Kind::kNull: return value;
    case Kind::kBool:
      if (input->empty()) return bad;
      value.b = (*input)[0] != 0;
      input->remove_prefix(1);
      return value;
    case Kind::kInt:
      if (!GetFixed64(input, &bits)) return bad;
      value.i = static_cast<int64_t>(bits);
      return value;
    case Kind::kUInt:
      if (!GetFixed64(input, &value.u)) return bad;
      return value;
    case Kind::kDouble:
      if (!GetFixed64(input, &bits)) return bad;
      std::memcpy(&value.d, &bits, 8);
      return value;
    case Kind::kString: {
      std::string_view s;
      if (!GetLengthPrefixed(input, &s)) return bad;
      value.s.assign(s);
      return value;
    }
  }
  return bad;  // an unknown kind
}

}  // namespace embodb::table
