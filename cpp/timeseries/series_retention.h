// Retention of a time series (SeriesDef::ttl_ns): samples older than the
// time-to-live, counted back from the wall clock, are not read, not
// appended, and their chunks and head samples are deleted (compaction then
// drops them from the files). A chunk goes once its last sample expires;
// until then reads leave out its expired samples.
#pragma once

#include <cstdint>
#include <string>

#include "table/table_def.h"
#include "timeseries/series_keys.h"
#include "timeseries/series_write.h"
#include "txn/transaction.h"

namespace embodb::timeseries {

// Nanoseconds since the epoch, from the system clock.
int64_t NowNanos();

// The oldest time the series keeps at `now` (kMinTime without a ttl).
int64_t RetentionStart(const table::TableDef& def, int64_t now);

// Deletes in tx the chunks and head samples of one series that end before
// `start`, after rolling them up when the series has a rollup (then only
// those before the last whole bucket rolled up); *dropped counts the keys.
// *record is the series' record, updated (and *changed set) when its last
// chunk goes or its rollup advances: the caller writes it.
Status DropExpired(const table::TableDef& def, txn::Transaction* tx, const std::string& series, int64_t start,
                   HeadCounts* heads, const FindSeriesTable& find, SeriesRecord* record, bool* changed,
                   size_t* dropped);
// The same for a series whose record is stored: reads and writes it.
Status DropExpiredSeries(const table::TableDef& def, txn::Transaction* tx, const std::string& series, int64_t start,
                         HeadCounts* heads, const FindSeriesTable& find, size_t* dropped);

}  // namespace embodb::timeseries
