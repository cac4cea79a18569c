// Writing rows of a table into a transaction. Everything is checked before
// the first write reaches the transaction, so a failed call leaves it as it
// was: unknown or missing columns, unsafe casts, nulls in not_null columns,
// bad vectors and point clouds (see conform.h), values the table's derived
// indexes cannot take (RowCheck), and for inserts, primary keys repeated
// within the batch or already in the table.
//
// Rows are encoded once. For a table with derived indexes, the writer
// announces every row it puts or deletes to the transaction
// (Transaction::Announce): the change feed gets them from there when the
// transaction commits. docs/write_path.md follows a write file by file.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "table/conform.h"
#include "table/table_def.h"
#include "table/column_data.h"
#include "txn/transaction.h"

namespace embodb::table {

// The user's data: columns by name, all of the same length.
struct InputColumns {
  std::vector<std::string> names;
  std::vector<ColumnView> columns;
  size_t rows = 0;
};

// kRewrite: an upsert of rows read from the table (update): the key column is
// given even for an auto-id table.
enum class WriteMode { kInsert, kUpsert, kRewrite };

// Checks the rows of a write (views by schema position, conformed, n rows)
// against the table's derived indexes before anything is written;
// InvalidArgument naming the row. index::CheckRows (index/registry.h) is
// the database's; none (empty) checks nothing.
using RowCheck = std::function<Status(const TableDef& table, const std::vector<ColumnView>& cols, size_t n)>;

// The input's columns conformed to the table's schema, one view per schema
// column (defaults for columns not given; none for skip_column, which must
// not be given: an auto-id table's ids). SchemaError for an unknown column,
// one given twice, lengths that differ or values that do not fit.
Status ConformInput(const TableDef& table, const InputColumns& input, size_t skip_column,
                    std::vector<ConformedColumn>* conformed, std::vector<ColumnView>* cols);

// Writes every row into tx. For an auto-id table (no "_id" in the input),
// *ids receives the new rows' ids. An upsert replaces whole rows: columns
// missing from the input get their defaults.
//
// An exclusive transaction encodes the rows only when it commits: the input's
// memory must last until then. input_owner, when set, is kept until then.
Status WriteRows(const TableDef& table, const InputColumns& input, WriteMode mode, const RowCheck& check,
                 IdSource* id_source, txn::Transaction* tx, std::vector<int64_t>* ids,
                 std::shared_ptr<const void> input_owner = nullptr);

// Deletes the rows with these primary keys (one column per key column, in
// key order: a view of the column's type, or any integer type for an
// integer column); *deleted counts the rows that existed.
Status DeleteRowsByKey(const TableDef& table, const std::vector<ColumnView>& keys, txn::Transaction* tx,
                       size_t* deleted);
// The same for a table whose primary key is one column.
Status DeleteRowsByKey(const TableDef& table, const ColumnView& keys, txn::Transaction* tx,
                       size_t* deleted);

// Deletes rows known to exist, with their index entries: row_keys are their
// distinct row keys (table prefix of prefix_size bytes, then the primary
// key); indexed holds, per schema position, the values of the indexed columns
// of those rows, in the same order.
void DeleteStoredRows(const TableDef& table, const std::vector<std::string_view>& row_keys,
                      size_t prefix_size, const std::vector<ColumnView>& indexed, txn::Transaction* tx);

}  // namespace embodb::table
