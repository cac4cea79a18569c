// Bit packing: n unsigned values of `width` bits each (0..64), stored back
// to back in little-endian bit order (value i starts at bit i * width). The
// integer, float and string codecs (int_codec.h, float_codec.h,
// string_codec.h) store their values this way; docs/format/codecs.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "util/status.h"

namespace embodb::codec {

// The bits needed for v (0 for 0).
inline unsigned BitWidth(uint64_t v) { return v == 0 ? 0 : 64 - static_cast<unsigned>(__builtin_clzll(v)); }
// Bytes that n values of width bits take.
inline size_t PackedBytes(size_t n, unsigned width) { return (n * width + 7) / 8; }

// Appends the packed values to out. REQUIRES: every value fits in width bits.
void PackBits(const uint64_t* values, size_t n, unsigned width, std::string* out);
// Reads n values of width bits from the front of *in into out and removes
// them from *in; Corruption when *in is too short or width is over 64.
Status UnpackBits(std::string_view* in, size_t n, unsigned width, uint64_t* out);

// Value i of packed values of width bits, `bytes` of them at p (the reader
// checked that they hold the values asked for). Reads no byte past them.
inline uint64_t UnpackOne(const uint8_t* p, size_t bytes, size_t i, unsigned width) {
  if (width == 0) return 0;
  const size_t bit = i * width, byte = bit / 8, shift = bit % 8;
  const size_t avail = bytes - byte;
  uint64_t lo = 0;
  std::memcpy(&lo, p + byte, avail < 8 ? avail : 8);
  lo >>= shift;
  if (shift + width > 64 && avail > 8) lo |= static_cast<uint64_t>(p[byte + 8]) << (64 - shift);
  return width == 64 ? lo : lo & ((uint64_t{1} << width) - 1);
}

}  // namespace embodb::codec
