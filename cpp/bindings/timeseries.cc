// Time series from Python (python/embodb/timeseries.py): create, append,
// and the reads, each returning a ResultBatch.
#include <pybind11/stl.h>

#include <cmath>

#include "bindings/buffers.h"
#include "bindings/columns.h"
#include "bindings/database.h"
#include "bindings/errors.h"
#include "bindings/table_access.h"
#include "query/evaluator.h"
#include "table/table_writer.h"
#include "timeseries/series_read.h"
#include "timeseries/series_resample.h"
#include "timeseries/series_asof.h"
#include "timeseries/series_downsample.h"
#include "timeseries/series_retention.h"
#include "timeseries/series_rollup.h"
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

// Whether the series' tags pass `filter`, which may test only tags.
Result<bool> SeriesPasses(const table::TableDef& def, const query::Filter& filter, const timeseries::SeriesRecord& s) {
  std::vector<table::ColumnBuffer> buffers;
  std::vector<table::ColumnView> views(def.schema.size());
  buffers.reserve(def.series->tags.size());
  for (size_t t = 0; t < def.series->tags.size(); t++) {
    buffers.emplace_back(def.schema.column(def.series->tags[t]).type);
    buffers.back().AppendValue(s.tags[t]);
    views[def.series->tags[t]] = buffers.back().view();
  }
  std::vector<uint32_t> selected;
  EMBODB_RETURN_IF_ERROR(query::EvaluateFilter(filter, views, 1, &selected));
  return !selected.empty();
}

// A batch starting with the tag columns and the time column (a timestamp),
// for reads that give one row per series and bucket or query time.
std::shared_ptr<table::ResultBatch> TagsAndTimeBatch(const table::TableDef& def) {
  auto batch = std::make_shared<table::ResultBatch>();
  for (uint32_t t : def.series->tags) {
    batch->names.push_back(def.schema.column(t).name);
    batch->columns.emplace_back(def.schema.column(t).type);
  }
  batch->names.push_back(def.schema.column(def.series->time_column).name);
  batch->columns.emplace_back(table::ColumnType{table::TypeId::kTimestamp, 0});
  return batch;
}

// Calls fn(entry) for every series whose tags pass filter (null: every one).
template <typename Fn>
Status ForEachSeries(const table::TableDef& def, txn::Reader* reader, const query::FilterPtr& filter, const Fn& fn) {
  std::vector<timeseries::SeriesEntry> series;
  EMBODB_RETURN_IF_ERROR(timeseries::ListSeries(def, reader, &series));
  for (const auto& s : series) {
    if (filter) {
      bool passes = false;
      EMBODB_ASSIGN_OR_RETURN(passes, SeriesPasses(def, *filter, s.record));
      if (!passes) continue;
    }
    EMBODB_RETURN_IF_ERROR(fn(s));
  }
  return Status::OK();
}

// Appends n copies of the series' tags to the batch's first columns.
void AppendTags(const table::TableDef& def, const timeseries::SeriesRecord& record, size_t n,
                table::ResultBatch* batch) {
  for (size_t t = 0; t < def.series->tags.size(); t++) batch->columns[t].AppendValueRepeated(record.tags[t], n);
}

