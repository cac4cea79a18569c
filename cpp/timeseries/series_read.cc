#include "timeseries/series_read.h"

#include <algorithm>
#include <cstring>

#include <tbb/parallel_for.h>

#include "table/key_codec.h"
#include "table/row_codec.h"
#include "timeseries/series_retention.h"

namespace embodb::timeseries {

using table::ColumnBuffer;
using table::ColumnView;

Samples::Samples(const table::Schema& schema, std::vector<size_t> value_columns) : columns(std::move(value_columns)) {
  values.reserve(columns.size());
  for (size_t c : columns) values.emplace_back(schema.column(c).type);
}

Samples Samples::EmptyLike(const Samples& like) {
  Samples s;
  s.columns = like.columns;
  for (const ColumnBuffer& v : like.values) s.values.emplace_back(v.type());
  return s;
}

std::vector<size_t> ChunkColumnIndexes(const table::TableDef& def, const std::vector<size_t>& value_columns) {
  std::vector<size_t> out;
  for (size_t c : value_columns) {
    size_t index = 0;
    for (size_t s = 0; s < c; s++) {
      if (s != def.series->time_column && !def.series->IsTag(s)) index++;
    }
    out.push_back(index);
  }
  return out;
}

namespace {

// The positions [*begin, *end) of the times of ts (ascending) in [t0, t1)
// (t1 = kMaxTime: no bound).
void TimeSpan(const std::vector<int64_t>& ts, int64_t t0, int64_t t1, size_t* begin, size_t* end) {
  *begin = static_cast<size_t>(std::lower_bound(ts.begin(), ts.end(), t0) - ts.begin());
  *end = t1 == kMaxTime ? ts.size() : static_cast<size_t>(std::lower_bound(ts.begin(), ts.end(), t1) - ts.begin());
  *end = std::max(*begin, *end);
}

}  // namespace

Status AppendChunkSamples(const SeriesChunkReader& chunk, const std::vector<size_t>& value_index, int64_t t0,
                          int64_t t1, Samples* out) {
  std::vector<int64_t> ts;
  EMBODB_RETURN_IF_ERROR(chunk.DecodeTimestamps(&ts));
  size_t begin, end;
  TimeSpan(ts, t0, t1, &begin, &end);
  if (begin == end) return Status::OK();
  out->ts.insert(out->ts.end(), ts.begin() + static_cast<ptrdiff_t>(begin), ts.begin() + static_cast<ptrdiff_t>(end));
  for (size_t i = 0; i < value_index.size(); i++) {
    if (begin == 0 && end == ts.size()) {  // the whole chunk: straight into the output
      EMBODB_RETURN_IF_ERROR(chunk.DecodeColumn(value_index[i], &out->values[i]));
      continue;
    }
    ColumnBuffer all(out->values[i].type());
    EMBODB_RETURN_IF_ERROR(chunk.DecodeColumn(value_index[i], &all));
    out->values[i].AppendRange(all.view(), begin, end - begin);
  }
  return Status::OK();
}

Status ReadHeadSamples(const table::TableDef& def, txn::Reader* reader, const std::string& series, int64_t t0,
                       int64_t t1, Samples* out, std::vector<std::string>* keys) {
  const std::string prefix = SeriesPrefix(def.id, SeriesKeyKind::kHead, series);
  std::string lower = prefix, upper = prefix;
  AppendTime(t0, &lower);
  if (t1 == kMaxTime) {
    upper = table::PrefixSuccessor(prefix);
  } else {
    AppendTime(t1, &upper);
  }
  const table::Schema& schema = def.schema;
  std::vector<ColumnBuffer*> outs(schema.size(), nullptr);
  for (size_t i = 0; i < out->columns.size(); i++) outs[out->columns[i]] = &out->values[i];
  auto it = reader->NewIterator(lower, upper);
  for (it->Seek(lower); it->Valid() && it->key() < upper; it->Next()) {
    const std::string_view key = it->key();
    if (key.size() != prefix.size() + 8) return Status::Corruption("bad time series head key");
    out->ts.push_back(KeyTime(key));
    if (!out->columns.empty()) EMBODB_RETURN_IF_ERROR(table::DecodeRow(schema, it->value(), outs.data()));
    if (keys != nullptr) keys->emplace_back(key);
  }
  return it->status();
}

void MergeSamples(Samples* a, const Samples& b) {
  if (b.size() == 0) return;
  if (a->size() == 0 || a->ts.back() < b.ts.front()) {  // the common case: b follows a
    a->ts.insert(a->ts.end(), b.ts.begin(), b.ts.end());
    for (size_t c = 0; c < a->values.size(); c++) a->values[c].AppendRange(b.values[c].view(), 0, b.size());
    return;
  }
  Samples merged = Samples::EmptyLike(*a);
  std::vector<ColumnView> av, bv;
  for (const ColumnBuffer& v : a->values) av.push_back(v.view());
  for (const ColumnBuffer& v : b.values) bv.push_back(v.view());
  size_t i = 0, j = 0;
  auto take = [&](const std::vector<ColumnView>& views, const std::vector<int64_t>& ts, size_t row) {
    merged.ts.push_back(ts[row]);
    for (size_t c = 0; c < views.size(); c++) merged.values[c].AppendFrom(views[c], row);
  };
  while (i < a->size() || j < b.size()) {
    if (j == b.size() || (i < a->size() && a->ts[i] < b.ts[j])) {
      take(av, a->ts, i++);
    } else {
      if (i < a->size() && a->ts[i] == b.ts[j]) i++;  // b's sample replaces a's
      take(bv, b.ts, j++);
    }
  }
  *a = std::move(merged);
}

Status ListSeries(const table::TableDef& def, txn::Reader* reader, std::vector<SeriesEntry>* out) {
  const std::string prefix = SeriesPrefix(def.id, SeriesKeyKind::kRecord, "");
  const std::string upper = table::PrefixSuccessor(prefix);
  auto it = reader->NewIterator(prefix, upper);
  for (it->Seek(prefix); it->Valid() && it->key() < upper; it->Next()) {
    SeriesEntry e;
    e.key.assign(it->key().substr(prefix.size()));
    EMBODB_ASSIGN_OR_RETURN(e.record, SeriesRecord::Decode(it->value(), def.series->tags.size()));
    out->push_back(std::move(e));
  }
  return it->status();
}

namespace {

// One chunk of a range read: its samples [begin, end) are in the range and
// go to the output from row `at` on.
struct RangePart {
  SeriesChunkReader chunk;
  std::vector<int64_t> ts;
  size_t begin = 0, end = 0, at = 0;
};

// Appends the samples in [t0, t1) of chunks (in time order, not
// overlapping) to out, decoding the chunks in parallel (TBB), each column
// straight into the output where it can (no nulls, fixed width).
Status DecodeChunks(const std::vector<std::string>& chunks, const std::vector<size_t>& index, int64_t t0, int64_t t1,
                    Samples* out) {
  const size_t n = chunks.size();
  if (n == 0) return Status::OK();
  std::vector<RangePart> parts(n);
  std::vector<Status> status(n);
  tbb::parallel_for(size_t{0}, n, [&](size_t k) {
    RangePart& p = parts[k];
    status[k] = p.chunk.Open(chunks[k]);
    if (status[k].ok()) status[k] = p.chunk.DecodeTimestamps(&p.ts);
    if (status[k].ok()) TimeSpan(p.ts, t0, t1, &p.begin, &p.end);
  });
  for (const Status& st : status) EMBODB_RETURN_IF_ERROR(st);
  const size_t base = out->ts.size();
  size_t total = 0;
  for (RangePart& p : parts) {
    p.at = total;
    total += p.end - p.begin;
  }
  out->ts.resize(base + total);
  for (const RangePart& p : parts) {
    std::copy(p.ts.begin() + static_cast<ptrdiff_t>(p.begin), p.ts.begin() + static_cast<ptrdiff_t>(p.end),
              out->ts.begin() + static_cast<ptrdiff_t>(base + p.at));
  }
  for (size_t v = 0; v < out->values.size(); v++) {
    ColumnBuffer& dst = out->values[v];
    const table::ColumnType type = dst.type();
    // Straight into the output when every chunk of the column decodes so
    // (no nulls, fixed width: DecodeChunkInto says), else chunk by chunk.
    const size_t width = type.FixedWidth();
    bool direct = width > 0;
    if (direct) {
      const size_t before = dst.length();
      uint8_t* at = dst.AppendFixedSpace(total);
      std::vector<uint8_t> fits(n, 1);
      tbb::parallel_for(size_t{0}, n, [&](size_t k) {
        const RangePart& p = parts[k];
        const std::string_view column = p.chunk.ColumnChunk(index[v]);
        if (column.empty()) {
          fits[k] = 0;
          return;
        }
        auto decode = [&](void* into) {
          Status st = columnar::DecodeChunkInto(column, type, into);
          if (st.IsNotSupported()) {
            fits[k] = 0;  // not decodable so: the slow path takes the column
            return Status::OK();
          }
          return st;
        };
        if (p.begin == 0 && p.end == p.ts.size()) {
          status[k] = decode(at + p.at * width);
          return;
        }
        std::vector<uint8_t> all(p.ts.size() * width);
        status[k] = decode(all.data());
        if (status[k].ok() && fits[k]) {
          std::memcpy(at + p.at * width, all.data() + p.begin * width, (p.end - p.begin) * width);
        }
      });
      for (const Status& st : status) EMBODB_RETURN_IF_ERROR(st);
      direct = std::all_of(fits.begin(), fits.end(), [](uint8_t f) { return f != 0; });
      if (!direct) dst.Truncate(before);
    }
    if (!direct) {  // nulls or variable width: chunk by chunk
      for (const RangePart& p : parts) {
        ColumnBuffer all(type);
        EMBODB_RETURN_IF_ERROR(p.chunk.DecodeColumn(index[v], &all));
        if (all.length() != p.ts.size()) return Status::Corruption("series chunk column has the wrong sample count");
        dst.AppendRange(all.view(), p.begin, p.end - p.begin);
      }
    }
  }
  return Status::OK();
}

}  // namespace

Status ReadSeriesRange(const table::TableDef& def, txn::Reader* reader, const std::string& series, int64_t t0,
                       int64_t t1, Samples* out) {
  t0 = std::max(t0, RetentionStart(def, NowNanos()));
  if (t0 >= t1 && t1 != kMaxTime) return Status::OK();
  const std::vector<size_t> index = ChunkColumnIndexes(def, out->columns);
  const std::string prefix = SeriesPrefix(def.id, SeriesKeyKind::kChunk, series);
  const std::string lower = SeriesTimeKey(def.id, SeriesKeyKind::kChunk, series, t0);
  const std::string upper = table::PrefixSuccessor(prefix);
  // The chunks first (copied out of the iterator), then their samples,
  // decoded in parallel straight into the output.
  std::vector<std::string> chunks;
  {
    auto it = reader->NewIterator(lower, upper);
    for (it->Seek(lower); it->Valid() && it->key() < upper; it->Next()) {
      SeriesChunkReader chunk;
      EMBODB_RETURN_IF_ERROR(chunk.Open(it->value()));
      if (chunk.first_ts() >= t1 && t1 != kMaxTime) break;
      chunks.emplace_back(it->value());
    }
    EMBODB_RETURN_IF_ERROR(it->status());
  }
  EMBODB_RETURN_IF_ERROR(DecodeChunks(chunks, index, t0, t1, out));
  Samples head = Samples::EmptyLike(*out);
  EMBODB_RETURN_IF_ERROR(ReadHeadSamples(def, reader, series, t0, t1, &head));
  MergeSamples(out, head);
  return Status::OK();
}

Status ReadSeriesLatest(const table::TableDef& def, txn::Reader* reader, const std::string& series, size_t n,
                        Samples* out) {
  if (n == 0) return Status::OK();
  std::string value;
  Status s = reader->Get(SeriesPrefix(def.id, SeriesKeyKind::kRecord, series), &value);
  if (s.IsNotFound()) return Status::OK();
  EMBODB_RETURN_IF_ERROR(s);
  SeriesRecord record;
  EMBODB_ASSIGN_OR_RETURN(record, SeriesRecord::Decode(value, def.series->tags.size()));
  // The newest sample is the tail chunk's last or in the head (small; its
  // times only). Read back from it in windows growing 16-fold until n are found.
  Samples head(def.schema, {});
  EMBODB_RETURN_IF_ERROR(ReadHeadSamples(def, reader, series, kMinTime, kMaxTime, &head));
  int64_t newest = head.size() > 0 ? head.ts.back() : kMinTime;
  if (record.tail_samples > 0) newest = std::max(newest, record.tail_last_ts);
  const int64_t t1 = newest == kMaxTime ? kMaxTime : newest + 1;
  __int128 span = 1'000'000;  // 1 ms
  Samples found = Samples::EmptyLike(*out);
  while (true) {
    const int64_t t0 = static_cast<int64_t>(std::max<__int128>(static_cast<__int128>(t1) - span, kMinTime));
    found = Samples::EmptyLike(*out);
    EMBODB_RETURN_IF_ERROR(ReadSeriesRange(def, reader, series, t0, t1, &found));
    if (found.size() >= n || t0 == kMinTime) break;
    span *= 16;
  }
  const size_t skip = found.size() > n ? found.size() - n : 0;
  out->ts.insert(out->ts.end(), found.ts.begin() + static_cast<ptrdiff_t>(skip), found.ts.end());
  for (size_t c = 0; c < out->values.size(); c++) {
    out->values[c].AppendRange(found.values[c].view(), skip, found.size() - skip);
  }
  return Status::OK();
}

void AppendProjected(const table::TableDef& def, const SeriesRecord& series, Samples&& samples,
                     const std::vector<size_t>& projection, table::ResultBatch* out) {
  const size_t n = samples.size();
  for (size_t p = 0; p < projection.size(); p++) {
    const size_t c = projection[p];
    ColumnBuffer& dst = out->columns[p];
    if (c == def.series->time_column) {
      dst.AppendFixedValues(samples.ts.data(), n);
      continue;
    }
    bool done = false;
    for (size_t t = 0; t < def.series->tags.size() && !done; t++) {
      if (def.series->tags[t] != c) continue;
      dst.AppendValueRepeated(series.tags[t], n);
      done = true;
    }
    for (size_t v = 0; v < samples.columns.size() && !done; v++) {
      if (samples.columns[v] != c) continue;
      // The first series' values become the column (no copy); a column
      // projected twice is copied to its earlier places and moved to its last.
      bool later = false;
      for (size_t q = p + 1; q < projection.size(); q++) later = later || projection[q] == c;
      if (dst.length() == 0 && !later) {
        dst = std::move(samples.values[v]);
        samples.values[v] = ColumnBuffer(dst.type());
      } else {
        dst.AppendRange(samples.values[v].view(), 0, n);
      }
      done = true;
    }
  }
}

}  // namespace embodb::timeseries
