// The kinds of derived index (index/derived_index.h), by name. A kind is a
// name, the columns it takes, how it turns options given by name into the
// catalog's options string, and how it makes and loads an index. The
// built-in kinds are registered on first use (registry.cc lists them);
// tests may register their own.
//
// Thread safety: thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/derived_index.h"
#include "table/column_data.h"

namespace embodb::index {

struct IndexKind {
  std::string name;
  // The checkpoint of index id N is file_prefix + N + file_suffix in the
  // database directory.
  std::string file_prefix, file_suffix;
  // Whether an index on a column of this type is of this kind when the user
  // names no kind.
  std::function<bool(const table::ColumnType& type)> default_for;
  // SchemaError unless the kind can index this column.
  std::function<Status(const table::Column& column)> check_column;
  // The catalog's options string (table::DerivedIndexDef::options) from
  // the options a user gave; InvalidArgument naming a bad one.
  std::function<Result<std::string>(const Params& params)> encode_options;
  // Optional: InvalidArgument, naming the row, when rows about to be written
  // to the table (views by schema position, n rows, conformed to the
  // schema) hold a value an index of def cannot take. Run before anything
  // is written (CheckRows).
  std::function<Status(const table::TableDef& table, const table::DerivedIndexDef& def,
                       const std::vector<table::ColumnView>& cols, size_t n)>
      check_rows;
  // A new, empty index of def (declared in table's catalog definition).
  std::function<Result<std::unique_ptr<DerivedIndex>>(const table::TableDef& table,
                                                      const table::DerivedIndexDef& def)>
      create;
  // The index of def loaded from its checkpoint at path: NotFound when the
  // file is missing, Corruption or NotSupported for one that cannot be read
  // (it is then rebuilt), another error for an I/O failure.
  std::function<Result<std::unique_ptr<DerivedIndex>>(Env* env, const std::string& path,
                                                      const table::TableDef& table,
                                                      const table::DerivedIndexDef& def)>
      load;
};

// InvalidArgument when a kind of that name is registered already.
Status RegisterKind(IndexKind kind);
// The kind of that name, or null.
const IndexKind* FindKind(std::string_view name);
// Every registered kind's name, in order of registration.
std::vector<std::string> KindNames();
// The check_rows of every derived index of the table: the table writer's
// RowCheck (table/table_writer.h) for the database's writes.
Status CheckRows(const table::TableDef& table, const std::vector<table::ColumnView>& cols, size_t n);

}  // namespace embodb::index
