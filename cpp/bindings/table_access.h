// What the table bindings (table.cc) and the vector search bindings
// (vectors.cc) share: transactions, read views, table lookup, projections
// and filters given from Python.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bindings/database.h"
#include "query/filter.h"
#include "table/table_commit.h"
#include "table/value.h"
#include "txn/reader.h"
#include "txn/transaction.h"

namespace embodb::bindings {

// An explicit transaction; keeps the database alive.
struct TxHandle {
  HandlePtr db;
  std::unique_ptr<txn::Transaction> tx;

  // InvalidInputError once it committed or rolled back.
  txn::Transaction& Active();
};
using TxPtr = std::shared_ptr<TxHandle>;

// A Python scalar (or NumPy integer) as a Value; SchemaError naming `what`
// for other types.
table::Value ToValue(pybind11::handle v, const std::string& what);
// A Value as a Python object; a string is bytes when t is a bytes column.
pybind11::object FromValue(const table::Value& v, const table::ColumnType& t);

// A column given from Python as (name, type name, not_null, default).
table::Column ToColumn(const pybind11::tuple& spec);

// NotFoundError when there is no such table.
table::TableDefPtr FindTable(const HandlePtr& h, const std::string& name);

// The read view of a call: the latest state (None), a snapshot (int) or a transaction.
struct ReaderArg {
  std::unique_ptr<txn::SnapshotReader> snapshot;
  TxPtr tx;
  txn::Reader* get() { return tx ? static_cast<txn::Reader*>(tx->tx.get()) : snapshot.get(); }
};
ReaderArg MakeReader(const HandlePtr& h, pybind11::handle reader);

// Schema positions of the named columns (every column when None).
std::vector<size_t> Projection(const table::Schema& schema, const std::optional<std::vector<std::string>>& names,
                               const std::string& table);

// The schema position of column `name`, which must be of type `type`
// (and param, when nonzero); SchemaError naming it otherwise (`what`: "a
// vector column", ...).
size_t TypedColumn(const table::TableDef& def, const std::string& name, table::TypeId type, const std::string& what,
                   uint32_t param = 0);
// The column a search means: the one named (of type `type`), else the
// table's only column of that type with an index of `kind`, else its only
// column of that type; SchemaError otherwise (`noun`: "vector", "point3").
size_t SearchedColumn(const table::TableDef& def, const std::optional<std::string>& column, table::TypeId type,
                      std::string_view kind, const std::string& noun);

// Runs a write on a table (table/table_commit.h) without the GIL: inside
// the caller's transaction (tx_arg), or as its own exclusive one.
void RunTableWrite(const HandlePtr& h, pybind11::handle tx_arg, const std::string& name,
                   const std::optional<std::string>& durability, const table::TableWrite& write);

// The compiled filter, or nullptr when there is none.
Result<query::FilterPtr> CompileWhere(const table::TableDef& def, const std::optional<std::string>& where);

}  // namespace embodb::bindings
