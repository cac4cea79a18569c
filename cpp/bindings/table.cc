// Tables, transactions and scans for the Python package (python/embodb/table.py).
#include <algorithm>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings/columns.h"
#include "bindings/database.h"
#include "bindings/errors.h"
#include "bindings/table_access.h"
#include "query/aggregate.h"
#include "query/sorted_scan.h"
#include "query/spatial_plan.h"
#include "query/table_scan.h"
#include "query/table_update.h"
#include "index/registry.h"
#include "table/index_entries.h"
#include "table/index_verify.h"
#include "table/key_codec.h"
#include "table/row_codec.h"
#include "table/table_commit.h"
#include "txn/transaction.h"

namespace py = pybind11;

namespace embodb::bindings {

using table::Value;

txn::Transaction& TxHandle::Active() {
  db->Db();
  if (!tx || !tx->active()) throw StatusError(Status::InvalidArgument("the transaction is already finished"));
  return *tx;
}

Value ToValue(py::handle v, const std::string& what) {
  if (v.is_none()) return Value::Null();
  if (py::isinstance<py::bool_>(v)) return Value::Bool(v.cast<bool>());
  if (py::isinstance<py::int_>(v)) {
    try {
      return Value::Int(v.cast<int64_t>());
    } catch (const py::cast_error&) {
      try {
        return Value::UInt(v.cast<uint64_t>());
      } catch (const py::cast_error&) {
        throw StatusError(Status::Schema(what + ": integer out of the 64-bit range"));
      }
    }
  }
  if (py::isinstance<py::float_>(v)) return Value::Double(v.cast<double>());
  if (!py::isinstance<py::str>(v) && PyIndex_Check(v.ptr())) {  // a NumPy integer: as the int it stands for
    PyObject* i = PyNumber_Index(v.ptr());
    if (i != nullptr) return ToValue(py::reinterpret_steal<py::object>(i), what);
    PyErr_Clear();  // np.bool_ and others refuse __index__: reported below
  }
  if (py::isinstance<py::str>(v)) return Value::String(v.cast<std::string>());
  if (py::isinstance<py::bytes>(v)) return Value::String(std::string(v.cast<py::bytes>()));
  throw StatusError(Status::Schema(what + ": unsupported value of type " +
                                   std::string(py::str(py::type::handle_of(v).attr("__name__")))));
}

py::object FromValue(const Value& v, const table::ColumnType& t) {
  switch (v.kind) {
    case Value::Kind::kNull: return py::none();
    case Value::Kind::kBool: return py::bool_(v.b);
    case Value::Kind::kInt: return py::int_(v.i);
    case Value::Kind::kUInt: return py::int_(v.u);
    case Value::Kind::kDouble: return py::float_(v.d);
    case Value::Kind::kString:
      if (t.id == table::TypeId::kBytes) return py::bytes(v.s);
      return py::str(v.s);
  }
  return py::none();
}

table::Column ToColumn(const py::tuple& spec) {
  table::Column c;
  c.name = spec[0].cast<std::string>();
  c.type = ValueOrThrow(table::ColumnType::Parse(spec[1].cast<std::string>()));
  c.not_null = spec[2].cast<bool>();
  c.default_value = ToValue(spec[3], "default of column '" + c.name + "'");
  return c;
}

table::TableDefPtr FindTable(const HandlePtr& h, const std::string& name) {
  auto def = h->Catalog().Find(name);
  if (!def) throw StatusError(Status::NotFound("no table '" + name + "'"));
  return def;
}

size_t TypedColumn(const table::TableDef& def, const std::string& name, table::TypeId type, const std::string& what,
                   uint32_t param) {
  const int c = def.schema.Find(name);
  if (c < 0) throw StatusError(Status::Schema("table '" + def.name + "' has no column '" + name + "'"));
  const table::ColumnType& t = def.schema.column(static_cast<size_t>(c)).type;
  if (t.id != type || (param != 0 && t.param != param)) {
    throw StatusError(Status::Schema("column '" + name + "' is " + t.Name() + ", not " + what));
  }
  return static_cast<size_t>(c);
}

size_t SearchedColumn(const table::TableDef& def, const std::optional<std::string>& column, table::TypeId type,
                      std::string_view kind, const std::string& noun) {
  if (column) return TypedColumn(def, *column, type, "a " + noun + " column");
  const table::Schema& schema = def.schema;
  std::vector<size_t> typed, indexed;
  for (size_t c = 0; c < schema.size(); c++) {
    if (schema.column(c).type.id != type) continue;
    typed.push_back(c);
    if (def.FindDerived(schema.column(c).name, kind) != nullptr) indexed.push_back(c);
  }
  if (indexed.size() == 1) return indexed[0];
  if (typed.size() == 1) return typed[0];
  throw StatusError(Status::Schema(typed.empty() ? "table '" + def.name + "' has no " + noun + " column"
                                                 : "table '" + def.name + "' has several " + noun +
                                                       " columns: name one with column=..."));
}

ReaderArg MakeReader(const HandlePtr& h, py::handle reader) {
  ReaderArg r;
  if (reader.is_none()) {
    r.snapshot = std::make_unique<txn::SnapshotReader>(&h->Db(), std::nullopt);
  } else if (py::isinstance<py::int_>(reader)) {
    r.snapshot = std::make_unique<txn::SnapshotReader>(&h->Db(), reader.cast<uint64_t>());
  } else {
    r.tx = reader.cast<TxPtr>();
    r.tx->Active();
  }
  return r;
}

std::vector<size_t> Projection(const table::Schema& schema, const std::optional<std::vector<std::string>>& names,
                               const std::string& table) {
  if (!names) return table::AllColumns(schema);
  std::vector<size_t> out;
  for (const auto& n : *names) {
    const int c = schema.Find(n);
    if (c < 0) throw StatusError(Status::Schema("table '" + table + "' has no column '" + n + "'"));
    out.push_back(static_cast<size_t>(c));
  }
  return out;
}

void RunTableWrite(const HandlePtr& h, py::handle tx_arg, const std::string& name,
                   const std::optional<std::string>& durability, const table::TableWrite& write) {
  const lsm::WriteOptions wo = MakeWriteOptions(durability);
  txn::Transaction* tx = nullptr;
  TxPtr tx_handle;
  if (!tx_arg.is_none()) {
    tx_handle = tx_arg.cast<TxPtr>();
    tx = &tx_handle->Active();
  }
  catalog::Catalog* catalog = &h->Catalog();
  txn::TxnManager* txns = h->txns.get();
  h->Db();
  RunWithoutGil([&] {
    return table::CommitTableWrite(txns, tx, wo, [catalog](std::string_view n) { return catalog->Find(n); }, name,
                                   write);
  });
}

namespace {

py::dict SchemaInfo(const HandlePtr& h, const std::string& name) {
  auto def = FindTable(h, name);
  const auto& s = def->schema;
  py::list cols;
  for (const auto& c : s.columns()) {
    cols.append(py::make_tuple(c.name, c.type.Name(), c.not_null, FromValue(c.default_value, c.type)));
  }
  py::list indexes;
  for (const auto& ix : def->indexes) indexes.append(ix.column);
  py::dict d;
  d["columns"] = cols;
  py::list key;
  for (size_t k : s.key_columns()) key.append(s.column(k).name);
  d["primary_key"] = key;
  d["auto_id"] = s.auto_id();
  d["indexes"] = indexes;
  return d;
}

py::object Write(const HandlePtr& h, py::handle tx, const std::string& name, const py::list& specs, size_t rows,
                 const std::string& mode, const std::optional<std::string>& durability) {
  InputColumnsBuilder builder;
  for (auto spec : specs) builder.Add(spec.cast<py::tuple>());
  builder.SetRows(rows);
  if (mode != "insert" && mode != "upsert") throw StatusError(Status::InvalidArgument("bad write mode " + mode));
  const auto write_mode = mode == "insert" ? table::WriteMode::kInsert : table::WriteMode::kUpsert;
  std::vector<int64_t> ids;
  bool auto_id = false;
  catalog::Catalog* catalog = &h->Catalog();
  RunTableWrite(h, tx, name, durability, [&](const table::TableDefPtr& def, txn::Transaction* t) {
    auto_id = def->schema.auto_id();
    return table::WriteRows(*def, builder.input(), write_mode, index::CheckRows, catalog, t, &ids);
  });
  if (!auto_id) return py::none();
  return py::array_t<int64_t>(static_cast<py::ssize_t>(ids.size()), ids.data());
}

// key_specs: one column spec per key column, in key order.
size_t DeleteKeys(const HandlePtr& h, py::handle tx, const std::string& name, const py::list& key_specs,
                  const std::optional<std::string>& durability) {
  InputColumnsBuilder builder;
  for (auto spec : key_specs) builder.Add(spec.cast<py::tuple>());
  size_t deleted = 0;
  RunTableWrite(h, tx, name, durability, [&](const table::TableDefPtr& def, txn::Transaction* t) {
    return table::DeleteRowsByKey(*def, builder.input().columns, t, &deleted);
  });
  return deleted;
}

// The rows of the keys that exist, in the order of the keys.
std::shared_ptr<table::ResultBatch> GetRows(const HandlePtr& h, py::handle reader, const std::string& name,
                                            const py::list& key_specs,
                                            const std::optional<std::vector<std::string>>& columns) {
  auto def = FindTable(h, name);
  InputColumnsBuilder builder;
  for (auto spec : key_specs) builder.Add(spec.cast<py::tuple>());
  const auto projection = Projection(def->schema, columns, name);
  auto batch = std::make_shared<table::ResultBatch>(table::ResultBatch::ForProjection(def->schema, projection));
  std::vector<uint8_t> found;
  ReaderArg r = MakeReader(h, reader);
  RunWithoutGil([&] {
    return table::ReadRowsByKey(*def, r.get(), builder.input().columns, projection, batch.get(), &found);
  });
  return batch;
}

// The row (key, value) as a dict of the projection, each cell made straight
// from the row's stored bytes (no columns built for one row); a null object
// when the row lacks a column (it predates it: the default applies), which
// the caller then decodes as columns.
py::object RowFromFields(const table::Schema& schema, const std::vector<size_t>& projection, std::string_view key,
                         std::string_view value) {
  std::vector<size_t> stored;  // the projection's stored columns, ascending
  for (size_t c : projection) {
    if (c != schema.key_only_column()) stored.push_back(c);
  }
  std::sort(stored.begin(), stored.end());
  stored.erase(std::unique(stored.begin(), stored.end()), stored.end());
  std::vector<std::string_view> fields(stored.size());
  std::vector<table::FieldState> states(stored.size());
  ThrowIfError(table::ReadFields(schema, value, stored, fields.data(), states.data()));
  for (table::FieldState st : states) {
    if (st == table::FieldState::kMissing) return py::object();
  }
  py::dict row;
  for (size_t c : projection) {
    const table::Column& column = schema.column(c);
    if (c == schema.key_only_column()) {
      table::ColumnBuffer k(column.type);
      ThrowIfError(table::DecodeKeyInto(key, &k));
      row[py::str(column.name)] = CellObject(k.view(), 0);
      continue;
    }
    const size_t j = static_cast<size_t>(std::lower_bound(stored.begin(), stored.end(), c) - stored.begin());
    if (states[j] == table::FieldState::kNull) {
      row[py::str(column.name)] = py::none();
      continue;
    }
    // A one-row view of the stored bytes.
    const int64_t offsets[2] = {0, static_cast<int64_t>(fields[j].size())};
    table::ColumnView v;
    v.type = column.type;
    v.length = 1;
    v.values = reinterpret_cast<const uint8_t*>(fields[j].data());
    if (column.type.IsVariable()) v.offsets = offsets;
    if (!column.type.IsVariable() && fields[j].size() != column.type.FixedWidth()) {
      ThrowIfError(Status::Corruption("a stored value of column '" + column.name + "' has the wrong size"));
    }
    row[py::str(column.name)] = CellObject(v, 0);
  }
  return row;
}

// One row as a dict of Python values, or None: the fast path of Table.get
// (one call, no columnar result in between).
py::object GetRow(const HandlePtr& h, py::handle reader, const std::string& name, py::handle key,
                  const std::optional<std::vector<std::string>>& columns) {
  auto def = FindTable(h, name);
  const table::Schema& schema = def->schema;
  std::string row_key = table::RowKeyPrefix(def->id);
  const size_t prefix_size = row_key.size();
  if (!schema.composite_key()) {  // the common case: no vector of values
    ThrowIfError(table::AppendKeyValue(schema.column(schema.key_only_column()).type, ToValue(key, "key"), &row_key));
  } else {
    std::vector<Value> key_values;
    if (py::isinstance<py::tuple>(key)) {
      for (py::handle item : key.cast<py::tuple>()) key_values.push_back(ToValue(item, "key"));
    } else {
      key_values.push_back(ToValue(key, "key"));  // refused by AppendKeyValues, which says why
    }
    ThrowIfError(table::AppendKeyValues(schema, key_values, &row_key));
  }
  const auto projection = Projection(schema, columns, name);
  ReaderArg r = MakeReader(h, reader);
  std::string value;
  Status s;
  {
    py::gil_scoped_release release;
    s = r.get()->Get(row_key, &value);
  }
  if (s.IsNotFound()) return py::none();
  ThrowIfError(s);
  if (py::object row = RowFromFields(schema, projection, std::string_view(row_key).substr(prefix_size), value)) {
    return row;
  }
  auto batch = table::ResultBatch::ForProjection(schema, projection);
  table::RowDecoder decoder(schema, projection, &batch);
  ThrowIfError(decoder.Decode(std::string_view(row_key).substr(prefix_size), value));
  py::dict row;
  for (size_t j = 0; j < projection.size(); j++) row[py::str(batch.names[j])] = CellObject(batch.columns[j].view(), 0);
  return row;
}

}  // namespace

Result<query::FilterPtr> CompileWhere(const table::TableDef& def, const std::optional<std::string>& where) {
  if (!where) return query::FilterPtr();
  return query::CompileFilter(*where, def.schema);
}

namespace {

// The filter of a read and, for a read of the latest state, the snapshot it
// takes for itself, so that all its batches see one state: an index scan
// looks rows up batch by batch, and a write between two batches would
// otherwise show some rows as they were and others as they became (or drop
// them from the result). A spatial index may plan the filter
// (query/spatial_plan.h); then the snapshot is the one it was planned at.
class ScanSnapshot {
 public:
  ScanSnapshot(const HandlePtr& h, py::handle reader, const table::TableDefPtr& def,
               const std::optional<std::string>& where)
      : db_(h), filter_(ValueOrThrow(CompileWhere(*def, where))) {
    if (!reader.is_none()) return;
    std::vector<std::shared_ptr<index::DerivedIndex>> held;
    auto index_of = [&](size_t column) -> index::SpatialIndex* {
      auto ix = h->Indexes().Find(def->id, def->schema.column(column).name, index::kSpatialKind);
      held.push_back(ix);
      return dynamic_cast<index::SpatialIndex*>(ix.get());
    };
    lsm::DB* db = &h->Db();
    RunWithoutGil([&] {
      auto planned = query::PlanSpatialFilter(filter_, *def, index_of, db, &sequence_);
      if (planned.ok()) filter_ = std::move(planned).value();
      return planned.status();
    });
    if (!sequence_) sequence_ = db->GetSnapshot();
  }
  ~ScanSnapshot() {
    if (sequence_ && db_->Usable()) db_->db->ReleaseSnapshot(*sequence_);
  }
  ScanSnapshot(const ScanSnapshot&) = delete;
  ScanSnapshot& operator=(const ScanSnapshot&) = delete;
  // What the scan reads: the snapshot taken, or the reader it was given.
  py::object Reader(py::handle reader) const {
    return sequence_ ? py::int_(*sequence_) : py::reinterpret_borrow<py::object>(reader);
  }
  const query::FilterPtr& filter() const { return filter_; }

