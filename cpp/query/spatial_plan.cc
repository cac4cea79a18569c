#include "query/spatial_plan.h"

#include <algorithm>
#include <cmath>

#include "query/conjuncts.h"
#include "query/plan.h"
#include "query/spatial_predicate.h"

namespace embodb::query {

namespace {

using index::spatial::Point3;
using index::spatial::PointHit;

// The index search of a condition widens its radius by this share, so that
// rounding (a fused multiply-add here and not there) never drops a point
// the filter keeps: the filter decides exactly on the rows found.
constexpr float kRadiusSlack = 1e-5f;

bool IsNumberLiteral(const Expr& e) {
  return e.kind == Expr::Kind::kLiteral && (e.type == Type::kInt || e.type == Type::kDouble) && !e.literal.is_null();
}

double NumberOf(const Expr& e) {
  return e.literal.kind == table::Value::Kind::kDouble ? e.literal.d : static_cast<double>(e.literal.i);
}

SpatialCondition Sphere(const Expr& call, float radius, const std::string& text) {
  const SpatialPredicate p(call);
  SpatialCondition c;
  c.column = static_cast<size_t>(call.args[0]->column_index);
  c.radius = radius;
  for (int a = 0; a < 3; a++) {
    c.center[a] = p.center()[a];
    c.lo[a] = c.center[a] - radius;
    c.hi[a] = c.center[a] + radius;
  }
  c.text = text;
  return c;
}

// distance(c, p) < r, distance(c, p) <= r, r > distance(c, p), r >= ...
std::optional<SpatialCondition> DistanceBound(const Expr& e, const std::string& text) {
  const Expr* a = e.args[0].get();
  const Expr* b = e.args[1].get();
  Op op = e.op;
  if (b->kind == Expr::Kind::kDistance) {
    std::swap(a, b);
    op = FlipComparison(op);
  }
  if (a->kind != Expr::Kind::kDistance || !IsNumberLiteral(*b) || (op != Op::kLt && op != Op::kLe)) return std::nullopt;
  const double r = NumberOf(*b);
  if (!(r >= 0) || !std::isfinite(r)) return std::nullopt;  // the filter decides (no row, or every row)
  return Sphere(*a, RadiusAtLeast(r), text);
}

}  // namespace

std::vector<SpatialCondition> SpatialConditions(const Filter* filter) {
  std::vector<SpatialCondition> out;
  if (filter == nullptr) return out;
  std::vector<const Expr*> conjuncts;
  SplitConjuncts(*filter->root, &conjuncts);
  for (const Expr* e : conjuncts) {
    const std::string text = filter->text.substr(e->pos, e->end - e->pos);
    if (e->kind == Expr::Kind::kWithin) {
      out.push_back(Sphere(*e, SpatialPredicate(*e).radius(), text));
    } else if (e->kind == Expr::Kind::kInBox) {
      SpatialCondition c;
      c.column = static_cast<size_t>(e->args[0]->column_index);
      c.is_box = true;
      const SpatialPredicate p(*e);
      for (int a = 0; a < 3; a++) {
        c.lo[a] = p.center()[a];
        c.hi[a] = p.hi()[a];
      }
      c.text = text;
      out.push_back(c);
    } else if (e->kind == Expr::Kind::kCompare) {
      if (auto c = DistanceBound(*e, text)) out.push_back(*c);
    }
  }
  return out;
}

Result<FilterPtr> PlanSpatialFilter(const FilterPtr& filter, const table::TableDef& table,
                                    const SpatialIndexOf& index_of, lsm::DB* db, std::optional<uint64_t>* snapshot) {
  snapshot->reset();
  const std::vector<SpatialCondition> conditions = SpatialConditions(filter.get());
  if (conditions.empty()) return filter;
  const Plan plain = PlanScan(table, filter.get());
  if (plain.kind == Plan::Kind::kKeys || plain.kind == Plan::Kind::kEmpty) return filter;  // as good or better
  // The condition whose index counts the fewest points in its box.
  const SpatialCondition* best = nullptr;
  index::SpatialIndex* best_index = nullptr;
  size_t best_count = 0;
  for (const SpatialCondition& c : conditions) {
    index::SpatialIndex* ix = index_of(c.column);
    if (ix == nullptr) continue;
    auto lock = ix->ReadLock();
    if (!ix->health().ok()) continue;  // the search reports it
    const size_t cap = ix->tree().size() / kSpatialPlanShare;
    const size_t count = ix->tree().CountBox(Point3{c.lo[0], c.lo[1], c.lo[2]}, Point3{c.hi[0], c.hi[1], c.hi[2]},
                                             cap + 1);
    if (count <= cap && (best == nullptr || count < best_count)) {
      best = &c;
      best_index = ix;
      best_count = count;
    }
  }
  if (best == nullptr) return filter;
  auto lock = best_index->ReadLock();
  EMBODB_RETURN_IF_ERROR(best_index->health());
  *snapshot = db->GetSnapshot();  // under the lock: the index shows exactly this state
  const auto& tree = best_index->tree();
  std::vector<uint32_t> ids;
  if (best->is_box) {
    tree.Box(Point3{best->lo[0], best->lo[1], best->lo[2]}, Point3{best->hi[0], best->hi[1], best->hi[2]}, nullptr,
             &ids);
  } else {
    std::vector<PointHit> hits;
    const float radius = best->radius * (1 + kRadiusSlack) + 1e-30f;
    tree.Radius(Point3{best->center[0], best->center[1], best->center[2]}, radius, nullptr, &hits);
    ids.reserve(hits.size());
    for (const PointHit& h : hits) ids.push_back(h.id);
  }
  auto plan = std::make_shared<Plan>();
  plan->kind = Plan::Kind::kKeys;
  plan->keys.reserve(ids.size());
  for (uint32_t id : ids) plan->keys.emplace_back(best_index->keys().KeyOf(id));
  std::sort(plan->keys.begin(), plan->keys.end());
  plan->keys.erase(std::unique(plan->keys.begin(), plan->keys.end()), plan->keys.end());
  if (plan->keys.empty()) plan->kind = Plan::Kind::kEmpty;
  plan->range_text = best->text;
  plan->found_by = "the spatial index on '" + table.schema.column(best->column).name + "'";
  return WithPlan(filter, std::move(plan), **snapshot);
}

}  // namespace embodb::query