// Reads samples of every series whose rows pass `where` into one batch of
// `columns`, series after series (in series key order), each in time order.
// read(def, reader, series key, samples) fills one series' samples. A
// filter on tags only picks series before any is read; one on values is
// evaluated on the samples.
template <typename ReadSeries>
BatchPtr ReadSeriesBatch(const HandlePtr& h, py::handle reader_arg, const std::string& name,
                         const std::optional<std::vector<std::string>>& columns,
                         const std::optional<std::string>& where, const ReadSeries& read) {
  table::TableDefPtr def = FindSeries(h, name);
  const std::vector<size_t> projection = Projection(def->schema, columns, name);
  query::FilterPtr filter = ValueOrThrow(CompileWhere(*def, where));
  query::FilterPtr tag_filter;
  if (filter && std::all_of(filter->columns.begin(), filter->columns.end(),
                            [&](size_t c) { return def->series->IsTag(c); })) {
    tag_filter = std::move(filter);
  }
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
    return ForEachSeries(*def, reader.get(), tag_filter, [&](const timeseries::SeriesEntry& s) -> Status {
      timeseries::Samples samples(def->schema, values);
      EMBODB_RETURN_IF_ERROR(read(*def, reader.get(), s.key, &samples));
      if (samples.size() == 0) return Status::OK();
      if (!filter) {
        timeseries::AppendProjected(*def, s.record, std::move(samples), projection, batch.get());
        return Status::OK();
      }
      table::ResultBatch all = table::ResultBatch::ForProjection(def->schema, needed);
      timeseries::AppendProjected(*def, s.record, std::move(samples), needed, &all);
      std::vector<table::ColumnView> views(def->schema.size());
      for (size_t i = 0; i < needed.size(); i++) views[needed[i]] = all.columns[i].view();
      std::vector<uint32_t> selected;
      EMBODB_RETURN_IF_ERROR(query::EvaluateFilter(*filter, views, all.rows(), &selected));
      for (size_t p = 0; p < projection.size(); p++) {
        const table::ColumnView& v = views[projection[p]];
        for (uint32_t row : selected) batch->columns[p].AppendFrom(v, row);
      }
      return Status::OK();
    });
  });
  return batch;
}

// Aggregates per time bucket of every series whose tags pass `where`: a
// batch of the tags, the bucket start (under the time column's name) and
// one column per aggregate, named column_kind.
// Returns (the batch, how many chunks were aggregated from their statistics).
std::pair<BatchPtr, size_t> Resample(const HandlePtr& h, py::handle reader_arg, const std::string& name,
                                     int64_t every, int64_t t0,
                  int64_t t1, const std::vector<std::pair<std::string, std::string>>& aggregates,
                  const std::optional<std::string>& where) {
  table::TableDefPtr def = FindSeries(h, name);
  if (every <= 0) throw StatusError(Status::InvalidArgument("resample's interval must be positive"));
  if (aggregates.empty()) throw StatusError(Status::InvalidArgument("resample needs at least one aggregate"));
  query::FilterPtr filter = ValueOrThrow(CompileWhere(*def, where));
  if (filter) {
    for (size_t c : filter->columns) {
      if (!def->series->IsTag(c)) {
        throw StatusError(Status::InvalidArgument("resample's where may test only tags, not '" +
                                                  def->schema.column(c).name + "'"));
      }
    }
  }
  timeseries::ResampleSpec spec;
  spec.every = every;
  spec.t0 = t0;
  spec.t1 = t1;
  auto batch = TagsAndTimeBatch(*def);
  for (const auto& [column, kind_name] : aggregates) {
    const int c = def->schema.Find(column);
    if (c < 0) throw StatusError(Status::Schema("time series '" + name + "' has no column '" + column + "'"));
    const table::ColumnType& type = def->schema.column(static_cast<size_t>(c)).type;
    if (static_cast<size_t>(c) == def->series->time_column || def->series->IsTag(static_cast<size_t>(c)) ||
        !(type.IsNumeric() || type.id == table::TypeId::kBool)) {
      throw StatusError(Status::Schema("resample aggregates numeric value columns; '" + column + "' is " +
                                       (def->series->IsTag(static_cast<size_t>(c)) ? "a tag" : type.Name())));
    }
    const timeseries::AggregateKind kind = ValueOrThrow(timeseries::ParseAggregate(kind_name));
    spec.aggregates.emplace_back(static_cast<size_t>(c), kind);
    batch->names.push_back(column + "_" + kind_name);
    batch->columns.emplace_back(timeseries::AggregateType(kind, type));
  }
  ReaderArg reader = MakeReader(h, reader_arg);
  size_t from_stats = 0;
  RunWithoutGil([&] {
    const size_t tags = def->series->tags.size();
    return ForEachSeries(*def, reader.get(), filter, [&](const timeseries::SeriesEntry& s) -> Status {
      std::vector<int64_t> starts;
      std::vector<table::ColumnBuffer> outs;
      for (size_t i = 0; i < spec.aggregates.size(); i++) outs.emplace_back(batch->columns[tags + 1 + i].type());
      EMBODB_RETURN_IF_ERROR(
          timeseries::ResampleSeries(*def, reader.get(), s.key, spec, &starts, &outs, &from_stats));
      AppendTags(*def, s.record, starts.size(), batch.get());
      batch->columns[tags].AppendFixedValues(starts.data(), starts.size());
      for (size_t i = 0; i < outs.size(); i++) batch->columns[tags + 1 + i].AppendRange(outs[i].view(), 0, starts.size());
      return Status::OK();
    });
  });
  return {batch, from_stats};
}

