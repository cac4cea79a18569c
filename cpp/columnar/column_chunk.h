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

#include "codec/float_codec.h"
#include "codec/int_codec.h"
#include "codec/string_codec.h"
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
// col.length <= kMaxChunkRows. kSequential (time series, decoded whole
// only) lets integers be stored as deltas; ChunkReader cannot read those.
void EncodeChunk(const table::ColumnView& col, std::string* out,
                 codec::IntLayout layout = codec::IntLayout::kRandomAccess);
// The statistics in the chunk's header, without decoding its values.
Result<ChunkStats> ReadChunkStats(std::string_view chunk);
// Appends the chunk's values to out, whose type must be the chunk's.
// Corruption when the chunk does not decode (or is of another type:
// InvalidArgument).
Status DecodeChunk(std::string_view chunk, table::ColumnBuffer* out);

// Whether DecodeChunkInto decodes a chunk of these statistics: no nulls,
// and float64, float32 or a 64-bit integer or timestamp.
bool DecodesInto(const ChunkStats& stats);
// Writes the chunk's stats.rows values (as in memory, FixedWidth() bytes
// each) at out; NotSupported (nothing written) unless DecodesInto(the
// chunk's statistics).
Status DecodeChunkInto(std::string_view chunk, const table::ColumnType& type, void* out);

// Reads single rows of a chunk without decoding the others (point reads of
// columnar blocks). The chunk's bytes must outlive the reader and the views
// it returns.
class ChunkReader {
 public:
  // Parses the chunk's header and its codec's; Corruption when malformed.
  Status Open(std::string_view chunk);
  const table::ColumnType& type() const { return type_; }
  size_t rows() const { return rows_; }
  bool IsNull(size_t row) const {
    return nulls_ != nullptr && ((nulls_[row / 8] >> (row % 8)) & 1) != 0;
  }
  // Row `row`'s value, which must not be null: a fixed-width type's
  // FixedWidth() bytes as in memory (little-endian) into out; a variable one
  // (string, bytes, point cloud) as a view. Corruption when its stored
  // offsets are out of range.
  Status FixedAt(size_t row, void* out) const;
  // Hints to the CPU that row `row` will be read soon (a point read of
  // several rows fetches them all before reading any).
  void Prefetch(size_t row) const;
  Status BytesAt(size_t row, std::string_view* out) const;
  // Appends row `row`'s value, or a null, to out (of the chunk's type).
  Status AppendRow(size_t row, table::ColumnBuffer* out) const;

 private:
  // The position of row `row` among the values that are not null.
  size_t ValueIndex(size_t row) const;

  table::ColumnType type_;
  size_t rows_ = 0;
  const uint8_t* nulls_ = nullptr;  // the null bitmap; nullptr when there are no nulls
  codec::IntReader ints_;           // integers, timestamps; a point cloud's ends
  codec::FloatReader<double> doubles_;
  codec::FloatReader<float> floats_;
  codec::StringReader strings_;
  const uint8_t* values_ = nullptr;  // booleans' bits; vectors' and clouds' bytes
  size_t values_size_ = 0;
};

}  // namespace embodb::columnar
