// Resampling a series: aggregates of its samples per time bucket
// [k * every, (k + 1) * every) since the epoch. A chunk that lies in one
// bucket and that no head sample overrides is aggregated from its
// statistics (series_chunk.h) without decoding it. Buckets without samples
// are left out.
//
// Aggregates skip nulls and NaN (as pandas does): count counts the other
// values; sum and mean are float64 (NaN for mean of none); min, max, first
// and last keep the column's type and are null when a bucket has no value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "table/column_data.h"
#include "table/table_def.h"
#include "table/table_reader.h"
#include "timeseries/series_keys.h"
#include "txn/reader.h"

namespace embodb::timeseries {

enum class AggregateKind { kFirst, kLast, kMin, kMax, kMean, kSum, kCount };

// "first", "last", "min", "max", "mean", "sum", "count"; InvalidArgument
// naming the others.
Result<AggregateKind> ParseAggregate(const std::string& name);

struct ResampleSpec {
  int64_t every = 0;  // nanoseconds, > 0
  int64_t t0 = 0, t1 = 0;  // [t0, t1); t1 = kMaxTime: no bound
  // (schema position of a numeric or boolean value column, aggregate)
  std::vector<std::pair<size_t, AggregateKind>> aggregates;
  // Reads samples the retention hides too (rollups of expiring samples).
  bool past_retention = false;
};

// The type of an aggregate's output column.
table::ColumnType AggregateType(AggregateKind kind, const table::ColumnType& column);

// The start of the bucket holding ts.
int64_t BucketOf(int64_t ts, int64_t every);

// Appends one row per bucket of the series that has samples: the bucket's
// start into *starts and each aggregate's value into outs[i] (of
// AggregateType). Returns through *chunks_from_stats how many chunks were
// aggregated without decoding.
Status ResampleSeries(const table::TableDef& def, txn::Reader* reader, const std::string& series,
                      const ResampleSpec& spec, std::vector<int64_t>* starts, std::vector<table::ColumnBuffer>* outs,
                      size_t* chunks_from_stats);

}  // namespace embodb::timeseries
