// Skipping blocks by their chunks' statistics never skips a block holding a
// row that passes the filter; and it does skip blocks the ranges exclude.
#include "query/chunk_skip.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "query/evaluator.h"
#include "testing/filter_test_util.h"

namespace embodb::query {
namespace {

using table::Value;

class ChunkSkipTest : public ::testing::Test {
 protected:
  FilterPtr Compile(const std::string& text) { return CompileOk(text, schema_); }

  // A block of `rows` rows: each column's values, encoded as a chunk and its
  // statistics read back as a scan would.
  void MakeBlock(std::mt19937_64& rng, size_t rows) {
    columns_.clear();
    stats_.clear();
    for (size_t c = 0; c < schema_.size(); c++) columns_.emplace_back(schema_.column(c).type);
    const int64_t base = static_cast<int64_t>(rng() % 200) - 100;
    const int64_t spread = 1 + static_cast<int64_t>(rng() % 40);
    const int null_percent = static_cast<int>(rng() % 3) * 40;  // 0, 40 or 80
    for (size_t r = 0; r < rows; r++) {
      const int64_t x = base + static_cast<int64_t>(rng() % spread);
      columns_[0].AppendValue(Value::Int(static_cast<int64_t>(r)));
      auto maybe = [&](Value v) { return static_cast<int>(rng() % 100) < null_percent ? Value::Null() : v; };
      columns_[1].AppendValue(maybe(Value::Int(x)));
      double w = static_cast<double>(x) / 4;
      if (rng() % 50 == 0) w = std::nan("");
      columns_[2].AppendValue(maybe(Value::Double(w)));
      columns_[3].AppendValue(maybe(Value::String(std::string(1, static_cast<char>('a' + (x & 7))) + "x")));
      columns_[4].AppendValue(maybe(Value::Int(x * 1000)));
    }
    for (size_t c = 0; c < schema_.size(); c++) {
      std::string chunk;
      columnar::EncodeChunk(columns_[c].view(), &chunk);
      auto stats = columnar::ReadChunkStats(chunk);
      ASSERT_OK(stats.status());
      stats_.push_back(*stats);
    }
  }

  bool MayMatch(const Filter& f) {
    return ChunkMayMatch(f, [&](size_t c) -> const columnar::ChunkStats* { return c == 0 ? nullptr : &stats_[c]; });
  }
  size_t Matches(const Filter& f, size_t rows) {
    std::vector<table::ColumnView> views;
    for (auto& c : columns_) views.push_back(c.view());
    std::vector<uint32_t> selected;
    EXPECT_OK(EvaluateFilter(f, views, rows, &selected));
    return selected.size();
  }

  table::Schema schema_ = ScalarTestSchema();
  std::vector<table::ColumnBuffer> columns_;
  std::vector<columnar::ChunkStats> stats_;
};

TEST_F(ChunkSkipTest, NeverSkipsABlockWithAMatch) {
  std::mt19937_64 rng(7);
  const char* ops[] = {"=", "!=", "<", "<=", ">", ">="};
  size_t skipped = 0, total = 0;
  for (int round = 0; round < 300; round++) {
    const size_t rows = 1 + rng() % 64;
    MakeBlock(rng, rows);
    for (int q = 0; q < 20; q++) {
      const int64_t lit = static_cast<int64_t>(rng() % 300) - 150;
      const std::string op = ops[rng() % 6];
      std::vector<std::string> texts = {
          "cat " + op + " " + std::to_string(lit),
          std::to_string(lit) + " " + op + " cat",
          "w " + op + " " + std::to_string(lit / 4.0),
          "ts " + op + " " + std::to_string(lit * 1000),
          "label " + op + " '" + std::string(1, static_cast<char>('a' + (lit & 7))) + "'",
          "cat BETWEEN " + std::to_string(lit) + " AND " + std::to_string(lit + 5),
          "cat NOT BETWEEN " + std::to_string(lit) + " AND " + std::to_string(lit + 5),
          "cat IN (" + std::to_string(lit) + ", " + std::to_string(lit + 30) + ")",
          "cat NOT IN (" + std::to_string(lit) + ")",
          "cat IS NULL", "w IS NOT NULL", "id > 3 AND cat = " + std::to_string(lit),
          "cat = " + std::to_string(lit) + " OR w > " + std::to_string(lit / 4.0),
          "cat = " + std::to_string(lit) + " AND w < " + std::to_string(lit),
          "NOT (cat = " + std::to_string(lit) + ")",
          "cat < ts", "-cat > " + std::to_string(lit), "cat > " + std::to_string(lit) + ".5",
      };
      for (const auto& text : texts) {
        FilterPtr f = Compile(text);
        if (f == nullptr) continue;
        const bool may = MayMatch(*f);
        total++;
        skipped += !may;
        if (!may) {
          ASSERT_EQ(Matches(*f, rows), 0u) << text << " on block " << round;
        }
      }
    }
  }
  // Ranges are narrow against the literals: most blocks are skipped.
  EXPECT_GT(skipped, total / 5);
}

TEST_F(ChunkSkipTest, SkipsByRangeAndNulls) {
  std::mt19937_64 rng(1);
  MakeBlock(rng, 50);
  const Value& lo = stats_[1].min;
  const Value& hi = stats_[1].max;
  ASSERT_FALSE(lo.is_null());
  EXPECT_FALSE(MayMatch(*Compile("cat > " + std::to_string(hi.i))));
  EXPECT_TRUE(MayMatch(*Compile("cat >= " + std::to_string(hi.i))));
  EXPECT_FALSE(MayMatch(*Compile("cat < " + std::to_string(lo.i))));
  EXPECT_FALSE(MayMatch(*Compile("cat = " + std::to_string(lo.i - 1) + " OR cat = " + std::to_string(hi.i + 1))));
  EXPECT_TRUE(MayMatch(*Compile("cat > 1000 OR id = 3")));  // the key has no statistics here
  EXPECT_TRUE(MayMatch(*Compile("cat + 1 > 1000")));         // an expression: not understood, may match
}

}  // namespace
}  // namespace embodb::query
