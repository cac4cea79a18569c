// SSTable format constants. Spec: docs/format/sstable.md.
// On disk: never renumber or change these constants.
#pragma once

#include <cstdint>

namespace embodb::lsm::sstable {

inline constexpr uint64_t kTableMagic = 0x017473736f626d65ull;  // "embosst\x01" little-endian
// Version 2 adds columnar data blocks; version 1 files (row blocks only) are
// still read.
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr uint32_t kMinFormatVersion = 1;

// Every block is followed by a trailer: compression type (1) | masked crc32c (4)
// of the block contents plus the type byte.
inline constexpr uint32_t kBlockTrailerSize = 5;

enum CompressionType : uint8_t {
  kNoCompression = 0,
  kZstdCompression = 1,
};
// Set in a data block's trailer type byte (with its compression in the low
// bits): the block is columnar (block_values.h), not a row block.
inline constexpr uint8_t kColumnarBlockFlag = 0x80;
// A columnar block's summary flag: every entry is a value of a distinct user key.
inline constexpr uint8_t kColumnarDistinctValues = 0x01;
// A columnar block's summary flag: the codec kept part of its values apart,
// in a side block (block_values.h, SidePart) whose handle the summary holds
// (offset fixed64, size fixed32). A side block is written just before its
// block, with the trailer type of a columnar block, and is not in the index.
inline constexpr uint8_t kColumnarHasSide = 0x02;

// A BlockHandle is varint64 offset + varint64 size: at most 20 bytes.
inline constexpr uint32_t kMaxBlockHandleLength = 20;
// Footer: filter, properties and index handles (padded to 3 * 20 bytes) |
//         format version (4) | masked crc32c of the preceding 64 bytes (4) | magic (8).
inline constexpr uint32_t kFooterSize = 3 * kMaxBlockHandleLength + 4 + 4 + 8;

// Decompressed blocks above this size are rejected as corrupt.
inline constexpr uint64_t kMaxBlockSize = 256ull << 20;

}  // namespace embodb::lsm::sstable
