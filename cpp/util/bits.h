// Bit counting that stays inline on every x86-64 CPU. __builtin_popcountll
// compiles to a call into libgcc unless the build targets POPCNT (which
// the baseline we ship for lacks); this SWAR count is a dozen inline
// instructions.
#pragma once

#include <cstdint>

namespace embodb {

inline uint32_t PopCount64(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<uint32_t>((x * 0x0101010101010101ULL) >> 56);
}

}  // namespace embodb
