// Spatial queries for the Python package (Table.near, within, in_box,
// knn_points, radius_points); spatial indexes are made through indexes.cc.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <tbb/task_arena.h>

#include <optional>

#include "bindings/columns.h"
#include "bindings/database.h"
#include "bindings/errors.h"
#include "bindings/table_access.h"
#include "query/cloud_points.h"
#include "query/filter.h"
#include "query/spatial_predicate.h"
#include "query/spatial_search.h"

namespace py = pybind11;

namespace embodb::bindings {

namespace {

query::SpatialRequest::Kind KindArg(const std::string& kind) {
  if (kind == "nearest") return query::SpatialRequest::Kind::kNearest;
  if (kind == "within") return query::SpatialRequest::Kind::kWithin;
  if (kind == "box") return query::SpatialRequest::Kind::kBox;
  throw StatusError(Status::InvalidArgument("unknown spatial query '" + kind + "'"));
}

// The column a spatial query searches: the one named (a point3 column, or a
// pointcloud column), else the point3 column with a spatial index or the
// only one, else the only pointcloud column with a spatial index.
size_t SpatialColumn(const table::TableDef& def, const std::optional<std::string>& column) {
  const table::Schema& schema = def.schema;
  if (column) {
    const int c = schema.Find(*column);
    if (c >= 0 && schema.column(static_cast<size_t>(c)).type.id == table::TypeId::kPointCloud) {
      return static_cast<size_t>(c);
    }
    return TypedColumn(def, *column, table::TypeId::kPoint3, "a point3 column (or a pointcloud column)");
  }
  std::vector<size_t> points, indexed_clouds;
  for (size_t c = 0; c < schema.size(); c++) {
    const table::TypeId id = schema.column(c).type.id;
    if (id == table::TypeId::kPoint3) points.push_back(c);
    if (id == table::TypeId::kPointCloud && def.FindDerived(schema.column(c).name, index::kSpatialKind) != nullptr) {
      indexed_clouds.push_back(c);
    }
  }
  if (points.empty() && indexed_clouds.size() == 1) return indexed_clouds[0];
  return SearchedColumn(def, column, table::TypeId::kPoint3, index::kSpatialKind, "point3");
}

// (keys, distances, offsets, rows, plan, points) of a spatial query. points: (n, 3)
// float32 query points (a box: its lo and hi). keys and distances are flat
// arrays over every query's results, query q's being [offsets[q],
// offsets[q + 1]); with rows, rows is a batch of the projection with
// `_distance` last (with `numpy`: its columns as Result.to_numpy gives
// them) and keys, distances and offsets are None. Over a pointcloud column
// each result is a point: `points` (or the rows' `_point` column, before
// `_distance`) gives its index in its row's cloud; None otherwise.
py::tuple Spatial(const HandlePtr& h, py::handle reader, const std::string& table,
                  const std::optional<std::string>& column, const std::string& kind,
                  const py::array_t<float, py::array::c_style | py::array::forcecast>& points, size_t k, double radius,
                  const std::optional<std::string>& where, const std::optional<std::vector<std::string>>& columns,
                  bool explain, size_t threads, bool rows_wanted, bool numpy, size_t limit) {
  auto def = FindTable(h, table);
  const size_t col = SpatialColumn(*def, column);
  const bool cloud = def->schema.column(col).type.id == table::TypeId::kPointCloud;
  if (points.ndim() != 2 || points.shape(1) != 3) {
    std::string shape;
    for (py::ssize_t i = 0; i < points.ndim(); i++) {
      if (i > 0) shape += ", ";
      shape += std::to_string(points.shape(i));
    }
    throw StatusError(Status::InvalidArgument("query points must be an (n, 3) array, not one of shape (" + shape + ")"));
  }
  query::SpatialRequest r;
  r.kind = KindArg(kind);
  r.points = points.data();
  r.nq = static_cast<size_t>(points.shape(0));
  if (r.kind == query::SpatialRequest::Kind::kBox) {
    if (r.nq != 2) throw StatusError(Status::InvalidArgument("a box is two points: lo and hi"));
    r.nq = 1;
  }
  r.k = k;
  r.radius = query::RadiusAtLeast(radius);
  r.limit = limit;
  r.explain = explain;
  r.filter = ValueOrThrow(CompileWhere(*def, where));
  const bool with_rows = columns.has_value() || rows_wanted;
  std::vector<size_t> projection;
  if (with_rows) {
    projection = Projection(def->schema, columns, table);
    r.projection = &projection;
  }
  auto ix = std::dynamic_pointer_cast<index::SpatialIndex>(
      h->Indexes().Find(def->id, def->schema.column(col).name, index::kSpatialKind));
  const bool latest = reader.is_none();
  ReaderArg rd = MakeReader(h, reader);
  lsm::DB* db = &h->Db();
  query::SpatialResult result;
  RunWithoutGil([&] {
    auto run = [&] { return query::RunSpatial(def, col, ix.get(), db, rd.get(), latest, r, &result); };
    if (threads == 0 || r.nq == 1) return run();
    tbb::task_arena arena(static_cast<int>(threads));  // the queries' parallel_for runs on this many threads
    return arena.execute(run);
  });
  if (with_rows) {
    if (cloud) {
      result.rows.names.push_back("_point");
      result.rows.columns.emplace_back(table::ColumnType{table::TypeId::kUInt32, 0});
      result.rows.columns.back().Reserve(result.points.size(), 0);
      for (uint32_t p : result.points) result.rows.columns.back().AppendFixed(&p);
    }
    py::object rows = RowsWithDistances(std::move(result.rows), result.distances, numpy);
    return py::make_tuple(py::none(), py::none(), py::none(), rows, result.plan, py::none());
  }
  const auto n = static_cast<py::ssize_t>(result.distances.size());
  py::array keys =
      result.key_column ? ColumnCopy(result.key_column->view(), {n}) : KeyArray(def->schema, result.keys, {n});
  py::array_t<float> distances(n);
  std::copy(result.distances.begin(), result.distances.end(), distances.mutable_data());
  py::array_t<int64_t> offsets(static_cast<py::ssize_t>(result.offsets.size()));
  std::copy(result.offsets.begin(), result.offsets.end(), offsets.mutable_data());
  py::object point_indexes = py::none();
  if (cloud) {
    py::array_t<uint32_t> indexes(n);
    std::copy(result.points.begin(), result.points.end(), indexes.mutable_data());
    point_indexes = indexes;
  }
  return py::make_tuple(keys, distances, offsets, py::none(), result.plan, point_indexes);
}

// (points, keys, offsets, rows read): points an (n, channels) float32
// array; keys (rows whose cloud gave points) and offsets (rows + 1, where
// each row's points start) are None with a voxel grid.
py::tuple CloudPointsCall(const HandlePtr& h, py::handle reader, const std::string& table,
                          const std::optional<std::string>& where, const std::string& column,
                          const std::optional<std::vector<float>>& box,
                          const std::optional<std::vector<float>>& center, double radius, double voxel,
                          const std::optional<std::string>& position, const std::optional<std::string>& orientation) {
  auto def = FindTable(h, table);
  query::CloudPointsRequest r;
  r.column = TypedColumn(*def, column, table::TypeId::kPointCloud, "a pointcloud column");
  if (position) r.position = TypedColumn(*def, *position, table::TypeId::kPoint3, "a point3 column (a position)");
  if (orientation) {
    r.orientation = TypedColumn(*def, *orientation, table::TypeId::kVector, "a vector(4) column (a quaternion)", 4);
  }
  r.box = box;
  r.center = center;
  r.radius = static_cast<float>(radius);
  r.voxel = static_cast<float>(voxel);
  r.filter = ValueOrThrow(CompileWhere(*def, where));
  ReaderArg rd = MakeReader(h, reader);
  query::CloudPointsResult result;
  RunWithoutGil([&] { return query::CloudPoints(def, rd.get(), r, &result); });
  const auto channels = static_cast<py::ssize_t>(result.channels);
  const auto n = static_cast<py::ssize_t>(result.points.size()) / std::max<py::ssize_t>(channels, 1);
  py::array_t<float> points({n, channels});
  if (n > 0) std::memcpy(points.mutable_data(), result.points.data(), result.points.size() * sizeof(float));
  if (r.voxel > 0) return py::make_tuple(points, py::none(), py::none(), result.rows_read);
  py::array keys = KeyArray(def->schema, result.keys, {static_cast<py::ssize_t>(result.keys.size())});
  py::array_t<int64_t> offsets(static_cast<py::ssize_t>(result.offsets.size()));
  std::copy(result.offsets.begin(), result.offsets.end(), offsets.mutable_data());
  return py::make_tuple(points, keys, offsets, result.rows_read);
}

// What an order_by() expression orders by: (column, None) for a column,
// (column, (x, y, z)) for distance(column, [x, y, z]); InvalidInputError
// for anything else.
py::tuple OrderKey(const HandlePtr& h, const std::string& table, const std::string& text) {
  auto def = FindTable(h, table);
  auto expr = ValueOrThrow(query::CompileExpression(text, def->schema));
  const query::Expr& e = *expr->root;
  if (e.kind == query::Expr::Kind::kColumn && e.component < 0) {
    return py::make_tuple(def->schema.column(e.column_index).name, py::none());
  }
  if (e.kind == query::Expr::Kind::kDistance) {
    const query::SpatialPredicate p(e);
    const float* c = p.center();
    return py::make_tuple(def->schema.column(e.args[0]->column_index).name, py::make_tuple(c[0], c[1], c[2]));
  }
  throw StatusError(Status::InvalidArgument("order_by() takes a column or distance(column, [x, y, z]), not '" +
                                            text + "'"));
}

}  // namespace

void RegisterSpatial(py::module_& m) {
  m.def("cloud_points", &CloudPointsCall, py::arg("db"), py::arg("reader"), py::arg("table"), py::arg("where"),
        py::arg("column"), py::arg("box") = py::none(), py::arg("center") = py::none(), py::arg("radius") = 0.0,
        py::arg("voxel") = 0.0, py::arg("position") = py::none(), py::arg("orientation") = py::none());
  m.def("order_key", &OrderKey, py::arg("db"), py::arg("table"), py::arg("text"));
  m.def("spatial", &Spatial, py::arg("db"), py::arg("reader"), py::arg("table"), py::arg("column"), py::arg("kind"),
        py::arg("points"), py::arg("k") = 10, py::arg("radius") = 0.0, py::arg("where") = py::none(),
        py::arg("columns") = py::none(), py::arg("explain") = false, py::arg("threads") = 0,
        py::arg("rows") = false, py::arg("numpy") = false, py::arg("limit") = 0);
}

}  // namespace embodb::bindings
