#include "util/bloom.h"

#include <gtest/gtest.h>

#include "util/coding.h"

namespace embodb {

static std::string Key(uint32_t i) {
  std::string s;
  PutFixed32(&s, i);
  return s;
}

TEST(BloomTest, EmptyFilter) {
  BloomFilterBuilder b(10);
  std::string f;
  b.Finish(&f);
  EXPECT_FALSE(BloomFilterMayMatch(f, "hello"));
}

TEST(BloomTest, NoFalseNegativesAndFewFalsePositives) {
  for (uint32_t n : {1u, 10u, 100u, 1000u, 10000u}) {
    BloomFilterBuilder b(10);
    for (uint32_t i = 0; i < n; i++) b.AddKey(Key(i));
    std::string f;
    b.Finish(&f);
    EXPECT_LE(f.size(), (n * 10 / 8) + 64 + 1) << n;
    for (uint32_t i = 0; i < n; i++) ASSERT_TRUE(BloomFilterMayMatch(f, Key(i))) << i;
    int false_positives = 0;
    for (uint32_t i = 0; i < 10000; i++) false_positives += BloomFilterMayMatch(f, Key(i + 1000000000));
    EXPECT_LE(false_positives, 300) << n;  // about 1% expected at 10 bits per key
  }
}

TEST(BloomTest, MalformedFilterNeverHidesKeys) {
  EXPECT_TRUE(BloomFilterMayMatch("", "x"));
  EXPECT_TRUE(BloomFilterMayMatch(std::string("\0\0\0\0\xff", 5), "x"));
}

}  // namespace embodb
