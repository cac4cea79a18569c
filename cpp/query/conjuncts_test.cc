// The parts of a filter's top-level AND, and the keys that name what an
// expression means whatever its spelling.
#include "query/conjuncts.h"

#include <gtest/gtest.h>

#include "testing/filter_test_util.h"

namespace embodb::query {
namespace {

class ConjunctsTest : public ::testing::Test {
 protected:
  FilterPtr Compile(const std::string& text) { return CompileOk(text, schema_); }
  std::string Key(const std::string& text) { return ExprKey(*Compile(text)->root); }

  table::Schema schema_ = ScalarTestSchema();
};

TEST_F(ConjunctsTest, SplitsTheTopLevelAndOnly) {
  auto f = Compile("cat = 7 AND (w > 0.5 AND id != 3) AND (label = 'cup' OR cat IS NULL)");
  std::vector<const Expr*> parts;
  SplitConjuncts(*f->root, &parts);
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(ExprKey(*parts[0]), Key("cat = 7"));
  EXPECT_EQ(ExprKey(*parts[1]), Key("w > 0.5"));
  EXPECT_EQ(ExprKey(*parts[2]), Key("id != 3"));
  EXPECT_EQ(ExprKey(*parts[3]), Key("label = 'cup' OR cat IS NULL"));
  // The span of a parenthesized part takes its parentheses.
  EXPECT_EQ(f->text.substr(parts[3]->pos, parts[3]->end - parts[3]->pos), "(label = 'cup' OR cat IS NULL)");
  parts.clear();
  SplitConjuncts(*Compile("cat = 7 OR w > 1")->root, &parts);
  EXPECT_EQ(parts.size(), 1u);
}

TEST_F(ConjunctsTest, KeysNameTheMeaningNotTheSpelling) {
  EXPECT_EQ(Key("cat = 7"), Key("cat=7"));
  EXPECT_EQ(Key("cat = 7"), Key("((cat = 7))"));
  EXPECT_EQ(Key("cat = 7 and w > 1"), Key("cat = 7 AND w > 1"));
  EXPECT_EQ(Key("label = 'cup'"), Key("label='cup'"));
  EXPECT_EQ(Key("ts > '2026-11-01T00:00:00Z'"), Key("ts > '2026-11-01T00:00:00+00:00'"));
  for (const char* other : {"cat = 8", "cat != 7", "id = 7", "cat = 7.0", "cat = 7 OR w > 1", "NOT cat = 7",
                            "cat IN (7)", "cat = -7", "w > 1 AND cat = 7"}) {
    EXPECT_NE(Key("cat = 7 AND w > 1"), Key(other)) << other;
    EXPECT_NE(Key("cat = 7"), Key(other)) << other;
  }
  EXPECT_NE(Key("label = 'cup'"), Key("label = 'mug'"));
  EXPECT_NE(Key("label = 'cup'"), Key("label != 'cup'"));
}

}  // namespace
}  // namespace embodb::query
