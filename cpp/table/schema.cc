#include "table/schema.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "util/coding.h"

namespace embodb::table {

// Format 2 (a composite primary key) is written only for such tables, so
// that other databases stay readable by versions that know only format 1.
static constexpr uint8_t kSchemaFormat = 1;
static constexpr uint8_t kSchemaFormatCompositeKey = 2;
static constexpr uint8_t kFlagNotNull = 1;
static constexpr uint8_t kFlagAutoIdTable = 1;

bool ValueFitsType(const Value& v, ColumnType t) {
  if (v.is_null()) return true;
  using K = Value::Kind;
  switch (t.id) {
    case TypeId::kBool: return v.kind == K::kBool;
    case TypeId::kString:
    case TypeId::kBytes: return v.kind == K::kString;
    case TypeId::kFloat32:
    case TypeId::kFloat64: return v.kind == K::kInt || v.kind == K::kUInt || v.kind == K::kDouble;
    case TypeId::kTimestamp: return v.kind == K::kInt;
    default: break;
  }
  if (!t.IsInteger()) return false;
  if (v.kind == K::kUInt) return t.id == TypeId::kUInt64;
  if (v.kind != K::kInt) return false;
  const int64_t x = v.i;
  switch (t.id) {
    case TypeId::kInt8: return x >= INT8_MIN && x <= INT8_MAX;
    case TypeId::kInt16: return x >= INT16_MIN && x <= INT16_MAX;
    case TypeId::kInt32: return x >= INT32_MIN && x <= INT32_MAX;
    case TypeId::kInt64: return true;
    case TypeId::kUInt8: return x >= 0 && x <= UINT8_MAX;
    case TypeId::kUInt16: return x >= 0 && x <= UINT16_MAX;
    case TypeId::kUInt32: return x >= 0 && x <= UINT32_MAX;
    case TypeId::kUInt64: return x >= 0;
    default: return false;
  }
}

Status CheckName(std::string_view what, std::string_view name) {
  if (name.empty()) return Status::Schema("a " + std::string(what) + " name must not be empty");
  if (name.size() > 256) {
    return Status::Schema(std::string(what) + " name is too long", std::string(name.substr(0, 40)) + "...");
  }
  for (size_t i = 0; i < name.size(); i++) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f) {
      return Status::Schema("a " + std::string(what) + " name must not hold control characters (byte " +
                            std::to_string(c) + " at position " + std::to_string(i) + ")");
    }
  }
  return Status::OK();
}

Status Schema::CheckColumn(const Column& c) {
  EMBODB_RETURN_IF_ERROR(CheckName("column", c.name));
  if (!c.default_value.is_null()) {
    if (!c.type.IsScalar()) {
      return Status::Schema("column '" + c.name + "': a " + c.type.Name() + " column cannot have a default");
    }
    if (!ValueFitsType(c.default_value, c.type)) {
      return Status::Schema("column '" + c.name + "': default " + c.default_value.ToString() +
                            " does not fit type " + c.type.Name());
    }
  }
  return Status::OK();
}

Result<Schema> Schema::Create(std::vector<Column> columns, std::string_view primary_key) {
  std::vector<std::string> key;
  if (!primary_key.empty()) key.emplace_back(primary_key);
  return Create(std::move(columns), key);
}

Result<Schema> Schema::Create(std::vector<Column> columns, const std::vector<std::string>& primary_key) {
  Schema s;
  if (primary_key.empty()) {
    s.columns_.push_back(Column{std::string(kAutoIdColumn), ColumnType{TypeId::kInt64, 0}, true, {}});
    s.auto_id_ = true;
  }
  std::set<std::string> names;
  for (auto& c : columns) {
    EMBODB_RETURN_IF_ERROR(CheckColumn(c));
    if (s.auto_id_ && c.name == kAutoIdColumn) {
      return Status::Schema("column name '_id' is reserved for the ids of a table without a primary key");
    }
    if (!names.insert(c.name).second) return Status::Schema("duplicate column '" + c.name + "'");
    s.columns_.push_back(std::move(c));
  }
  if (names.empty()) return Status::Schema("a table needs at least one column");
  if (primary_key.size() > kMaxKeyColumns) {
    return Status::Schema("a primary key of " + std::to_string(primary_key.size()) + " columns",
                          "at most " + std::to_string(kMaxKeyColumns) + " columns");
  }
  if (!primary_key.empty()) s.key_columns_.clear();
  for (const std::string& name : primary_key) {
    const int pk = s.Find(name);
    if (pk < 0) return Status::Schema("primary key '" + name + "' is not a column");
    Column& c = s.columns_[pk];
    if (!c.type.CanBePrimaryKey()) {
      return Status::Schema("primary key '" + c.name + "' has type " + c.type.Name(),
                            "a primary key must be an integer, a timestamp or a string");
    }
    if (s.IsKeyColumn(static_cast<size_t>(pk))) return Status::Schema("primary key column '" + name + "' is named twice");
    c.not_null = true;
    s.key_columns_.push_back(static_cast<size_t>(pk));
  }
  return s;
}

