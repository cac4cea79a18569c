// Skipping column chunks by their statistics: whether a filter can be true
// for any row of a block, given each filter column's chunk statistics (min,
// max, nulls; columnar/column_chunk.h). Conservative: true unless the
// statistics prove that no row passes (so a skipped block never held a
// match). Understood: comparisons of a column with a literal, BETWEEN, IN,
// IS [NOT] NULL, and AND / OR of them; anything else may match.
#pragma once

#include <functional>

#include "columnar/column_chunk.h"
#include "query/filter.h"

namespace embodb::query {

// stats(c): the statistics of column c's values in the block, or nullptr
// when they are not known (then rows may hold anything).
using ChunkStatsLookup = std::function<const columnar::ChunkStats*(size_t column)>;

bool ChunkMayMatch(const Filter& filter, const ChunkStatsLookup& stats);

// *out = -1, 0 or 1 as a < b, a == b or a > b: numbers of any kind
// compared exactly (in long double), strings byte-wise. False when the two
// cannot be ordered here (NaN, NULL, a number and a string).
bool OrderValues(const table::Value& a, const table::Value& b, int* out);

}  // namespace embodb::query
