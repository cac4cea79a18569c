// Blob file format constants. Spec: docs/format/blob.md.
// On disk: never renumber or change these constants.
#pragma once

#include <cstdint>

namespace embodb::lsm::blob {

inline constexpr uint64_t kBlobMagic = 0x01626f6c626f6d65ull;  // "emoblob\x01" little-endian
inline constexpr uint32_t kBlobFormatVersion = 1;
// Header: magic (8) | version (4).
inline constexpr uint32_t kHeaderSize = 12;
// Record: masked crc32c (4) of the rest | varint32 key_len | varint64 value_len | key | value.
// Footer: record count (8) | total record bytes (8) | masked crc32c of both (4) | magic (8).
inline constexpr uint32_t kFooterSize = 28;
// Records above this size are rejected as corrupt.
inline constexpr uint64_t kMaxRecordSize = 1ull << 32;

}  // namespace embodb::lsm::blob
