// update(values, where=...) and delete(where=...): the rows a filter selects,
// changed inside a transaction. As with every write, everything is checked
// before the first change reaches the transaction.
#pragma once

#include "catalog/catalog.h"
#include "query/filter.h"
#include "table/table_writer.h"
#include "txn/transaction.h"

namespace embodb::query {

// Deletes the rows matching filter (nullptr: every row); *deleted counts them.
Status DeleteWhere(const table::TableDefPtr& def, const FilterPtr& filter, txn::Transaction* tx, size_t* deleted);

// Sets the columns of `values` (one row: a value per column) in every row
// matching filter; *updated counts the rows. The primary key cannot be set.
// The matching rows are read into memory before they are rewritten.
Status UpdateWhere(const table::TableDefPtr& def, const FilterPtr& filter, const table::InputColumns& values,
                   txn::Transaction* tx, size_t* updated);

}  // namespace embodb::query
