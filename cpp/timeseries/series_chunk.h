// Series chunks: the samples of one series of a time series over a span of
// time, stored column by column in one LSM value: the timestamps (strictly
// ascending) and one column chunk (columnar/column_chunk.h) per value
// column, all in the sequential layout (codec::IntLayout: deltas allowed),
// each column with the statistics aggregates use instead of decoding it
// (count, sum, first, last beside the chunk's own min, max and nulls).
// Format in docs/format/timeseries.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/column_chunk.h"
#include "table/column_data.h"
#include "util/result.h"

namespace embodb::timeseries {

// Samples a chunk is written with at most (and read with at most
// kMaxReadSamples: a header claiming more is refused).
inline constexpr size_t kMaxChunkSamples = 1024;
inline constexpr size_t kMaxReadSamples = size_t{1} << 20;

// What aggregates need of one value column of a chunk. Of the values that
// are neither null nor NaN: count, sum (floats and integers, as double),
// first and last (Null when there is none); min and max as ChunkStats has
// them.
struct SeriesColumnStats {
  columnar::ChunkStats chunk;
  uint64_t count = 0;
  double sum = 0;
  table::Value first, last;
};

// Appends the chunk of samples [begin, end) of ts (ascending, distinct) and
// of each value column in `columns` (rows aligned with ts).
// REQUIRES: 0 < end - begin <= kMaxReadSamples.
void EncodeSeriesChunk(const int64_t* ts, const std::vector<table::ColumnView>& columns, size_t begin, size_t end,
                       std::string* out);

// Reads a chunk; its bytes must outlive the reader. Columns decode on
// demand.
class SeriesChunkReader {
 public:
  // Parses the header and finds the columns; Corruption when malformed.
  Status Open(std::string_view chunk);
  size_t samples() const { return samples_; }
  int64_t first_ts() const { return first_ts_; }
  int64_t last_ts() const { return last_ts_; }
  // Value columns the chunk was written with (a chunk written before a
  // column was added has fewer: the reader treats the others as null).
  size_t columns() const { return columns_.size(); }

  // The samples' timestamps, ascending (Corruption when they are not, or
  // disagree with the header).
  Status DecodeTimestamps(std::vector<int64_t>* out) const;
  // Appends value column c's samples to out (of its type).
  Status DecodeColumn(size_t c, table::ColumnBuffer* out) const;
  Result<SeriesColumnStats> ColumnStats(size_t c) const;
  // Value column c's column chunk (columnar/column_chunk.h); empty when the
  // chunk predates the column.
  std::string_view ColumnChunk(size_t c) const { return c < columns_.size() ? columns_[c].chunk : std::string_view(); }

 private:
  struct Column {
    std::string_view stats;  // count, sum, first, last
    std::string_view chunk;
  };
  size_t samples_ = 0;
  int64_t first_ts_ = 0, last_ts_ = 0;
  std::string_view timestamps_;
  std::vector<Column> columns_;
};

}  // namespace embodb::timeseries