// The tag filter of a read that takes one row per series and query: where
// may test only tags.
query::FilterPtr TagFilter(const table::TableDef& def, const std::optional<std::string>& where, const char* what) {
  query::FilterPtr filter = ValueOrThrow(CompileWhere(def, where));
  if (!filter) return filter;
  for (size_t c : filter->columns) {
    if (!def.series->IsTag(c)) {
      throw StatusError(Status::InvalidArgument(std::string(what) + "'s where may test only tags, not '" +
                                                def.schema.column(c).name + "'"));
    }
  }
  return filter;
}

// For each series passing `where` and each query time (in the order
// given): the tags, the query time (under the time column's name), the
// value columns asked for, and either the matched sample's time
// (_sample_time, null without a match) or, with interpolate, the columns
// interpolated as float64.
BatchPtr Asof(const HandlePtr& h, py::handle reader_arg, const std::string& name,
              const py::array_t<int64_t, py::array::c_style | py::array::forcecast>& queries,
              const std::optional<std::vector<std::string>>& columns, const std::string& direction_name,
              int64_t tolerance, const std::optional<std::string>& where, bool interpolate) {
  table::TableDefPtr def = FindSeries(h, name);
  const auto direction = ValueOrThrow(timeseries::ParseDirection(direction_name));
  query::FilterPtr filter = TagFilter(*def, where, interpolate ? "interpolate" : "asof");
  std::vector<size_t> values;
  if (columns) {
    for (size_t c : Projection(def->schema, columns, name)) {
      if (c == def->series->time_column || def->series->IsTag(c)) {
        throw StatusError(Status::Schema("'" + def->schema.column(c).name + "' is not a value column"));
      }
      const table::ColumnType& type = def->schema.column(c).type;
      if (interpolate && !type.IsNumeric()) {
        throw StatusError(Status::Schema("interpolate needs numeric columns; '" + def->schema.column(c).name +
                                         "' is " + type.Name()));
      }
      values.push_back(c);
    }
  } else {
    for (size_t c : timeseries::ValueColumns(*def)) {
      if (!interpolate || def->schema.column(c).type.IsNumeric()) values.push_back(c);
    }
  }
  auto batch = TagsAndTimeBatch(*def);
  const table::ColumnType time_type{table::TypeId::kTimestamp, 0};
  for (size_t c : values) {
    batch->names.push_back(def->schema.column(c).name);
    batch->columns.emplace_back(interpolate ? table::ColumnType{table::TypeId::kFloat64, 0}
                                            : def->schema.column(c).type);
  }
  if (!interpolate) {
    batch->names.push_back("_sample_time");
    batch->columns.emplace_back(time_type);
  }
  const int64_t* q = queries.data();
  const size_t n = static_cast<size_t>(queries.size());
  ReaderArg reader = MakeReader(h, reader_arg);
  RunWithoutGil([&] {
    if (n == 0) return Status::OK();
    const int64_t lo = *std::min_element(q, q + n), hi = *std::max_element(q, q + n);
    const size_t tags = def->series->tags.size();
    return ForEachSeries(*def, reader.get(), filter, [&](const timeseries::SeriesEntry& s) -> Status {
      timeseries::Samples samples(def->schema, values);
      EMBODB_RETURN_IF_ERROR(timeseries::ReadAround(*def, reader.get(), s.key, lo, hi,
                                                    interpolate ? -1 : tolerance, &samples));
      AppendTags(*def, s.record, n, batch.get());
      batch->columns[tags].AppendFixedValues(q, n);
      if (interpolate) {
        for (size_t v = 0; v < values.size(); v++) {
          timeseries::Interpolate(samples, v, q, n, &batch->columns[tags + 1 + v]);
        }
        return Status::OK();
      }
      std::vector<int64_t> match;
      timeseries::MatchAsof(samples.ts, q, n, direction, tolerance, &match);
      for (size_t v = 0; v < values.size(); v++) {
        const table::ColumnView view = samples.values[v].view();
        table::ColumnBuffer& out = batch->columns[tags + 1 + v];
        for (size_t i = 0; i < n; i++) {
          if (match[i] < 0) {
            out.AppendNull();
          } else {
            out.AppendFrom(view, static_cast<size_t>(match[i]));
          }
        }
      }
      table::ColumnBuffer& times = batch->columns.back();
      for (size_t i = 0; i < n; i++) {
        if (match[i] < 0) {
          times.AppendNull();
        } else {
          times.AppendFixed(&samples.ts[static_cast<size_t>(match[i])]);
        }
      }
      return Status::OK();
    });
  });
  return batch;
}

