// Filter expressions: syntax errors that point at the token, binding against
// a schema, and evaluation with SQL's NULL rules.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "query/evaluator.h"
#include "query/filter.h"
#include "query/time_literal.h"
#include "testing/filter_test_util.h"
#include "testing/table_test_util.h"
#include "testing/test_util.h"

namespace embodb::query {
namespace {

using table::Column;
using table::ColumnBuffer;
using table::T;
using table::Value;

// A batch of five rows over a schema with one column of most types; row 3 is
// all nulls (except the key).
class FilterTest : public EvaluatedFilterTest {
 protected:
  FilterTest() {
    auto schema = table::Schema::Create({{"id", T("int64"), false, {}},
                                         {"ep", T("int32"), false, {}},
                                         {"x", T("float64"), false, {}},
                                         {"label", T("string"), false, {}},
                                         {"ts", T("timestamp"), false, {}},
                                         {"ok", T("bool"), false, {}},
                                         {"emb", T("vector(2)"), false, {}},
                                         {"big", T("uint64"), false, {}}},
                                        "id");
    EXPECT_OK(schema.status());
    schema_ = *schema;
    for (const auto& c : schema_.columns()) buffers_.emplace_back(c.type);
    const std::vector<std::optional<std::string>> labels = {"cup", "mug", "cupboard", std::nullopt, "héllo"};
    for (int64_t r = 0; r < 5; r++) {
      buffers_[0].AppendValue(Value::Int(r));
      if (r == 3) {
        for (size_t c = 1; c < buffers_.size(); c++) buffers_[c].AppendNull();
        continue;
      }
      buffers_[1].AppendValue(Value::Int(r % 2 == 0 ? 3 : 4));
      buffers_[2].AppendValue(Value::Double(r * 1.5));
      buffers_[3].AppendValue(Value::String(*labels[r]));
      int64_t ns;
      EXPECT_TRUE(ParseIsoTimestamp("2026-11-0" + std::to_string(r + 1), &ns));
      buffers_[4].AppendValue(Value::Int(ns));
      buffers_[5].AppendValue(Value::Bool(r != 1));
      const float v[2] = {1, 2};
      buffers_[6].AppendFixed(v);
      buffers_[7].AppendValue(Value::UInt(r == 4 ? (1ULL << 63) + 5 : static_cast<uint64_t>(r)));
    }
  }
};

using V = std::vector<uint32_t>;

TEST_F(FilterTest, Comparisons) {
  EXPECT_EQ(Rows("ep = 3"), (V{0, 2, 4}));
  EXPECT_EQ(Rows("ep != 3"), (V{1}));
  EXPECT_EQ(Rows("ep <> 3 OR ep IS NULL"), (V{1, 3}));
  EXPECT_EQ(Rows("x > 1.5"), (V{2, 4}));
  EXPECT_EQ(Rows("x >= 1.5 AND x < 6"), (V{1, 2}));
  EXPECT_EQ(Rows("3 = ep AND 1 < id"), (V{2, 4}));
  EXPECT_EQ(Rows("id = 2.0"), (V{2}));
  EXPECT_EQ(Rows("label = 'cup'"), (V{0}));
  EXPECT_EQ(Rows("label > 'cup'"), (V{1, 2, 4}));
  EXPECT_EQ(Rows("ok"), (V{0, 2, 4}));
  EXPECT_EQ(Rows("ok = FALSE"), (V{1}));
  EXPECT_EQ(Rows("ok = 1"), (V{0, 2, 4}));
  EXPECT_EQ(Rows("TRUE"), (V{0, 1, 2, 3, 4}));
  EXPECT_EQ(Rows("NULL"), (V{}));
}

TEST_F(FilterTest, NullsFollowSql) {
  // Unknown is neither true nor false: row 3 (nulls) passes neither side.
  EXPECT_EQ(Rows("ep = 3"), (V{0, 2, 4}));
  EXPECT_EQ(Rows("NOT (ep = 3)"), (V{1}));
  EXPECT_EQ(Rows("ep = NULL"), (V{}));
  EXPECT_EQ(Rows("ep IS NULL"), (V{3}));
  EXPECT_EQ(Rows("emb IS NULL"), (V{3}));
  EXPECT_EQ(Rows("emb IS NOT NULL"), (V{0, 1, 2, 4}));
  // NULL OR TRUE is TRUE; NULL AND FALSE is FALSE.
  EXPECT_EQ(Rows("ep = 3 OR id = 3"), (V{0, 2, 3, 4}));
  EXPECT_EQ(Rows("NOT (ep = 3 AND id = 0)"), (V{1, 2, 3, 4}));  // NULL AND FALSE
  EXPECT_EQ(Rows("NOT (ep = 9 AND id = 3)"), (V{0, 1, 2, 4}));  // NOT (NULL AND TRUE)
  // x IN (..., NULL) is unknown when no item matches.
  EXPECT_EQ(Rows("ep IN (3, NULL)"), (V{0, 2, 4}));
  EXPECT_EQ(Rows("NOT (ep IN (4, NULL))"), (V{}));
  EXPECT_EQ(Rows("ep NOT IN (4)"), (V{0, 2, 4}));
}

TEST_F(FilterTest, InBetweenLike) {
  EXPECT_EQ(Rows("label IN ('cup', 'mug', 'bowl')"), (V{0, 1}));
  EXPECT_EQ(Rows("id IN (4, 0, 0)"), (V{0, 4}));
  EXPECT_EQ(Rows("id IN (ep, 2)"), (V{2}));
  EXPECT_EQ(Rows("x IN (1.5, 3)"), (V{1, 2}));
  EXPECT_EQ(Rows("id BETWEEN 1 AND 3"), (V{1, 2, 3}));
  EXPECT_EQ(Rows("id NOT BETWEEN 1 AND 3"), (V{0, 4}));
  EXPECT_EQ(Rows("label LIKE 'cup%'"), (V{0, 2}));
  EXPECT_EQ(Rows("label LIKE '%u%'"), (V{0, 1, 2}));
  EXPECT_EQ(Rows("label LIKE 'h_llo'"), (V{4}));  // _ is one character, é is two bytes
  EXPECT_EQ(Rows("label LIKE '_u_'"), (V{0, 1}));
  EXPECT_EQ(Rows("label NOT LIKE 'cup%'"), (V{1, 4}));
  EXPECT_EQ(Rows("label LIKE 'CUP'"), (V{}));  // case-sensitive
}

TEST_F(FilterTest, LikeMatcher) {
  EXPECT_TRUE(LikeMatch("", "%"));
  EXPECT_TRUE(LikeMatch("abc", "a%c"));
  EXPECT_TRUE(LikeMatch("abcbc", "%bc"));
  EXPECT_TRUE(LikeMatch("aaab", "%a%b"));
  EXPECT_FALSE(LikeMatch("abc", "a%d"));
  EXPECT_FALSE(LikeMatch("ab", "a_b"));
  EXPECT_TRUE(LikeMatch("a%b", "a%b"));
  EXPECT_TRUE(LikeMatch("mississippi", "%iss%ppi"));
  EXPECT_FALSE(LikeMatch("mississippi", "%iss%ppx"));
}

TEST_F(FilterTest, ArithmeticAndTimes) {
  EXPECT_EQ(Rows("id * 2 + 1 = 5"), (V{2}));
  EXPECT_EQ(Rows("id / 2 = 1"), (V{2, 3}));  // integer division truncates
  EXPECT_EQ(Rows("id % 2 = 1"), (V{1, 3}));
  EXPECT_EQ(Rows("-id < -3"), (V{4}));
  EXPECT_EQ(Rows("x / 0 IS NULL"), (V{0, 1, 2, 3, 4}));  // division by zero is NULL
  EXPECT_EQ(Rows("id / 0 IS NULL"), (V{0, 1, 2, 3, 4}));
  EXPECT_EQ(Rows("ep - id * 0.5 > 2.4"), (V{0, 1}));
  EXPECT_EQ(Rows("ts >= '2026-11-03'"), (V{2, 4}));
  EXPECT_EQ(Rows("ts BETWEEN '2026-11-02T00:00:00Z' AND TIMESTAMP '2026-11-03 00:00'"), (V{1, 2}));
  EXPECT_EQ(Rows("ts < '2026-11-02T01:00:00+02:00'"), (V{0}));
  EXPECT_EQ(Rows("ts IN ('2026-11-01', '2026-11-05')"), (V{0, 4}));
  EXPECT_EQ(Rows("ts - TIMESTAMP '2026-11-01' >= 86400000000000 * 2"), (V{2, 4}));
  EXPECT_NE(ErrorOf("id * 9223372036854775807 > 0").find("integer overflow"), std::string::npos);
  EXPECT_NE(ErrorOf("big > 0").find("above the int64 range"), std::string::npos);
}

TEST_F(FilterTest, ErrorsPointAtTheToken) {
  const std::string e = ErrorOf("ep = 3 AND ts >= ");
  EXPECT_NE(e.find("expected a value, found the end of the expression at position 17"), std::string::npos) << e;
  const std::string caret = ErrorOf("ep = 3 AND label = 'a' OR lable = 'b'");
  EXPECT_NE(caret.find("no column 'lable'"), std::string::npos) << caret;
  EXPECT_TRUE(caret.ends_with("\n  " + std::string(26, ' ') + "^^^^^")) << caret;
  auto schema_error = Run("nope = 1");
  EXPECT_TRUE(schema_error.status().code() == Status::Code::kSchema);
  for (const char* bad : {"ep = 3 AND", "ep ==", "(ep = 3", "ep = 3)", "ep IN 3", "ep IN (3,", "label = 'abc",
                          "ep BETWEEN 1", "ep IS 3", "ep = 3 ep = 4", "ep $ 3", "12abc = 1", "", "   "}) {
    auto r = Run(bad);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << bad << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find("bad filter"), std::string::npos) << bad;
  }
  for (const char* bad : {"label = 3", "ep = 'x'", "ts > 'yesterday'", "emb = 1", "ep", "label AND ok",
                          "ok = 1.5", "label + 1 = 2", "x % 2 = 1", "ep LIKE 'a'", "NOT ep"}) {
    auto r = Run(bad);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << bad << ": " << r.status().ToString();
  }
  EXPECT_NE(ErrorOf("ts > 'yesterday'").find("not an ISO time: 'yesterday'"), std::string::npos);
  EXPECT_NE(ErrorOf("emb = 1").find("IS NULL"), std::string::npos);
}

TEST_F(FilterTest, KeywordsAndQuotedNames) {
  EXPECT_EQ(Rows("ep = 3 and not id in (0) or \"label\" = 'mug'"), (V{1, 2, 4}));
  EXPECT_EQ(Rows("label = 'it''s'"), (V{}));
  std::string deep(300, '(');
  EXPECT_TRUE(Run(deep + "TRUE" + std::string(300, ')')).status().IsInvalidArgument());
}

// A chain of AND or OR is one node, however long: 20,000 terms evaluate
// without recursing 20,000 levels (which overflowed the stack at 6,000).
// Arithmetic chains and parentheses nest a level each: past the bound
// they are refused with an error, never a crash.
TEST_F(FilterTest, LongChainsAndDeepNesting) {
  std::string ands = "ep = 3", ors = "id = 99";
  for (int i = 0; i < 20000; i++) {
    ands += " AND id >= 0";
    ors += " OR id = 99";
  }
  EXPECT_EQ(Rows(ands), (V{0, 2, 4}));
  EXPECT_EQ(Rows(ors + " OR id = 1"), (V{1}));
  EXPECT_EQ(Rows("ep = 3 AND id < 4 AND id > 0 OR id = 1 OR id = 4 AND ok"), (V{1, 2, 4}));

  std::string sum = "x";
  for (int i = 0; i < 150; i++) sum += " + x";
  EXPECT_EQ(Rows(sum + " > 0"), (V{1, 2, 4}));
  for (int i = 0; i < 6000; i++) sum += " + x";
  EXPECT_NE(ErrorOf(sum + " > 0").find("nested too deeply"), std::string::npos);
  const std::string parens = std::string(6000, '(') + "id = 1" + std::string(6000, ')');
  EXPECT_NE(ErrorOf(parens).find("nested too deeply"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string(6000, '-') + "x > 0").find("nested too deeply"), std::string::npos);
}

// An unquoted name in another script is a name (its error names it whole,
// with the caret under its characters, not its bytes).
TEST_F(FilterTest, NonAsciiNames) {
  const std::string error = ErrorOf("名字 = 'x'");
  EXPECT_NE(error.find("no column '名字'"), std::string::npos) << error;
  EXPECT_TRUE(error.ends_with("\n  ^^")) << error;
  EXPECT_EQ(Rows("label = 'héllo'"), (V{4}));
}

TEST(TimeLiteral, ParsesIsoForms) {
  int64_t ns;
  ASSERT_TRUE(ParseIsoTimestamp("1970-01-01", &ns));
  EXPECT_EQ(ns, 0);
  ASSERT_TRUE(ParseIsoTimestamp("2026-11-21T10:30:15.5Z", &ns));
  EXPECT_EQ(ns, 1795257015500000000LL);
  ASSERT_TRUE(ParseIsoTimestamp("2026-11-21T12:30:15.5+02:00", &ns));
  EXPECT_EQ(ns, 1795257015500000000LL);
  ASSERT_TRUE(ParseIsoTimestamp("1969-12-31 23:59:59.999999999", &ns));
  EXPECT_EQ(ns, -1);
  ASSERT_TRUE(ParseIsoTimestamp("2024-02-29", &ns));
  for (const char* bad : {"2023-02-29", "2026-13-01", "2026-11-21T25:00", "2026-11-21T10", "26-11-21",
                          "2026-11-21Tx", "2026-11-21 10:00:00+", "3000-01-01", "2026-11-21T10:00:00."}) {
    EXPECT_FALSE(ParseIsoTimestamp(bad, &ns)) << bad;
  }
}

}  // namespace
}  // namespace embodb::query
