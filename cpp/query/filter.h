// A compiled filter: an expression parsed and bound to a table's schema,
// ready to evaluate on batches of rows (evaluator.h).
//
// Types: integer columns and literals are int64, floats double; comparing an
// integer with a float compares numbers. A string literal compared with a
// timestamp column is an ISO time (time_literal.h); an integer compared with
// one is nanoseconds since the epoch. Bool compares with bool or 0/1.
// Strings and bytes compare byte-wise (UTF-8 order). NULL follows SQL: a
// comparison with NULL is unknown, NOT unknown is unknown, and a row passes
// only when the filter is true. Vector, point3 and point-cloud columns can
// only be tested with IS [NOT] NULL.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/expr.h"
#include "table/schema.h"
#include "util/result.h"

namespace embodb::query {

struct Plan;  // plan.h

struct Filter {
  std::string text;
  std::shared_ptr<Expr> root;
  std::vector<size_t> columns;  // schema positions the expression reads, ascending
  // A plan made with a derived index for reads at planned_at exactly
  // (spatial_plan.h); PlanScan uses it for such a read, and plans anew
  // for any other.
  std::shared_ptr<const Plan> planned;
  uint64_t planned_at = 0;
};
using FilterPtr = std::shared_ptr<const Filter>;

// A copy of filter (sharing its expression) that carries plan for reads at
// `sequence`.
FilterPtr WithPlan(const FilterPtr& filter, std::shared_ptr<const Plan> plan, uint64_t sequence);

// InvalidArgument for syntax errors and type mismatches, SchemaError for an
// unknown column; both point at the offending part of text.
Result<FilterPtr> CompileFilter(std::string_view text, const table::Schema& schema);

// Any expression (a condition or a value), bound as a filter is.
Result<std::shared_ptr<Filter>> CompileExpression(std::string_view text, const table::Schema& schema);

// The type of a column's values in expressions.
Type ColumnExprType(const table::ColumnType& t);

}  // namespace embodb::query
