// The filter language's spatial functions: within(c, [x, y, z], r),
// in_box(c, lo, hi) and distance(c, [x, y, z]) parse, bind (with their
// errors), evaluate in float32 with SQL's null rules, and are found as
// spatial conditions for the planner (query/spatial_plan.h).
#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "query/conjuncts.h"
#include "query/evaluator.h"
#include "query/filter.h"
#include "query/spatial_plan.h"
#include "testing/filter_test_util.h"
#include "testing/table_test_util.h"
#include "testing/test_util.h"

namespace embodb::query {
namespace {

using table::ColumnBuffer;
using table::T;
using table::Value;
using V = std::vector<uint32_t>;

// Rows 0..4 at (0,0,0), (1,0,0), (0,2,0), null, (3,4,0).
class SpatialFilterTest : public EvaluatedFilterTest {
 protected:
  SpatialFilterTest() {
    auto schema = table::Schema::Create(
        {{"id", T("int64"), false, {}}, {"pos", T("point3"), false, {}}, {"name", T("string"), false, {}}}, "id");
    EXPECT_OK(schema.status());
    schema_ = *schema;
    for (const auto& c : schema_.columns()) buffers_.emplace_back(c.type);
    const std::vector<std::optional<std::array<float, 3>>> points = {
        std::array<float, 3>{0, 0, 0}, std::array<float, 3>{1, 0, 0}, std::array<float, 3>{0, 2, 0}, std::nullopt,
        std::array<float, 3>{3, 4, 0}};
    for (int64_t r = 0; r < 5; r++) {
      buffers_[0].AppendValue(Value::Int(r));
      if (points[r]) {
        buffers_[1].AppendFixed(points[r]->data());
      } else {
        buffers_[1].AppendNull();
      }
      buffers_[2].AppendValue(Value::String("n" + std::to_string(r)));
    }
  }
};

TEST_F(SpatialFilterTest, WithinInBoxAndDistanceSelectAsGeometrySays) {
  EXPECT_EQ(Rows("within(pos, [0, 0, 0], 1)"), (V{0, 1}));  // bounds inclusive
  EXPECT_EQ(Rows("within(pos, [0, 0, 0], 0.999)"), (V{0}));
  EXPECT_EQ(Rows("WITHIN(pos, [0, 0, 0], 5)"), (V{0, 1, 2, 4}));
  EXPECT_EQ(Rows("within(pos, [-1, -1e0, +0.5], 0)"), (V{}));
  EXPECT_EQ(Rows("in_box(pos, [0, 0, 0], [1, 2, 0])"), (V{0, 1, 2}));
  EXPECT_EQ(Rows("in_box(pos, [3, 4, 0], [3, 4, 0])"), (V{4}));
  EXPECT_EQ(Rows("distance(pos, [0, 0, 0]) = 5"), (V{4}));
  EXPECT_EQ(Rows("distance(pos, [0, 0, 0]) > 1 AND distance(pos, [0, 0, 0]) < 3"), (V{2}));
  EXPECT_EQ(Rows("2 > distance(pos, [0, 0, 0])"), (V{0, 1}));
  EXPECT_EQ(Rows("distance(pos, [0, 0, 0]) * 2 >= 10"), (V{4}));
  // A null point is unknown: neither the predicate nor its negation holds.
  EXPECT_EQ(Rows("NOT within(pos, [0, 0, 0], 1)"), (V{2, 4}));
  EXPECT_EQ(Rows("distance(pos, [0, 0, 0]) IS NULL"), (V{3}));
  EXPECT_EQ(Rows("within(pos, [0, 0, 0], 1) OR id = 3"), (V{0, 1, 3}));
  // In float32, as the spatial index computes: 1 - 0.9f = 0.100000024 > 0.1f.
  EXPECT_EQ(Rows("within(pos, [0.9, 0, 0], 0.1)"), (V{}));
  EXPECT_EQ(Rows("within(pos, [0.9, 0, 0], 0.10000003)"), (V{1}));
}

TEST_F(SpatialFilterTest, BadCallsAreRefusedWithTheirPosition) {
  EXPECT_NE(ErrorOf("within(name, [0, 0, 0], 1)").find("within() needs a point3 column, not string column 'name'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("within(pos, [0, 0, 0], -2.5)").find("the radius must be >= 0, not -2.5"), std::string::npos);
  EXPECT_NE(ErrorOf("in_box(pos, [0, 3, 0], [1, 2, 0])").find("lo is above its hi on axis y"), std::string::npos);
  EXPECT_NE(ErrorOf("in_box(pos, [0, 0, 0], [1e39, 2, 0])").find("outside the float32 range"), std::string::npos);
  EXPECT_NE(ErrorOf("nearest(pos, [0, 0, 0])").find("unknown function 'nearest'"), std::string::npos);
  EXPECT_NE(ErrorOf("within(pos, [0, 0], 1)").find("expected ','"), std::string::npos);
  EXPECT_NE(ErrorOf("within(pos, [0, 0, 'a'], 1)").find("expected a number"), std::string::npos);
  EXPECT_NE(ErrorOf("distance(pos, [0, 0, 0])").find("must be a condition"), std::string::npos);
  EXPECT_NE(ErrorOf("within(pos.x, [0, 0, 0], 1)").find("expected ',' in within(), found '.'"), std::string::npos);
  for (const char* bad : {"within(", "within(pos", "within(pos, [0, 0, 0], 1", "within pos", "within(pos, 0, 1)",
                          "within(pos, [0, 0, 0, 0], 1)", "in_box(pos, [0, 0, 0])", "distance(pos, [0, 0, 0] < 1"}) {
    auto r = Run(bad);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << bad << ": " << r.status().ToString();
  }
  EXPECT_TRUE(Run("within(nope, [0, 0, 0], 1)").status().code() == Status::Code::kSchema);
}

TEST_F(SpatialFilterTest, SameCallsHaveTheSameKeyAndOthersDiffer) {
  auto a = CompileFilter("within(pos,[1,2,3],4)", schema_);
  auto b = CompileFilter("WITHIN( pos , [1.0, 2, 3] , 4 )", schema_);
  auto c = CompileFilter("within(pos, [1, 2, 3], 4.5)", schema_);
  ASSERT_OK(a.status());
  ASSERT_OK(b.status());
  ASSERT_OK(c.status());
  EXPECT_EQ(ExprKey(*(*a)->root), ExprKey(*(*b)->root));
  EXPECT_NE(ExprKey(*(*a)->root), ExprKey(*(*c)->root));
}

TEST_F(SpatialFilterTest, ThePlannerFindsTheSpatialConjuncts) {
  auto f = CompileFilter(
      "id > 0 AND within(pos, [1, 2, 3], 4) AND in_box(pos, [0, 0, 0], [1, 1, 1]) AND distance(pos, [5, 5, 5]) <= 2 "
      "AND 3 > distance(pos, [0, 0, 0]) AND distance(pos, [0, 0, 0]) > 7",
      schema_);
  ASSERT_OK(f.status());
  const auto conditions = SpatialConditions(f->get());
  ASSERT_EQ(conditions.size(), 4u);  // "> 7" bounds nothing
  EXPECT_FALSE(conditions[0].is_box);
  EXPECT_EQ(conditions[0].radius, 4.0f);
  EXPECT_EQ(conditions[0].lo[1], -2.0f);
  EXPECT_EQ(conditions[0].hi[2], 7.0f);
  EXPECT_EQ(conditions[0].text, "within(pos, [1, 2, 3], 4)");
  EXPECT_TRUE(conditions[1].is_box);
  EXPECT_EQ(conditions[1].hi[0], 1.0f);
  EXPECT_EQ(conditions[2].radius, 2.0f);
  EXPECT_EQ(conditions[2].center[0], 5.0f);
  EXPECT_EQ(conditions[3].radius, 3.0f);
  EXPECT_EQ(conditions[3].text, "3 > distance(pos, [0, 0, 0])");
  // Under an OR or a NOT a condition bounds nothing.
  auto g = CompileFilter("within(pos, [1, 2, 3], 4) OR id = 1", schema_);
  ASSERT_OK(g.status());
  EXPECT_TRUE(SpatialConditions(g->get()).empty());
  EXPECT_TRUE(SpatialConditions(nullptr).empty());
}

}  // namespace
}  // namespace embodb::query
