#include "query/spatial_search.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <sstream>

#include "index/spatial/pose.h"
#include "query/node_match.h"
#include "query/table_scan.h"
#include "table/key_codec.h"

namespace embodb::query {

namespace {

using index::spatial::Point3;
using index::spatial::PointHit;

constexpr size_t kScanBatch = 4096;
// With a filter, the matching points are compared directly when they are
// fewer than this share of the tree's (1 / kFewShare).
constexpr size_t kFewShare = 16;

// One result of a scan: squared distance, encoded primary key and the
// point's index in its row's cloud (0 for a point3 column); ordered by
// distance, then key, then point. (The index's results are PointHits, by
// tree id: 8 bytes each, their keys looked up only at the end.)
struct Found {
  float distance2;
  std::string key;
  uint32_t point = 0;
  bool operator<(const Found& o) const {
    if (distance2 != o.distance2) return distance2 < o.distance2;
    const int c = key.compare(o.key);
    return c < 0 || (c == 0 && point < o.point);
  }
};
using PerQuery = std::vector<std::vector<Found>>;
using HitsPerQuery = std::vector<std::vector<PointHit>>;

Point3 PointAt(const float* p) { return Point3{p[0], p[1], p[2]}; }

bool Inside(const Point3& p, const Point3& lo, const Point3& hi) {
  return p.x >= lo.x && p.x <= hi.x && p.y >= lo.y && p.y <= hi.y && p.z >= lo.z && p.z <= hi.z;
}

float Distance2(const Point3& a, const Point3& q) {
  const float dx = a.x - q.x, dy = a.y - q.y, dz = a.z - q.z;
  return dx * dx + dy * dy + dz * dz;
}

// The bits of v (21 of them) spread to every third bit.
uint64_t Spread3(uint64_t v) {
  v &= 0x1fffff;
  v = (v | v << 32) & 0x1f00000000ffffull;
  v = (v | v << 16) & 0x1f0000ff0000ffull;
  v = (v | v << 8) & 0x100f00f00f00f00full;
  v = (v | v << 4) & 0x10c30c30c30c30c3ull;
  v = (v | v << 2) & 0x1249249249249249ull;
  return v;
}

// The queries in Morton (Z) order of their points: consecutive queries are
// near each other, so they walk the same nodes while those are in cache.
std::vector<uint32_t> SpatialOrder(const float* points, size_t nq) {
  float lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
  for (size_t q = 0; q < nq; q++) {
    for (int a = 0; a < 3; a++) {
      lo[a] = std::min(lo[a], points[3 * q + a]);
      hi[a] = std::max(hi[a], points[3 * q + a]);
    }
  }
  std::vector<std::pair<uint64_t, uint32_t>> codes(nq);
  for (size_t q = 0; q < nq; q++) {
    uint64_t code = 0;
    for (int a = 0; a < 3; a++) {
      const float extent = hi[a] - lo[a];
      const double unit = extent > 0 ? (points[3 * q + a] - lo[a]) / extent : 0.0;
      code |= Spread3(static_cast<uint64_t>(unit * 0x1fffff)) << a;
    }
    codes[q] = {code, static_cast<uint32_t>(q)};
  }
  std::sort(codes.begin(), codes.end());
  std::vector<uint32_t> order(nq);
  for (size_t i = 0; i < nq; i++) order[i] = codes[i].second;
  return order;
}

// Runs fn(q) for every query, in parallel in Morton order when there are many.
template <typename Fn>
void ForEachQuery(const float* points, size_t nq, Fn&& fn) {
  if (nq == 1) {
    fn(size_t{0});
    return;
  }
  const std::vector<uint32_t> order = SpatialOrder(points, nq);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, nq, 256), [&](const tbb::blocked_range<size_t>& range) {
    for (size_t i = range.begin(); i < range.end(); i++) fn(size_t{order[i]});
  });
}

// Adds a candidate to a query's results (a Found or a PointHit, made by
// make(squared distance)): the k best for kNearest (kept as a max-heap),
// every one that qualifies otherwise.
template <typename Item, typename Make>
void Offer(const SpatialRequest& r, const Point3& p, const Point3& q, const Make& make, std::vector<Item>* out) {
  switch (r.kind) {
    case SpatialRequest::Kind::kNearest: {
      Item f = make(Distance2(p, q));
      if (out->size() < r.k) {
        out->push_back(std::move(f));
        std::push_heap(out->begin(), out->end());
      } else if (f < out->front()) {
        std::pop_heap(out->begin(), out->end());
        out->back() = std::move(f);
        std::push_heap(out->begin(), out->end());
      }
      break;
    }
    case SpatialRequest::Kind::kWithin: {
      const float d2 = Distance2(p, q);
      if (d2 <= r.radius * r.radius) out->push_back(make(d2));
      break;
    }
    case SpatialRequest::Kind::kBox:
      if (Inside(p, PointAt(r.points), PointAt(r.points + 3))) out->push_back(make(0.0f));
      break;
  }
}

