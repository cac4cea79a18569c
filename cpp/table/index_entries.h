// The secondary-index entries of rows, so that every write call puts and
// deletes them in the same transaction as the rows themselves.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "table/table_def.h"
#include "table/column_data.h"
#include "txn/transaction.h"

namespace embodb::table {

// The entry keys of rows in every index of a table (indexed columns resolved
// once, not per row).
class IndexKeys {
 public:
  explicit IndexKeys(const TableDef& table);
  bool empty() const { return ids_.empty(); }
  // The schema position of each index's column, in table.indexes order.
  const std::vector<size_t>& columns() const { return columns_; }
  // The entry keys of row i (one per index); cols: a view per schema
  // position, those of the indexed columns set.
  std::vector<std::string> Of(const std::vector<ColumnView>& cols, size_t i, std::string_view pk_tail) const;

 private:
  std::vector<uint32_t> ids_;
  std::vector<size_t> columns_;
};

// The indexed columns of stored rows, decoded from their values.
class StoredIndexedColumns {
 public:
  StoredIndexedColumns(const TableDef& table, const IndexKeys& keys);
  Status Add(std::string_view stored_value);
  // A view per schema position; only the indexed columns are set.
  std::vector<ColumnView> views() const;

 private:
  const Schema& schema_;
  const IndexKeys& keys_;
  std::vector<ColumnBuffer> buffers_;  // one per index
  std::vector<ColumnBuffer*> outs_;    // by schema position
};

// Puts the entries of every row of the table into tx for a new index (def
// already lists it).
Status BackfillIndex(const TableDef& def, const IndexDef& index, txn::Transaction* tx);

// Replaces the entries of a row: old (empty: none) by new (empty: none);
// entries present in both are left alone.
void UpdateIndexEntries(const std::vector<std::string>& old_entries, const std::vector<std::string>& new_entries,
                        txn::Transaction* tx);

}  // namespace embodb::table