 private:
  HandlePtr db_;
  query::FilterPtr filter_;
  std::optional<uint64_t> sequence_;
};

// A filtered scan in batches; holds the database (and the transaction) it reads.
class Scanner {
 public:
  Scanner(const HandlePtr& h, py::handle reader, const std::string& name,
          const std::optional<std::vector<std::string>>& columns, const std::optional<std::string>& where)
      : db_(h), def_(FindTable(h, name)), projection_(Projection(def_->schema, columns, name)),
        snapshot_(h, reader, def_, where), reader_(MakeReader(h, snapshot_.Reader(reader))),
        scan_(def_, reader_.get(), projection_, snapshot_.filter()) {}

  // The next batch of at most max_rows rows, or None at the end.
  py::object Next(size_t max_rows) {
    db_->Db();
    if (reader_.tx) reader_.tx->Active();
    auto batch = std::make_shared<table::ResultBatch>(table::ResultBatch::ForProjection(def_->schema, projection_));
    bool more;
    {
      py::gil_scoped_release release;
      more = scan_.Next(max_rows, batch.get());
    }
    ThrowIfError(scan_.status());
    if (!more) return py::none();
    return py::cast(batch);
  }

  // Counts the remaining rows without building them.
  size_t CountRest() {
    db_->Db();
    if (reader_.tx) reader_.tx->Active();
    size_t total = 0;
    {
      py::gil_scoped_release release;
      while (true) {
        table::ResultBatch batch;
        if (!scan_.Next(1 << 20, &batch)) break;
        total += batch.row_count;
      }
    }
    ThrowIfError(scan_.status());
    return total;
  }

