// Aggregates in the core: count, sum, mean, min, max, first and last over
// the rows of a table that pass a filter, in groups of equal keys (columns,
// or time_bucket(ts, '1s'): the timestamp rounded down to a multiple of the
// duration since the epoch), one result row per group, ordered by the keys
// (nulls last).
//
// Aggregates skip nulls: count(col) counts the values, count() the rows;
// the others are null when a group has no value. min and max follow the
// order of ordered scans (value_order.h: NaN above every number); first and
// last are the values of the group's first and last rows in primary-key
// order. sum of integers is exact (InvalidArgument when it leaves the
// 64-bit range); mean is a float64.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "query/filter.h"
#include "table/table_def.h"
#include "table/table_reader.h"
#include "txn/reader.h"

namespace embodb::query {

// (output name, expression): a key is "col" or "time_bucket(col, '1s')";
// an aggregate "count()", "count(col)", "sum(col)", "mean(col)" (or
// "avg(col)"), "min(col)", "max(col)", "first(col)", "last(col)".
using NamedExpressions = std::vector<std::pair<std::string, std::string>>;

// *out: the key columns, then the aggregates, by their names. SchemaError
// for an unknown column, an aggregate its column's type cannot take (sum of
// strings, anything of vectors) or a name given twice; InvalidInputError for an expression
// that does not parse.
Status Aggregate(const table::TableDefPtr& table, txn::Reader* reader, const FilterPtr& filter,
                 const NamedExpressions& keys, const NamedExpressions& aggregates, table::ResultBatch* out);

}  // namespace embodb::query
