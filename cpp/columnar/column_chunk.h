// Column chunks: the values of one column for a block of rows, encoded with
// the column codecs (codec/), with the statistics a scan uses to skip the
// chunk without decoding it (min, max, nulls). Columnar tables store a
// block of rows column by column as chunks (the PAX layout; issue 24), and
// time series their samples. Format in docs/format/codecs.md ("Column
// chunk").
//
// Scalars go through the codec of their type: integers and timestamps the
// integer codec, floats ALP, strings and bytes the string codec, booleans
// one bit each. Wide values (vectors, point3, point clouds) are stored as
// their float32 bytes, without statistics: a chunk of them is only read
// when its column is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "table/column_data.h"
#include "util/result.h"

namespace embodb::columnar {

struct ChunkStats {
  table::ColumnType type;
  size_t rows = 0;
  size_t nulls = 0;
  // Of the values that are not null: Null when every value is null, when a
  // float chunk holds only NaN, or for wide types. NaN is left out of a
  // float chunk's range (has_nan says it is there).
  table::Value min, max;
  bool has_nan = false;
};

// Rows a chunk holds at most (blocks are far smaller): a decoder refuses a
// header claiming more rather than allocate for it.
inline constexpr size_t kMaxChunkRows = size_t{1} << 24;

// Appends the chunk of col's values (every row of the view). REQUIRES:
// col.length <= kMaxChunkRows.
void EncodeChunk(const table::ColumnView& col, std::string* out);
// The statistics in the chunk's header, without decoding its values.
Result<ChunkStats> ReadChunkStats(std::string_view chunk);
// Appends the chunk's values to out, whose type must be the chunk's.
// Corruption when the chunk does not decode (or is of another type:
// InvalidArgument).
Status DecodeChunk(std::string_view chunk, table::ColumnBuffer* out);

}  // namespace embodb::columnar
