// ColumnType: the type of a table column. Fixed-width types store a value in a
// fixed number of bytes; string, bytes and pointcloud are variable-width.
// TypeId values are stored in the catalog. On disk: never renumber.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace embodb::table {

enum class TypeId : uint8_t {
  kBool = 1,
  kInt8 = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kUInt8 = 6,
  kUInt16 = 7,
  kUInt32 = 8,
  kUInt64 = 9,
  kFloat32 = 10,
  kFloat64 = 11,
  kString = 12,      // UTF-8
  kBytes = 13,
  kTimestamp = 14,   // int64 nanoseconds since the Unix epoch, UTC
  kVector = 15,      // param float32 values
  kPoint3 = 16,      // three float32 values
  kPointCloud = 17,  // n points of param float32 channels each; n varies by row
};

struct ColumnType {
  TypeId id = TypeId::kInt64;
  uint32_t param = 0;  // kVector: dimension; kPointCloud: channels; else 0

  bool operator==(const ColumnType&) const = default;

  // Bytes per value for fixed-width types, 0 for variable-width ones.
  size_t FixedWidth() const;
  bool IsVariable() const { return FixedWidth() == 0; }
  bool IsInteger() const;          // int8..int64, uint8..uint64
  bool IsSignedInteger() const;
  bool IsFloat() const { return id == TypeId::kFloat32 || id == TypeId::kFloat64; }
  bool IsStringOrBytes() const { return id == TypeId::kString || id == TypeId::kBytes; }
  bool IsNumeric() const { return IsInteger() || IsFloat(); }
  bool IsFloatArray() const {  // vector, point3, pointcloud: float32 arrays
    return id == TypeId::kVector || id == TypeId::kPoint3 || id == TypeId::kPointCloud;
  }
  bool CanBePrimaryKey() const { return IsInteger() || id == TypeId::kTimestamp || id == TypeId::kString; }
  // Scalars can be compared, sorted and indexed; arrays cannot.
  bool IsScalar() const { return !IsFloatArray(); }

  // "int64", "vector(384)", "pointcloud(3)", ...
  std::string Name() const;
  // The inverse of Name(), plus "text" for string, "float" for float32,
  // "double" for float64, "int" for int64, "binary"/"blob" for bytes.
  static Result<ColumnType> Parse(std::string_view name);
};

}  // namespace embodb::table