  std::vector<std::string> Explain() const { return scan_.plan().Explain(*def_, scan_.filter().get()); }

  // What the scan has read so far (query::ScanStats).
  py::dict Stats() const {
    const query::ScanStats& s = scan_.stats();
    py::dict d;
    d["runs_read"] = s.runs_read;
    d["runs_skipped"] = s.runs_skipped;
    d["chunks_read"] = s.chunks_read;
    d["chunks_skipped"] = s.chunks_skipped;
    d["rows_read_whole"] = s.rows_read_whole;
    py::list filter_columns;
    if (scan_.filter()) {
      for (size_t c : scan_.filter()->columns) filter_columns.append(def_->schema.column(c).name);
    }
    d["filter_columns"] = filter_columns;
    return d;
  }

 private:
  HandlePtr db_;
  table::TableDefPtr def_;
  std::vector<size_t> projection_;
  ScanSnapshot snapshot_;
  ReaderArg reader_;
  query::TableScan scan_;
};

// (rows, plan): the rows of the query ordered by one column (query/
// sorted_scan.h), offset and limit applied, and how they were ordered.
py::tuple SortedRows(const HandlePtr& h, py::handle reader, const std::string& name,
                     const std::optional<std::vector<std::string>>& columns, const std::optional<std::string>& where,
                     const std::string& order_column, bool descending, size_t offset,
                     const std::optional<size_t>& limit, bool plan_only) {
  auto def = FindTable(h, name);
  const auto projection = Projection(def->schema, columns, name);
  const int c = def->schema.Find(order_column);
  if (c < 0) throw StatusError(Status::Schema("cannot order by '" + order_column + "': no such column"));
  const query::OrderBy order{static_cast<size_t>(c), descending};
  if (plan_only) return py::make_tuple(py::none(), query::SortPlan(*def, order, offset, limit));
  ScanSnapshot snapshot(h, reader, def, where);  // one state for the pass and the reads by key
  const query::FilterPtr& filter = snapshot.filter();
  ReaderArg rd = MakeReader(h, snapshot.Reader(reader));
  auto batch = std::make_shared<table::ResultBatch>();
  std::string plan;
  RunWithoutGil([&] {
    return query::SortedScan(def, rd.get(), projection, filter, order, offset, limit, batch.get(), &plan);
  });
  return py::make_tuple(batch, plan);
}

// The groups and aggregates of the query (query/aggregate.h) as one batch.
std::shared_ptr<table::ResultBatch> AggregateRows(const HandlePtr& h, py::handle reader, const std::string& name,
                                                  const std::optional<std::string>& where,
                                                  const query::NamedExpressions& keys,
                                                  const query::NamedExpressions& aggregates) {
  auto def = FindTable(h, name);
  ScanSnapshot snapshot(h, reader, def, where);
  const query::FilterPtr& filter = snapshot.filter();
  ReaderArg rd = MakeReader(h, snapshot.Reader(reader));
  auto batch = std::make_shared<table::ResultBatch>();
  RunWithoutGil([&] { return query::Aggregate(def, rd.get(), filter, keys, aggregates, batch.get()); });
  return batch;
}

size_t DeleteWhere(const HandlePtr& h, py::handle tx, const std::string& name, const std::optional<std::string>& where,
                   const std::optional<std::string>& durability) {
  size_t deleted = 0;
  RunTableWrite(h, tx, name, durability, [&](const table::TableDefPtr& def, txn::Transaction* t) -> Status {
    query::FilterPtr filter;
    EMBODB_ASSIGN_OR_RETURN(filter, CompileWhere(*def, where));
    return query::DeleteWhere(def, filter, t, &deleted);
  });
  return deleted;
}

size_t UpdateWhere(const HandlePtr& h, py::handle tx, const std::string& name, const py::list& specs,
                   const std::optional<std::string>& where, const std::optional<std::string>& durability) {
  InputColumnsBuilder builder;
  for (auto spec : specs) builder.Add(spec.cast<py::tuple>());
  builder.SetRows(1);
  size_t updated = 0;
  RunTableWrite(h, tx, name, durability, [&](const table::TableDefPtr& def, txn::Transaction* t) -> Status {
    query::FilterPtr filter;
    EMBODB_ASSIGN_OR_RETURN(filter, CompileWhere(*def, where));
    return query::UpdateWhere(def, filter, builder.input(), t, &updated);
  });
  return updated;
}

}  // namespace

void RegisterTables(py::module_& m) {
  py::class_<TxHandle, TxPtr>(m, "Transaction")
      .def_static("begin", [](const HandlePtr& h) {
        h->Db();
        auto t = std::make_shared<TxHandle>();
        t->db = h;
        t->tx = h->txns->Begin();
        return t;
      })
      .def_property_readonly("active", [](const TxPtr& t) { return t->tx && t->tx->active(); })
      .def("commit", [](const TxPtr& t, const std::optional<std::string>& durability) {
        txn::Transaction& tx = t->Active();
        const lsm::WriteOptions wo = MakeWriteOptions(durability);
        RunWithoutGil([&] { return tx.Commit(wo); });
      }, py::arg("durability") = py::none())
      .def("rollback", [](const TxPtr& t) {
        if (t->tx && t->tx->active() && t->db->Usable()) t->tx->Rollback();
      });

  py::class_<Scanner>(m, "Scanner")
      .def("next", &Scanner::Next, py::arg("max_rows"))
      .def("count_rest", &Scanner::CountRest)
      .def("explain", &Scanner::Explain)
      .def("stats", &Scanner::Stats);

  m.def("create_table", [](const HandlePtr& h, const std::string& name, const py::list& columns,
                           const std::vector<std::string>& primary_key) {
    std::vector<table::Column> cols;
    for (auto c : columns) cols.push_back(ToColumn(c.cast<py::tuple>()));
    table::Schema schema = ValueOrThrow(table::Schema::Create(std::move(cols), primary_key));
    catalog::Catalog& catalog = h->Catalog();
    RunWithoutGil([&] { return catalog.CreateTable(name, std::move(schema)).status(); });
  });
  m.def("table_names", [](const HandlePtr& h) { return h->Catalog().Names(); });
  m.def("has_table", [](const HandlePtr& h, const std::string& name) { return h->Catalog().Find(name) != nullptr; });
  m.def("drop_table", [](const HandlePtr& h, const std::string& name) {
    catalog::Catalog& catalog = h->Catalog();
    index::DerivedIndexes& indexes = h->Indexes();
    RunWithoutGil([&] {
      table::TableDefPtr def = catalog.Find(name);
      EMBODB_RETURN_IF_ERROR(catalog.DropTable(name));
      if (def) indexes.ForgetTable(def->id);
      return Status::OK();
    });
  });
  m.def("add_column", [](const HandlePtr& h, const std::string& name, const py::tuple& column) {
    table::Column c = ToColumn(column);
    catalog::Catalog& catalog = h->Catalog();
    RunWithoutGil([&] { return catalog.AddColumn(name, std::move(c)).status(); });
  });
  m.def("table_schema", &SchemaInfo);
  m.def("verify_table", [](const HandlePtr& h, const std::string& name) {
    table::TableDefPtr def = FindTable(h, name);
    lsm::DB* db = &h->Db();
    index::DerivedIndexes& indexes = h->Indexes();
    RunWithoutGil([&] {
      {
        const txn::HeldSnapshot snapshot(db);
        EMBODB_RETURN_IF_ERROR(table::VerifyOrderedIndexes(*def, db, snapshot.sequence()));
      }
      return indexes.Verify(*def);
    });
  });
  m.def("write_rows", &Write, py::arg("db"), py::arg("tx"), py::arg("table"), py::arg("columns"), py::arg("rows"),
        py::arg("mode"), py::arg("durability") = py::none());
  m.def("delete_keys", &DeleteKeys, py::arg("db"), py::arg("tx"), py::arg("table"), py::arg("keys"),
        py::arg("durability") = py::none());
  m.def("get_row", &GetRow, py::arg("db"), py::arg("reader"), py::arg("table"), py::arg("key"),
        py::arg("columns") = py::none());
  m.def("get_rows", &GetRows, py::arg("db"), py::arg("reader"), py::arg("table"), py::arg("keys"),
        py::arg("columns") = py::none());
  m.def("aggregate", &AggregateRows, py::arg("db"), py::arg("reader"), py::arg("table"), py::arg("where"),
        py::arg("keys"), py::arg("aggregates"));
  m.def("sorted_rows", &SortedRows, py::arg("db"), py::arg("reader"), py::arg("table"), py::arg("columns"),
        py::arg("where"), py::arg("order_column"), py::arg("descending"), py::arg("offset"), py::arg("limit"), py::arg("plan_only") = false);
  m.def("scan", [](const HandlePtr& h, py::handle reader, const std::string& name,
                   const std::optional<std::vector<std::string>>& columns, const std::optional<std::string>& where) {
    return std::make_unique<Scanner>(h, reader, name, columns, where);
  }, py::arg("db"), py::arg("reader"), py::arg("table"), py::arg("columns") = py::none(),
        py::arg("where") = py::none());
  m.def("delete_where", &DeleteWhere, py::arg("db"), py::arg("tx"), py::arg("table"), py::arg("where"),
        py::arg("durability") = py::none());
  m.def("update_where", &UpdateWhere, py::arg("db"), py::arg("tx"), py::arg("table"), py::arg("values"),
        py::arg("where"), py::arg("durability") = py::none());
}

}  // namespace embodb::bindings
