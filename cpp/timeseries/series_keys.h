// The keys of a time series in the LSM (docs/format/timeseries.md):
//   kSeries | table id (BE32) | 's' | series          -> the series record
//   kSeries | table id (BE32) | 'c' | series | t_last -> a series chunk
//   kSeries | table id (BE32) | 'h' | series | ts     -> a recent sample
// `series` is the series' tag values, each encoded as in an index
// (self-delimiting, order-preserving); empty without tags. Timestamps are
// 8 bytes big-endian with the sign bit flipped, so byte order is time
// order. A chunk is keyed by its last timestamp: seeking to a time finds
// the first chunk that reaches it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "table/column_data.h"
#include "table/table_def.h"
#include "util/result.h"

namespace embodb::timeseries {

enum class SeriesKeyKind : char { kRecord = 's', kChunk = 'c', kHead = 'h' };  // on disk: never renumber

// kSeries | table id | kind | series.
std::string SeriesPrefix(uint32_t table_id, SeriesKeyKind kind, std::string_view series);
std::string SeriesTimeKey(uint32_t table_id, SeriesKeyKind kind, std::string_view series, int64_t ts);
// The timestamp at the end of a chunk or head key.
int64_t KeyTime(std::string_view key);
void AppendTime(int64_t ts, std::string* dst);

// The encoded series of row i (tags: views of the tag columns, in key order).
void AppendSeries(const std::vector<table::ColumnView>& tags, size_t i, std::string* dst);

// The series record: its tag values (to list series without decoding keys)
// and where its last chunk ends, so that an append in time order can fill
// a small last chunk instead of starting a new one.
struct SeriesRecord {
  std::vector<table::Value> tags;
  int64_t tail_last_ts = 0;  // the last chunk's key time; valid when tail_samples > 0
  uint64_t tail_samples = 0;
  // With a rollup (series_rollup.h): the samples before this time were
  // rolled up (INT64_MIN: none yet).
  int64_t rolled_until = INT64_MIN;

  void EncodeTo(std::string* dst) const;
  static Result<SeriesRecord> Decode(std::string_view value, size_t tag_count);
};

}  // namespace embodb::timeseries
