// HNSW checkpoint file constants. Spec: docs/format/hnsw.md.
// On disk: never renumber or change these constants.
#pragma once

#include <cstdint>

namespace embodb::index::hnsw_format {

inline constexpr uint64_t kMagic = 0x0177736e686f6d65ull;  // "emohnsw\x01" little-endian
inline constexpr uint32_t kVersion = 1;
inline constexpr uint32_t kHeaderSize = 12;  // magic (8) | version (4)
// Section: tag (4) | length (8) | masked crc32c of the payload (4) | payload.
inline constexpr uint32_t kSectionHeaderSize = 16;
// Footer: section count (8) | magic (8).
inline constexpr uint32_t kFooterSize = 16;
// Payloads longer than this are split into several sections of the same tag.
inline constexpr uint64_t kMaxSectionPayload = 1 << 20;

enum Tag : uint32_t {
  kParams = 1,       // the fixed fields below
  kSq8Ranges = 2,    // dim floats of min, then dim floats of step
  kRecords = 3,      // slots * record bytes: level-0 links and vectors
  kLevels = 4,       // slots bytes
  kFlags = 5,        // slots bytes: 0 live, 1 tombstone, 2 free
  kUpperLevels = 6,  // slots bytes
  kUpperOffset = 7,  // slots uint32
  kUpperLinks = 8,   // uint32 blocks of count + m ids
  kOwner = 9,        // bytes that belong to the graph's owner (the table index)
};

// kParams payload, all little-endian:
//   dim (8) | metric (1) | m (4) | ef_construction (4) | quantization (1) |
//   seed (8) | level draws (8) | entry (4) | max level (4, signed) |
//   slots (8) | live (8) | tombstones (8) | upper link words (8) |
//   owner bytes (8)
inline constexpr uint32_t kParamsSize = 82;

}  // namespace embodb::index::hnsw_format
