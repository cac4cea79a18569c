#include "util/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace embodb::crc32c {
namespace {

constexpr uint32_t kPolyReflected = 0x82f63b78u;

// Slicing-by-4 tables, computed at compile time.
constexpr std::array<std::array<uint32_t, 256>, 4> MakeTables() {
  std::array<std::array<uint32_t, 256>, 4> t{};
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++) {
    for (int s = 1; s < 4; s++) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
  return t;
}
constexpr auto kTables = MakeTables();

// Advancing a raw CRC state over `bytes` zero bytes is linear over GF(2):
// the 32 images of the state's bits, folded per byte into 4 lookup tables.
struct ZeroShift {
  std::array<std::array<uint32_t, 256>, 4> t{};
  explicit ZeroShift(size_t bytes) {
    uint32_t basis[32];
    for (int i = 0; i < 32; i++) {
      uint32_t c = 1u << i;
      for (size_t k = 0; k < bytes; k++) c = kTables[0][c & 0xff] ^ (c >> 8);
      basis[i] = c;
    }
    for (int k = 0; k < 4; k++) {
      for (uint32_t b = 0; b < 256; b++) {
        uint32_t v = 0;
        for (int bit = 0; bit < 8; bit++) {
          if ((b >> bit) & 1) v ^= basis[8 * k + bit];
        }
        t[k][b] = v;
      }
    }
  }
  uint32_t Apply(uint32_t c) const {
    return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
  }
};

#if defined(__x86_64__)
// The crc32 instruction takes 3 cycles but can start one per cycle: three
// independent lanes over adjacent stripes keep it busy. With A, B, C the
// stripes, crc(s, ABC) = shift2(crc(s, A)) ^ shift1(crc(0, B)) ^ crc(0, C).
constexpr size_t kStripe = 256;

__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t crc, const char* p, size_t n) {
  uint64_t c = ~crc;
  if (n >= 3 * kStripe) {
    static const ZeroShift shift1(kStripe), shift2(2 * kStripe);
    while (n >= 3 * kStripe) {
      uint64_t c1 = 0, c2 = 0;
      for (size_t i = 0; i < kStripe; i += 8) {
        uint64_t w0, w1, w2;
        std::memcpy(&w0, p + i, 8);
        std::memcpy(&w1, p + kStripe + i, 8);
        std::memcpy(&w2, p + 2 * kStripe + i, 8);
        c = _mm_crc32_u64(c, w0);
        c1 = _mm_crc32_u64(c1, w1);
        c2 = _mm_crc32_u64(c2, w2);
      }
      c = shift2.Apply(static_cast<uint32_t>(c)) ^ shift1.Apply(static_cast<uint32_t>(c1)) ^ static_cast<uint32_t>(c2);
      p += 3 * kStripe;
      n -= 3 * kStripe;
    }
  }
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, static_cast<uint8_t>(*p));
    p++;
    n--;
  }
  return ~c32;
}
#endif

bool DetectHardware() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

const bool kHardware = DetectHardware();

}  // namespace

uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n) {
  auto p = reinterpret_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  while (n >= 4) {
    uint32_t word;
    std::memcpy(&word, p, 4);
    c ^= word;
    c = kTables[3][c & 0xff] ^ kTables[2][(c >> 8) & 0xff] ^ kTables[1][(c >> 16) & 0xff] ^
        kTables[0][c >> 24];
    p += 4;
    n -= 4;
  }
  while (n > 0) {
    c = kTables[0][(c ^ *p) & 0xff] ^ (c >> 8);
    p++;
    n--;
  }
  return ~c;
}

bool HardwareAvailable() { return kHardware; }

uint32_t Extend(uint32_t crc, const char* data, size_t n) {
#if defined(__x86_64__)
  if (kHardware) return ExtendHardware(crc, data, n);
#endif
  return ExtendPortable(crc, data, n);
}

}  // namespace embodb::crc32c
