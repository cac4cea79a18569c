// Plans that use a spatial index for a filter's spatial conditions: the
// conjuncts within(c, [x, y, z], r), in_box(c, lo, hi) and
// distance(c, [x, y, z]) < r (or <=) on a point3 column c. When a spatial
// index on c shows the condition selective, the rows it can hold are
// looked up by key instead of scanning the table; the whole filter is still
// evaluated on each (plan.h), so the index only has to give a superset.
//
// The index holds the latest state only, so such a plan is made for a read
// of the latest state, at a snapshot taken under the index's read lock
// (then the index shows exactly the rows of that snapshot), and carried by
// the filter for reads at that snapshot (Filter::planned).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "index/spatial/spatial_index.h"
#include "lsm/db.h"
#include "query/filter.h"

namespace embodb::query {

// A spatial conjunct of a filter: the points of `column` inside a box, or
// within a radius of a center.
struct SpatialCondition {
  size_t column = 0;
  bool is_box = false;
  float lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};  // is_box: the box; else the sphere's bounding box
  float center[3] = {0, 0, 0};
  float radius = 0;
  std::string text;  // as written in the filter
};

// The spatial conjuncts of a filter (nullptr: none), in the order written.
std::vector<SpatialCondition> SpatialConditions(const Filter* filter);

// A condition's rows are looked up through the index when the index
// counts at most this share (1 / kSpatialPlanShare) of its points in it.
constexpr size_t kSpatialPlanShare = 16;

using SpatialIndexOf = std::function<index::SpatialIndex*(size_t column)>;

// For a read of db's latest state with filter: when a spatial condition's
// column has an index (index_of; null for none) and the condition is
// selective, takes a snapshot of db under the index's read lock into
// *snapshot (the caller reads at it, then releases it) and returns the
// filter carrying a plan that looks up the rows the index finds. Otherwise
// returns the filter as it is and leaves *snapshot unset.
Result<FilterPtr> PlanSpatialFilter(const FilterPtr& filter, const table::TableDef& table,
                                    const SpatialIndexOf& index_of, lsm::DB* db, std::optional<uint64_t>* snapshot);

}  // namespace embodb::query
