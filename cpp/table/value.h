// Value: one scalar of a table cell, a literal in a filter or a column default:
// null, bool, int64, uint64 (only for values above INT64_MAX), double, or a
// byte string (string and bytes columns).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace embodb::table {

struct Value {
  enum class Kind : uint8_t { kNull = 0, kBool = 1, kInt = 2, kUInt = 3, kDouble = 4, kString = 5 };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string s;

  static Value Null() { return Value{}; }
  static Value Bool(bool v) { Value x; x.kind = Kind::kBool; x.b = v; return x; }
  static Value Int(int64_t v) { Value x; x.kind = Kind::kInt; x.i = v; return x; }
  static Value UInt(uint64_t v);  // kInt when it fits
  static Value Double(double v) { Value x; x.kind = Kind::kDouble; x.d = v; return x; }
  static Value String(std::string_view v) { Value x; x.kind = Kind::kString; x.s = v; return x; }

  bool is_null() const { return kind == Kind::kNull; }
  bool is_number() const { return kind == Kind::kInt || kind == Kind::kUInt || kind == Kind::kDouble; }
  double AsDouble() const;
  bool operator==(const Value&) const;

  // For messages: 42, 1.5, 'text', NULL, TRUE.
  std::string ToString() const;

  // Catalog encoding: kind byte, then the payload.
  void EncodeTo(std::string* dst) const;
  // Reads one value from the front of *input; Corruption when it holds none.
  static Result<Value> Decode(std::string_view* input);
};

}  // namespace embodb::table
