// Appending samples to a time series. Each series keeps its samples in
// chunks (series_chunk.h) that do not overlap in time, plus a head of
// recent samples stored one per key. A small append goes to the head; once
// a series' head reaches kSealSamples, or an append brings kDirectSamples
// or more samples of one series, they are merged with the head and with the
// chunks they overlap, in time order, and written as new chunks that
// replace them, in the same transaction. On equal (series, timestamp) the
// later write wins: the append over the head, the head over the chunks.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "table/column_data.h"
#include "table/table_def.h"
#include "txn/transaction.h"

namespace embodb::timeseries {

inline constexpr size_t kSealSamples = 1024;
inline constexpr size_t kDirectSamples = 256;

// How many head samples each series has, to know when to seal it. A hint:
// a rolled-back append leaves it too high, which only seals a little early.
// Thread-safe.
class HeadCounts {
 public:
  // The count for the series (key: table id and series), counting the
  // head's keys through reader when unknown.
  Result<size_t> Get(const std::string& key, txn::Reader* reader, const std::string& head_prefix);
  void Set(const std::string& key, size_t count);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, size_t> counts_;
};

// The table of that name, or null (the catalog's): for rollups, which
// write a second time series.
using FindSeriesTable = std::function<table::TableDefPtr(std::string_view name)>;

// Appends n samples (cols: one view per schema column, conformed to the
// schema) to the time series in tx. InvalidArgument for a null timestamp
// or tag, naming the row; nothing is written then. With a ttl, samples
// already expired are left out, and the series' expired chunks deleted
// (rolled up first when the series has a rollup: series_rollup.h).
Status AppendSamples(const table::TableDef& def, const std::vector<table::ColumnView>& cols, size_t n,
                     txn::Transaction* tx, HeadCounts* heads, const FindSeriesTable& find);

// Where samples (ascending times) are cut into chunks: the ends of the
// chunks, each of at most kMaxChunkSamples. Chunks follow a time grid (1, 2
// or 5 x 10^k ns, the coarsest whose cells hold at most 90% of a chunk at
// the samples' mean rate): no chunk crosses a cell boundary, so a resample
// into buckets that are multiples of the cell reads whole chunks from their
// statistics; a fuller cell is split evenly. Samples too sparse to fill an
// eighth of a chunk per cell of the largest grid are cut by count alone.
std::vector<size_t> ChunkEnds(const std::vector<int64_t>& ts);

// The value columns of a time series (neither a tag nor the time column),
// as schema positions in schema order.
std::vector<size_t> ValueColumns(const table::TableDef& def);

}  // namespace embodb::timeseries
