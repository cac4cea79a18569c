// Column chunks: every column type round trips with its nulls, the
// statistics are right (NaN and nulls left out of the range), and damaged
// chunks are reported, never misread.
#include "columnar/column_chunk.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "testing/table_test_util.h"
#include "testing/test_util.h"
#include "util/coding.h"

namespace embodb::columnar {
namespace {

using table::ColumnBuffer;
using table::T;
using table::Value;

// Encodes col, decodes it (whole, and row by row with a ChunkReader) and
// checks every cell.
std::string RoundTrip(const ColumnBuffer& col) {
  std::string chunk;
  EncodeChunk(col.view(), &chunk);
  ColumnBuffer back(col.type());
  EXPECT_OK(DecodeChunk(chunk, &back));
  EXPECT_EQ(back.length(), col.length());
  ChunkReader reader;
  EXPECT_OK(reader.Open(chunk));
  EXPECT_EQ(reader.rows(), col.length());
  const auto a = col.view(), b = back.view();
  for (size_t i = 0; i < col.length(); i++) {
    EXPECT_EQ(a.IsNull(i), b.IsNull(i)) << i;
    EXPECT_EQ(a.IsNull(i), reader.IsNull(i)) << i;
    if (a.IsNull(i)) continue;
    if (col.type().IsVariable()) {
      EXPECT_EQ(a.Bytes(i), b.Bytes(i)) << i;
      std::string_view one;
      EXPECT_OK(reader.BytesAt(i, &one));
      EXPECT_EQ(a.Bytes(i), one) << i;
    } else {
      EXPECT_EQ(0, std::memcmp(a.Fixed(i), b.Fixed(i), col.type().FixedWidth())) << i;
      std::vector<uint8_t> one(col.type().FixedWidth());
      EXPECT_OK(reader.FixedAt(i, one.data()));
      EXPECT_EQ(0, std::memcmp(a.Fixed(i), one.data(), one.size())) << i;
    }
  }
  return chunk;
}

TEST(ColumnChunkTest, EveryTypeRoundTripsWithNulls) {
  for (const char* name : {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                           "float32", "float64", "timestamp", "string", "bytes", "vector(3)", "point3",
                           "pointcloud(4)"}) {
    SCOPED_TRACE(name);
    ColumnBuffer col(T(name));
    for (int i = 0; i < 300; i++) {
      if (i % 7 == 3) {
        col.AppendNull();
        continue;
      }
      if (col.type().IsVariable()) {
        std::string v(static_cast<size_t>(i % 5) * (col.type().id == table::TypeId::kPointCloud ? 16 : 1), 'a');
        for (size_t k = 0; k < v.size(); k++) v[k] = static_cast<char>(i + k);
        col.AppendBytes(v);
      } else {
        std::vector<uint8_t> bytes(col.type().FixedWidth());
        for (size_t k = 0; k < bytes.size(); k++) bytes[k] = static_cast<uint8_t>(i * 31 + k);
        if (col.type().id == table::TypeId::kBool) bytes[0] &= 1;
        col.AppendFixed(bytes.data());
      }
    }
    RoundTrip(col);
    ColumnBuffer nulls(T(name));
    for (int i = 0; i < 5; i++) nulls.AppendNull();
    RoundTrip(nulls);
    RoundTrip(ColumnBuffer(T(name)));  // no rows
  }
}

TEST(ColumnChunkTest, StatisticsSkipNullsAndNaN) {
  ColumnBuffer f(T("float64"));
  for (double v : {3.5, std::nan(""), -2.0, 10.25}) f.AppendFixed(&v);
  f.AppendNull();
  const std::string chunk = RoundTrip(f);
  auto s = ReadChunkStats(chunk);
  ASSERT_OK(s.status());
  EXPECT_EQ(s->rows, 5u);
  EXPECT_EQ(s->nulls, 1u);
  EXPECT_TRUE(s->has_nan);
  EXPECT_EQ(s->min, Value::Double(-2.0));
  EXPECT_EQ(s->max, Value::Double(10.25));

  ColumnBuffer u(T("uint64"));
  for (uint64_t v : {uint64_t{5}, std::numeric_limits<uint64_t>::max(), uint64_t{0}}) u.AppendFixed(&v);
  auto us = ReadChunkStats(RoundTrip(u));
  EXPECT_EQ(us->min, Value::UInt(0));
  EXPECT_EQ(us->max, Value::UInt(std::numeric_limits<uint64_t>::max()));

  ColumnBuffer i8(T("int8"));
  for (int8_t v : {int8_t{-128}, int8_t{127}, int8_t{0}}) i8.AppendFixed(&v);
  auto is = ReadChunkStats(RoundTrip(i8));
  EXPECT_EQ(is->min, Value::Int(-128));
  EXPECT_EQ(is->max, Value::Int(127));

  ColumnBuffer s2(T("string"));
  for (const char* v : {"mug", "cup", "plate"}) s2.AppendBytes(v);
  auto ss = ReadChunkStats(RoundTrip(s2));
  EXPECT_EQ(ss->min, Value::String("cup"));
  EXPECT_EQ(ss->max, Value::String("plate"));

  ColumnBuffer all_null(T("int32"));
  all_null.AppendNull();
  auto ns = ReadChunkStats(RoundTrip(all_null));
  EXPECT_EQ(ns->min.kind, Value::Kind::kNull);
}

TEST(ColumnChunkTest, DamagedChunksAreReported) {
  ColumnBuffer col(T("int64"));
  for (int64_t v = 0; v < 100; v++) {
    if (v % 10 == 0) {
      col.AppendNull();
    } else {
      col.AppendFixed(&v);
    }
  }
  std::string chunk;
  EncodeChunk(col.view(), &chunk);
  for (size_t cut = 0; cut < chunk.size(); cut++) {
    ColumnBuffer back(T("int64"));
    EXPECT_FALSE(DecodeChunk(chunk.substr(0, cut), &back).ok()) << cut;
    ChunkReader reader;
    EXPECT_FALSE(reader.Open(chunk.substr(0, cut)).ok()) << cut;
  }
  std::string newer = chunk;
  newer[0] = 9;
  ColumnBuffer back(T("int64"));
  Status s = DecodeChunk(newer, &back);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("format 9"), std::string::npos) << s.ToString();
  ColumnBuffer other(T("int32"));
  EXPECT_TRUE(DecodeChunk(chunk, &other).IsInvalidArgument());
  // A header claiming a huge chunk is refused before anything is allocated.
  std::string huge = chunk.substr(0, 3);
  PutVarint64(&huge, uint64_t{1} << 50);
  PutVarint64(&huge, 0);
  EXPECT_TRUE(ReadChunkStats(huge).status().IsCorruption());
}

}  // namespace
}  // namespace embodb::columnar
