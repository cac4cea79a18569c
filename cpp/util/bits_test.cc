#include "util/bits.h"

#include <gtest/gtest.h>

#include "util/random.h"

namespace embodb {
namespace {

TEST(BitsTest, PopCountAgreesWithCountingBitByBit) {
  Random rng(42);
  for (int i = 0; i < 10000; i++) {
    uint64_t x = rng.Next();
    if (i % 3 == 0) x &= rng.Next();  // sparser words too
    if (i == 0) x = 0;
    if (i == 1) x = ~uint64_t{0};
    uint32_t slow = 0;
    for (int b = 0; b < 64; b++) slow += static_cast<uint32_t>((x >> b) & 1);
    ASSERT_EQ(PopCount64(x), slow) << x;
  }
}

}  // namespace
}  // namespace embodb
