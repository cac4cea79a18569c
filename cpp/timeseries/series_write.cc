#include "timeseries/series_write.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <unordered_map>

#include <tbb/parallel_for.h>

#include "table/key_codec.h"
#include "table/row_codec.h"
#include "timeseries/series_chunk.h"
#include "timeseries/series_keys.h"
#include "timeseries/series_read.h"
#include "timeseries/series_resample.h"
#include "timeseries/series_retention.h"

namespace embodb::timeseries {

using table::ColumnView;

std::vector<size_t> ValueColumns(const table::TableDef& def) {
  std::vector<size_t> out;
  for (size_t c = 0; c < def.schema.size(); c++) {
    if (c != def.series->time_column && !def.series->IsTag(c)) out.push_back(c);
  }
  return out;
}

std::vector<size_t> ChunkEnds(const std::vector<int64_t>& ts) {
  const size_t n = ts.size();
  std::vector<size_t> ends;
  auto split_evenly = [&ends](size_t begin, size_t end) {
    const size_t parts = (end - begin + kMaxChunkSamples - 1) / kMaxChunkSamples;
    for (size_t k = 1; k <= parts; k++) ends.push_back(begin + (end - begin) * k / parts);
  };
  if (n == 0) return ends;
  // The grid: the coarsest 1, 2 or 5 x 10^k ns (1 us to 50 days) whose cells
  // hold at most 90% of a chunk at the samples' mean rate, if that fills a
  // chunk to an eighth at least; else chunks are cut by count alone.
  const double span = static_cast<double>(ts.back()) - static_cast<double>(ts.front());
  const double rate = n > 1 && span > 0 ? static_cast<double>(n - 1) / span : 0;
  int64_t grid = 0;
  for (int64_t decade = 1000; decade <= 1'000'000'000'000'000 && rate > 0; decade *= 10) {
    for (int64_t step : {1, 2, 5}) {
      const double per_cell = rate * static_cast<double>(decade * step);
      if (per_cell <= 0.9 * kMaxChunkSamples) grid = decade * step;
    }
  }
  if (grid == 0 || rate * static_cast<double>(grid) < kMaxChunkSamples / 8.0) {
    split_evenly(0, n);
    return ends;
  }
  size_t begin = 0;
  while (begin < n) {
    const int64_t cell = BucketOf(ts[begin], grid);
    const int64_t next = cell > std::numeric_limits<int64_t>::max() - grid ? std::numeric_limits<int64_t>::max()
                                                                            : cell + grid;
    size_t end = begin;
    while (end < n && (ts[end] < next || next == std::numeric_limits<int64_t>::max())) end++;
    split_evenly(begin, end);
    begin = end;
  }
  return ends;
}

Result<size_t> HeadCounts::Get(const std::string& key, txn::Reader* reader, const std::string& head_prefix) {
  {
    std::lock_guard lock(mu_);
    auto found = counts_.find(key);
    if (found != counts_.end()) return found->second;
  }
  size_t count = 0;
  const std::string upper = table::PrefixSuccessor(head_prefix);
  auto it = reader->NewIterator(head_prefix, upper);
  for (it->Seek(head_prefix); it->Valid() && it->key() < upper; it->Next()) count++;
  EMBODB_RETURN_IF_ERROR(it->status());
  Set(key, count);
  return count;
}

void HeadCounts::Set(const std::string& key, size_t count) {
  std::lock_guard lock(mu_);
  counts_[key] = count;
}

namespace {

// One series' part of an append: rows of the input, in time order, one per
// timestamp (the last given wins).
struct SeriesRows {
  std::string series;
  size_t first_row = 0;  // a row of the input, for the series' tag values
  std::vector<size_t> rows;
};

std::vector<SeriesRows> GroupBySeries(const table::TableDef& def, const std::vector<ColumnView>& cols, size_t n) {
  std::vector<ColumnView> tags;
  for (uint32_t t : def.series->tags) tags.push_back(cols[t]);
  const ColumnView& time = cols[def.series->time_column];
  // Each row's series as a small number, in order of first appearance.
  std::vector<std::string> names;
  std::vector<uint32_t> id(n);
  {
    std::unordered_map<std::string, uint32_t> ids;
    std::string key;
    for (size_t i = 0; i < n; i++) {
      key.clear();
      AppendSeries(tags, i, &key);
      if (!names.empty() && key == names.back()) {  // runs of one series: no lookup
        id[i] = static_cast<uint32_t>(names.size() - 1);
        continue;
      }
      auto [it, added] = ids.try_emplace(key, static_cast<uint32_t>(names.size()));
      if (added) names.push_back(key);
      id[i] = it->second;
    }
  }
  // Rows by (series, time), stable: sorted input (the common case) is kept as it is.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  auto before = [&](size_t a, size_t b) {
    if (id[a] != id[b]) return names[id[a]] < names[id[b]];
    return time.Get<int64_t>(a) < time.Get<int64_t>(b);
  };
  bool sorted = true;
  for (size_t i = 1; i < n && sorted; i++) sorted = !before(i, i - 1);
  if (!sorted) std::stable_sort(order.begin(), order.end(), before);
  std::vector<SeriesRows> out;
  for (size_t k = 0; k < n; k++) {
    const size_t row = order[k];
    if (out.empty() || out.back().series != names[id[row]]) out.push_back({names[id[row]], row, {}});
    std::vector<size_t>& rows = out.back().rows;
    if (!rows.empty() && time.Get<int64_t>(rows.back()) == time.Get<int64_t>(row)) {
      rows.back() = row;  // the same timestamp again: the later row wins
    } else {
      rows.push_back(row);
    }
  }
  return out;
}

Status CheckSamples(const table::TableDef& def, const std::vector<ColumnView>& cols, size_t n) {
  const ColumnView& time = cols[def.series->time_column];
  for (size_t i = 0; i < n; i++) {
    if (time.IsNull(i)) {
      return Status::InvalidArgument("sample " + std::to_string(i) + " has no timestamp ('" +
                                     def.schema.column(def.series->time_column).name + "' is null)");
    }
    for (uint32_t t : def.series->tags) {
      if (cols[t].IsNull(i)) {
        return Status::InvalidArgument("sample " + std::to_string(i) + " has no value for the tag '" +
                                       def.schema.column(t).name + "'");
      }
    }
  }
  return Status::OK();
}

// The samples of the input rows, as Samples (value columns only).
Samples RowsAsSamples(const table::TableDef& def, const std::vector<ColumnView>& cols,
                      const std::vector<size_t>& rows) {
  Samples s(def.schema, ValueColumns(def));
  const ColumnView& time = cols[def.series->time_column];
  const bool contiguous = !rows.empty() && rows.back() - rows.front() + 1 == rows.size();
  s.ts.reserve(rows.size());
  for (size_t row : rows) s.ts.push_back(time.Get<int64_t>(row));
  for (size_t v = 0; v < s.columns.size(); v++) {
    if (contiguous) {  // the rows as given, in order: copied in one go
      s.values[v].AppendRange(cols[s.columns[v]], rows.front(), rows.size());
      continue;
    }
    for (size_t row : rows) s.values[v].AppendFrom(cols[s.columns[v]], row);
  }
  return s;
}

// Merges `fresh` (the append's samples of one series) with the series'
// head and the chunks they overlap (and a small last chunk they follow),
// and writes the result as chunks replacing them.
Status Seal(const table::TableDef& def, const std::string& series, SeriesRecord record, Samples fresh,
            txn::Transaction* tx) {
  const std::vector<size_t> index = ChunkColumnIndexes(def, fresh.columns);
  std::vector<std::string> replaced;  // chunk and head keys the new chunks replace
  Samples recent = Samples::EmptyLike(fresh);  // the head, then the append over it
  EMBODB_RETURN_IF_ERROR(ReadHeadSamples(def, tx, series, kMinTime, kMaxTime, &recent, &replaced));
  MergeSamples(&recent, fresh);
  if (recent.size() == 0) return Status::OK();
  const int64_t lo = recent.ts.front(), hi = recent.ts.back();
  Samples merged = Samples::EmptyLike(fresh);
  auto take_chunk = [&](std::string_view key, std::string_view value) -> Status {
    SeriesChunkReader chunk;
    EMBODB_RETURN_IF_ERROR(chunk.Open(value));
    replaced.emplace_back(key);
    return AppendChunkSamples(chunk, index, kMinTime, kMaxTime, &merged);
  };
  // A last chunk that is not full and that the samples follow is filled up
  // (its grid cell, ChunkEnds, may go on).
  if (record.tail_samples > 0 && record.tail_samples < kMaxChunkSamples && record.tail_last_ts < lo) {
    const std::string key = SeriesTimeKey(def.id, SeriesKeyKind::kChunk, series, record.tail_last_ts);
    std::string value;
    Status s = tx->Get(key, &value);
    if (s.ok()) {
      EMBODB_RETURN_IF_ERROR(take_chunk(key, value));
    } else if (!s.IsNotFound()) {
      return s;
    }
  }
  const std::string prefix = SeriesPrefix(def.id, SeriesKeyKind::kChunk, series);
  const std::string lower = SeriesTimeKey(def.id, SeriesKeyKind::kChunk, series, lo);
  const std::string upper = table::PrefixSuccessor(prefix);
  {
    auto it = tx->NewIterator(lower, upper);
    for (it->Seek(lower); it->Valid() && it->key() < upper; it->Next()) {
      SeriesChunkReader chunk;
      EMBODB_RETURN_IF_ERROR(chunk.Open(it->value()));
      if (chunk.first_ts() > hi) break;
      EMBODB_RETURN_IF_ERROR(take_chunk(it->key(), it->value()));
    }
    EMBODB_RETURN_IF_ERROR(it->status());
  }
  MergeSamples(&merged, recent);  // recent samples win over the chunks
  for (const std::string& key : replaced) tx->Delete(key);
  const size_t n = merged.size();
  const std::vector<size_t> ends = ChunkEnds(merged.ts);
  const size_t chunks = ends.size();
  std::vector<ColumnView> views;
  for (const auto& v : merged.values) views.push_back(v.view());
  // Chunks are encoded in parallel (an append of 100k samples makes about
  // a hundred), then put in order.
  std::vector<std::string> encoded(chunks);
  tbb::parallel_for(size_t{0}, chunks, [&](size_t k) {
    EncodeSeriesChunk(merged.ts.data(), views, k == 0 ? 0 : ends[k - 1], ends[k], &encoded[k]);
  });
  for (size_t k = 0; k < chunks; k++) {
    tx->Put(SeriesTimeKey(def.id, SeriesKeyKind::kChunk, series, merged.ts[ends[k] - 1]), encoded[k]);
  }
  // The last chunk written is the series' last unless later chunks exist.
  if (record.tail_samples == 0 || merged.ts.back() >= record.tail_last_ts) {
    record.tail_last_ts = merged.ts.back();
    record.tail_samples = n - (chunks > 1 ? ends[chunks - 2] : 0);
  }
  std::string value;
  record.EncodeTo(&value);
  tx->Put(SeriesPrefix(def.id, SeriesKeyKind::kRecord, series), value);
  return Status::OK();
}

}  // namespace

