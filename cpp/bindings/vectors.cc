// Nearest-neighbour search for the Python package (Table.search, Table.knn);
// vector indexes are made through indexes.cc.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <tbb/task_arena.h>

#include <optional>

#include "bindings/columns.h"
#include "bindings/database.h"
#include "bindings/errors.h"
#include "bindings/table_access.h"
#include "query/vector_search.h"
#include "table/key_codec.h"

namespace py = pybind11;

namespace embodb::bindings {

namespace {

index::Metric MetricArg(const std::string& name) {
  index::Metric m;
  if (!index::ParseMetric(name, &m)) {
    throw StatusError(Status::InvalidArgument("metric must be one of 'l2', 'cosine', 'ip'", "got '" + name + "'"));
  }
  return m;
}


// (keys, distances, rows, plan): keys an (nq, k) array of primary keys and
// distances an (nq, k) float32 array (both None when rows are asked for:
// the rows hold them), rows a batch of the projection with `_distance` last
// (or None; with `numpy`, its columns as Result.to_numpy gives them: the
// search's rows in one call), plan the steps taken (with explain; else
// empty).
py::tuple Knn(const HandlePtr& h, py::handle reader, const std::string& table,
              const std::optional<std::string>& column,
              const py::array_t<float, py::array::c_style | py::array::forcecast>& queries,
              size_t k, size_t ef, bool exact, const std::optional<std::string>& where,
              const std::optional<std::string>& metric, const std::optional<std::vector<std::string>>& columns,
              bool explain, size_t threads, bool rows_wanted, bool numpy) {
  auto def = FindTable(h, table);
  const size_t col = SearchedColumn(*def, column, table::TypeId::kVector, index::kHnswKind, "vector");
  const size_t dim = def->schema.column(col).type.param;
  if (queries.ndim() != 1 && queries.ndim() != 2) {
    std::string shape;
    for (py::ssize_t i = 0; i < queries.ndim(); i++) {
      if (i > 0) shape += ", ";
      shape += std::to_string(queries.shape(i));
    }
    throw StatusError(Status::Schema("queries must be a vector or an (n, dim) matrix, not an array of shape (" +
                                     shape + ")"));
  }
  const size_t got = static_cast<size_t>(queries.shape(queries.ndim() - 1));
  if (got != dim) {
    throw StatusError(Status::Schema("the query has " + std::to_string(got) + " values; column '" +
                                     def->schema.column(col).name + "' holds " +
                                     def->schema.column(col).type.Name()));
  }
  if (k == 0) throw StatusError(Status::InvalidArgument("k must be at least 1"));
  auto ix = std::dynamic_pointer_cast<index::VectorIndex>(
      h->Indexes().Find(def->id, def->schema.column(col).name, index::kHnswKind));
  query::KnnRequest r;
  r.queries = queries.data();
  r.nq = queries.ndim() == 1 ? 1 : static_cast<size_t>(queries.shape(0));
  r.k = k;
  r.ef = ef;
  r.exact = exact;
  r.explain = explain;
  r.filter = ValueOrThrow(CompileWhere(*def, where));
  if (metric) {
    r.metric = MetricArg(*metric);
    if (ix && ix->options().metric != r.metric) {
      throw StatusError(Status::InvalidArgument("the vector index on '" + ix->column_name() + "' uses the " +
                                                std::string(index::MetricName(ix->options().metric)) +
                                                " metric, not " + *metric));
    }
  }
  // The rows of the results: of `columns`, or of every column (rows_wanted).
  const bool with_rows = columns.has_value() || rows_wanted;
  std::vector<size_t> projection;
  if (with_rows) {
    projection = Projection(def->schema, columns, table);
    r.projection = &projection;
  }
  const bool latest = reader.is_none();
  ReaderArg rd = MakeReader(h, reader);
  lsm::DB* db = &h->Db();
  query::KnnResult result;
  RunWithoutGil([&] {
    auto run = [&] { return query::RunKnn(def, col, ix.get(), db, rd.get(), latest, r, &result); };
    if (threads == 0 || r.nq == 1) return run();
    tbb::task_arena arena(static_cast<int>(threads));  // the queries' parallel_for runs on this many threads
    return arena.execute(run);
  });

  py::object rows = py::none();
  if (with_rows) {
    rows = RowsWithDistances(std::move(result.rows), result.distances, numpy);
    // The keys and distances are in the rows: not made twice.
    return py::make_tuple(py::none(), py::none(), rows, result.plan);
  }
  const std::vector<py::ssize_t> shape = {static_cast<py::ssize_t>(r.nq), static_cast<py::ssize_t>(result.k)};
  py::array keys = KeyArray(def->schema, result.keys, shape);
  py::array_t<float> distances(shape);
  std::copy(result.distances.begin(), result.distances.end(), distances.mutable_data());
  return py::make_tuple(keys, distances, rows, result.plan);
}

}  // namespace

void RegisterVectors(py::module_& m) {
  m.def("knn", &Knn, py::arg("db"), py::arg("reader"), py::arg("table"), py::arg("column"), py::arg("queries"),
        py::arg("k"), py::arg("ef"), py::arg("exact"), py::arg("where"), py::arg("metric"), py::arg("columns"),
        py::arg("explain") = false, py::arg("threads") = 0, py::arg("rows") = false, py::arg("numpy") = false);
}

}  // namespace embodb::bindings
