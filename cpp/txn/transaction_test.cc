// Snapshot isolation: own writes visible, snapshots stable, first committer
// wins, rollback leaves nothing, exclusive transactions serialize.
#include "txn/transaction.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "env/env.h"
#include "testing/test_util.h"
#include "txn/txn_manager.h"

namespace embodb::txn {
namespace {

class TransactionTest : public ::testing::Test {
 protected:
  TransactionTest() {
    options_.env = env_.get();
    options_.durability = lsm::Durability::kOff;
    auto db = lsm::DB::Open(options_, "/db");
    EXPECT_TRUE(db.ok());
    db_ = std::move(db).value();
    txns_ = std::make_unique<TxnManager>(db_.get());
  }
  std::string Get(Reader* r, std::string_view k) {
    std::string v;
    Status s = r->Get(k, &v);
    return s.IsNotFound() ? "NOT_FOUND" : v;
  }
  std::map<std::string, std::string> Scan(Reader* r, std::string lower = "", std::string upper = "") {
    std::map<std::string, std::string> out;
    auto it = r->NewIterator(lower, upper);
    for (it->SeekToFirst(); it->Valid() && (upper.empty() || it->key() < upper); it->Next()) {
      out[std::string(it->key())] = std::string(it->value());
    }
    EXPECT_OK(it->status());
    return out;
  }
  Status Commit(Transaction* tx) { return tx->Commit(lsm::WriteOptions()); }

  std::unique_ptr<Env> env_ = NewMemEnv();
  lsm::Options options_;
  std::unique_ptr<lsm::DB> db_;
  std::unique_ptr<TxnManager> txns_;
};

TEST_F(TransactionTest, ReadsOwnWritesAndStableSnapshot) {
  ASSERT_OK(db_->Put(lsm::WriteOptions(), "a", "1"));
  ASSERT_OK(db_->Put(lsm::WriteOptions(), "c", "3"));
  auto tx = txns_->Begin();
  tx->Put("b", "2");
  tx->Delete("c");
  tx->Put("a", "1b");
  ASSERT_OK(db_->Put(lsm::WriteOptions(), "d", "4"));  // after the snapshot
  EXPECT_EQ(Get(tx.get(), "a"), "1b");
  EXPECT_EQ(Get(tx.get(), "c"), "NOT_FOUND");
  EXPECT_EQ(Get(tx.get(), "d"), "NOT_FOUND");
  EXPECT_EQ(Scan(tx.get()), (std::map<std::string, std::string>{{"a", "1b"}, {"b", "2"}}));
  EXPECT_EQ(Scan(tx.get(), "b", "c"), (std::map<std::string, std::string>{{"b", "2"}}));
  std::vector<std::string> values;
  std::vector<Status> statuses;
  tx->MultiGet({"a", "b", "c", "d"}, &values, &statuses);
  EXPECT_EQ(values[0], "1b");
  EXPECT_EQ(values[1], "2");
  EXPECT_TRUE(statuses[2].IsNotFound());
  EXPECT_TRUE(statuses[3].IsNotFound());
  SnapshotReader latest(db_.get(), std::nullopt);
  EXPECT_EQ(Get(&latest, "b"), "NOT_FOUND");  // not visible before commit
  ASSERT_OK(Commit(tx.get()));
  EXPECT_EQ(Scan(&latest), (std::map<std::string, std::string>{{"a", "1b"}, {"b", "2"}, {"d", "4"}}));
  EXPECT_FALSE(tx->active());
  EXPECT_TRUE(Commit(tx.get()).IsInvalidArgument());
}

TEST_F(TransactionTest, FirstCommitterWins) {
  auto t1 = txns_->Begin();
  auto t2 = txns_->Begin();
  t1->Put("k", "t1");
  t2->Put("k", "t2");
  t2->Put("other", "x");
  ASSERT_OK(Commit(t1.get()));
  EXPECT_TRUE(Commit(t2.get()).IsConflict());
  SnapshotReader latest(db_.get(), std::nullopt);
  EXPECT_EQ(Get(&latest, "k"), "t1");
  EXPECT_EQ(Get(&latest, "other"), "NOT_FOUND");  // the loser wrote nothing
  // A transaction that began after the commit does not conflict.
  auto t3 = txns_->Begin();
  t3->Put("k", "t3");
  ASSERT_OK(Commit(t3.get()));
  EXPECT_EQ(Get(&latest, "k"), "t3");
  EXPECT_EQ(txns_->remembered_keys(), 0u);  // nothing open: nothing remembered
}

TEST_F(TransactionTest, ExclusiveWritesConflictWithOlderTransactions) {
  auto older = txns_->Begin();
  {
    auto ex = txns_->BeginExclusive();
    ex->Put("k", "exclusive");
    ASSERT_OK(Commit(ex.get()));
  }
  older->Put("k", "older");
  EXPECT_TRUE(Commit(older.get()).IsConflict());
  // Disjoint keys commit.
  auto a = txns_->Begin();
  auto b = txns_->Begin();
  a->Put("x", "1");
  b->Put("y", "2");
  ASSERT_OK(Commit(a.get()));
  ASSERT_OK(Commit(b.get()));
}

TEST_F(TransactionTest, RollbackAndDestructionWriteNothing) {
  {
    auto tx = txns_->Begin();
    tx->Put("gone", "1");
  }
  auto tx = txns_->Begin();
  tx->Put("gone2", "1");
  tx->Rollback();
  SnapshotReader latest(db_.get(), std::nullopt);
  EXPECT_TRUE(Scan(&latest).empty());
}

TEST_F(TransactionTest, CommitHooksRunOnlyOnCommit) {
  auto tx = txns_->Begin();
  tx->Put("row", "1");
  tx->AddCommitHook([](lsm::WriteBatch* b) { b->Put("mark", "hook"); });
  ASSERT_OK(Commit(tx.get()));
  auto rolled = txns_->Begin();
  rolled->AddCommitHook([](lsm::WriteBatch* b) { b->Put("mark", "never"); });
  rolled->Rollback();
  SnapshotReader latest(db_.get(), std::nullopt);
  EXPECT_EQ(Get(&latest, "mark"), "hook");
}

TEST_F(TransactionTest, ConcurrentIncrementsLoseNoUpdate) {
  // Read-modify-write with retry on conflict: the count must be exact.
  ASSERT_OK(db_->Put(lsm::WriteOptions(), "counter", "0"));
  constexpr int kThreads = 4, kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; i++) {
        while (true) {
          auto tx = txns_->Begin();
          std::string v;
          ASSERT_OK(tx->Get("counter", &v));
          tx->Put("counter", std::to_string(std::stoi(v) + 1));
          Status s = tx->Commit(lsm::WriteOptions());
          if (s.ok()) break;
          ASSERT_TRUE(s.IsConflict()) << s.ToString();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  SnapshotReader latest(db_.get(), std::nullopt);
  EXPECT_EQ(Get(&latest, "counter"), std::to_string(kThreads * kEach));
}

}  // namespace
}  // namespace embodb::txn
