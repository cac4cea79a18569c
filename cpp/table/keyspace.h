// Key spaces inside the one LSM: the first byte of every key says what it
// belongs to, so the spaces are ordered, prefix-free and never collide.
// On disk: never renumber.
#pragma once

#include <cstdint>
#include <string>

namespace embodb::table {

enum class KeySpace : uint8_t {
  kMeta = 0x00,     // engine metadata
  kCatalog = 0x01,  // table and index definitions
  kKv = 0x02,       // the user's key-value store (db.kv)
  kRows = 0x10,     // table rows
  kIndex = 0x11,    // secondary index entries
  kFeed = 0x12,     // change feed records
  kSeries = 0x13,   // time series: series chunks, recent samples, series names
};

// The engine's clock (lsm/clock.h) lives under kMeta | "clock/".
inline std::string ClockKeyPrefix() { return std::string(1, static_cast<char>(KeySpace::kMeta)) + "clock/"; }

}  // namespace embodb::table
