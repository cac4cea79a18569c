// SequenceClock: maps wall time to sequence numbers, so that a read can see
// the database as it was at a time (DB::GetSnapshotAt) inside the history window.
//
// The write leader reports every group of writes it commits: the time it
// began the group and the group's last sequence number. Ticks (time ->
// sequence) are stored in the LSM under Options::clock_key_prefix, at most a
// few per kClockResolutionMicros: the first group of each period, and the
// last group of the period before when it was not the first. The groups of
// the current period are also kept in memory, so the recent past is exact;
// an older time resolves to the last stored tick at or before it, which is
// exact up to one period. See docs/format/wal.md, "The clock".
//
// Not thread-safe: the DB guards it with its mutex.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/dbformat.h"
#include "util/result.h"

namespace embodb::lsm {

inline constexpr uint64_t kClockResolutionMicros = 1000;

struct ClockTick {
  uint64_t time_micros = 0;  // wall time, microseconds since the Unix epoch
  SequenceNumber sequence = 0;  // the state at that time includes every write up to this
};

// prefix | fixed64 big-endian time -> fixed64 little-endian sequence.
std::string ClockTickKey(std::string_view prefix, uint64_t time_micros);
std::string ClockTickValue(SequenceNumber sequence);
// False when key/value are not a tick under prefix.
// The tick stored as (key, value): nullopt when key is not a tick's (another
// key under or past the prefix), Corruption when it is but does not decode.
Result<std::optional<ClockTick>> DecodeClockTick(std::string_view prefix, std::string_view key,
                                                 std::string_view value);

class SequenceClock {
 public:
  // A group of writes ending at `sequence` began at `now` (clamped so that
  // time never runs backwards). Appends the ticks to store to *store.
  void Record(uint64_t now, SequenceNumber sequence, std::vector<ClockTick>* store);
  // Like Record, but nothing is stored until the next group: the state found
  // at open, which the next stored tick then records.
  void Seed(uint64_t now, SequenceNumber sequence);
  // Appends to *store the current period's groups that closing the period
  // would store, and marks them stored: at close, the groups kept only in
  // memory would otherwise be lost, and with them every time after them.
  void StoreRecent(std::vector<ClockTick>* store);

  // The sequence at time t from the groups of the current period; nullopt
  // when t is before them (look in the stored ticks).
  std::optional<SequenceNumber> RecentAt(uint64_t t) const;
  // The first group in memory (nullopt when none).
  std::optional<ClockTick> OldestRecent() const;

 private:
  struct Group {
    ClockTick tick;
    bool stored = false;
  };
  // Groups in memory at most; a clock stuck in one period (a frozen or
  // coarse wall clock) then still stores a tick every this many groups.
  static constexpr size_t kMaxRecent = 1024;

  std::vector<Group> recent_;  // the current period's groups, oldest first
  uint64_t last_time_ = 0;
};

}  // namespace embodb::lsm
