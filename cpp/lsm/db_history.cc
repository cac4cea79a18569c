// History: the clock that maps wall time to sequence numbers (lsm/clock.h),
// snapshots at a past time, and the floor below which compaction may drop
// old versions.
#include <algorithm>

#include "lsm/db.h"

namespace embodb::lsm {

static std::string FormatSeconds(uint64_t micros) {
  return std::to_string(micros / 1000000) + "." + std::to_string(micros / 100000 % 10) + " s";
}

void DB::RecordClockTicks(SequenceNumber last, WriteBatch* ticks) {
  ticks->Clear();
  if (options_.history_micros == 0) return;
  std::vector<ClockTick> store;
  clock_.Record(env_->NowMicros(), last, &store);
  for (const ClockTick& t : store) {
    ticks->Put(ClockTickKey(options_.clock_key_prefix, t.time_micros), ClockTickValue(t.sequence));
  }
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
    const std::string& prefix = options_.clock_key_prefix;
    auto it = NewIterator(ReadOptions{});
    it->SeekForPrev(ClockTickKey(prefix, time_micros));
    ClockTick tick;
    if (it->Valid() && DecodeClockTick(prefix, it->key(), it->value(), &tick)) {
      sequence = tick.sequence;
    } else if (!it->status().ok()) {
      return it->status();
    } else {
      return Status::InvalidArgument("that time is before history began",
                                     "the database has kept history only since it was opened with a window");
    }
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
  const std::string& prefix = options_.clock_key_prefix;
  std::optional<SequenceNumber> floor = clock_.RecentAt(cutoff);
  const SequenceNumber last = versions_->LastSequence();
  const std::optional<ClockTick> oldest_recent = clock_.OldestRecent();
  if (!floor) {
    l.unlock();
    auto it = NewIterator(ReadOptions{});
    ClockTick tick;
    it->SeekForPrev(ClockTickKey(prefix, cutoff));
    if (it->Valid() && DecodeClockTick(prefix, it->key(), it->value(), &tick)) {
      floor = tick.sequence;
      drop_before->assign(it->key());  // older ticks resolve only times outside the window
    } else {
      it->Seek(prefix);  // no tick at or before the cutoff: history began later
      if (it->Valid() && DecodeClockTick(prefix, it->key(), it->value(), &tick)) floor = tick.sequence;
    }
    const bool failed = !it->status().ok();
    it.reset();
    l.lock();
    if (failed) {  // keep the old floor: dropping less is always safe
      drop_before->clear();
      return;
    }
  }
  if (!floor) floor = oldest_recent ? oldest_recent->sequence : last;
  retained_floor_ = std::max(retained_floor_, std::min(*floor, last));
}

}  // namespace embodb::lsm
