// A test fixture with an in-memory engine, a transaction manager and a
// catalog, for tests of tables and queries.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "columnar/row_block_codec.h"
#include "env/env.h"
#include "env/fault_injection_env.h"
#include "query/table_scan.h"
#include "table/table_reader.h"
#include "table/table_writer.h"
#include "testing/test_util.h"
#include "txn/transaction.h"

namespace embodb::table {

class TableFixture : public ::testing::Test {
 protected:
  TableFixture() {
    options_.env = &fault_env_;
    options_.durability = lsm::Durability::kOff;
    Open();
  }
  void Open() {
    catalog_.reset();
    txns_.reset();
    db_.reset();
    feed_trim_ = std::make_unique<catalog::FeedTrim>();
    options_.compaction_filter = feed_trim_.get();
    table_defs_ = std::make_unique<TableDefsById>();
    row_codec_ = std::make_unique<columnar::RowBlockCodec>(table_defs_.get());
    options_.table.value_codec = row_codec_.get();
    auto db = lsm::DB::Open(options_, "/db");
    ASSERT_OK(db.status());
    db_ = std::move(db).value();
    txns_ = std::make_unique<txn::TxnManager>(db_.get());
    auto catalog = catalog::Catalog::Load(txns_.get(), feed_trim_.get(), table_defs_.get());
    ASSERT_OK(catalog.status());
    catalog_ = std::move(catalog).value();
  }
  table::TableDefPtr Create(const std::string& name, std::vector<Column> cols, std::string pk) {
    auto schema = Schema::Create(std::move(cols), pk);
    EXPECT_TRUE(schema.ok()) << schema.status().ToString();
    auto def = catalog_->CreateTable(name, *schema);
    EXPECT_TRUE(def.ok()) << def.status().ToString();
    return *def;
  }
  Status Write(const table::TableDef& t, const InputColumns& in, WriteMode mode, std::vector<int64_t>* ids) {
    auto tx = txns_->BeginExclusive();
    EMBODB_RETURN_IF_ERROR(WriteRows(t, in, mode, row_check_, catalog_.get(), tx.get(), ids));
    return tx->Commit(lsm::WriteOptions());
  }
  ResultBatch ScanAll(table::TableDefPtr t) {
    txn::SnapshotReader reader(db_.get(), std::nullopt);
    query::TableScan scanner(t, &reader, AllColumns(t->schema), nullptr);
    ResultBatch out = ResultBatch::ForProjection(t->schema, AllColumns(t->schema));
    while (scanner.Next(3, &out)) {
    }
    EXPECT_OK(scanner.status());
    return out;
  }

  // Power loss: nothing reaches the disk after this, unsynced data vanishes,
  // and the database is opened again.
  void PowerLossAndReopen() {
    fault_env_.SetActive(false);
    catalog_.reset();
    txns_.reset();
    db_.reset();
    fault_env_.DropUnsyncedData();
    fault_env_.SetActive(true);
    Open();
  }

  std::unique_ptr<Env> env_ = NewMemEnv();
  FaultInjectionEnv fault_env_{env_.get()};
  std::unique_ptr<catalog::FeedTrim> feed_trim_;  // the db's compaction filter: outlives it
  std::unique_ptr<TableDefsById> table_defs_;       // read by the db's columnar codec: outlives it
  std::unique_ptr<columnar::RowBlockCodec> row_codec_;
  lsm::Options options_;
  std::unique_ptr<lsm::DB> db_;
  std::unique_ptr<txn::TxnManager> txns_;
  std::unique_ptr<catalog::Catalog> catalog_;
  table::RowCheck row_check_;  // Write's check of rows for derived indexes (none unless a test sets one)
};

}  // namespace embodb::table
