// Rollups of a time series with a time-to-live: when samples expire, the
// aggregates of their whole buckets (`every` wide, since the epoch) are
// appended, in the same transaction, to a companion time series (its tags,
// the bucket start, one column per aggregate, as resample() names them),
// which keeps them under its own ttl. A series record remembers up to where
// it was rolled up; a chunk is deleted only once every bucket it touches
// was. The rollup's definition is kept in SeriesDef::options.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "table/table_def.h"
#include "timeseries/series_resample.h"
#include "timeseries/series_write.h"
#include "txn/transaction.h"
#include "util/result.h"

namespace embodb::timeseries {

struct RollupDef {
  int64_t every = 0;              // bucket width, ns
  std::string table;              // the companion time series
  std::vector<std::pair<std::string, std::string>> aggregates;  // (value column, aggregate)

  bool empty() const { return every == 0; }
  // SeriesDef::options (docs/format/timeseries.md): empty without a rollup.
  std::string Encode() const;
  static Result<RollupDef> Decode(std::string_view options);
};

// Before the expired samples of one series (older than `start`) are
// deleted: appends the rollup rows of the whole buckets in [rolled_until,
// BucketOf(start)) to the companion in tx and returns in *until the time
// before which chunks may go (BucketOf(start); `start` without a rollup).
// record: the series record, updated (written by the caller).
Status RollUp(const table::TableDef& def, const RollupDef& rollup, const FindSeriesTable& find, txn::Transaction* tx,
              const std::string& series, struct SeriesRecord* record, int64_t start, HeadCounts* heads,
              int64_t* until);

}  // namespace embodb::timeseries
