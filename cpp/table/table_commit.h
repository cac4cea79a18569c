// Committing a table write: inside the caller's transaction, or as one
// exclusive transaction of its own. The database's insert, upsert, update
// and delete calls all commit through here (the bindings only convert their
// arguments).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "table/table_def.h"
#include "txn/txn_manager.h"

namespace embodb::table {

// The table of that name, or null (the catalog's Find).
using FindTable = std::function<TableDefPtr(std::string_view name)>;
// The write: puts and deletes into tx (table_writer.h), nothing on error.
using TableWrite = std::function<Status(const TableDefPtr& table, txn::Transaction* tx)>;

// Runs write on the table `name`. With tx, inside it (the caller commits);
// else in an exclusive transaction of txns, committed with options, so that
// the write is all or nothing. The definition is looked up once no catalog
// change can come between it and the write: under the exclusive lock, or in
// tx, which the writer makes guard it (a definition changed meanwhile makes
// tx conflict at commit). NotFound for a missing table.
Status CommitTableWrite(txn::TxnManager* txns, txn::Transaction* tx, const lsm::WriteOptions& options,
                        const FindTable& find, const std::string& name, const TableWrite& write);

}  // namespace embodb::table
