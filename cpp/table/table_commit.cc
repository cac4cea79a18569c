#include "table/table_commit.h"

#include "txn/transaction.h"

namespace embodb::table {

Status CommitTableWrite(txn::TxnManager* txns, txn::Transaction* tx, const lsm::WriteOptions& options,
                        const FindTable& find, const std::string& name, const TableWrite& write) {
  std::unique_ptr<txn::Transaction> own;
  if (tx == nullptr) {
    own = txns->BeginExclusive();
    tx = own.get();
  }
  const TableDefPtr table = find(name);
  if (!table) return Status::NotFound("no table '" + name + "'");
  EMBODB_RETURN_IF_ERROR(write(table, tx));
  return own ? own->Commit(options) : Status::OK();
}

}  // namespace embodb::table
