#include "util/grow_buffer.h"

#include <gtest/gtest.h>

#include <vector>

namespace embodb {

TEST(GrowBufferTest, GrowsPastTheMappedSizeKeepingEveryValue) {
  GrowBuffer<int64_t> buffer;
  std::vector<int64_t> model;
  // 8 MB of values: from malloc to a mapping, then remapped as it grows.
  for (int64_t i = 0; i < 1'000'000; i++) {
    buffer.push_back(i * 7);
    model.push_back(i * 7);
  }
  const int64_t tail[3] = {-1, -2, -3};
  buffer.append(tail, 3);
  model.insert(model.end(), tail, tail + 3);
  ASSERT_EQ(model.size(), buffer.size());
  EXPECT_TRUE(std::equal(model.begin(), model.end(), buffer.begin()));

  GrowBuffer<int64_t> copy = buffer;
  buffer.resize(buffer.size() + 5, 9);
  EXPECT_EQ(model.size() + 5, buffer.size());
  EXPECT_EQ(9, buffer[buffer.size() - 1]);
  ASSERT_EQ(model.size(), copy.size());
  EXPECT_TRUE(std::equal(model.begin(), model.end(), copy.begin()));

  GrowBuffer<int64_t> moved = std::move(copy);
  EXPECT_EQ(model.size(), moved.size());
  EXPECT_EQ(-3, moved[moved.size() - 1]);
  moved.assign(10, 4);
  EXPECT_EQ(10u, moved.size());
  EXPECT_EQ(4, moved[9]);

  GrowBuffer<uint8_t> small;
  EXPECT_TRUE(small.empty());
  small.reserve(3 << 20);  // straight to a mapping
  small.resize(100, 1);
  EXPECT_EQ(1, small[99]);
  small = GrowBuffer<uint8_t>();
  EXPECT_TRUE(small.empty());
}

}  // namespace embodb
