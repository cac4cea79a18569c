#include "timeseries/series_keys.h"

#include "table/index_codec.h"
#include "table/key_codec.h"
#include "util/coding.h"

namespace embodb::timeseries {

namespace {
constexpr uint64_t kSignBit = uint64_t{1} << 63;
// 1: tags and tail; 2: also rolled_until (written only once it is set, so
// that records without rollups stay format 1). On disk: never renumber.
constexpr uint8_t kRecordFormat = 1;
constexpr uint8_t kRecordFormatRolled = 2;
}  // namespace

std::string SeriesPrefix(uint32_t table_id, SeriesKeyKind kind, std::string_view series) {
  std::string key = table::SeriesKeyPrefix(table_id);
  key.push_back(static_cast<char>(kind));
  key.append(series);
  return key;
}

void AppendTime(int64_t ts, std::string* dst) { PutBigEndian64(dst, static_cast<uint64_t>(ts) ^ kSignBit); }

std::string SeriesTimeKey(uint32_t table_id, SeriesKeyKind kind, std::string_view series, int64_t ts) {
  std::string key = SeriesPrefix(table_id, kind, series);
  AppendTime(ts, &key);
  return key;
}

int64_t KeyTime(std::string_view key) {
  return static_cast<int64_t>(GetBigEndian64(key.data() + key.size() - 8) ^ kSignBit);
}

void AppendSeries(const std::vector<table::ColumnView>& tags, size_t i, std::string* dst) {
  for (const table::ColumnView& tag : tags) table::AppendIndexValue(tag, i, dst);
}

void SeriesRecord::EncodeTo(std::string* dst) const {
  const bool rolled = rolled_until != INT64_MIN;
  dst->push_back(static_cast<char>(rolled ? kRecordFormatRolled : kRecordFormat));
  for (const table::Value& v : tags) v.EncodeTo(dst);
  PutFixed64(dst, static_cast<uint64_t>(tail_last_ts));
  PutVarint64(dst, tail_samples);
  if (rolled) PutFixed64(dst, static_cast<uint64_t>(rolled_until));
}

Result<SeriesRecord> SeriesRecord::Decode(std::string_view value, size_t tag_count) {
  if (value.empty() ||
      (static_cast<uint8_t>(value[0]) != kRecordFormat && static_cast<uint8_t>(value[0]) != kRecordFormatRolled)) {
    return Status::Corruption("bad series record");
  }
  const bool rolled = static_cast<uint8_t>(value[0]) == kRecordFormatRolled;
  value.remove_prefix(1);
  SeriesRecord r;
  r.tags.resize(tag_count);
  for (table::Value& v : r.tags) {
    EMBODB_ASSIGN_OR_RETURN(v, table::Value::Decode(&value));
  }
  uint64_t last = 0, until = 0;
  if (!GetFixed64(&value, &last) || !GetVarint64(&value, &r.tail_samples) ||
      (rolled && !GetFixed64(&value, &until)) || !value.empty()) {
    return Status::Corruption("bad series record");
  }
  r.tail_last_ts = static_cast<int64_t>(last);
  if (rolled) r.rolled_until = static_cast<int64_t>(until);
  return r;
}

}  // namespace embodb::timeseries
