// Ordered reads: the rows of a table that pass a filter, ordered by one
// column, rows [offset, offset + limit) of that order. Nulls come last in
// both directions; NaN sorts above every number (first when descending);
// rows with equal values keep primary-key order.
//
// With a small limit (offset + limit <= kTopKRows) it is a top-k: the scan
// reads only the order column and the primary key, keeps the best
// offset + limit rows in a bounded selection, and then reads the chosen
// rows by key (late materialisation): the latest of 9,000 frames costs one
// pass over a column, not a sort of every row. Otherwise every projected
// column is read and the rows are sorted.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "query/filter.h"
#include "table/table_def.h"
#include "table/table_reader.h"
#include "txn/reader.h"

namespace embodb::query {

struct OrderBy {
  size_t column = 0;  // schema position; not a vector, point or point-cloud column
  bool descending = false;
};

// Rows kept by a top-k at most; more are sorted whole.
inline constexpr size_t kTopKRows = 65536;

// One line saying how SortedScan orders such a query, for explain().
std::string SortPlan(const table::TableDef& table, const OrderBy& order, size_t offset, std::optional<size_t> limit);

// *out gets the rows as a ResultBatch::ForProjection of projection; *plan
// SortPlan's line. SchemaError for an order column
// that is not ordered. REQUIRES: reader holds one state (a snapshot or a
// transaction), so that the rows chosen are still there when read by key.
Status SortedScan(const table::TableDefPtr& table, txn::Reader* reader, const std::vector<size_t>& projection,
                  const FilterPtr& filter, const OrderBy& order, size_t offset, std::optional<size_t> limit,
                  table::ResultBatch* out, std::string* plan);

}  // namespace embodb::query
