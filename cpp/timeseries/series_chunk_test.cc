// Series chunks: samples and statistics round trip; columns added later
// read as nulls; cut, flipped and future-format chunks are refused.
#include "timeseries/series_chunk.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace embodb::timeseries {
namespace {

using table::ColumnBuffer;
using table::ColumnType;
using table::TypeId;

struct Fixture {
  std::vector<int64_t> ts;
  ColumnBuffer values{ColumnType{TypeId::kFloat64, 0}};
  ColumnBuffer labels{ColumnType{TypeId::kString, 0}};
  std::string chunk;

  explicit Fixture(size_t n) {
    for (size_t i = 0; i < n; i++) {
      ts.push_back(1'700'000'000'000'000'000 + static_cast<int64_t>(i) * 2'500'000 + (i % 3));
      if (i % 10 == 3) {
        values.AppendNull();
      } else {
        const double v = i == 5 ? std::numeric_limits<double>::quiet_NaN() : std::round(std::sin(i * 0.01) * 1e4) / 1e4;
        values.AppendFixed(&v);
      }
      labels.AppendBytes(i % 2 ? "walk" : "stand");
    }
    EncodeSeriesChunk(ts.data(), {values.view(), labels.view()}, 0, n, &chunk);
  }
};

TEST(SeriesChunkTest, SamplesAndStatisticsRoundTrip) {
  Fixture f(1000);
  SeriesChunkReader reader;
  ASSERT_TRUE(reader.Open(f.chunk).ok());
  EXPECT_EQ(reader.samples(), 1000u);
  EXPECT_EQ(reader.first_ts(), f.ts.front());
  EXPECT_EQ(reader.last_ts(), f.ts.back());
  std::vector<int64_t> ts;
  ASSERT_TRUE(reader.DecodeTimestamps(&ts).ok());
  EXPECT_EQ(ts, f.ts);
  ColumnBuffer values(f.values.type()), labels(f.labels.type());
  ASSERT_TRUE(reader.DecodeColumn(0, &values).ok());
  ASSERT_TRUE(reader.DecodeColumn(1, &labels).ok());
  ASSERT_EQ(values.length(), 1000u);
  double sum = 0;
  uint64_t count = 0;
  for (size_t i = 0; i < 1000; i++) {
    ASSERT_EQ(values.view().IsNull(i), f.values.view().IsNull(i));
    if (f.values.view().IsNull(i)) continue;
    const double want = f.values.view().Get<double>(i), got = values.view().Get<double>(i);
    EXPECT_EQ(std::memcmp(&want, &got, 8), 0) << i;
    if (!std::isnan(want)) {
      sum += want;
      count++;
    }
    EXPECT_EQ(labels.view().Bytes(i), f.labels.view().Bytes(i));
  }
  auto stats = reader.ColumnStats(0);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->count, count);
  EXPECT_DOUBLE_EQ(stats->sum, sum);
  EXPECT_EQ(stats->chunk.nulls, 100u);
  EXPECT_TRUE(stats->chunk.has_nan);
  EXPECT_EQ(stats->first.d, f.values.view().Get<double>(0));
  EXPECT_EQ(stats->last.d, f.values.view().Get<double>(999));
  auto text = reader.ColumnStats(1);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->count, 1000u);
  EXPECT_EQ(text->first.s, "stand");
  EXPECT_EQ(text->last.s, "walk");
  // A column the chunk predates reads as nulls.
  ColumnBuffer later(ColumnType{TypeId::kInt32, 0});
  ASSERT_TRUE(reader.DecodeColumn(2, &later).ok());
  EXPECT_EQ(later.length(), 1000u);
  EXPECT_TRUE(later.view().IsNull(999));
}

TEST(SeriesChunkTest, DamageIsRefused) {
  Fixture f(300);
  for (size_t cut = 0; cut < f.chunk.size(); cut += 5) {
    SeriesChunkReader reader;
    EXPECT_FALSE(reader.Open(std::string_view(f.chunk.data(), cut)).ok()) << cut;
  }
  std::string future = f.chunk;
  future[0] = 2;
  SeriesChunkReader reader;
  EXPECT_TRUE(reader.Open(future).IsNotSupported());
  // Flipped bytes: refused or decoded to some values, never a crash (the
  // LSM's block checksums catch damage on disk before this).
  for (size_t at = 0; at < f.chunk.size(); at++) {
    std::string flipped = f.chunk;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x5a);
    SeriesChunkReader r;
    if (!r.Open(flipped).ok()) continue;
    std::vector<int64_t> ts;
    (void)r.DecodeTimestamps(&ts);
    for (size_t c = 0; c < r.columns(); c++) {
      ColumnBuffer out(c == 0 ? f.values.type() : f.labels.type());
      (void)r.DecodeColumn(c, &out);
      (void)r.ColumnStats(c);
    }
  }
}

}  // namespace
}  // namespace embodb::timeseries
