#include "util/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "testing/test_util.h"

namespace embodb::crc32c {

TEST(Crc32cTest, StandardVectors) {
  // From RFC 3720 section B.4.
  char buf[32];
  std::memset(buf, 0, sizeof(buf));
  EXPECT_EQ(0x8a9136aau, Value(buf, sizeof(buf)));
  std::memset(buf, 0xff, sizeof(buf));
  EXPECT_EQ(0x62a8ab43u, Value(buf, sizeof(buf)));
  for (int i = 0; i < 32; i++) buf[i] = static_cast<char>(i);
  EXPECT_EQ(0x46dd794eu, Value(buf, sizeof(buf)));
  for (int i = 0; i < 32; i++) buf[i] = static_cast<char>(31 - i);
  EXPECT_EQ(0x113fdb5cu, Value(buf, sizeof(buf)));
  EXPECT_EQ(0xe3069283u, Value("123456789", 9));
}

TEST(Crc32cTest, HardwareMatchesPortable) {
  Random rnd(301);
  for (size_t n : {0, 1, 7, 8, 9, 63, 64, 767, 768, 769, 1000, 1536, 2311, 4097, 4101, 20000}) {
    std::string s = testing::RandomBytes(&rnd, n + 3);
    for (size_t shift = 0; shift < 4; shift += 3) {  // aligned and not
      for (uint32_t init : {0u, 0x12345678u}) {
        EXPECT_EQ(ExtendPortable(init, s.data() + shift, n), Extend(init, s.data() + shift, n)) << n;
      }
    }
  }
}

TEST(Crc32cTest, Extend) {
  EXPECT_EQ(Value("hello world", 11), Extend(Value("hello ", 6), "world", 5));
}

TEST(Crc32cTest, Mask) {
  uint32_t crc = Value("foo", 3);
  EXPECT_NE(crc, Mask(crc));
  EXPECT_NE(crc, Mask(Mask(crc)));
  EXPECT_EQ(crc, Unmask(Mask(crc)));
  EXPECT_EQ(crc, Unmask(Unmask(Mask(Mask(crc)))));
}

}  // namespace embodb::crc32c
