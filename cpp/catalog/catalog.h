// Catalog: the tables of a database and their schemas and indexes, kept in
// the kCatalog key space (docs/format/table.md) and mirrored in memory.
//
//   kCatalog | 't' | name         -> table definition
//   kCatalog | 'n'                -> next table id (fixed32)
//   kCatalog | 'a' | table id     -> auto-id high-water mark (fixed64)
//
// Every change is one exclusive transaction committed with sync durability,
// so it is atomic and durable; the in-memory view changes only after the
// commit succeeded. Table ids are never reused: the rows of a dropped table
// are deleted after the drop commits, and any left by a crash are deleted on
// the next open.
//
// Thread safety: thread-safe. TableDefs are immutable; a change replaces one.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "table/schema.h"
#include "txn/txn_manager.h"

namespace embodb::catalog {

struct IndexDef {
  std::string column;
  uint32_t id = 0;  // index entries live under kIndex | id
};

struct TableDef {
  std::string name;
  uint32_t id = 0;
  table::Schema schema;
  std::vector<IndexDef> indexes;

  const IndexDef* FindIndex(std::string_view column) const;
  void EncodeTo(std::string* dst) const;
  static Result<TableDef> Decode(std::string_view name, std::string_view value);
};
using TableDefPtr = std::shared_ptr<const TableDef>;

class Catalog {
 public:
  static Result<std::unique_ptr<Catalog>> Load(txn::TxnManager* txns);

  // nullptr when there is no such table.
  TableDefPtr Find(std::string_view name) const;
  std::vector<std::string> Names() const;

  Result<TableDefPtr> CreateTable(const std::string& name, table::Schema schema);
  // NotFound when missing.
  Status DropTable(const std::string& name);
  Result<TableDefPtr> AddColumn(const std::string& name, table::Column column);

  // Reserves n increasing ids for an auto-id table and makes tx persist the
  // high-water mark when it commits. Ids of a rolled-back transaction are
  // skipped, never reused.
  int64_t AllocateIds(const TableDef& table, size_t n, txn::Transaction* tx);

 private:
  explicit Catalog(txn::TxnManager* txns) : txns_(txns) {}
  Status LoadTables();
  Status LoadIdCounter(const TableDef& table);
  Status DeleteOrphanRows();
  Status DeleteRows(uint32_t table_id);
  Status CommitDef(txn::Transaction* tx, const TableDef& def);

  txn::TxnManager* const txns_;
  mutable std::mutex mu_;
  std::map<std::string, TableDefPtr, std::less<>> tables_;
  std::map<uint32_t, std::shared_ptr<std::atomic<int64_t>>> next_ids_;  // auto-id tables
  uint32_t next_table_id_ = 1;
};

}  // namespace embodb::catalog