// The samples to draw of each series passing `where` (tags only): tags, time
// and the column, at most n_out samples per series.
BatchPtr Downsample(const HandlePtr& h, py::handle reader_arg, const std::string& name, const std::string& column,
                    size_t n_out, int64_t t0, int64_t t1, const std::string& method,
                    const std::optional<std::string>& where) {
  table::TableDefPtr def = FindSeries(h, name);
  if (method != "minmax" && method != "lttb") {
    throw StatusError(Status::InvalidArgument("method must be 'minmax' or 'lttb', not '" + method + "'"));
  }
  query::FilterPtr filter = TagFilter(*def, where, "downsample");
  const int c = def->schema.Find(column);
  if (c < 0) throw StatusError(Status::Schema("time series '" + name + "' has no column '" + column + "'"));
  const table::ColumnType type = def->schema.column(static_cast<size_t>(c)).type;
  if (static_cast<size_t>(c) == def->series->time_column || def->series->IsTag(static_cast<size_t>(c)) ||
      !type.IsNumeric()) {
    throw StatusError(Status::Schema("downsample draws a numeric value column; '" + column + "' is not one"));
  }
  auto batch = TagsAndTimeBatch(*def);
  batch->names.push_back(column);
  batch->columns.emplace_back(type);
  ReaderArg reader = MakeReader(h, reader_arg);
  RunWithoutGil([&] {
    const size_t tags = def->series->tags.size();
    return ForEachSeries(*def, reader.get(), filter, [&](const timeseries::SeriesEntry& s) -> Status {
      timeseries::Samples samples(def->schema, {static_cast<size_t>(c)});
      EMBODB_RETURN_IF_ERROR(timeseries::ReadSeriesRange(*def, reader.get(), s.key, t0, t1, &samples));
      // Nulls and NaN are not drawn.
      const table::ColumnView v = samples.values[0].view();
      std::vector<int64_t> ts;
      std::vector<double> y;
      std::vector<size_t> rows;
      for (size_t i = 0; i < samples.size(); i++) {
        if (v.IsNull(i)) continue;
        const double value = type.id == table::TypeId::kFloat64   ? v.Get<double>(i)
                             : type.id == table::TypeId::kFloat32 ? v.Get<float>(i)
                             : type.IsSignedInteger()
                                 ? static_cast<double>(v.IntegerAt(i))
                                 : static_cast<double>(static_cast<uint64_t>(v.IntegerAt(i)));
        if (std::isnan(value)) continue;
        ts.push_back(samples.ts[i]);
        y.push_back(value);
        rows.push_back(i);
      }
      const std::vector<size_t> picked =
          method == "minmax" ? timeseries::MinMaxIndices(ts, y, n_out) : timeseries::LttbIndices(ts, y, n_out);
      AppendTags(*def, s.record, picked.size(), batch.get());
      for (size_t i : picked) {
        batch->columns[tags].AppendFixed(&ts[i]);
        batch->columns[tags + 1].AppendFrom(v, rows[i]);
      }
      return Status::OK();
    });
  });
  return batch;
}

