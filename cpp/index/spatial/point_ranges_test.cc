#include "index/spatial/point_ranges.h"

#include <gtest/gtest.h>

#include "testing/test_util.h"
#include "util/coding.h"

namespace embodb::index::spatial {
namespace {

TEST(PointRangesTest, RangesAreGivenFreedMergedAndReused) {
  PointRanges r;
  EXPECT_EQ(r.Allocate(0, 10), 0u);
  EXPECT_EQ(r.Allocate(1, 5), 10u);
  EXPECT_EQ(r.Allocate(2, 7), 15u);
  EXPECT_EQ(r.NodeOf(12), 1u);
  EXPECT_EQ(r.NodeOf(22), PointRanges::kNone);
  r.Free(0);
  r.Free(1);  // merged with node 0's: 15 free ids at 0
  EXPECT_FALSE(r.Has(1));
  EXPECT_EQ(r.NodeOf(3), PointRanges::kNone);
  EXPECT_EQ(r.Allocate(3, 12), 0u);   // first fit
  EXPECT_EQ(r.Allocate(4, 4), 22u);   // the 3 left at 12 are too few
  EXPECT_EQ(r.Allocate(5, 3), 12u);
  EXPECT_EQ(r.id_limit(), 26u);
  r.Free(2);
  r.Free(4);  // 15..26 free, merged across
  EXPECT_EQ(r.Allocate(6, 11), 15u);
  EXPECT_EQ(r.Base(6), 15u);
  EXPECT_EQ(r.Count(6), 11u);
  r.Free(9);  // nothing to free
}

TEST(PointRangesTest, EncodeDecodeRoundTripsAndDamageIsReported) {
  PointRanges r;
  r.Allocate(0, 10);
  r.Allocate(2, 5);
  r.Allocate(3, 6);
  r.Free(2);
  std::string bytes;
  r.EncodeTo(&bytes);
  std::string_view in(bytes);
  auto back = PointRanges::Decode(&in, 4);
  ASSERT_OK(back.status());
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(back->NodeOf(12), PointRanges::kNone);
  EXPECT_EQ(back->NodeOf(17), 3u);
  EXPECT_EQ(back->Allocate(5, 5), 10u);  // the freed gap is free again
  // A node past the slots, overlapping ranges, an empty one, cut short.
  auto encode = [](std::vector<std::array<uint32_t, 3>> ranges) {
    std::string b;
    PutFixed32(&b, static_cast<uint32_t>(ranges.size()));
    for (auto& x : ranges) {
      for (uint32_t v : x) PutFixed32(&b, v);
    }
    return b;
  };
  for (const std::string& bad : {encode({{7, 0, 3}}), encode({{0, 0, 5}, {1, 4, 2}}), encode({{0, 0, 0}}),
                                 encode({{0, 0, 3}, {0, 5, 3}}), encode({{0, 0xfffffff0u, 100}}),
                                 encode({{0, 0, 3}}).substr(0, 9)}) {
    std::string_view bad_in(bad);
    EXPECT_TRUE(PointRanges::Decode(&bad_in, 4).status().IsCorruption());
  }
}

}  // namespace
}  // namespace embodb::index::spatial
