#include "util/byte_mask.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <cstring>

#include "util/bits.h"

namespace embodb {

namespace {

// Bit i of the result: a[i] & b[i] (b null: a[i]), for bytes of 0 or 1.
inline uint64_t PackWordScalar(const uint8_t* a, const uint8_t* b, size_t n) {
  uint64_t bits = 0;
  if (n < 64) {
    for (size_t i = 0; i < n; i++) bits |= uint64_t{static_cast<uint8_t>(a[i] & (b ? b[i] : 1))} << i;
    return bits;
  }
  for (size_t i = 0; i < 64; i += 8) {
    uint64_t x;
    std::memcpy(&x, a + i, 8);
    if (b != nullptr) {
      uint64_t y;
      std::memcpy(&y, b + i, 8);
      x &= y;
    }
    // Multiplying gathers the low bit of each byte into the top byte, byte 0 lowest.
    bits |= ((x * 0x0102040810204080ULL) >> 56) << i;
  }
  return bits;
}

}  // namespace

size_t PackByteMaskScalar(const uint8_t* bytes, const uint8_t* also, size_t n, uint64_t* words) {
  size_t count = 0;
  for (size_t w = 0; w * 64 < n; w++) {
    const size_t in_word = n - w * 64 < 64 ? n - w * 64 : 64;
    const uint64_t bits = PackWordScalar(bytes + w * 64, also ? also + w * 64 : nullptr, in_word);
    words[w] = bits;
    count += PopCount64(bits);
  }
  return count;
}

namespace {

#if defined(__x86_64__)
// Bit i: bytes[i] is not 0, for i < 32.
__attribute__((target("avx2"))) inline uint32_t NonZero32(const uint8_t* bytes) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes));
  return ~static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_setzero_si256())));
}

__attribute__((target("avx2,popcnt"))) size_t PackAvx2(const uint8_t* bytes, const uint8_t* also, size_t n,
                                                        uint64_t* words) {
  size_t count = 0;
  const size_t full = n / 64;
  for (size_t w = 0; w < full; w++) {
    const uint8_t* p = bytes + w * 64;
    uint64_t bits = NonZero32(p) | uint64_t{NonZero32(p + 32)} << 32;
    if (also != nullptr) {
      const uint8_t* q = also + w * 64;
      bits &= NonZero32(q) | uint64_t{NonZero32(q + 32)} << 32;
    }
    words[w] = bits;
    count += static_cast<size_t>(_mm_popcnt_u64(bits));
  }
  if (full * 64 < n) {
    const uint64_t bits = PackWordScalar(bytes + full * 64, also ? also + full * 64 : nullptr, n - full * 64);
    words[full] = bits;
    count += static_cast<size_t>(_mm_popcnt_u64(bits));
  }
  return count;
}

#endif

using PackFn = size_t (*)(const uint8_t*, const uint8_t*, size_t, uint64_t*);

PackFn ChoosePack() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) return PackAvx2;
#endif
  return PackByteMaskScalar;
}

}  // namespace

size_t BitPositions(const uint64_t* words, size_t n, uint32_t first, uint32_t* out) {
  constexpr uint64_t kTop = uint64_t{1} << 63;
  size_t count = 0;
  for (size_t w = 0; w < n; w++) {
    uint64_t b = words[w];
    const auto base = static_cast<uint32_t>(first + 64 * w);
    // Two bits unconditionally: with none left a step writes a position
    // that the next overwrites (or past the end) and counts nothing.
    for (int step = 0; step < 2; step++) {
      out[count] = base + static_cast<uint32_t>(__builtin_ctzll(b | kTop));
      count += b != 0;
      b &= b - 1;
    }
    for (; b != 0; b &= b - 1) out[count++] = base + static_cast<uint32_t>(__builtin_ctzll(b));
  }
  return count;
}

size_t PackByteMask(const uint8_t* bytes, const uint8_t* also, size_t n, uint64_t* words) {
  static const PackFn pack = ChoosePack();
  return pack(bytes, also, n, words);
}

}  // namespace embodb
