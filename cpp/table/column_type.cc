#include "table/column_type.h"

#include <charconv>

namespace embodb::table {

size_t ColumnType::FixedWidth() const {
  switch (id) {
    case TypeId::kBool:
    case TypeId::kInt8:
    case TypeId::kUInt8: return 1;
    case TypeId::kInt16:
    case TypeId::kUInt16: return 2;
    case TypeId::kInt32:
    case TypeId::kUInt32:
    case TypeId::kFloat32: return 4;
    case TypeId::kInt64:
    case TypeId::kUInt64:
    case TypeId::kFloat64:
    case TypeId::kTimestamp: return 8;
    case TypeId::kVector: return size_t{4} * param;
    case TypeId::kPoint3: return 12;
    case TypeId::kString:
    case TypeId::kBytes:
    case TypeId::kPointCloud: return 0;
  }
  return 0;
}

bool ColumnType::IsInteger() const {
  switch (id) {
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64: return true;
    default: return false;
  }
}

bool ColumnType::IsSignedInteger() const {
  return id == TypeId::kInt8 || id == TypeId::kInt16 || id == TypeId::kInt32 || id == TypeId::kInt64;
}

namespace {

struct NamedType {
  const char* name;
  TypeId id;
};
constexpr NamedType kNames[] = {
    {"bool", TypeId::kBool},         {"int8", TypeId::kInt8},           {"int16", TypeId::kInt16},
    {"int32", TypeId::kInt32},       {"int64", TypeId::kInt64},         {"uint8", TypeId::kUInt8},
    {"uint16", TypeId::kUInt16},     {"uint32", TypeId::kUInt32},       {"uint64", TypeId::kUInt64},
    {"float32", TypeId::kFloat32},   {"float64", TypeId::kFloat64},     {"string", TypeId::kString},
    {"bytes", TypeId::kBytes},       {"timestamp", TypeId::kTimestamp}, {"vector", TypeId::kVector},
    {"point3", TypeId::kPoint3},     {"pointcloud", TypeId::kPointCloud},
};
constexpr NamedType kAliases[] = {
    {"boolean", TypeId::kBool},  {"int", TypeId::kInt64},      {"float", TypeId::kFloat32},
    {"double", TypeId::kFloat64}, {"text", TypeId::kString},   {"str", TypeId::kString},
    {"binary", TypeId::kBytes},  {"blob", TypeId::kBytes},     {"datetime", TypeId::kTimestamp},
};

}  // namespace

std::string ColumnType::Name() const {
  std::string base;
  for (const auto& n : kNames) {
    if (n.id == id) base = n.name;
  }
  if (id == TypeId::kVector || id == TypeId::kPointCloud) base += "(" + std::to_string(param) + ")";
  return base;
}

static const char* kKnownTypes =
    "bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, string, "
    "bytes, timestamp, vector(dim), point3, pointcloud(channels)";

Result<ColumnType> ColumnType::Parse(std::string_view name) {
  std::string_view base = name;
  std::string_view arg;
  if (const size_t open = name.find('('); open != std::string_view::npos) {
    if (name.back() != ')') return Status::Schema("bad type '" + std::string(name) + "'", kKnownTypes);
    base = name.substr(0, open);
    arg = name.substr(open + 1, name.size() - open - 2);
  }
  ColumnType t;
  bool known = false;
  for (const auto& n : kNames) {
    if (base == n.name) t.id = n.id, known = true;
  }
  for (const auto& n : kAliases) {
    if (base == n.name) t.id = n.id, known = true;
  }
  if (!known) return Status::Schema("unknown type '" + std::string(name) + "'", kKnownTypes);
  const bool takes_param = t.id == TypeId::kVector || t.id == TypeId::kPointCloud;
  if (!takes_param) {
    if (!arg.empty()) return Status::Schema("type '" + std::string(base) + "' takes no parameter");
    return t;
  }
  if (arg.empty()) {
    if (t.id == TypeId::kVector) return Status::Schema("vector needs a dimension, as in 'vector(384)'");
    t.param = 3;  // pointcloud defaults to x, y, z
    return t;
  }
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), value);
  if (ec != std::errc() || end != arg.data() + arg.size() || value == 0) {
    return Status::Schema("bad parameter in type '" + std::string(name) + "'", "expected a positive integer");
  }
  const uint32_t limit = t.id == TypeId::kVector ? 65536 : 64;
  if (value > limit) {
    return Status::Schema("parameter of '" + std::string(name) + "' is too large",
                          "at most " + std::to_string(limit));
  }
  t.param = value;
  return t;
}

}  // namespace embodb::table
