// Time series from Python (python/embodb/timeseries.py): create, append,
// and the reads, each returning a ResultBatch.
#include <pybind11/stl.h>

#include "bindings/buffers.h"
#include "bindings/columns.h"
#include "bindings/database.h"
#include "bindings/errors.h"
#include "bindings/table_access.h"
#include "query/evaluator.h"
#include "table/table_writer.h"
#include "timeseries/series_read.h"
#include "timeseries/series_write.h"

namespace py = pybind11;

namespace embodb::bindings {

namespace {

using BatchPtr = std::shared_ptr<table::ResultBatch>;

// The schema of a time series: the columns as given, with the primary key
// (tags..., time). SchemaError for a time column that is not a timestamp,
// tags that are not strings or integers, or a series without value columns.
Result<std::pair<table::Schema, table::SeriesDef>> SeriesSchema(std::vector<table::Column> columns,
                                                                 const std::string& time,
                                                                 const std::vector<std::string>& tags,
                                                                 int64_t ttl_ns) {
  std::vector<std::string> key(tags);
  key.push_back(time);
  for (size_t i = 0; i < key.size(); i++) {
    for (size_t j = 0; j < i; j++) {
      if (key[i] == key[j]) return Status::Schema("column '" + key[i] + "' named twice as a tag or the time column");
    }
  }
  table::Schema schema;
  EMBODB_ASSIGN_OR_RETURN(schema, table::Schema::Create(std::move(columns), key));
  table::SeriesDef series;
  const int t = schema.Find(time);
  if (schema.column(static_cast<size_t>(t)).type.id != table::TypeId::kTimestamp) {
    return Status::Schema("the time column '" + time + "' must be of type timestamp, not " +
                          schema.column(static_cast<size_t>(t)).type.Name());
  }
  series.time_column = static_cast<uint32_t>(t);
  for (const std::string& tag : tags) {
    const int c = schema.Find(tag);
    const table::ColumnType& type = schema.column(static_cast<size_t>(c)).type;
    if (type.id != table::TypeId::kString && !type.IsInteger()) {
      return Status::Schema("tag '" + tag + "' must be a string or integer column, not " + type.Name());
    }
    series.tags.push_back(static_cast<uint32_t>(c));
  }
  if (schema.size() == key.size()) return Status::Schema("a time series needs at least one value column");
  if (ttl_ns < 0) return Status::InvalidArgument("ttl must not be negative");
  series.ttl_ns = ttl_ns;
  return std::make_pair(std::move(schema), std::move(series));
}

table::TableDefPtr FindSeries(const HandlePtr& h, const std::string& name) {
  table::TableDefPtr def = FindTable(h, name);
  if (!def->series) throw StatusError(Status::InvalidArgument("'" + name + "' is a table, not a time series"));
  return def;
}

// Reads samples of every series whose rows pass `where` into one batch of
// `columns`, series after series (in series key order), each in time order.
// read(def, reader, series key, samples) fills one series' samples.
template <typename ReadSeries>
BatchPtr ReadSeriesBatch(const HandlePtr& h, py::handle reader_arg, const std::string& name,
                         const std::optional<std::vector<std::string>>& columns,
                         const std::optional<std::string>& where, const ReadSeries& read) {
  table::TableDefPtr def = FindSeries(h, name);
  const std::vector<size_t> projection = Projection(def->schema, columns, name);
  query::FilterPtr filter = ValueOrThrow(CompileWhere(*def, where));
  ReaderArg reader = MakeReader(h, reader_arg);
  // What is read: the projection and the filter's columns.
  std::vector<size_t> needed = projection;
  if (filter) needed.insert(needed.end(), filter->columns.begin(), filter->columns.end());
  std::sort(needed.begin(), needed.end());
  needed.erase(std::unique(needed.begin(), needed.end()), needed.end());
  std::vector<size_t> values;
  for (size_t c : needed) {
    if (c != def->series->time_column && !def->series->IsTag(c)) values.push_back(c);
  }
  auto batch = std::make_shared<table::ResultBatch>(table::ResultBatch::ForProjection(def->schema, projection));
  RunWithoutGil([&] {
    std::vector<timeseries::SeriesEntry> series;
    EMBODB_RETURN_IF_ERROR(timeseries::ListSeries(*def, reader.get(), &series));
    for (const auto& s : series) {
      timeseries::Samples samples(def->schema, values);
      EMBODB_RETURN_IF_ERROR(read(*def, reader.get(), s.key, &samples));
      if (samples.size() == 0) continue;
      if (!filter) {
        timeseries::AppendProjected(*def, s.record, samples, projection, batch.get());
        continue;
      }
      table::ResultBatch all = table::ResultBatch::ForProjection(def->schema, needed);
      timeseries::AppendProjected(*def, s.record, samples, needed, &all);
      std::vector<table::ColumnView> views(def->schema.size());
      for (size_t i = 0; i < needed.size(); i++) views[needed[i]] = all.columns[i].view();
      std::vector<uint32_t> selected;
      EMBODB_RETURN_IF_ERROR(query::EvaluateFilter(*filter, views, samples.size(), &selected));
      for (size_t p = 0; p < projection.size(); p++) {
        const table::ColumnView& v = views[projection[p]];
        for (uint32_t row : selected) batch->columns[p].AppendFrom(v, row);
      }
    }
    return Status::OK();
  });
  return batch;
}

}  // namespace

void RegisterTimeSeries(py::module_& m) {
  m.def("create_timeseries", [](const HandlePtr& h, const std::string& name, const py::list& columns,
                                const std::string& time, const std::vector<std::string>& tags, int64_t ttl_ns) {
    std::vector<table::Column> cols;
    for (auto c : columns) {
      const auto spec = c.cast<py::tuple>();
      table::Column col;
      col.name = spec[0].cast<std::string>();
      col.type = ValueOrThrow(table::ColumnType::Parse(spec[1].cast<std::string>()));
      col.not_null = spec[2].cast<bool>();
      col.default_value = ToValue(spec[3], "default of column '" + col.name + "'");
      cols.push_back(std::move(col));
    }
    auto [schema, series] = ValueOrThrow(SeriesSchema(std::move(cols), time, tags, ttl_ns));
    catalog::Catalog& catalog = h->Catalog();
    RunWithoutGil([&] { return catalog.CreateTable(name, std::move(schema), std::move(series)).status(); });
  });
  m.def("is_timeseries", [](const HandlePtr& h, const std::string& name) {
    return FindTable(h, name)->series.has_value();
  });
  m.def("ts_append", [](const HandlePtr& h, py::handle tx, const std::string& name, const py::list& specs,
                        size_t rows, const std::optional<std::string>& durability) {
    InputColumnsBuilder builder;
    for (auto spec : specs) builder.Add(spec.cast<py::tuple>());
    builder.SetRows(rows);
    FindSeries(h, name);
    timeseries::HeadCounts* heads = &h->series_heads;
    RunTableWrite(h, tx, name, durability, [&](const table::TableDefPtr& def, txn::Transaction* t) {
      if (!def->series) return Status::InvalidArgument("'" + name + "' is a table, not a time series");
      std::vector<table::ConformedColumn> conformed;
      std::vector<table::ColumnView> cols;
      EMBODB_RETURN_IF_ERROR(table::ConformInput(*def, builder.input(), table::kNoColumn, &conformed, &cols));
      t->Guard(table::TableDefKey(def->name));
      return timeseries::AppendSamples(*def, cols, rows, t, heads);
    });
  }, py::arg("db"), py::arg("tx"), py::arg("name"), py::arg("columns"), py::arg("rows"),
        py::arg("durability") = py::none());
  m.def("ts_range", [](const HandlePtr& h, py::handle reader, const std::string& name, int64_t t0, int64_t t1,
                       const std::optional<std::vector<std::string>>& columns,
                       const std::optional<std::string>& where) {
    return ReadSeriesBatch(h, reader, name, columns, where,
                           [t0, t1](const table::TableDef& def, txn::Reader* r, const std::string& key,
                                    timeseries::Samples* out) {
                             return timeseries::ReadSeriesRange(def, r, key, t0, t1, out);
                           });
  }, py::arg("db"), py::arg("reader"), py::arg("name"), py::arg("t0"), py::arg("t1"),
        py::arg("columns") = py::none(), py::arg("where") = py::none());
  m.def("ts_latest", [](const HandlePtr& h, py::handle reader, const std::string& name, size_t n,
                        const std::optional<std::vector<std::string>>& columns,
                        const std::optional<std::string>& where) {
    return ReadSeriesBatch(h, reader, name, columns, where,
                           [n](const table::TableDef& def, txn::Reader* r, const std::string& key,
                               timeseries::Samples* out) {
                             return timeseries::ReadSeriesLatest(def, r, key, n, out);
                           });
  }, py::arg("db"), py::arg("reader"), py::arg("name"), py::arg("n"), py::arg("columns") = py::none(),
        py::arg("where") = py::none());
}

}  // namespace embodb::bindings