// The points of row i of a batch as the index over `source` places them
// (none when the index would not hold the row; a cloud's non-finite points
// as NaN, which no query takes).
void RowPoints(const index::SpatialSource& source, const table::ColumnView& column, const table::ColumnView* position,
               const table::ColumnView* orientation, size_t i, std::vector<Point3>* points) {
  points->clear();
  if (column.IsNull(i)) return;
  if (!source.cloud) {
    Point3 p;
    std::memcpy(&p, column.Fixed(i), sizeof p);
    points->push_back(p);
    return;
  }
  index::spatial::Pose pose;
  const bool posed = position != nullptr;
  if (posed && (position->IsNull(i) || orientation->IsNull(i) ||
                !index::spatial::PoseOf(position->Fixed(i), orientation->Fixed(i), &pose))) {
    return;
  }
  const std::string_view bytes = column.Bytes(i);
  const size_t stride = source.channels * sizeof(float);
  points->resize(bytes.size() / stride);
  index::spatial::PlaceCloud(bytes.data(), points->size(), stride, posed ? &pose : nullptr,
                             [points](size_t j, float x, float y, float z) { (*points)[j] = Point3{x, y, z}; });
}

// Every row of reader that passes the filter, compared with every query.
Status ScanPath(const table::TableDefPtr& table, const index::SpatialSource& source, txn::Reader* reader,
                const SpatialRequest& r, PerQuery* out, size_t* rows_seen) {
  const table::Schema& schema = table->schema;
  std::vector<size_t> projection = schema.key_columns();
  const size_t key_count = projection.size();
  projection.push_back(source.column);
  if (source.position) {
    projection.push_back(*source.position);
    projection.push_back(*source.orientation);
  }
  TableScan scan(table, reader, projection, r.filter);
  out->assign(r.nq, {});
  *rows_seen = 0;
  std::string key;
  std::vector<Point3> points;
  while (true) {
    auto batch = table::ResultBatch::ForProjection(schema, projection);
    if (!scan.Next(kScanBatch, &batch)) break;
    const std::vector<table::ColumnView> keys = table::KeyViews(schema, batch.columns);
    const table::ColumnView column = batch.columns[key_count].view();
    std::optional<table::ColumnView> position, orientation;
    if (source.position) {
      position = batch.columns[key_count + 1].view();
      orientation = batch.columns[key_count + 2].view();
    }
    for (size_t i = 0; i < batch.rows(); i++) {
      RowPoints(source, column, position ? &*position : nullptr, orientation ? &*orientation : nullptr, i, &points);
      if (points.empty()) continue;
      key.clear();
      table::AppendKeyOf(keys, i, &key);
      (*rows_seen)++;
      const size_t queries = r.kind == SpatialRequest::Kind::kBox ? 1 : r.nq;
      for (size_t j = 0; j < points.size(); j++) {
        const Point3& p = points[j];
        if (!std::isfinite(p.x) || !std::isfinite(p.y) || !std::isfinite(p.z)) continue;
        for (size_t q = 0; q < queries; q++) {
          const auto point = static_cast<uint32_t>(j);
          Offer(r, p, PointAt(r.points + 3 * q), [&](float d2) { return Found{d2, key, point}; }, &(*out)[q]);
        }
      }
    }
  }
  EMBODB_RETURN_IF_ERROR(scan.status());
  for (auto& found : *out) std::sort(found.begin(), found.end());
  return Status::OK();
}

