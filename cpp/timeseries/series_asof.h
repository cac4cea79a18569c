// As-of lookups in a series: for each query time, the sample at or before
// it (backward), at or after it (forward) or the closer of the two
// (nearest; the earlier on a tie), within an optional tolerance; and linear
// interpolation between the samples around each query time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "table/table_def.h"
#include "timeseries/series_read.h"
#include "txn/reader.h"

namespace embodb::timeseries {

enum class AsofDirection { kBackward, kForward, kNearest };

// "backward" | "forward" | "nearest"; InvalidArgument otherwise.
Result<AsofDirection> ParseDirection(const std::string& name);

// Reads into *samples (empty, of the value columns wanted) the samples of
// the series that queries in [lo, hi] can match: from the last sample at or
// before lo (or lo - tolerance) to the first at or after hi (or hi +
// tolerance). tolerance < 0: none.
Status ReadAround(const table::TableDef& def, txn::Reader* reader, const std::string& series, int64_t lo, int64_t hi,
                  int64_t tolerance, Samples* samples);

// For each of the n query times, the index in ts (ascending) of its match,
// or -1.
void MatchAsof(const std::vector<int64_t>& ts, const int64_t* queries, size_t n, AsofDirection direction,
               int64_t tolerance, std::vector<int64_t>* match);

// For each query time, column c of samples (numeric) interpolated
// linearly, as float64: the sample's value at an equal time, otherwise
// between the samples before and after it (null outside the samples, or
// when either neighbour is null; NaN when either is NaN).
void Interpolate(const Samples& samples, size_t c, const int64_t* queries, size_t n, table::ColumnBuffer* out);

}  // namespace embodb::timeseries
