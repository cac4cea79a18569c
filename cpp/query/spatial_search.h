// Spatial queries over a point3 column of a table, or over the points of a
// pointcloud column with a spatial index (placed by its pose), filtered or
// not, for one query point or a batch (table.near / within / in_box,
// knn_points, radius_points). Over a cloud column each result is a point:
// its row's key and its index in the row's cloud.
//
// The plan, named in the result for explain():
//   - index: the column's spatial index (index/spatial/spatial_index.h)
//     answers, under its read lock; with a filter, the rows that pass are
//     found first (query/node_match.h) and the tree search keeps only
//     them, so a k-nearest query returns exactly min(k, matching rows);
//     when few rows match, their points are compared directly instead.
//   - scan: the table's rows that pass the filter are read and compared.
//     Used without an index and for a read of anything but the latest
//     state (a snapshot or a transaction: the index holds the latest state
//     only).
//
// Distances are Euclidean. Results per query: k nearest, nearest first
// (ties in key order under a scan, in index order with the index); within
// a radius, nearest first; in a box, in no particular order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "index/spatial/spatial_index.h"
#include "query/filter.h"
#include "table/table_reader.h"
#include "txn/reader.h"

namespace embodb::query {

struct SpatialRequest {
  enum class Kind { kNearest, kWithin, kBox };
  Kind kind = Kind::kNearest;
  const float* points = nullptr;  // nq points (x, y, z): the query points, or a box's corners (lo, hi)
  size_t nq = 0;                  // queries (one box: 1)
  size_t k = 10;                  // kNearest
  float radius = 0;               // kWithin
  size_t limit = 0;               // kWithin, kBox: at most this many results (the nearest within); 0: all
  FilterPtr filter;               // may be null
  // When set, the rows of the results (schema positions), read at the same
  // state as the search.
  const std::vector<size_t>* projection = nullptr;
  bool explain = false;
};

struct SpatialResult {
  std::vector<std::string> keys;   // encoded primary keys of every query's results, query by query
  // Instead of keys, without a projection and with a one-column primary key:
  // the key values, decoded.
  std::unique_ptr<table::ColumnBuffer> key_column;
  std::vector<float> distances;    // Euclidean, one per key (0 for a box)
  std::vector<uint32_t> points;    // over a cloud column: each result's index in its row's cloud
  std::vector<uint64_t> offsets;   // nq + 1: query q's results are [offsets[q], offsets[q + 1])
  std::vector<std::string> plan;   // with request.explain: the steps taken
  table::ResultBatch rows;         // with a projection: one row per key, in order
};

// InvalidArgument for a query point with NaN or infinity, k = 0, a negative
// or NaN radius, a box with lo > hi on an axis.
Status CheckSpatialRequest(const SpatialRequest& request);

// Runs the request over the point3 column `column` of table. index: the
// column's spatial index, or null. With index and latest (a read of the
// latest state) the index answers and `db` gives the snapshot rows are
// read at; otherwise reader is scanned. A pointcloud column needs its
// index (InvalidArgument without): a scan places the points by its pose.
Status RunSpatial(const table::TableDefPtr& table, size_t column, index::SpatialIndex* index, lsm::DB* db,
                  txn::Reader* reader, bool latest, const SpatialRequest& request, SpatialResult* result);

}  // namespace embodb::query
