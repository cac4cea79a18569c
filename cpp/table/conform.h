// Conform: checks a column of input against the table column it is meant for
// and converts it to that column's type, before anything is written. Every
// failure names the column and the first bad row: a null in a not_null
// column, an integer out of range, an unsafe cast (float to int, string to
// number), a vector of the wrong dimension or with NaN or infinity, a point
// cloud whose data are not whole points.
#pragma once

#include <memory>
#include <string_view>

#include "table/column_data.h"
#include "table/key_codec.h"
#include "table/schema.h"
#include "util/result.h"

namespace embodb::table {

struct ConformedColumn {
  ColumnView view;                     // of the target type
  std::unique_ptr<ColumnBuffer> owned;  // set when a conversion copied the data
};

// input: the user's values (its type is what the caller found in the data).
Result<ConformedColumn> ConformColumn(const ColumnView& input, const Column& target);

// A column of `rows` copies of the target's default (or nulls); SchemaError when
// the column is not_null without a default.
Result<ConformedColumn> DefaultColumn(const Column& target, size_t rows);

// The row keys of table_id for keys given by a user: one column per key
// column (in key order, each conformed to its column's type, no nulls);
// SchemaError naming what does not fit.
Result<RowKeys> ConformKeys(uint32_t table_id, const Schema& schema, const std::vector<ColumnView>& keys);

}  // namespace embodb::table
