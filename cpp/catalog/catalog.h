// Catalog: the tables of a database and their schemas and indexes, kept in
// the kCatalog key space (docs/format/table.md) and mirrored in memory.
//
//   kCatalog | 't' | name         -> table definition
//   kCatalog | 'n'                -> next table id (fixed32)
//   kCatalog | 'a' | table id     -> auto-id high-water mark (fixed64)
//
// Tables and indexes take their ids from one counter ('n'). An index is
// created together with its entries for the existing rows, in one atomic
// batch; dropping one deletes its entries after the drop commits.
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
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "catalog/change_feed.h"
#include "table/schema.h"
#include "txn/txn_manager.h"

namespace embodb::catalog {

struct IndexDef {
  std::string column;
  uint32_t id = 0;  // index entries live under kIndex | id
  // In memory only: the sequence its creation committed at (the last
  // sequence at open when loaded). Reads of older states must not use it.
  uint64_t created_at = 0;
};

// An index kept in memory by its own code (vector, spatial, text) and
// maintained through the change feed (change_feed.h).
struct DerivedIndexDef {
  std::string kind;  // "hnsw", ...
  std::string column;
  uint32_t id = 0;      // from the table and index id counter
  std::string options;  // the kind's parameters, encoded by the kind
};

struct TableDef {
  std::string name;
  uint32_t id = 0;
  table::Schema schema;
  std::vector<IndexDef> indexes;
  std::vector<DerivedIndexDef> derived;  // the table keeps a change feed while any exists

  const IndexDef* FindIndex(std::string_view column) const;
  const DerivedIndexDef* FindDerived(std::string_view column, std::string_view kind) const;
  void EncodeTo(std::string* dst) const;
  static Result<TableDef> Decode(std::string_view name, std::string_view value);
};
using TableDefPtr = std::shared_ptr<const TableDef>;

// The catalog key of a table's definition. Explicit transactions that write
// a table guard it (Transaction::Guard), so that a definition changed
// meanwhile makes them conflict instead of writing under the old one.
std::string TableDefKey(std::string_view name);

class Catalog {
 public:
  // feed_trim (may be null) is the compaction filter the database was opened
  // with, told which change-feed records may be dropped.
  static Result<std::unique_ptr<Catalog>> Load(txn::TxnManager* txns, FeedTrim* feed_trim = nullptr);
  ~Catalog();

  // The change feed of tables with derived indexes.
  ChangeFeed* feed() { return feed_.get(); }

  // nullptr when there is no such table.
  TableDefPtr Find(std::string_view name) const;
  std::vector<std::string> Names() const;

  Result<TableDefPtr> CreateTable(const std::string& name, table::Schema schema);
  // NotFound when missing.
  Status DropTable(const std::string& name);
  Result<TableDefPtr> AddColumn(const std::string& name, table::Column column);

  // Adds an index on column; backfill puts the entries of the existing rows
  // into tx (it runs exclusively: no other commit happens meanwhile) and
  // receives the definition including the new index.
  using Backfill = std::function<Status(const TableDef& def, const IndexDef& index, txn::Transaction* tx)>;
  Result<TableDefPtr> CreateIndex(const std::string& name, const std::string& column, const Backfill& backfill);
  // NotFound when the table has no index on column.
  Status DropIndex(const std::string& name, const std::string& column);

  // Declares a derived index (its id is assigned here). From the commit on,
  // writes of the table go to its change feed; the index's own code builds
  // and attaches it (change_feed.h). Schema error for an unknown column or a
  // second index of the same kind on it.
  Result<TableDefPtr> CreateDerivedIndex(const std::string& name, DerivedIndexDef index);
  Status DropDerivedIndex(const std::string& name, const std::string& column, const std::string& kind);

  // Reserves n increasing ids for an auto-id table and makes tx persist the
  // high-water mark when it commits. Ids of a rolled-back transaction are
  // skipped, never reused.
  int64_t AllocateIds(const TableDef& table, size_t n, txn::Transaction* tx);

 private:
  Catalog(txn::TxnManager* txns, FeedTrim* feed_trim);
  Status LoadTables();
  Status LoadIdCounter(const TableDef& table);
  Status DeleteOrphans();
  // Deletes every key starting with prefix, in batches, then the extra key.
  Status DeleteRange(const std::string& prefix, const std::string& extra = {});
  Status CommitDef(txn::Transaction* tx, const TableDef& def);
  // The next table or index id; tx (exclusive) persists the counter past it.
  // The in-memory counter moves once tx committed.
  uint32_t ReserveId(txn::Transaction* tx);

  txn::TxnManager* const txns_;
  std::unique_ptr<ChangeFeed> feed_;
  mutable std::mutex mu_;
  std::map<std::string, TableDefPtr, std::less<>> tables_;
  std::map<uint32_t, std::shared_ptr<std::atomic<int64_t>>> next_ids_;  // auto-id tables
  uint32_t next_table_id_ = 1;
};

}  // namespace embodb::catalog
