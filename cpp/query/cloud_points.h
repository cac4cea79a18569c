// The points inside a point-cloud column of the rows a filter selects, in
// one array, without a cloud passing through Python (Query.points): each
// cloud optionally moved from its sensor's frame into the world's by a pose
// per row (a point3 position and a unit quaternion (x, y, z, w) in a
// vector(4) column: p' = R p + t, applied to the first three channels),
// cropped to a box and/or a sphere, and all of them together optionally
// downsampled on a voxel grid aligned at the origin (one point per occupied
// voxel: the mean of every channel of its points).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "query/filter.h"
#include "txn/reader.h"

namespace embodb::query {

struct CloudPointsRequest {
  size_t column = 0;                        // a pointcloud column
  std::optional<size_t> position, orientation;  // point3 and vector(4) columns (both or neither)
  std::optional<std::vector<float>> box;    // lo x, y, z, hi x, y, z (bounds inclusive)
  std::optional<std::vector<float>> center; // x, y, z, with radius (distance <= radius)
  float radius = 0;
  float voxel = 0;                          // > 0: the voxel edge
  FilterPtr filter;                         // may be null
};

struct CloudPointsResult {
  size_t channels = 0;
  std::vector<float> points;       // n * channels
  // Without a voxel grid: the rows whose cloud gave points, in key order,
  // and where their points start (rows + 1 entries). Empty with one.
  std::vector<std::string> keys;
  std::vector<uint64_t> offsets;
  size_t rows_read = 0;            // rows with a cloud
};

// InvalidArgument for a box with lo > hi or NaN, a negative or NaN radius,
// a center without a radius, a voxel <= 0 or NaN, a row whose orientation is
// zero or not finite (naming its key).
Status CloudPoints(const table::TableDefPtr& table, txn::Reader* reader, const CloudPointsRequest& request,
                   CloudPointsResult* result);

}  // namespace embodb::query