Status AppendSamples(const table::TableDef& def, const std::vector<ColumnView>& cols, size_t n, txn::Transaction* tx,
                     HeadCounts* heads, const FindSeriesTable& find) {
  if (!def.series) return Status::InvalidArgument("'" + def.name + "' is not a time series");
  if (n == 0) return Status::OK();
  EMBODB_RETURN_IF_ERROR(CheckSamples(def, cols, n));
  std::vector<SeriesRows> groups = GroupBySeries(def, cols, n);
  const int64_t keep_from = RetentionStart(def, NowNanos());
  const ColumnView& time = cols[def.series->time_column];
  std::string count_key, value;
  for (SeriesRows& group : groups) {
    if (keep_from != kMinTime) {  // samples already past the retention are not kept
      auto expired = [&](size_t row) { return time.Get<int64_t>(row) < keep_from; };
      group.rows.erase(std::remove_if(group.rows.begin(), group.rows.end(), expired), group.rows.end());
      if (group.rows.empty()) continue;
    }
    const std::string record_key = SeriesPrefix(def.id, SeriesKeyKind::kRecord, group.series);
    SeriesRecord record;
    Status s = tx->Get(record_key, &value);
    const bool had_record = s.ok();
    bool record_changed = false;
    if (had_record) {
      EMBODB_ASSIGN_OR_RETURN(record, SeriesRecord::Decode(value, def.series->tags.size()));
      // The series' expired samples go (rolled up first, with a rollup).
      size_t dropped = 0;
      EMBODB_RETURN_IF_ERROR(
          DropExpired(def, tx, group.series, keep_from, heads, find, &record, &record_changed, &dropped));
    } else if (!s.IsNotFound()) {
      return s;
    } else {
      for (uint32_t t : def.series->tags) record.tags.push_back(table::ScalarAt(cols[t], group.first_row));
    }
    const std::string head_prefix = SeriesPrefix(def.id, SeriesKeyKind::kHead, group.series);
    count_key = std::to_string(def.id) + '/' + group.series;
    size_t head_count = 0;
    EMBODB_ASSIGN_OR_RETURN(head_count, heads->Get(count_key, tx, head_prefix));
    if (group.rows.size() >= kDirectSamples || head_count + group.rows.size() >= kSealSamples) {
      EMBODB_RETURN_IF_ERROR(Seal(def, group.series, std::move(record), RowsAsSamples(def, cols, group.rows), tx));
      heads->Set(count_key, 0);
      continue;
    }
    for (size_t row : group.rows) {
      value.resize(table::EncodedRowSize(def.schema, cols, row));
      table::EncodeRowTo(def.schema, cols, row, value.data());
      tx->Put(SeriesTimeKey(def.id, SeriesKeyKind::kHead, group.series, time.Get<int64_t>(row)), value);
    }
    if (!had_record || record_changed) {
      value.clear();
      record.EncodeTo(&value);
      tx->Put(record_key, value);
    }
    heads->Set(count_key, head_count + group.rows.size());
  }
  return Status::OK();
}

}  // namespace embodb::timeseries
