// The WAL (and manifest) log format. Spec: docs/format/wal.md.
// On disk: never renumber or change these constants.
#pragma once

#include <cstdint>

namespace embodb::log {

// The file is a sequence of fixed-size blocks. A logical record is split into
// physical records (fragments) that never cross a block boundary.
inline constexpr uint32_t kBlockSize = 32768;

// Physical record header: masked crc32c (4) | length (2, LE) | type (1).
// The crc covers the type byte and the payload.
inline constexpr uint32_t kHeaderSize = 4 + 2 + 1;

enum RecordType : uint8_t {
  kZeroType = 0,  // reserved: zero-filled (preallocated) space
  kFullType = 1,
  kFirstType = 2,
  kMiddleType = 3,
  kLastType = 4,
};
inline constexpr uint8_t kMaxRecordType = kLastType;

}  // namespace embodb::log
