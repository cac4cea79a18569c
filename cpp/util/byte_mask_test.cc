#include "util/byte_mask.h"

#include <gtest/gtest.h>

#include <vector>

#include "util/random.h"

namespace embodb {
namespace {

// What both versions must give: one bit at a time.
size_t PackOneByOne(const std::vector<uint8_t>& bytes, const std::vector<uint8_t>* also, size_t n,
                    std::vector<uint64_t>* words) {
  words->assign((n + 63) / 64, 0);
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    if (bytes[i] == 0 || (also != nullptr && (*also)[i] == 0)) continue;
    (*words)[i / 64] |= uint64_t{1} << (i % 64);
    count++;
  }
  return count;
}

TEST(ByteMaskTest, PackAgreesWithOneBitAtATime) {
  Random rng(7);
  for (size_t n : {size_t{0}, size_t{1}, size_t{31}, size_t{32}, size_t{63}, size_t{64}, size_t{65}, size_t{127},
                   size_t{4096}, size_t{4000}, size_t{4095}}) {
    for (int density : {0, 1, 50, 99, 100}) {
      std::vector<uint8_t> bytes(n), also(n);
      for (size_t i = 0; i < n; i++) {
        bytes[i] = rng.Uniform(100) < static_cast<uint64_t>(density) ? 1 : 0;
        also[i] = rng.Uniform(4) != 0 ? 1 : 0;
      }
      for (const std::vector<uint8_t>* a : {static_cast<const std::vector<uint8_t>*>(nullptr),
                                                 static_cast<const std::vector<uint8_t>*>(&also)}) {
        std::vector<uint64_t> want;
        const size_t want_count = PackOneByOne(bytes, a, n, &want);
        // A word past the last is never written: the sentinel must survive.
        std::vector<uint64_t> fast(want.size() + 1, 0xdeadbeef), slow(want.size() + 1, 0xdeadbeef);
        EXPECT_EQ(PackByteMask(bytes.data(), a ? a->data() : nullptr, n, fast.data()), want_count) << n;
        EXPECT_EQ(PackByteMaskScalar(bytes.data(), a ? a->data() : nullptr, n, slow.data()), want_count) << n;
        EXPECT_EQ(fast.back(), 0xdeadbeefu);
        EXPECT_EQ(slow.back(), 0xdeadbeefu);
        fast.pop_back();
        slow.pop_back();
        EXPECT_EQ(fast, want) << "n=" << n << " density=" << density;
        EXPECT_EQ(slow, want) << "n=" << n << " density=" << density;
      }
    }
  }
}

TEST(ByteMaskTest, BitPositionsListsEverySetBitInOrder) {
  Random rng(11);
  for (int density : {0, 1, 3, 30, 50, 100}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{100}}) {
      std::vector<uint64_t> words(n);
      for (uint64_t& w : words) {
        for (int b = 0; b < 64; b++) w |= uint64_t{rng.Uniform(100) < static_cast<uint64_t>(density)} << b;
      }
      if (n > 0 && density == 3) words[0] = uint64_t{1} << 63;  // the top bit alone
      const uint32_t first = 1000;
      std::vector<uint32_t> want;
      for (size_t i = 0; i < 64 * n; i++) {
        if ((words[i / 64] >> (i % 64)) & 1) want.push_back(first + static_cast<uint32_t>(i));
      }
      std::vector<uint32_t> got(want.size() + 1);
      ASSERT_EQ(BitPositions(words.data(), n, first, got.data()), want.size()) << density << " " << n;
      got.pop_back();
      EXPECT_EQ(got, want) << density << " " << n;
    }
  }
}

}  // namespace
}  // namespace embodb