bool Schema::IsKeyColumn(size_t c) const {
  return std::find(key_columns_.begin(), key_columns_.end(), c) != key_columns_.end();
}

std::string Schema::KeyName() const {
  if (!composite_key()) return columns_[key_columns_[0]].name;
  std::string text = "(";
  for (size_t k : key_columns_) text += (text.size() > 1 ? ", " : "") + columns_[k].name;
  return text + ")";
}

int Schema::Find(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); i++) {
    if (columns_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Status Schema::AddColumn(Column column) {
  EMBODB_RETURN_IF_ERROR(CheckColumn(column));
  if (Find(column.name) >= 0) return Status::Schema("column '" + column.name + "' already exists");
  if (column.not_null && column.default_value.is_null()) {
    return Status::Schema("new column '" + column.name + "' is not_null, so it needs a default",
                          "existing rows have no value for it");
  }
  columns_.push_back(std::move(column));
  return Status::OK();
}

void Schema::EncodeTo(std::string* dst) const {
  dst->push_back(static_cast<char>(composite_key() ? kSchemaFormatCompositeKey : kSchemaFormat));
  dst->push_back(static_cast<char>(auto_id_ ? kFlagAutoIdTable : 0));
  PutVarint32(dst, static_cast<uint32_t>(key_columns_[0]));
  if (composite_key()) {
    PutVarint32(dst, static_cast<uint32_t>(key_columns_.size() - 1));
    for (size_t i = 1; i < key_columns_.size(); i++) PutVarint32(dst, static_cast<uint32_t>(key_columns_[i]));
  }
  PutVarint32(dst, static_cast<uint32_t>(columns_.size()));
  for (const Column& c : columns_) {
    PutLengthPrefixed(dst, c.name);
    dst->push_back(static_cast<char>(c.type.id));
    PutVarint32(dst, c.type.param);
    dst->push_back(static_cast<char>(c.not_null ? kFlagNotNull : 0));
    c.default_value.EncodeTo(dst);
  }
}

Result<Schema> Schema::Decode(std::string_view* input) {
  const Status bad = Status::Corruption("bad schema in catalog");
  if (input->size() < 2) return bad;
  const uint8_t format = static_cast<uint8_t>((*input)[0]);
  if (format != kSchemaFormat && format != kSchemaFormatCompositeKey) {
    return Status::NotSupported("schema format " + std::to_string(format) + " is newer than this embodb understands",
                                "it reads formats 1 and 2");
  }
  Schema s;
  s.auto_id_ = ((*input)[1] & kFlagAutoIdTable) != 0;
  input->remove_prefix(2);
  uint32_t pk = 0, n = 0;
  if (!GetVarint32(input, &pk)) return bad;
  s.key_columns_ = {pk};
  if (format == kSchemaFormatCompositeKey) {
    uint32_t more = 0;
    if (!GetVarint32(input, &more) || more == 0 || more >= kMaxKeyColumns) return bad;
    for (uint32_t i = 0; i < more; i++) {
      uint32_t k = 0;
      if (!GetVarint32(input, &k) || s.IsKeyColumn(k)) return bad;
      s.key_columns_.push_back(k);
    }
  }
  if (!GetVarint32(input, &n)) return bad;
  for (size_t k : s.key_columns_) {
    if (k >= n) return bad;
  }
  for (uint32_t i = 0; i < n; i++) {
    Column c;
    std::string_view name;
    if (!GetLengthPrefixed(input, &name) || input->size() < 1) return bad;
    c.name.assign(name);
    c.type.id = static_cast<TypeId>((*input)[0]);
    input->remove_prefix(1);
    if (!GetVarint32(input, &c.type.param) || input->empty()) return bad;
    if (c.type.Name().empty()) return bad;  // unknown type id
    c.not_null = ((*input)[0] & kFlagNotNull) != 0;
    input->remove_prefix(1);
    auto default_value = Value::Decode(input);
    if (!default_value.ok()) return bad;
    c.default_value = std::move(default_value).value();
    s.columns_.push_back(std::move(c));
  }
  for (size_t k : s.key_columns_) {
    if (!s.columns_[k].type.CanBePrimaryKey()) return bad;
  }
  return s;
}

std::string Schema::ToString() const {
  std::string out;
  for (size_t i = 0; i < columns_.size(); i++) {
    const Column& c = columns_[i];
    if (i > 0) out += ", ";
    out += c.name + " " + c.type.Name();
    if (composite_key() && IsKeyColumn(i)) {
      const size_t at = std::find(key_columns_.begin(), key_columns_.end(), i) - key_columns_.begin();
      out += " (primary key " + std::to_string(at + 1) + " of " + std::to_string(key_columns_.size()) + ")";
    } else if (IsKeyColumn(i)) {
      out += auto_id_ ? " (auto id)" : " (primary key)";
    } else if (c.not_null) {
      out += " not null";
    }
    if (!c.default_value.is_null()) out += " default " + c.default_value.ToString();
  }
  return out;
}

}  // namespace embodb::table
