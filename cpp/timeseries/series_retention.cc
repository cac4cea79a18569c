#include "timeseries/series_retention.h"

#include <algorithm>
#include <chrono>

#include "table/key_codec.h"
#include "timeseries/series_keys.h"
#include "timeseries/series_read.h"

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
                   size_t* dropped) {
  if (start == kMinTime) return Status::OK();
  bool dropped_tail = false;
  int64_t last_dropped = kMinTime;
  for (SeriesKeyKind kind : {SeriesKeyKind::kChunk, SeriesKeyKind::kHead}) {
    const std::string prefix = SeriesPrefix(def.id, kind, series);
    const std::string upper = SeriesTimeKey(def.id, kind, series, start);  // keys of times before start
    auto it = tx->NewIterator(prefix, upper);
    for (it->Seek(prefix); it->Valid() && it->key() < upper; it->Next()) {
      tx->Delete(it->key());
      (*dropped)++;
      if (kind == SeriesKeyKind::kChunk) last_dropped = std::max(last_dropped, KeyTime(it->key()));
    }
    EMBODB_RETURN_IF_ERROR(it->status());
  }
  if (last_dropped == kMinTime) return Status::OK();
  // The series record's last chunk may be among them.
  const std::string record_key = SeriesPrefix(def.id, SeriesKeyKind::kRecord, series);
  std::string value;
  EMBODB_RETURN_IF_ERROR(tx->Get(record_key, &value));
  SeriesRecord record;
  EMBODB_ASSIGN_OR_RETURN(record, SeriesRecord::Decode(value, def.series->tags.size()));
  dropped_tail = record.tail_samples > 0 && record.tail_last_ts <= last_dropped;
  if (dropped_tail) {
    record.tail_samples = 0;
    value.clear();
    record.EncodeTo(&value);
    tx->Put(record_key, value);
  }
  return Status::OK();
}

}  // namespace embodb::timeseries
