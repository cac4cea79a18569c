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
#include "table/table_def.h"
#include "txn/txn_manager.h"

namespace embodb::catalog {

class Catalog final : public table::IdSource {
 public:
  // feed_trim (may be null) is the compaction filter the database was opened
  // with, told which change-feed records may be dropped; by_id (may be
  // null) is kept up to date with every table's definition.
  static Result<std::unique_ptr<Catalog>> Load(txn::TxnManager* txns, FeedTrim* feed_trim = nullptr,
                                               table::TableDefsById* by_id = nullptr);
  ~Catalog();

  // The change feed of tables with derived indexes.
  ChangeFeed* feed() { return feed_.get(); }

  // nullptr when there is no such table.
  table::TableDefPtr Find(std::string_view name) const;
  std::vector<std::string> Names() const;

  // series: set for a time series (its checks are the caller's:
  // timeseries/series_schema.h).
  Result<table::TableDefPtr> CreateTable(const std::string& name, table::Schema schema,
                                         std::optional<table::SeriesDef> series = std::nullopt);
  // NotFound when missing.
  Status DropTable(const std::string& name);
  Result<table::TableDefPtr> AddColumn(const std::string& name, table::Column column);
  // A time series' time-to-live (0: samples are kept).
  Result<table::TableDefPtr> SetSeriesTtl(const std::string& name, int64_t ttl_ns);

  // Adds an index on column; backfill puts the entries of the existing rows
  // into tx (it runs exclusively: no other commit happens meanwhile) and
  // receives the definition including the new index.
  using Backfill = std::function<Status(const table::TableDef& def, const table::IndexDef& index, txn::Transaction* tx)>;
  Result<table::TableDefPtr> CreateIndex(const std::string& name, const std::string& column, const Backfill& backfill);
  // NotFound when the table has no index on column.
  Status DropIndex(const std::string& name, const std::string& column);

  // Declares a derived index (its id is assigned here). From the commit on,
  // writes of the table go to its change feed; the index's own code builds
  // and attaches it (change_feed.h). Schema error for an unknown column or a
  // second index of the same kind on it.
  Result<table::TableDefPtr> CreateDerivedIndex(const std::string& name, table::DerivedIndexDef index);
  Status DropDerivedIndex(const std::string& name, const std::string& column, const std::string& kind);

  // table::IdSource.
  int64_t AllocateIds(const table::TableDef& table, size_t n, txn::Transaction* tx) override;

 private:
  Catalog(txn::TxnManager* txns, FeedTrim* feed_trim, table::TableDefsById* by_id);
  // Makes def the table's definition (REQUIRES: mu_ held, or loading).
  void Publish(table::TableDefPtr def);
  Status LoadTables();
  Status LoadIdCounter(const table::TableDef& table);
  Status DeleteOrphans();
  // Deletes every key starting with prefix, in batches, then the extra key.
  Status DeleteRange(const std::string& prefix, const std::string& extra = {});
  Status CommitDef(txn::Transaction* tx, const table::TableDef& def);
  // The next table or index id; tx (exclusive) persists the counter past it.
  // The in-memory counter moves once tx committed.
  uint32_t ReserveId(txn::Transaction* tx);

  txn::TxnManager* const txns_;
  std::unique_ptr<ChangeFeed> feed_;
  table::TableDefsById* const by_id_;
  mutable std::mutex mu_;
  std::map<std::string, table::TableDefPtr, std::less<>> tables_;
  std::map<uint32_t, std::shared_ptr<std::atomic<int64_t>>> next_ids_;  // auto-id tables
  uint32_t next_table_id_ = 1;
};

}  // namespace embodb::catalog
