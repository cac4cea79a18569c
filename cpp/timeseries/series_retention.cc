#include "timeseries/series_retention.h"

#include <algorithm>
#include <chrono>

#include "table/key_codec.h"
#include "timeseries/series_keys.h"
#include "timeseries/series_read.h"
#include "timeseries/series_rollup.h"

namespace embodb::timeseries {

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t RetentionStart(const table::TableDef& def, int64_t now) {
  if (!def.series || def.series->ttl_ns <= 0) return kMinTime;
  const __int128 start = static_cast<__int128>(now) - def.series->ttl_ns;
  return static_cast<int64_t>(std::max<__int128>(start, kMinTime));
}

Status DropExpired(const table::TableDef& def, txn::Transaction* tx, const std::string& series, int64_t start,
                   HeadCounts* heads, const FindSeriesTable& find, SeriesRecord* record, bool* changed,
                   size_t* dropped) {
  if (start == kMinTime) return Status::OK();
  RollupDef rollup;
  EMBODB_ASSIGN_OR_RETURN(rollup, RollupDef::Decode(def.series->options));
  int64_t drop_before = start;
  if (!rollup.empty()) {
    const int64_t rolled = record->rolled_until;
    int64_t until = start;
    EMBODB_RETURN_IF_ERROR(RollUp(def, rollup, find, tx, series, record, start, heads, &until));
    drop_before = std::min(start, until);
    *changed = *changed || record->rolled_until != rolled;
  }
  int64_t last_dropped = kMinTime;
  for (SeriesKeyKind kind : {SeriesKeyKind::kChunk, SeriesKeyKind::kHead}) {
    const std::string prefix = SeriesPrefix(def.id, kind, series);
    const std::string upper = SeriesTimeKey(def.id, kind, series, drop_before);  // keys of times before it
    auto it = tx->NewIterator(prefix, upper);
    for (it->Seek(prefix); it->Valid() && it->key() < upper; it->Next()) {
      tx->Delete(it->key());
      (*dropped)++;
      if (kind == SeriesKeyKind::kChunk) last_dropped = std::max(last_dropped, KeyTime(it->key()));
    }
    EMBODB_RETURN_IF_ERROR(it->status());
  }
  // The series record's last chunk may be among them.
  if (last_dropped != kMinTime && record->tail_samples > 0 && record->tail_last_ts <= last_dropped) {
    record->tail_samples = 0;
    *changed = true;
  }
  return Status::OK();
}

Status DropExpiredSeries(const table::TableDef& def, txn::Transaction* tx, const std::string& series, int64_t start,
                         HeadCounts* heads, const FindSeriesTable& find, size_t* dropped) {
  const std::string record_key = SeriesPrefix(def.id, SeriesKeyKind::kRecord, series);
  std::string value;
  EMBODB_RETURN_IF_ERROR(tx->Get(record_key, &value));
  SeriesRecord record;
  EMBODB_ASSIGN_OR_RETURN(record, SeriesRecord::Decode(value, def.series->tags.size()));
  bool changed = false;
  EMBODB_RETURN_IF_ERROR(DropExpired(def, tx, series, start, heads, find, &record, &changed, dropped));
  if (!changed) return Status::OK();
  value.clear();
  record.EncodeTo(&value);
  tx->Put(record_key, value);
  return Status::OK();
}

}  // namespace embodb::timeseries
