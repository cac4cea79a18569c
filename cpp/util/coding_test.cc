#include "util/coding.h"

#include <gtest/gtest.h>

#include <limits>

namespace embodb {

TEST(CodingTest, Fixed) {
  std::string s;
  for (uint32_t v = 0; v < 100000; v += 997) PutFixed32(&s, v);
  std::string_view in(s);
  for (uint32_t v = 0; v < 100000; v += 997) {
    uint32_t got;
    ASSERT_TRUE(GetFixed32(&in, &got));
    EXPECT_EQ(v, got);
  }
  EXPECT_TRUE(in.empty());
  std::string t;
  PutFixed64(&t, 0x0102030405060708ull);
  EXPECT_EQ(t[0], 0x08);  // little-endian on disk
}

TEST(CodingTest, Varint64RoundTrip) {
  std::vector<uint64_t> values = {0, 1, 127, 128, 255, 256, 16383, 16384};
  for (int k = 0; k < 64; k++) {
    uint64_t power = 1ull << k;
    values.push_back(power);
    values.push_back(power - 1);
    values.push_back(power + 1);
  }
  values.push_back(std::numeric_limits<uint64_t>::max());
  std::string s;
  for (uint64_t v : values) PutVarint64(&s, v);
  std::string_view in(s);
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(v, got);
    EXPECT_EQ(VarintLength(v), [&] { std::string t; PutVarint64(&t, v); return (int)t.size(); }());
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, Varint32Truncated) {
  std::string s;
  PutVarint32(&s, std::numeric_limits<uint32_t>::max());
  for (size_t len = 0; len < s.size(); len++) {
    std::string_view in(s.data(), len);
    uint32_t v;
    EXPECT_FALSE(GetVarint32(&in, &v)) << len;
  }
}

TEST(CodingTest, Varint32Overflow) {
  std::string s("\x81\x82\x83\x84\x85\x11", 6);
  std::string_view in(s);
  uint32_t v;
  EXPECT_FALSE(GetVarint32(&in, &v));
}

TEST(CodingTest, LengthPrefixed) {
  std::string s;
  PutLengthPrefixed(&s, "");
  PutLengthPrefixed(&s, "foo");
  PutLengthPrefixed(&s, std::string(300, 'x'));
  std::string_view in(s), v;
  ASSERT_TRUE(GetLengthPrefixed(&in, &v));
  EXPECT_EQ("", v);
  ASSERT_TRUE(GetLengthPrefixed(&in, &v));
  EXPECT_EQ("foo", v);
  ASSERT_TRUE(GetLengthPrefixed(&in, &v));
  EXPECT_EQ(std::string(300, 'x'), v);
  EXPECT_FALSE(GetLengthPrefixed(&in, &v));
}

}  // namespace embodb
