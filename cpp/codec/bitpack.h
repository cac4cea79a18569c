// Bit packing: n unsigned values of `width` bits each (0..64), stored back
// to back in little-endian bit order (value i starts at bit i * width). The
// integer, float and string codecs (int_codec.h, float_codec.h,
// string_codec.h) store their values this way; docs/format/codecs.md.
#pragma once

#include <cstddef>
#include <cstdint>
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

}  // namespace embodb::codec