// The index's answer for every query; keep: the nodes that pass the filter
// (null: all), few: their list when they are few enough to compare directly.
void IndexPath(const index::SpatialIndex& ix, const SpatialRequest& r, const index::spatial::IdFilter& keep,
               const std::vector<uint32_t>* few, HitsPerQuery* out) {
  const auto& tree = ix.tree();
  out->assign(r.nq, {});
  ForEachQuery(r.points, r.kind == SpatialRequest::Kind::kBox ? 1 : r.nq, [&](size_t q) {
    const Point3 point = PointAt(r.points + 3 * q);
    std::vector<PointHit>& hits = (*out)[q];
    if (few != nullptr) {
      for (uint32_t node : *few) {
        uint32_t first, count;
        ix.IdsOfNode(node, &first, &count);
        for (uint32_t id = first; id < first + count; id++) {
          if (!tree.Contains(id)) continue;
          Offer(r, tree.PointOf(id), point, [id](float d2) { return PointHit{d2, id}; }, &hits);
        }
      }
      std::sort(hits.begin(), hits.end());
      return;
    }
    if (r.kind == SpatialRequest::Kind::kNearest) {
      tree.Knn(point, r.k, keep, &hits);
    } else if (r.kind == SpatialRequest::Kind::kWithin) {
      tree.Radius(point, r.radius, keep, &hits);
      std::sort(hits.begin(), hits.end());
    } else {
      std::vector<uint32_t> ids;
      tree.Box(point, PointAt(r.points + 3), keep, &ids);
      for (uint32_t id : ids) hits.push_back(PointHit{0, id});
    }
  });
}

// Flattens the per-query results (Founds of a scan, PointHits of the
// index) into result, and reads their rows. key_of(item) gives an item's
// encoded key, point_of(item) its point's index in its row's cloud.
template <typename Item, typename KeyOf, typename PointOf>
Status Finish(const table::TableDef& table, txn::Reader* reader, const SpatialRequest& r,
              std::vector<std::vector<Item>>* per_query, const KeyOf& key_of, const PointOf& point_of,
              SpatialResult* result) {
  result->keys.clear();
  result->key_column.reset();
  result->distances.clear();
  result->points.clear();
  result->offsets.assign(1, 0);
  size_t total = 0;
  for (auto& found : *per_query) {
    if (r.limit != 0 && found.size() > r.limit) found.resize(r.limit);  // before any row is read
    total += found.size();
  }
  // Keys alone, of a one-column key: decoded straight into a column.
  const bool decode = r.projection == nullptr && !table.schema.composite_key();
  if (decode) {
    result->key_column = std::make_unique<table::ColumnBuffer>(table.schema.column(table.schema.key_only_column()).type);
  } else {
    result->keys.reserve(total);
  }
  result->distances.reserve(total);
  result->points.reserve(total);
  result->offsets.reserve(per_query->size() + 1);
  size_t done = 0;
  for (auto& found : *per_query) {
    for (const Item& f : found) {
      result->distances.push_back(std::sqrt(f.distance2));
      result->points.push_back(point_of(f));
      if (decode) {
        EMBODB_RETURN_IF_ERROR(table::DecodeKeyInto(key_of(f), &*result->key_column));
      } else {
        result->keys.emplace_back(key_of(f));
      }
    }
    done += found.size();
    result->offsets.push_back(done);
    std::vector<Item>().swap(found);  // freed as it goes: the results are held once
  }
  if (r.projection == nullptr) return Status::OK();
  result->rows = table::ResultBatch::ForProjection(table.schema, *r.projection);
  std::vector<uint8_t> found;
  EMBODB_RETURN_IF_ERROR(table::ReadRowsByEncodedKeys(table, reader, result->keys, *r.projection, &result->rows, &found));
  if (std::find(found.begin(), found.end(), 0) != found.end()) {
    return Status::Corruption("a spatial query's row is missing: the index and the table disagree");
  }
  return Status::OK();
}

std::string What(const SpatialRequest& r) {
  switch (r.kind) {
    case SpatialRequest::Kind::kNearest: return "the " + std::to_string(r.k) + " nearest";
    case SpatialRequest::Kind::kWithin: {
      std::ostringstream radius;
      radius << r.radius;
      return "the points within " + radius.str();
    }
    case SpatialRequest::Kind::kBox: return "the points in the box";
  }
  return "";
}

}  // namespace

Status CheckSpatialRequest(const SpatialRequest& r) {
  const size_t values = 3 * (r.kind == SpatialRequest::Kind::kBox ? 2 : r.nq);
  for (size_t i = 0; i < values; i++) {
    if (!std::isfinite(r.points[i])) {
      return Status::InvalidArgument("a query point holds NaN or infinity (point " + std::to_string(i / 3) +
                                     ", axis " + "xyz"[i % 3] + ")");
    }
  }
  if (r.kind == SpatialRequest::Kind::kNearest && r.k == 0) return Status::InvalidArgument("k must be at least 1");
  if (r.kind == SpatialRequest::Kind::kWithin && !(r.radius >= 0 && std::isfinite(r.radius))) {
    return Status::InvalidArgument("the radius must be a finite number >= 0, not " + std::to_string(r.radius));
  }
  if (r.kind == SpatialRequest::Kind::kBox) {
    for (size_t a = 0; a < 3; a++) {
      if (r.points[a] > r.points[3 + a]) {
        return Status::InvalidArgument(std::string("the box's lo is above its hi on axis ") + "xyz"[a] + " (" +
                                       std::to_string(r.points[a]) + " > " + std::to_string(r.points[3 + a]) + ")");
      }
    }
  }
  return Status::OK();
}

