// The secondary-index entries of rows, so that every write call puts and
// deletes them in the same transaction as the rows themselves.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "table/column_data.h"
#include "txn/transaction.h"

namespace embodb::table {

// The entry keys of row i (one per index of table, in table.indexes order);
// cols: a view per schema position (those of indexed columns set).
std::vector<std::string> IndexEntriesOf(const catalog::TableDef& table, const std::vector<ColumnView>& cols, size_t i,
                                        std::string_view pk_tail);

// The indexed columns of stored rows, decoded from their values.
class StoredIndexedColumns {
 public:
  explicit StoredIndexedColumns(const catalog::TableDef& table);
  Status Add(std::string_view stored_value);
  // A view per schema position; only the indexed columns are set.
  std::vector<ColumnView> views() const;

 private:
  const catalog::TableDef& table_;
  std::vector<ColumnBuffer> buffers_;     // one per index
  std::vector<ColumnBuffer*> outs_;       // by schema position
};

// Puts the entries of every row of the table into tx for a new index (def
// already lists it).
Status BackfillIndex(const catalog::TableDef& def, const catalog::IndexDef& index, txn::Transaction* tx);

// Replaces the entries of a row: old (empty: none) by new (empty: none);
// entries present in both are left alone.
void UpdateIndexEntries(const std::vector<std::string>& old_entries, const std::vector<std::string>& new_entries,
                        txn::Transaction* tx);

}  // namespace embodb::table
