#include "lsm/clock.h"

#include <algorithm>

#include "util/coding.h"

namespace embodb::lsm {

std::string ClockTickKey(std::string_view prefix, uint64_t time_micros) {
  std::string key(prefix);
  PutBigEndian64(&key, time_micros);
  return key;
}

std::string ClockTickValue(SequenceNumber sequence) {
  std::string value;
  PutFixed64(&value, sequence);
  return value;
}

Result<std::optional<ClockTick>> DecodeClockTick(std::string_view prefix, std::string_view key,
                                                 std::string_view value) {
  if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix) return std::optional<ClockTick>();
  if (value.size() != 8) return Status::Corruption("bad clock tick", "a value of " + std::to_string(value.size()) + " bytes");
  ClockTick tick;
  tick.time_micros = GetBigEndian64(key.data() + prefix.size());
  tick.sequence = DecodeFixed64(value.data());
  return std::optional<ClockTick>(tick);
}

void SequenceClock::Record(uint64_t now, SequenceNumber sequence, std::vector<ClockTick>* store) {
  now = std::max(now, last_time_);
  last_time_ = now;
  const bool new_period = recent_.empty() || now / kClockResolutionMicros !=
                                                 recent_.front().tick.time_micros / kClockResolutionMicros;
  if (new_period || recent_.size() >= kMaxRecent) {
    // Close the period: store its first (a seed) and last groups, unless stored already.
    if (!recent_.empty() && !recent_.front().stored) store->push_back(recent_.front().tick);
    if (recent_.size() > 1 && !recent_.back().stored) store->push_back(recent_.back().tick);
    recent_.clear();
    recent_.push_back({{now, sequence}, true});
    store->push_back({now, sequence});
    return;
  }
  recent_.push_back({{now, sequence}, false});
}

void SequenceClock::StoreRecent(std::vector<ClockTick>* store) {
  if (recent_.empty()) return;
  if (!recent_.front().stored) store->push_back(recent_.front().tick);
  if (recent_.size() > 1 && !recent_.back().stored) store->push_back(recent_.back().tick);
  recent_.front().stored = true;
  recent_.back().stored = true;
}

void SequenceClock::Seed(uint64_t now, SequenceNumber sequence) {
  last_time_ = std::max(now, last_time_);
  recent_.clear();
  recent_.push_back({{last_time_, sequence}, false});
}

std::optional<SequenceNumber> SequenceClock::RecentAt(uint64_t t) const {
  if (recent_.empty() || t < recent_.front().tick.time_micros) return std::nullopt;
  auto after = std::upper_bound(recent_.begin(), recent_.end(), t,
                                [](uint64_t time, const Group& g) { return time < g.tick.time_micros; });
  return std::prev(after)->tick.sequence;
}

std::optional<ClockTick> SequenceClock::OldestRecent() const {
  if (recent_.empty()) return std::nullopt;
  return recent_.front().tick;
}

}  // namespace embodb::lsm