Status RunSpatial(const table::TableDefPtr& table, size_t column, index::SpatialIndex* index, lsm::DB* db,
                  txn::Reader* reader, bool latest, const SpatialRequest& request, SpatialResult* result) {
  EMBODB_RETURN_IF_ERROR(CheckSpatialRequest(request));
  result->plan.clear();
  const std::string& name = table->schema.column(column).name;
  PerQuery per_query;
  const bool cloud = table->schema.column(column).type.id == table::TypeId::kPointCloud;
  if (cloud && index == nullptr) {
    return Status::InvalidArgument("queries over the points of pointcloud column '" + name +
                                   "' need its spatial index (create_index('" + name + "', 'spatial'), with pose=...)");
  }
  if (index == nullptr || !latest) {
    size_t rows = 0;
    index::SpatialSource source;
    source.column = column;
    if (index != nullptr) source = index->source();  // fixed for the index's life
    EMBODB_RETURN_IF_ERROR(ScanPath(table, source, reader, request, &per_query, &rows));
    if (request.explain) {
      const std::string why = index == nullptr ? "no spatial index on '" + name + "'"
                                               : "the index holds the latest state only, and this reads another";
      result->plan.push_back("scan: compare the '" + name + "' of every row" +
                             (request.filter ? " that passes the filter" : "") + ": " + std::to_string(rows) +
                             " rows (" + why + "), keep " + What(request));
    }
    return Finish(
        *table, reader, request, &per_query, [](const Found& f) { return std::string_view(f.key); },
        [](const Found& f) { return f.point; }, result);
  }
  auto lock = index->ReadLock();
  EMBODB_RETURN_IF_ERROR(index->health());
  // Under the lock: the snapshot shows exactly the rows indexed.
  std::optional<txn::HeldSnapshot> snapshot;
  std::optional<txn::SnapshotReader> snapshot_reader;
  if (request.filter || request.projection != nullptr) {
    snapshot.emplace(db);
    snapshot_reader.emplace(db, snapshot->sequence());
  }
  txn::Reader* rows_reader = snapshot_reader ? &*snapshot_reader : nullptr;
  index::spatial::IdFilter keep;
  std::vector<uint32_t> few;
  bool use_few = false;
  std::optional<NodeMatch> match;
  if (request.filter) {
    match.emplace(*index, rows_reader, table, request.filter);
    EMBODB_RETURN_IF_ERROR(match->Find());
    const index::FilterMatch& m = match->match();
    if (request.explain) result->plan.push_back("find the rows that pass the filter: " + match->Describe());
    use_few = m.count * kFewShare < index->tree().size();
    if (use_few) {
      size_t points = 0;
      for (uint32_t n = 0; n < index->slots(); n++) {
        if (!m.nodes.Contains(n)) continue;
        few.push_back(n);
        uint32_t first, count;
        index->IdsOfNode(n, &first, &count);
        points += count;
      }
      use_few = points * kFewShare < index->tree().size();  // a cloud's rows hold many points
    }
    if (!use_few) {
      few.clear();
      const index::NodeSet::View nodes = m.nodes.view();
      if (cloud) {
        keep = [nodes, index](uint32_t id) { return nodes.Contains(index->NodeOfPoint(id)); };
      } else {
        keep = [nodes](uint32_t id) { return nodes.Contains(id); };
      }
    }
  }
  if (request.explain) {
    const std::string matching = cloud ? "the points of the " + std::to_string(few.size()) + " matching rows"
                                       : "the " + std::to_string(few.size()) + " matching points";
    result->plan.push_back(use_few ? "compare " + matching + " directly, keep " + What(request)
                                   : "the spatial index on '" + name + "' (" + std::to_string(index->tree().size()) +
                                         " points): " + What(request) +
                                         (request.filter ? " among the matching rows" : ""));
  }
  HitsPerQuery hits;
  IndexPath(*index, request, keep, use_few ? &few : nullptr, &hits);
  return Finish(
      *table, rows_reader, request, &hits,
      [index](const PointHit& h) { return index->keys().KeyOf(index->NodeOfPoint(h.id)); },
      [index](const PointHit& h) { return index->PointIndex(h.id); }, result);
}

}  // namespace embodb::query
