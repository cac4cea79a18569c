// MaskFilter gives exactly EvaluateFilter's answers (NULLs, NaN, mixed int
// and float comparisons, every fixed-width type) on the shapes it takes, and
// refuses the others.
#include "query/mask_filter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "query/evaluator.h"
#include "table/key_codec.h"
#include "table/row_codec.h"
#include "testing/table_test_util.h"
#include "testing/test_util.h"

namespace embodb::query {
namespace {

using table::ColumnBuffer;
using table::T;
using table::Value;

class MaskFilterTest : public ::testing::Test {
 protected:
  static constexpr size_t kRows = 3000;

  MaskFilterTest() {
    auto schema = table::Schema::Create({{"id", T("int64"), false, {}},
                                         {"i8", T("int8"), false, {}},
                                         {"u16", T("uint16"), false, {}},
                                         {"i32", T("int32"), false, {}},
                                         {"u32", T("uint32"), false, {}},
                                         {"f32", T("float32"), false, {}},
                                         {"f64", T("float64"), false, {}},
                                         {"ok", T("bool"), false, {}},
                                         {"ts", T("timestamp"), false, {}},
                                         {"label", T("string"), false, {}},
                                         {"big", T("uint64"), false, {}}},
                                        "id");
    EXPECT_OK(schema.status());
    schema_ = *schema;
    for (const auto& c : schema_.columns()) buffers_.emplace_back(c.type);
    std::mt19937_64 rng(7);
    auto small = [&]() { return static_cast<int64_t>(rng() % 11) - 5; };
    for (size_t r = 0; r < kRows; r++) {
      buffers_[0].AppendValue(Value::Int(static_cast<int64_t>(r)));
      for (size_t c = 1; c < buffers_.size(); c++) {
        if (rng() % 7 == 0) {  // about one value in seven is NULL
          buffers_[c].AppendNull();
          continue;
        }
        switch (c) {
          case 1: buffers_[c].AppendValue(Value::Int(small())); break;
          case 2: buffers_[c].AppendValue(Value::Int(small() + 5)); break;
          case 3: buffers_[c].AppendValue(Value::Int(small() * 1000)); break;
          case 4: buffers_[c].AppendValue(Value::Int(small() + 5)); break;
          case 5: buffers_[c].AppendValue(Value::Double(rng() % 13 == 0 ? NAN : small() * 0.5)); break;
          case 6: buffers_[c].AppendValue(Value::Double(small() * 0.25)); break;
          case 7: buffers_[c].AppendValue(Value::Bool(rng() % 2 == 0)); break;
          case 8: buffers_[c].AppendValue(Value::Int(1'700'000'000'000'000'000 + small() * 1'000'000'000)); break;
          case 9: buffers_[c].AppendValue(Value::String(rng() % 2 ? "cup" : "mug")); break;
          case 10: buffers_[c].AppendValue(Value::UInt(static_cast<uint64_t>(small() + 5))); break;
        }
      }
    }
    for (const auto& b : buffers_) views_.push_back(b.view());
  }

  FilterPtr Compile(const std::string& text) {
    auto f = CompileFilter(text, schema_);
    EXPECT_OK(f.status());
    return f.ok() ? *f : nullptr;
  }

  // The rows MaskFilter passes, over chunks of at most kMaxRows (of views_,
  // or of `views`).
  // The rows EvaluateFilter passes for text, into *want. False when
  // MaskFilter does not compile it; else expects it to pass the same rows.
  bool CheckAgainstEvaluator(const std::string& text, std::vector<uint32_t>* want) {
    FilterPtr f = Compile(text);
    EXPECT_NE(f, nullptr);
    if (!f) return false;
    EXPECT_OK(EvaluateFilter(*f, views_, kRows, want));
    auto mask = MaskFilter::Compile(*f, schema_);
    if (!mask) return false;
    EXPECT_EQ(Mask(*mask), *want);
    return true;
  }

  std::vector<uint32_t> Mask(const MaskFilter& mask, const std::vector<table::ColumnView>* views = nullptr) {
    const std::vector<table::ColumnView>& source = views != nullptr ? *views : views_;
    std::vector<uint32_t> out;
    std::vector<uint8_t> pass(MaskFilter::kMaxRows);
    std::vector<table::ColumnView> chunk(source.size());
    for (size_t begin = 0; begin < kRows; begin += 1000) {
      const size_t n = std::min<size_t>(1000, kRows - begin);
      for (size_t c = 0; c < source.size(); c++) {
        chunk[c] = source[c];
        chunk[c].length = n;
        const size_t w = source[c].type.FixedWidth();
        if (w != 0) chunk[c].values = source[c].values + begin * w;
        if (source[c].nulls != nullptr) chunk[c].nulls = source[c].nulls + begin;
        if (w == 0) chunk[c].offsets = source[c].offsets + begin;
      }
      mask.Evaluate(chunk, n, pass.data());
      for (size_t i = 0; i < n; i++) {
        if (pass[i]) out.push_back(static_cast<uint32_t>(begin + i));
      }
    }
    return out;
  }

  table::Schema schema_;
  std::vector<ColumnBuffer> buffers_;
  std::vector<table::ColumnView> views_;

  // The rows, encoded, copied into an index's NodeAttributes (integers
  // stored narrow, label as codes), and views of the copies.
  void Copy(index::NodeAttributes* attributes, std::vector<table::ColumnView>* copies) {
    std::vector<std::string> keys(kRows), rows(kRows);
    std::vector<uint32_t> nodes(kRows);
    for (size_t r = 0; r < kRows; r++) {
      rows[r].resize(table::EncodedRowSize(schema_, views_, r));
      table::EncodeRowTo(schema_, views_, r, rows[r].data());
      table::AppendKeyOf(views_[0], r, &keys[r]);
      nodes[r] = static_cast<uint32_t>(r);
    }
    ASSERT_OK(attributes->Set(schema_, nodes, {keys.begin(), keys.end()}, {rows.begin(), rows.end()}));
    copies->assign(schema_.size(), {});
    attributes->Views(0, kRows, copies);
  }

  // Filters of every shape MaskFilter takes, and one it refuses (last).
  const std::vector<std::string> filters_ = {
      "i8 = 3", "i8 != 3", "i8 < -2", "i8 <= 0", "i8 > 4", "i8 >= 5", "3 < i8", "-2 >= i8", "i8 = -5",
      "i8 < 2.5", "i8 = 2.0", "u16 BETWEEN 2 AND 6", "u16 NOT BETWEEN 2 AND 6", "i32 IN (0, 2000, -3000)",
      "i32 NOT IN (0, 2000)", "i32 IN (1000, 2.5)", "u32 IN (1, 2, 3, 4, 5, 6, 7, 8, 9)", "f32 < 1",
      "f32 = 0.5", "f32 >= -1.5", "f32 != 0", "f32 IN (0.5, 1)", "f64 > 0.25", "f64 <= -0.5 OR f64 >= 1",
      "ok", "NOT ok", "ok = false", "ok != true", "ok AND i8 > 0", "ts > '2023-11-14T22:13:20Z'",
      "ts <= 1700000000000000000", "i8 IS NULL", "i8 IS NOT NULL", "f32 IS NULL OR ok",
      "NOT (i8 > 0 AND u16 < 5)", "NOT (i8 > 0 OR f64 IS NULL)", "(i8 > 0 OR i32 < 0) AND NOT (ok OR f32 < 0)",
      "id < 100 OR id >= 2900",
      "i8 > 0 AND u16 > 0 AND i32 > 0 AND u32 > 0 AND f32 > 0 AND f64 > 0 AND ok",
      // constants beyond the range of the narrowest storage of the values
      "i32 < 100000", "i32 >= -100000", "i32 = 70000", "i32 != -70000", "id > -200", "id <= 40000",
      "id < 5000000000", "u16 >= -1", "u32 < 70000", "u32 > -3", "i32 IN (3000, 100000)",
      "i32 BETWEEN -40000 AND 2000", "i8 IN (1, 259, -253, -5)", "u16 NOT IN (-65533, 3, 65538)",  // wrapped, 259 and -253 would be 3
      "i8 IN (300, -300)", "i8 IN (300, 1)",  // no constant in range; the first one in range not first
      // IN of more constants than are tested one pass each: a search per row
      "i32 IN (-3000, -2000, -1000, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 1000, 2000, 100000)",
      "i8 NOT IN (-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 200)",
      // ANDs whose first term passes few rows, and their negations
      "id < 100 AND i8 > 0", "id >= 2990 AND (f32 < 0 OR f64 IS NULL)", "i8 = 3 AND u16 = 4 AND i32 > 0",
      "NOT (id < 100 AND i8 > 0)", "i8 = -5 AND (u32 IN (1, 2) AND NOT ok)", "id < 0 AND i8 > 0",
      "(i8 = 3 AND u16 = 4) OR (i8 = -3 AND f32 IS NULL)",
      "id % 2 = 0 OR i8 = 1",  // refused: arithmetic
  };
};

TEST_F(MaskFilterTest, AgreesWithTheEvaluator) {
  size_t compiled = 0;
  for (const std::string& text : filters_) {
    SCOPED_TRACE(text);
    std::vector<uint32_t> want;
    compiled += CheckAgainstEvaluator(text, &want);
  }
  EXPECT_EQ(compiled, filters_.size() - 1);
}

// ANDs whose first side passes few rows, nested: each tests its second side
// at those rows only, over values the enclosing AND gathered (rows
// 3000 -> 300 -> 30 -> 3), each in its own space.
TEST_F(MaskFilterTest, NestedSparseAndsAgreeWithTheEvaluator) {
  for (const char* text : {"id < 300 AND (id < 30 AND (id < 3 AND i8 IS NOT NULL))",
                           "id >= 2700 AND (id >= 2970 AND (id >= 2997 AND (i8 > 0 OR f64 IS NULL)))"}) {
    SCOPED_TRACE(text);
    std::vector<uint32_t> want;
    EXPECT_TRUE(CheckAgainstEvaluator(text, &want));
    EXPECT_FALSE(want.empty());
  }
}

// Chains of thousands of terms are halved into a shallow tree of masks.
TEST_F(MaskFilterTest, LongChainsAgreeWithTheEvaluator) {
  std::string ands = "i8 > 0", ors = "id = 5";
  for (int i = 0; i < 5000; i++) {
    ands += i % 2 ? " AND id >= 0" : " AND f64 IS NOT NULL";
    ors += " OR id = " + std::to_string(7 * i);
  }
  for (const std::string& text : {ands, ors}) {
    std::vector<uint32_t> want;
    EXPECT_TRUE(CheckAgainstEvaluator(text, &want));
    EXPECT_FALSE(want.empty());
  }
}

// Over an index's copies, whose integers are stored narrow (id in 2 bytes,
// i32 in 2, the others in 1), both MaskFilter and EvaluateFilter give the
// answers EvaluateFilter gives over the table's columns.
TEST_F(MaskFilterTest, NarrowCopiesGiveTheSameAnswers) {
  index::NodeAttributes attributes(schema_);
  std::vector<table::ColumnView> copies;
  Copy(&attributes, &copies);
  EXPECT_EQ(attributes.StoredType(0), table::TypeId::kInt16);
  EXPECT_EQ(attributes.StoredType(3), table::TypeId::kInt16);
  EXPECT_EQ(attributes.StoredType(4), table::TypeId::kUInt8);
  size_t compiled = 0;
  for (const std::string& text : filters_) {
    SCOPED_TRACE(text);
    FilterPtr f = Compile(text);
    ASSERT_NE(f, nullptr);
    std::vector<uint32_t> want, over_copies;
    ASSERT_OK(EvaluateFilter(*f, views_, kRows, &want));
    ASSERT_OK(EvaluateFilter(*f, copies, kRows, &over_copies));
    EXPECT_EQ(over_copies, want);
    auto mask = MaskFilter::Compile(*f, schema_, &attributes);
    if (!mask) continue;
    compiled++;
    EXPECT_EQ(Mask(*mask, &copies), want);
  }
  EXPECT_EQ(compiled, filters_.size() - 1);
}

TEST_F(MaskFilterTest, RefusesOtherShapes) {
  for (const char* text :
       {"id % 2 = 0", "i8 + 1 > 2", "i8 < u16", "label = 'cup'", "big > 3", "i8 = NULL", "i8 IN (1, NULL)",
        "label LIKE 'c%'", "1 = 1"}) {
    SCOPED_TRACE(text);
    FilterPtr f = Compile(text);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(MaskFilter::Compile(*f, schema_), nullptr);
  }
}

TEST_F(MaskFilterTest, StringsHeldAsCodesAgreeWithTheEvaluator) {
  index::NodeAttributes attributes(schema_);
  std::vector<table::ColumnView> copies;
  Copy(&attributes, &copies);
  ASSERT_TRUE(attributes.Coded(9));
  for (const char* text :
       {"label = 'cup'", "label != 'mug'", "'cup' = label", "label IN ('cup', 'box')", "label NOT IN ('mug')",
        "label = 'box'", "label != 'box'", "label NOT IN ('box', 'crate')", "label IS NULL",
        "label IS NOT NULL AND i8 > 0", "label = 'cup' OR ok", "NOT (label = 'mug' AND f32 < 0)"}) {
    SCOPED_TRACE(text);
    FilterPtr f = Compile(text);
    ASSERT_NE(f, nullptr);
    std::vector<uint32_t> want;
    ASSERT_OK(EvaluateFilter(*f, views_, kRows, &want));
    auto mask = MaskFilter::Compile(*f, schema_, &attributes);
    ASSERT_NE(mask, nullptr);
    EXPECT_EQ(Mask(*mask, &copies), want);
  }
  for (const char* text : {"label < 'd'", "label LIKE 'c%'", "label = label", "label IN ('cup', NULL)"}) {
    SCOPED_TRACE(text);
    FilterPtr f = Compile(text);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(MaskFilter::Compile(*f, schema_, &attributes), nullptr);
  }
}

}  // namespace
}  // namespace embodb::query