// A rollup's companion must be a time series with the same tags and, for
// each aggregate, a column <column>_<aggregate> of the type resample gives
// it; SchemaError naming what is wrong.
Status CheckRollup(const HandlePtr& h, const table::Schema& schema, const table::SeriesDef& series,
                   const timeseries::RollupDef& rollup) {
  if (rollup.every <= 0) return Status::InvalidArgument("a rollup's interval must be positive");
  if (rollup.aggregates.empty()) return Status::InvalidArgument("a rollup needs at least one aggregate");
  if (series.ttl_ns == 0) return Status::InvalidArgument("a rollup keeps what a ttl expires: give a ttl too");
  const table::TableDefPtr target = h->Catalog().Find(rollup.table);
  if (!target || !target->series) return Status::Schema("no time series '" + rollup.table + "' for the rollup");
  for (uint32_t t : series.tags) {
    const int c = target->schema.Find(schema.column(t).name);
    if (c < 0 || !target->series->IsTag(static_cast<size_t>(c))) {
      return Status::Schema("the rollup '" + rollup.table + "' lacks the tag '" + schema.column(t).name + "'");
    }
  }
  for (const auto& [column, kind_name] : rollup.aggregates) {
    const int c = schema.Find(column);
    if (c < 0) return Status::Schema("no column '" + column + "' to roll up");
    const table::ColumnType& type = schema.column(static_cast<size_t>(c)).type;
    if (static_cast<size_t>(c) == series.time_column || series.IsTag(static_cast<size_t>(c)) ||
        !(type.IsNumeric() || type.id == table::TypeId::kBool)) {
      return Status::Schema("a rollup aggregates numeric value columns; '" + column + "' is not one");
    }
    timeseries::AggregateKind kind;
    EMBODB_ASSIGN_OR_RETURN(kind, timeseries::ParseAggregate(kind_name));
    const int t = target->schema.Find(column + "_" + kind_name);
    const table::ColumnType want = timeseries::AggregateType(kind, type);
    if (t < 0 || target->schema.column(static_cast<size_t>(t)).type.id != want.id) {
      return Status::Schema("the rollup '" + rollup.table + "' needs a column '" + column + "_" + kind_name +
                            "' of type " + want.Name());
    }
  }
  return Status::OK();
}

}  // namespace

