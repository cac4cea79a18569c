// Schema: the columns of a table and its primary key. A table without a
// declared primary key gets a leading int64 column "_id" that embodb fills
// with increasing ids. A primary key of one column lives in the row key
// alone; the columns of a composite key ("robot", "ts") are stored in the
// row like the others, and the row key is their encoding (key_codec.h). Columns are only ever appended (add_column), so a row
// written under an older schema lacks trailing columns and reads them as
// their defaults.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "table/column_type.h"
#include "table/value.h"
#include "util/result.h"

namespace embodb::table {

inline constexpr std::string_view kAutoIdColumn = "_id";
// No column: the key_only_column() of a table with a composite key.
inline constexpr size_t kNoColumn = SIZE_MAX;
// The most columns a composite primary key can have.
inline constexpr size_t kMaxKeyColumns = 8;

struct Column {
  std::string name;
  ColumnType type;
  bool not_null = false;
  Value default_value;  // null when none; scalars only

  bool operator==(const Column&) const = default;
};

// SchemaError unless name can name a table or column (`what`): 1 to 256
// bytes, no control characters (NUL, newline, ...), which would make names
// that print alike differ, or end a C string early.
Status CheckName(std::string_view what, std::string_view name);

class Schema {
 public:
  Schema() = default;
  // Checks names (non-empty, unique), types and defaults. An empty
  // primary_key adds the auto-id column "_id" in front; more than one name
  // makes a composite key, ordered as given.
  static Result<Schema> Create(std::vector<Column> columns, const std::vector<std::string>& primary_key);
  static Result<Schema> Create(std::vector<Column> columns, std::string_view primary_key);

  const std::vector<Column>& columns() const { return columns_; }
  size_t size() const { return columns_.size(); }
  const Column& column(size_t i) const { return columns_[i]; }
  // The column's position, or -1.
  int Find(std::string_view name) const;
  // The primary key's columns, in key order (one unless composite).
  const std::vector<size_t>& key_columns() const { return key_columns_; }
  bool composite_key() const { return key_columns_.size() > 1; }
  // The column the row key alone holds (not stored in the row's value): a
  // one-column primary key; kNoColumn for a composite key.
  size_t key_only_column() const { return composite_key() ? kNoColumn : key_columns_[0]; }
  // Whether column c is one of the primary key's.
  bool IsKeyColumn(size_t c) const;
  // "id" or "(robot, ts)", for messages.
  std::string KeyName() const;
  bool auto_id() const { return auto_id_; }

  // Appends a nullable column (or one with a default); SchemaError when the
  // name exists or the default does not fit the type.
  Status AddColumn(Column column);

  // Catalog encoding (docs/format/catalog.md).
  void EncodeTo(std::string* dst) const;
  static Result<Schema> Decode(std::string_view* input);

  // "id int64 not null (primary key), ts timestamp, ..."
  std::string ToString() const;

 private:
  static Status CheckColumn(const Column& c);
  std::vector<Column> columns_;
  std::vector<size_t> key_columns_ = {0};
  bool auto_id_ = false;
};

// Whether value can be stored in a column of type t (numbers are range-checked).
bool ValueFitsType(const Value& value, ColumnType t);

}  // namespace embodb::table
