// The value of a row in the LSM (docs/format/table.md):
//   row := format (1 byte) | column count (varint) | null bitmap | fields
// The bitmap has a bit per column (1 = null). Fields follow for each non-null
// column except the primary key, which lives in the row's key: fixed-width
// values as little-endian bytes, strings, bytes and point clouds as a varint
// byte length and the bytes. A row written before add_column has fewer
// columns; the missing ones read as their defaults.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "table/column_data.h"
#include "table/schema.h"
#include "util/status.h"

namespace embodb::table {

// cols: one view per schema column, in schema order, already conformed.
// The bytes EncodeRowTo writes for this row.
size_t EncodedRowSize(const Schema& schema, const std::vector<ColumnView>& cols, size_t row);
// Writes the row's EncodedRowSize bytes at dst; returns the end.
char* EncodeRowTo(const Schema& schema, const std::vector<ColumnView>& cols, size_t row, char* dst);

// Appends the row's columns to outs (indexed by schema column; nullptr: not
// wanted). The primary key column is not in the value: the caller fills it.
Status DecodeRow(const Schema& schema, std::string_view value, ColumnBuffer* const* outs);

// The stored bytes of one column (not the primary key) of an encoded row,
// reading only the columns before it, so that any schema holding those
// columns will do (columns are only appended). *field is empty when the
// value is null or the row predates the column (a column with no default).
// For a fixed-width column a non-null field has exactly FixedWidth() bytes.
Status ReadField(const Schema& schema, std::string_view value, size_t column, std::string_view* field);

// What a row holds for a column: a value, NULL, or nothing because the row
// predates the column (add_column), so the column's default applies.
enum class FieldState : uint8_t { kValue, kNull, kMissing };

// The stored bytes of several columns (ascending schema positions, not the
// primary key) in one pass over the row; like ReadField, any schema holding
// the columns will do. fields[i] is set when states[i] is kValue.
Status ReadFields(const Schema& schema, std::string_view value, std::span<const size_t> columns,
                  std::string_view* fields, FieldState* states);

}  // namespace embodb::table
