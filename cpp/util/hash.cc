#include "util/hash.h"

#include "util/coding.h"

namespace embodb {

// A multiply-rotate hash in the style of MurmurHash2, reading 4 bytes at a time.
uint32_t Hash32(const char* data, size_t n, uint32_t seed) {
  constexpr uint32_t kMul = 0xc6a4a793u;
  constexpr int kShift = 24;
  const char* limit = data + n;
  uint32_t h = seed ^ static_cast<uint32_t>(n * kMul);
  while (data + 4 <= limit) {
    h += DecodeFixed32(data);
    h *= kMul;
    h ^= (h >> 16);
    data += 4;
  }
  switch (limit - data) {
    case 3: h += static_cast<uint8_t>(data[2]) << 16; [[fallthrough]];
    case 2: h += static_cast<uint8_t>(data[1]) << 8; [[fallthrough]];
    case 1:
      h += static_cast<uint8_t>(data[0]);
      h *= kMul;
      h ^= (h >> kShift);
      break;
    default: break;
  }
  return h;
}

}  // namespace embodb
