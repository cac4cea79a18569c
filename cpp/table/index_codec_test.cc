// Index value encoding: byte order is value order, nulls first, and every
// encoding can be skipped to reach the primary key after it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "table/index_codec.h"
#include "testing/table_test_util.h"

namespace embodb::table {
namespace {

// Encodes each value of a column (plus a trailing pk "PK") and checks order and skipping.
template <typename V>
void CheckOrder(const std::vector<V>& values, ColumnType t) {
  const ColumnView col = ViewOf(values, t);
  std::vector<std::pair<V, std::string>> enc;
  for (size_t i = 0; i < values.size(); i++) {
    std::string k;
    AppendIndexValue(col, i, &k);
    const std::string with_pk = k + "PK";
    std::string_view rest = with_pk;
    ASSERT_TRUE(SkipIndexValue(t, &rest));
    EXPECT_EQ(rest, "PK");
    enc.emplace_back(values[i], k);
  }
  std::sort(enc.begin(), enc.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < enc.size(); i++) {
    if (enc[i - 1].first == enc[i].first) {
      EXPECT_EQ(enc[i - 1].second, enc[i].second);
    } else {
      EXPECT_LT(enc[i - 1].second, enc[i].second) << enc[i - 1].first << " vs " << enc[i].first;
    }
  }
}

TEST(IndexCodec, NumbersKeepTheirOrder) {
  std::mt19937_64 rng(7);
  std::vector<int64_t> ints = {std::numeric_limits<int64_t>::min(), -1, 0, 1, std::numeric_limits<int64_t>::max()};
  std::vector<uint64_t> uints = {0, 1, uint64_t{1} << 63, std::numeric_limits<uint64_t>::max()};
  std::vector<double> doubles = {-std::numeric_limits<double>::infinity(), -1e300, -1, -1e-300, 0.0, -0.0, 1e-300, 1,
                                 std::numeric_limits<double>::infinity()};
  std::vector<int32_t> small;
  for (int i = 0; i < 200; i++) {
    ints.push_back(static_cast<int64_t>(rng()));
    uints.push_back(rng());
    doubles.push_back(std::ldexp(static_cast<double>(static_cast<int64_t>(rng())), static_cast<int>(rng() % 200) - 100));
    small.push_back(static_cast<int32_t>(rng()));
  }
  CheckOrder(ints, T("int64"));
  CheckOrder(uints, T("uint64"));
  CheckOrder(doubles, T("float64"));
  CheckOrder(small, T("int32"));
}

TEST(IndexCodec, StringsNullsAndLiterals) {
  ColumnBuffer col(T("string"));
  const std::vector<std::string> values = {"", std::string("\0", 1), "a", std::string("a\0b", 3), "ab", "b", "\xc3\xa9"};
  col.AppendNull();
  for (const auto& v : values) col.AppendBytes(v);
  std::vector<std::string> enc;
  for (size_t i = 0; i < col.length(); i++) {
    std::string k;
    AppendIndexValue(col.view(), i, &k);
    std::string with_pk = k + std::string("\0\x01x", 3);
    std::string_view rest = with_pk;
    ASSERT_TRUE(SkipIndexValue(T("string"), &rest));
    EXPECT_EQ(rest, std::string_view("\0\x01x", 3));
    enc.push_back(k);
  }
  EXPECT_TRUE(std::is_sorted(enc.begin(), enc.end()));  // null first, then byte order
  std::string lit;
  ASSERT_TRUE(AppendIndexLiteral(T("string"), Value::String("ab"), &lit));
  EXPECT_EQ(lit, enc[5]);
  std::string out;
  EXPECT_FALSE(AppendIndexLiteral(T("uint8"), Value::Int(300), &out));
  EXPECT_FALSE(AppendIndexLiteral(T("uint32"), Value::Int(-1), &out));
  EXPECT_FALSE(AppendIndexLiteral(T("bool"), Value::Int(2), &out));
  EXPECT_FALSE(AppendIndexLiteral(T("int64"), Value::Null(), &out));
  EXPECT_TRUE(out.empty());
  std::string_view truncated = std::string_view(enc[4]).substr(0, enc[4].size() - 1);
  EXPECT_FALSE(SkipIndexValue(T("string"), &truncated));
}

}  // namespace
}  // namespace embodb::table
