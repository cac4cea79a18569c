// Reading a time series: its series, and the samples of a series in a time
// range merged from its chunks and its head, in time order, decoded straight
// into columns.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "table/column_data.h"
#include "table/table_def.h"
#include "table/table_reader.h"
#include "timeseries/series_chunk.h"
#include "timeseries/series_keys.h"
#include "txn/reader.h"

namespace embodb::timeseries {

inline constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

// Samples of one series in time order: timestamps and the columns asked
// for (value columns of the schema, by position in `columns`).
struct Samples {
  std::vector<size_t> columns;  // schema positions
  std::vector<int64_t> ts;
  std::vector<table::ColumnBuffer> values;

  Samples(const table::Schema& schema, std::vector<size_t> value_columns);
  // Empty, with the columns of `like`.
  static Samples EmptyLike(const Samples& like);
  size_t size() const { return ts.size(); }

 private:
  Samples() = default;
};

// Appends the chunk's samples with ts in [t0, t1) (t1 = kMaxTime: no
// bound) to out. value_index[i]:
// the chunk column of out.columns[i] (the value columns in schema order).
Status AppendChunkSamples(const SeriesChunkReader& chunk, const std::vector<size_t>& value_index, int64_t t0,
                          int64_t t1, Samples* out);

// Appends the head samples of a series with ts in [t0, t1) (t1 = kMaxTime:
// no bound), in time order;
// keys (optional) gets each one's key.
Status ReadHeadSamples(const table::TableDef& def, txn::Reader* reader, const std::string& series, int64_t t0,
                       int64_t t1, Samples* out, std::vector<std::string>* keys = nullptr);

// Merges b into a, both in time order; on equal timestamps b's sample wins.
void MergeSamples(Samples* a, const Samples& b);

// The positions of the value columns of def in the chunks (a chunk's
// columns are the value columns in schema order).
std::vector<size_t> ChunkColumnIndexes(const table::TableDef& def, const std::vector<size_t>& value_columns);

struct SeriesEntry {
  std::string key;  // the encoded series
  SeriesRecord record;
};
// Every series of the time series, in key order.
Status ListSeries(const table::TableDef& def, txn::Reader* reader, std::vector<SeriesEntry>* out);

// The samples of one series in [t0, t1), merged from chunks and head;
// t1 = kMaxTime is no bound (kMaxTime itself included).
Status ReadSeriesRange(const table::TableDef& def, txn::Reader* reader, const std::string& series, int64_t t0,
                       int64_t t1, Samples* out);

// The last n samples of one series (fewer if it has fewer), in time order.
Status ReadSeriesLatest(const table::TableDef& def, txn::Reader* reader, const std::string& series, size_t n,
                        Samples* out);

// The columns `projection` (schema positions: tags, the time column, value
// columns) of samples of one series, appended to out (of that projection).
// Value columns move into columns of out that are still empty.
void AppendProjected(const table::TableDef& def, const SeriesRecord& series, Samples&& samples,
                     const std::vector<size_t>& projection, table::ResultBatch* out);

}  // namespace embodb::timeseries
