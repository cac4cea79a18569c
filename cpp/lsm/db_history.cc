// History: the clock that maps wall time to sequence numbers (lsm/clock.h),
// snapshots at a past time, and the floor below which compaction may drop
// old versions.
#include <algorithm>

#include "lsm/db.h"

namespace embodb::lsm {

static std::string FormatSeconds(uint64_t micros) {
  return std::to_string(micros / 1000000) + "." + std::to_string(micros / 100000 % 10) + " s";
}

Result<std::optional<ClockTick>> DB::FindStoredTick(uint64_t t, bool at_or_before, std::string* key) {
  const std::string& prefix = options_.clock_key_prefix;
  auto it = NewIterator(ReadOptions{});
  if (at_or_before) {
    it->SeekForPrev(ClockTickKey(prefix, t));
  } else {
    it->Seek(ClockTickKey(prefix, t));
  }
  if (it->Valid()) {
    std::optional<ClockTick> tick;
    EMBODB_ASSIGN_OR_RETURN(tick, DecodeClockTick(prefix, it->key(), it->value()));
    if (tick) {
      if (key != nullptr) key->assign(it->key());
      return tick;
    }
  }
  EMBODB_RETURN_IF_ERROR(it->status());
  return std::optional<ClockTick>();
}

// The clock's ticks as puts of their keys.
static void PutTicks(const std::string& prefix, const std::vector<ClockTick>& store, WriteBatch* ticks) {
  for (const ClockTick& t : store) ticks->Put(ClockTickKey(prefix, t.time_micros), ClockTickValue(t.sequence));
}

void DB::RecordClockTicks(SequenceNumber last, WriteBatch* ticks) {
  ticks->Clear();
  if (options_.history_micros == 0) return;
  std::vector<ClockTick> store;
  clock_.Record(env_->NowMicros(), last, &store);
  PutTicks(options_.clock_key_prefix, store, ticks);
}

Status DB::StoreRecentClockTicks() {
  if (options_.history_micros == 0 || log_ == nullptr || !bg_error_.ok()) return Status::OK();
  std::vector<ClockTick> store;
  clock_.StoreRecent(&store);
  if (store.empty()) return Status::OK();
  WriteBatch ticks;
  PutTicks(options_.clock_key_prefix, store, &ticks);
  const SequenceNumber last = versions_->LastSequence();
  ticks.SetSequence(last + 1);
  EMBODB_RETURN_IF_ERROR(log_->AddRecord(ticks.Contents()));
  EMBODB_RETURN_IF_ERROR(ticks.InsertInto(mem_.get()));
  versions_->SetLastSequence(last + ticks.Count());
  stats_.wal_bytes_written += ticks.ApproximateSize() + log::kHeaderSize;
  return Status::OK();
}

Result<SequenceNumber> DB::GetSnapshotAt(uint64_t time_micros) {
  if (options_.history_micros == 0) {
    return Status::InvalidArgument("history is off", "open the database with a history window to read past states");
  }
  const uint64_t now = env_->NowMicros();
  if (time_micros > now) {
    return Status::InvalidArgument("that time is in the future", FormatSeconds(time_micros - now) + " from now");
  }
  if (now - time_micros > options_.history_micros) {
    return Status::InvalidArgument("that time is outside the history window",
                                   FormatSeconds(now - time_micros) + " ago; the window is " +
                                       FormatSeconds(options_.history_micros));
  }
  std::optional<SequenceNumber> sequence;
  {
    std::lock_guard l(mutex_);
    if (closed_) return Status::Aborted("the database is closed");
    sequence = clock_.RecentAt(time_micros);
  }
  if (!sequence) {
    EMBODB_ASSIGN_OR_RETURN(std::optional<ClockTick> tick, FindStoredTick(time_micros, /*at_or_before=*/true, nullptr));
    if (!tick) {
      return Status::InvalidArgument("that time is before history began",
                                     "the database has kept history only since it was opened with a window");
    }
    sequence = tick->sequence;
  }
  std::lock_guard l(mutex_);
  if (closed_) return Status::Aborted("the database is closed");
  if (*sequence < retained_floor_) {
    return Status::InvalidArgument("that time is outside the history window", "its versions may be compacted away");
  }
  // A group that began at or before the time may not have committed yet.
  const SequenceNumber s = std::min(*sequence, versions_->LastSequence());
  snapshots_.insert(s);
  return s;
}

void DB::UpdateHistoryFloor(std::unique_lock<std::mutex>& l, std::string* drop_before) {
  drop_before->clear();
  if (options_.history_micros == 0) return;
  const uint64_t now = env_->NowMicros();
  const uint64_t cutoff = now > options_.history_micros ? now - options_.history_micros : 0;
  std::optional<SequenceNumber> floor = clock_.RecentAt(cutoff);
  const SequenceNumber last = versions_->LastSequence();
  const std::optional<ClockTick> oldest_recent = clock_.OldestRecent();
  if (!floor) {
    l.unlock();
    // Older ticks than the one at the cutoff resolve only times outside the window.
    auto at_cutoff = FindStoredTick(cutoff, /*at_or_before=*/true, drop_before);
    // No tick at or before the cutoff: history began later, at the first tick.
    Result<std::optional<ClockTick>> first = std::optional<ClockTick>();
    if (at_cutoff.ok() && !*at_cutoff) first = FindStoredTick(0, /*at_or_before=*/false, nullptr);
    l.lock();
    if (!at_cutoff.ok() || !first.ok()) {  // keep the old floor: dropping less is always safe
      drop_before->clear();
      return;
    }
    if (*at_cutoff) {
      floor = (*at_cutoff)->sequence;
    } else if (*first) {
      floor = (*first)->sequence;
    }
  }
  if (!floor) floor = oldest_recent ? oldest_recent->sequence : last;
  retained_floor_ = std::max(retained_floor_, std::min(*floor, last));
}

}  // namespace embodb::lsm
