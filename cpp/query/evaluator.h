// Evaluates a compiled filter on a batch of rows, a column at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "query/filter.h"
#include "table/column_data.h"

namespace embodb::query {

// columns: a view per schema position; those in filter.columns must be set
// (rows long). Appends to *selected the indices of the rows for which the
// filter is true. InvalidArgument on integer overflow, or a uint64 value
// above the int64 range, in the expression's arithmetic or comparisons.
Status EvaluateFilter(const Filter& filter, const std::vector<table::ColumnView>& columns, size_t rows,
                      std::vector<uint32_t>* selected);

// SQL LIKE with % (any run of characters) and _ (one UTF-8 character);
// case-sensitive, no escape character.
bool LikeMatch(std::string_view text, std::string_view pattern);

}  // namespace embodb::query
