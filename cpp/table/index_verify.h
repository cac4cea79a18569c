// Checking that a table's ordered secondary indexes hold exactly the entries
// its rows call for (Table.verify from Python). Indexes are written in the
// same batch as their rows, so a difference means damage or a bug; it is
// reported, never repaired silently.
#pragma once

#include "table/table_def.h"
#include "lsm/db.h"

namespace embodb::table {

// Compares every ordered index of `table` with its rows at `snapshot`.
// Corruption naming the index and the first entry missing or not called for.
// Memory: the entry keys of every row (sorted per index).
Status VerifyOrderedIndexes(const TableDef& table, lsm::DB* db, lsm::SequenceNumber snapshot);

}  // namespace embodb::table
