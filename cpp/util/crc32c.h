// CRC32C (Castagnoli), the checksum of every WAL record and SSTable/blob block.
// Uses the SSE4.2 instruction when the CPU has it (checked at run time), else a
// table-driven loop; both give identical results.
#pragma once

#include <cstddef>
#include <cstdint>

namespace embodb::crc32c {

// The CRC32C of concat(A, data[0,n)) where init_crc is the CRC32C of A.
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);
inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }

// A CRC stored next to data that itself holds CRCs is masked, so that computing
// the CRC of a string containing embedded CRCs stays well distributed.
inline constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// Exposed for tests: the portable path, whatever the CPU.
uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n);
bool HardwareAvailable();

}  // namespace embodb::crc32c
