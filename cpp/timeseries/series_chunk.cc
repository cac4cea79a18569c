#include "timeseries/series_chunk.h"

#include <cmath>
#include <cstring>

#include "codec/int_codec.h"
#include "util/coding.h"

namespace embodb::timeseries {

namespace {

constexpr uint8_t kSeriesChunkFormat = 1;  // on disk: never renumber

using table::ColumnView;
using table::TypeId;
using table::Value;

// Rows [begin, end) of a column as a view of their own.
ColumnView Slice(const ColumnView& c, size_t begin, size_t end) {
  ColumnView v = c;
  v.length = end - begin;
  if (c.type.IsVariable()) {
    v.offsets = c.offsets + begin;  // offsets index the whole column's bytes
  } else {
    v.values = c.values + begin * c.type.FixedWidth();
  }
  if (c.nulls != nullptr) v.nulls = c.nulls + begin;
  return v;
}

bool IsNaNAt(const ColumnView& c, size_t i) {
  if (c.type.id == TypeId::kFloat64) return std::isnan(c.Get<double>(i));
  if (c.type.id == TypeId::kFloat32) return std::isnan(c.Get<float>(i));
  return false;
}

void PutColumnStats(const ColumnView& c, std::string* out) {
  uint64_t count = 0;
  double sum = 0;
  size_t first = c.length, last = c.length;
  const bool numeric = c.type.IsNumeric();
  for (size_t i = 0; i < c.length; i++) {
    if (c.IsNull(i) || IsNaNAt(c, i)) continue;
    count++;
    if (first == c.length) first = i;
    last = i;
    if (!numeric) continue;
    if (c.type.IsFloat()) {
      sum += c.type.id == TypeId::kFloat64 ? c.Get<double>(i) : c.Get<float>(i);
    } else if (c.type.IsSignedInteger()) {
      sum += static_cast<double>(c.IntegerAt(i));
    } else {
      sum += static_cast<double>(static_cast<uint64_t>(c.IntegerAt(i)));
    }
  }
  PutVarint64(out, count);
  uint64_t sum_bits;
  std::memcpy(&sum_bits, &sum, 8);
  PutFixed64(out, sum_bits);
  (first == c.length ? Value::Null() : table::ScalarAt(c, first)).EncodeTo(out);
  (last == c.length ? Value::Null() : table::ScalarAt(c, last)).EncodeTo(out);
}

}  // namespace

void EncodeSeriesChunk(const int64_t* ts, const std::vector<ColumnView>& columns, size_t begin, size_t end,
                       std::string* out) {
  const size_t n = end - begin;
  out->push_back(static_cast<char>(kSeriesChunkFormat));
  PutVarint64(out, n);
  PutFixed64(out, static_cast<uint64_t>(ts[begin]));
  PutFixed64(out, static_cast<uint64_t>(ts[end - 1]));
  std::string part;
  codec::EncodeInts(ts + begin, n, &part, codec::IntLayout::kSequential);
  PutLengthPrefixed(out, part);
  PutVarint64(out, columns.size());
  for (const ColumnView& column : columns) {
    const ColumnView slice = Slice(column, begin, end);
    part.clear();
    PutColumnStats(slice, &part);
    PutLengthPrefixed(out, part);
    part.clear();
    columnar::EncodeChunk(slice, &part, codec::IntLayout::kSequential);
    PutLengthPrefixed(out, part);
  }
}

Status SeriesChunkReader::Open(std::string_view chunk) {
  auto bad = [] { return Status::Corruption("bad series chunk"); };
  *this = SeriesChunkReader();
  if (chunk.empty()) return bad();
  if (static_cast<uint8_t>(chunk[0]) != kSeriesChunkFormat) {
    return Status::NotSupported("series chunk format " + std::to_string(static_cast<uint8_t>(chunk[0])) +
                                " is not " + std::to_string(kSeriesChunkFormat) + ", the one this embodb reads");
  }
  chunk.remove_prefix(1);
  uint64_t samples = 0, first = 0, last = 0, columns = 0;
  if (!GetVarint64(&chunk, &samples) || samples == 0 || samples > kMaxReadSamples || !GetFixed64(&chunk, &first) ||
      !GetFixed64(&chunk, &last) || !GetLengthPrefixed(&chunk, &timestamps_) || !GetVarint64(&chunk, &columns) ||
      columns > chunk.size()) {
    return bad();
  }
  samples_ = static_cast<size_t>(samples);
  first_ts_ = static_cast<int64_t>(first);
  last_ts_ = static_cast<int64_t>(last);
  if (first_ts_ > last_ts_ || (samples_ == 1) != (first_ts_ == last_ts_)) return bad();
  columns_.resize(static_cast<size_t>(columns));
  for (Column& c : columns_) {
    if (!GetLengthPrefixed(&chunk, &c.stats) || !GetLengthPrefixed(&chunk, &c.chunk)) return bad();
  }
  if (!chunk.empty()) return bad();
  return Status::OK();
}

Status SeriesChunkReader::DecodeTimestamps(std::vector<int64_t>* out) const {
  out->resize(samples_);
  std::string_view in = timestamps_;
  EMBODB_RETURN_IF_ERROR(codec::DecodeInts(&in, samples_, out->data()));
  if (!in.empty()) return Status::Corruption("bytes left over after a series chunk's timestamps");
  for (size_t i = 1; i < samples_; i++) {
    if ((*out)[i] <= (*out)[i - 1]) return Status::Corruption("series chunk's timestamps do not ascend");
  }
  if (out->front() != first_ts_ || out->back() != last_ts_) {
    return Status::Corruption("series chunk's timestamps disagree with its header");
  }
  return Status::OK();
}

Status SeriesChunkReader::DecodeColumn(size_t c, table::ColumnBuffer* out) const {
  if (c >= columns_.size()) {
    for (size_t i = 0; i < samples_; i++) out->AppendNull();
    return Status::OK();
  }
  const size_t before = out->length();
  EMBODB_RETURN_IF_ERROR(columnar::DecodeChunk(columns_[c].chunk, out));
  if (out->length() - before != samples_) return Status::Corruption("series chunk column has the wrong sample count");
  return Status::OK();
}

Result<SeriesColumnStats> SeriesChunkReader::ColumnStats(size_t c) const {
  SeriesColumnStats s;
  if (c >= columns_.size()) {
    s.chunk.rows = s.chunk.nulls = samples_;
    return s;
  }
  EMBODB_ASSIGN_OR_RETURN(s.chunk, columnar::ReadChunkStats(columns_[c].chunk));
  std::string_view in = columns_[c].stats;
  uint64_t sum_bits = 0;
  if (!GetVarint64(&in, &s.count) || !GetFixed64(&in, &sum_bits)) return Status::Corruption("bad series chunk stats");
  std::memcpy(&s.sum, &sum_bits, 8);
  EMBODB_ASSIGN_OR_RETURN(s.first, Value::Decode(&in));
  EMBODB_ASSIGN_OR_RETURN(s.last, Value::Decode(&in));
  if (!in.empty() || s.chunk.rows != samples_ || s.count > samples_) {
    return Status::Corruption("bad series chunk stats");
  }
  return s;
}

}  // namespace embodb::timeseries