void RegisterTimeSeries(py::module_& m) {
  m.def("ts_downsample", &Downsample, py::arg("db"), py::arg("reader"), py::arg("name"), py::arg("column"),
        py::arg("n_out"), py::arg("t0"), py::arg("t1"), py::arg("method"), py::arg("where") = py::none());
  m.def("ts_asof", &Asof, py::arg("db"), py::arg("reader"), py::arg("name"), py::arg("queries"),
        py::arg("columns"), py::arg("direction"), py::arg("tolerance"), py::arg("where"), py::arg("interpolate"));
  m.def("ts_resample", &Resample, py::arg("db"), py::arg("reader"), py::arg("name"), py::arg("every"),
        py::arg("t0"), py::arg("t1"), py::arg("aggregates"), py::arg("where") = py::none());
  m.def("create_timeseries", [](const HandlePtr& h, const std::string& name, const py::list& columns,
                                const std::string& time, const std::vector<std::string>& tags, int64_t ttl_ns,
                                int64_t rollup_every, const std::string& rollup_table,
                                const std::vector<std::pair<std::string, std::string>>& rollup_aggregates) {
    std::vector<table::Column> cols;
    for (auto c : columns) cols.push_back(ToColumn(c.cast<py::tuple>()));
    auto [schema, series] = ValueOrThrow(SeriesSchema(std::move(cols), time, tags, ttl_ns));
    if (rollup_every != 0) {
      timeseries::RollupDef rollup{rollup_every, rollup_table, rollup_aggregates};
      ThrowIfError(CheckRollup(h, schema, series, rollup));
      series.options = rollup.Encode();
    }
    catalog::Catalog& catalog = h->Catalog();
    RunWithoutGil([&] { return catalog.CreateTable(name, std::move(schema), std::move(series)).status(); });
  }, py::arg("db"), py::arg("name"), py::arg("columns"), py::arg("time"), py::arg("tags"), py::arg("ttl_ns"),
        py::arg("rollup_every") = 0, py::arg("rollup_table") = "", py::arg("rollup_aggregates") =
            std::vector<std::pair<std::string, std::string>>{});
  m.def("ts_rollup_table", [](const HandlePtr& h, const std::string& name) -> std::optional<std::string> {
    const auto rollup = ValueOrThrow(timeseries::RollupDef::Decode(FindSeries(h, name)->series->options));
    if (rollup.empty()) return std::nullopt;
    return rollup.table;
  });
  m.def("ts_ttl", [](const HandlePtr& h, const std::string& name) { return FindSeries(h, name)->series->ttl_ns; });
  m.def("ts_set_ttl", [](const HandlePtr& h, const std::string& name, int64_t ttl_ns) {
    catalog::Catalog& catalog = h->Catalog();
    RunWithoutGil([&] { return catalog.SetSeriesTtl(name, ttl_ns).status(); });
  });
  m.def("ts_apply_retention", [](const HandlePtr& h, const std::string& name,
                                 const std::optional<std::string>& durability) {
    FindSeries(h, name);
    size_t dropped = 0;
    timeseries::HeadCounts* heads = &h->series_heads;
    catalog::Catalog* catalog = &h->Catalog();
    const timeseries::FindSeriesTable find = [catalog](std::string_view n) { return catalog->Find(n); };
    RunTableWrite(h, py::none(), name, durability, [&](const table::TableDefPtr& def, txn::Transaction* t) {
      if (!def->series) return Status::InvalidArgument("'" + name + "' is a table, not a time series");
      const int64_t start = timeseries::RetentionStart(*def, timeseries::NowNanos());
      std::vector<timeseries::SeriesEntry> series;
      EMBODB_RETURN_IF_ERROR(timeseries::ListSeries(*def, t, &series));
      for (const auto& s : series) {
        EMBODB_RETURN_IF_ERROR(timeseries::DropExpiredSeries(*def, t, s.key, start, heads, find, &dropped));
      }
      return Status::OK();
    });
    return dropped;
  }, py::arg("db"), py::arg("name"), py::arg("durability") = py::none());
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
    catalog::Catalog* catalog = &h->Catalog();
    const timeseries::FindSeriesTable find = [catalog](std::string_view n) { return catalog->Find(n); };
    RunTableWrite(h, tx, name, durability, [&](const table::TableDefPtr& def, txn::Transaction* t) {
      if (!def->series) return Status::InvalidArgument("'" + name + "' is a table, not a time series");
      std::vector<table::ConformedColumn> conformed;
      std::vector<table::ColumnView> cols;
      EMBODB_RETURN_IF_ERROR(table::ConformInput(*def, builder.input(), table::kNoColumn, &conformed, &cols));
      t->Guard(table::TableDefKey(def->name));
      return timeseries::AppendSamples(*def, cols, rows, t, heads, find);
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
