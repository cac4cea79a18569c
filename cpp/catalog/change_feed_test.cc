// The change feed with a test index: an in-memory copy of a table that
// checkpoints to its own file and is replayed past it on open. After any
// writes, commits, rollbacks, conflicts, reopen and power loss, the index
// must equal the table.
#include "catalog/change_feed.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "table/keyspace.h"
#include "table/key_codec.h"
#include "testing/table_fixture.h"
#include "testing/table_test_util.h"
#include "util/coding.h"

namespace embodb::table {
namespace {

// Keeps encoded primary key -> encoded row, like a derived index would keep
// vectors; persists them with the feed number they cover.
class TestIndex final : public catalog::FeedConsumer {
 public:
  std::map<std::string, std::string> rows;
  uint64_t applied = 0;  // the last feed number applied
  int calls = 0;

  void Apply(const std::vector<catalog::FeedEvent>& events) override {
    calls++;
    for (const auto& e : events) {
      if (e.deleted) {
        rows.erase(std::string(e.key));
      } else {
        rows[std::string(e.key)] = std::string(e.row);
      }
      EXPECT_GT(e.number, applied) << "feed numbers go up";
      applied = e.number;
    }
  }

  // Written to a temporary file and renamed, as a real index does, once
  // what it covers is durable.
  Status Checkpoint(catalog::ChangeFeed* feed, Env* env, const std::string& path) const {
    EMBODB_RETURN_IF_ERROR(feed->SyncBeforeCheckpoint());
    std::string data;
    PutFixed64(&data, applied);
    for (const auto& [k, v] : rows) {
      PutLengthPrefixed(&data, k);
      PutLengthPrefixed(&data, v);
    }
    EMBODB_RETURN_IF_ERROR(WriteStringToFile(env, data, path + ".tmp", true));
    EMBODB_RETURN_IF_ERROR(env->RenameFile(path + ".tmp", path));
    return env->SyncDir(DirName(path));
  }
  Status Load(Env* env, const std::string& path) {
    rows.clear();
    applied = 0;
    std::string data;
    EMBODB_RETURN_IF_ERROR(ReadFileToString(env, path, &data));
    std::string_view in(data);
    if (!GetFixed64(&in, &applied)) return Status::Corruption("checkpoint");
    while (!in.empty()) {
      std::string_view k, v;
      if (!GetLengthPrefixed(&in, &k) || !GetLengthPrefixed(&in, &v)) return Status::Corruption("checkpoint");
      rows[std::string(k)] = std::string(v);
    }
    return Status::OK();
  }
};

class ChangeFeedTest : public TableFixture {
 protected:
  void SetUp() override {
    table_ = Create("obs", {{"id", T("int64"), false, {}}, {"v", T("int32"), false, {}}}, "id");
    DeclareIndex();
  }
  // Declares the test index on obs.v in the catalog.
  void DeclareIndex() {
    table::DerivedIndexDef ix;
    ix.kind = "test";
    ix.column = "v";
    auto def = catalog_->CreateDerivedIndex("obs", ix);
    ASSERT_OK(def.status());
    table_ = *def;
  }
  void TearDown() override {
    if (catalog_) catalog_->feed()->Detach(&index_);
  }

  // Builds the index the way a new one is built: note the feed, scan, attach.
  void BuildAndAttach() {
    const uint64_t from = catalog_->feed()->LastNumber(table_->id);
    index_.rows = TableRows();
    index_.applied = from;
    ASSERT_OK(catalog_->feed()->Attach(table_->id, &index_, from));
  }
  void ReopenAndAttach(bool power_loss) {
    if (power_loss) {
      PowerLossAndReopen();
    } else {
      Open();
    }
    table_ = catalog_->Find("obs");
    ASSERT_TRUE(table_);
    ASSERT_OK(index_.Load(&fault_env_, kCheckpoint));
    ASSERT_OK(catalog_->feed()->Attach(table_->id, &index_, index_.applied));
  }

  std::map<std::string, std::string> TableRows() {
    std::map<std::string, std::string> out;
    const std::string prefix = RowKeyPrefix(table_->id);
    auto it = db_->NewIterator(lsm::ReadOptions());
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      out[std::string(it->key().substr(prefix.size()))] = std::string(it->value());
    }
    EXPECT_OK(it->status());
    return out;
  }
  int FeedRecords() {
    const std::string prefix(1, static_cast<char>(table::KeySpace::kFeed));
    int n = 0;
    auto it = db_->NewIterator(lsm::ReadOptions());
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (it->key().size() > 5) n++;  // not a table's high-water mark
    }
    return n;
  }

  Status Upsert(std::vector<int64_t> ids, int32_t v, txn::Transaction* tx = nullptr) {
    std::vector<int32_t> vs(ids.size(), v);
    InputColumns in{{"id", "v"}, {ViewOf(ids, T("int64")), ViewOf(vs, T("int32"))}, ids.size()};
    if (tx != nullptr) return WriteRows(*table_, in, WriteMode::kUpsert, nullptr, catalog_.get(), tx, nullptr);
    return Write(*table_, in, WriteMode::kUpsert, nullptr);
  }
  Status Remove(std::vector<int64_t> ids, txn::Transaction* tx = nullptr) {
    std::unique_ptr<txn::Transaction> own;
    if (tx == nullptr) {
      own = txns_->BeginExclusive();
      tx = own.get();
    }
    size_t deleted = 0;
    EMBODB_RETURN_IF_ERROR(DeleteRowsByKey(*table_, ViewOf(ids, T("int64")), tx, &deleted));
    return own ? own->Commit(lsm::WriteOptions()) : Status::OK();
  }

  static constexpr const char* kCheckpoint = "/index/test.ckpt";
  table::TableDefPtr table_;
  TestIndex index_;
};

TEST_F(ChangeFeedTest, EveryCommittedChangeReachesTheIndexBeforeTheWriteReturns) {
  ASSERT_OK(Upsert({1, 2, 3}, 7));  // before the index is attached: found by its scan
  BuildAndAttach();
  EXPECT_EQ(index_.rows, TableRows());
  ASSERT_OK(Upsert({3, 4, 5}, 8));
  EXPECT_EQ(5u, index_.rows.size());
  EXPECT_EQ(index_.rows, TableRows());
  ASSERT_OK(Remove({1, 4, 99}));
  EXPECT_EQ(index_.rows, TableRows());

  // An explicit transaction: nothing until it commits.
  auto tx = txns_->Begin();
  ASSERT_OK(Upsert({10, 11}, 1, tx.get()));
  ASSERT_OK(Remove({2}, tx.get()));
  EXPECT_EQ(0u, index_.rows.count(std::string("\x80\0\0\0\0\0\0\x0a", 8)));
  const int calls = index_.calls;
  ASSERT_OK(tx->Commit(lsm::WriteOptions()));
  EXPECT_EQ(calls + 1, index_.calls);  // one call per commit
  EXPECT_EQ(index_.rows, TableRows());

  // Rolled back and conflicting transactions change nothing.
  auto rolled = txns_->Begin();
  ASSERT_OK(Upsert({20}, 1, rolled.get()));
  rolled->Rollback();
  auto loser = txns_->Begin();
  ASSERT_OK(Upsert({3}, 100, loser.get()));
  ASSERT_OK(Upsert({3}, 200));
  EXPECT_TRUE(loser->Commit(lsm::WriteOptions()).IsConflict());
  EXPECT_EQ(index_.rows, TableRows());
  EXPECT_EQ(4u, index_.rows.size());
}

TEST_F(ChangeFeedTest, ReopenReplaysTheFeedPastTheCheckpoint) {
  BuildAndAttach();
  ASSERT_OK(Upsert({1, 2, 3, 4}, 1));
  ASSERT_OK(index_.Checkpoint(catalog_->feed(), &fault_env_, kCheckpoint));
  catalog_->feed()->Checkpointed(&index_, index_.applied);
  ASSERT_OK(Upsert({5, 6}, 2));
  ASSERT_OK(Remove({1}));
  ASSERT_OK(Upsert({2}, 9));
  const auto expected = TableRows();
  catalog_->feed()->Detach(&index_);
  ReopenAndAttach(/*power_loss=*/false);  // the checkpoint misses the last three commits
  EXPECT_EQ(expected, index_.rows);
  EXPECT_EQ(expected, TableRows());
  ASSERT_OK(Upsert({7}, 3));  // and it goes on receiving changes
  EXPECT_EQ(index_.rows, TableRows());
}

TEST_F(ChangeFeedTest, BulkWritesIngestedAsTablesReachTheIndexToo) {
  catalog_->feed()->Detach(&index_);
  options_.min_ingest_batch_size = 64 << 10;  // rows encoded straight into tables at commit
  Open();
  table_ = catalog_->Find("obs");
  BuildAndAttach();
  std::vector<int64_t> ids(20000);
  for (size_t i = 0; i < ids.size(); i++) ids[i] = static_cast<int64_t>(i * 3);
  const uint64_t before = db_->GetStats().num_ingests;
  ASSERT_OK(Upsert(ids, 5));
  EXPECT_EQ(before + 1, db_->GetStats().num_ingests);
  EXPECT_EQ(20000u, index_.rows.size());
  EXPECT_EQ(index_.rows, TableRows());
  EXPECT_EQ(20000, FeedRecords());
  ASSERT_OK(Remove({0, 3}));
  EXPECT_EQ(index_.rows, TableRows());
  ASSERT_OK(index_.Checkpoint(catalog_->feed(), &fault_env_, kCheckpoint));
  ASSERT_OK(Upsert(ids, 6));  // replayed after the reopen
  catalog_->feed()->Detach(&index_);
  ReopenAndAttach(/*power_loss=*/false);
  EXPECT_EQ(20000u, index_.rows.size());
  EXPECT_EQ(index_.rows, TableRows());
}

TEST_F(ChangeFeedTest, AfterPowerLossIndexAndTableAgree) {
  BuildAndAttach();
  ASSERT_OK(Upsert({1, 2}, 1));
  ASSERT_OK(index_.Checkpoint(catalog_->feed(), &fault_env_, kCheckpoint));
  ASSERT_OK(Upsert({3}, 1));
  ASSERT_OK(db_->SyncWal());  // durable
  ASSERT_OK(Upsert({4}, 1));  // not synced: lost with the power
  ASSERT_OK(Remove({1}));     // lost too
  catalog_->feed()->Detach(&index_);
  ReopenAndAttach(/*power_loss=*/true);
  const auto rows = TableRows();
  EXPECT_EQ(rows, index_.rows);
  EXPECT_EQ(1u, rows.count(std::string("\x80\0\0\0\0\0\0\x03", 8)));
  EXPECT_EQ(0u, rows.count(std::string("\x80\0\0\0\0\0\0\x04", 8)));
}

TEST_F(ChangeFeedTest, ACheckpointNeverCoversWhatPowerLossTakesBack) {
  BuildAndAttach();
  ASSERT_OK(Upsert({1}, 1));  // not synced (durability off) until the checkpoint
  ASSERT_OK(index_.Checkpoint(catalog_->feed(), &fault_env_, kCheckpoint));
  catalog_->feed()->Detach(&index_);
  ReopenAndAttach(/*power_loss=*/true);
  EXPECT_EQ(1u, TableRows().size());
  EXPECT_EQ(index_.rows, TableRows());
  ASSERT_OK(Upsert({2}, 2));  // numbers go on after the checkpoint's
  EXPECT_EQ(index_.rows, TableRows());
}

TEST_F(ChangeFeedTest, CoveredRecordsAreDroppedByCompaction) {
  BuildAndAttach();
  for (int64_t i = 0; i < 50; i++) ASSERT_OK(Upsert({i}, 1));
  EXPECT_EQ(50, FeedRecords());
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(50, FeedRecords());  // nobody covered them yet
  ASSERT_OK(index_.Checkpoint(catalog_->feed(), &fault_env_, kCheckpoint));
  catalog_->feed()->Checkpointed(&index_, 30);
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(20, FeedRecords());
  // After reopen, nothing is dropped until the index attached again.
  catalog_->feed()->Detach(&index_);
  Open();
  table_ = catalog_->Find("obs");
  ASSERT_OK(Upsert({100}, 1));
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(21, FeedRecords());
  ASSERT_OK(index_.Load(&fault_env_, kCheckpoint));
  ASSERT_OK(catalog_->feed()->Attach(table_->id, &index_, index_.applied));
  EXPECT_EQ(index_.rows, TableRows());
  catalog_->feed()->Checkpointed(&index_, index_.applied);
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(0, FeedRecords());
}

TEST_F(ChangeFeedTest, OnlyTablesWithDerivedIndexesKeepAFeed) {
  auto plain = Create("plain", {{"id", T("int64"), false, {}}}, "id");
  std::vector<int64_t> ids = {1, 2, 3};
  ASSERT_OK(Write(*plain, {{"id"}, {ViewOf(ids, T("int64"))}, 3}, WriteMode::kInsert, nullptr));
  EXPECT_EQ(0, FeedRecords());
  ASSERT_OK(Upsert({1}, 1));
  EXPECT_EQ(1, FeedRecords());
  // Without derived indexes the table stops writing records; its old ones go.
  ASSERT_OK(catalog_->DropDerivedIndex("obs", "v", "test"));
  table_ = catalog_->Find("obs");
  ASSERT_OK(Upsert({2}, 1));
  EXPECT_EQ(1, FeedRecords());
  EXPECT_TRUE(catalog_->feed()->Attach(table_->id, &index_, 0).IsInvalidArgument());
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(0, FeedRecords());
}

// Dropping a table's last derived index gives up every feed record; an index
// declared again needs the records written during its build (after the
// number it noted, before it attached). Compaction dropped them all, and the
// rebuilt index stayed short of its table forever (issue 23).
TEST_F(ChangeFeedTest, AnIndexDeclaredAgainKeepsTheRecordsOfItsBuild) {
  BuildAndAttach();
  ASSERT_OK(Upsert({1, 2, 3}, 1));
  catalog_->feed()->Detach(&index_);
  ASSERT_OK(catalog_->DropDerivedIndex("obs", "v", "test"));
  ASSERT_OK(db_->CompactAll());
  DeclareIndex();
  // The build: note the feed, scan; writes and a compaction before Attach.
  const uint64_t from = catalog_->feed()->LastNumber(table_->id);
  index_.rows = TableRows();
  index_.applied = from;
  ASSERT_OK(Upsert({4, 5}, 2));
  ASSERT_OK(Remove({1}));
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(3, FeedRecords());
  ASSERT_OK(catalog_->feed()->Attach(table_->id, &index_, from));
  EXPECT_EQ(index_.rows, TableRows());
  EXPECT_EQ(4u, index_.rows.size());
}

TEST_F(ChangeFeedTest, DerivedIndexesAreDurableAndValidated) {
  table::DerivedIndexDef ix;
  ix.kind = "test";
  ix.column = "v";
  EXPECT_TRUE(catalog_->CreateDerivedIndex("obs", ix).status().IsSchema());  // the same again
  ix.column = "nope";
  EXPECT_TRUE(catalog_->CreateDerivedIndex("obs", ix).status().IsSchema());
  EXPECT_TRUE(catalog_->CreateDerivedIndex("missing", ix).status().IsNotFound());
  ix.kind = "other";
  ix.column = "id";
  ix.options = std::string("\0params", 7);
  ASSERT_OK(catalog_->CreateDerivedIndex("obs", ix).status());
  Open();
  auto t = catalog_->Find("obs");
  ASSERT_EQ(2u, t->derived.size());
  EXPECT_EQ(std::string("\0params", 7), t->FindDerived("id", "other")->options);
  EXPECT_NE(t->derived[0].id, t->derived[1].id);
  EXPECT_NE(t->id, t->derived[0].id);
}

TEST_F(ChangeFeedTest, DroppingTheTableDeletesItsFeed) {
  BuildAndAttach();
  ASSERT_OK(Upsert({1, 2, 3}, 1));
  catalog_->feed()->Detach(&index_);
  ASSERT_OK(catalog_->DropTable("obs"));
  EXPECT_EQ(0, FeedRecords());
}

TEST_F(ChangeFeedTest, RandomWritesCheckpointsAndPowerLossesKeepIndexAndTableEqual) {
  std::mt19937 rng(20261122);
  BuildAndAttach();
  ASSERT_OK(index_.Checkpoint(catalog_->feed(), &fault_env_, kCheckpoint));
  for (int step = 0; step < 400; step++) {
    SCOPED_TRACE(step);
    const int op = static_cast<int>(rng() % 10);
    std::vector<int64_t> ids;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 5); i < n; i++) ids.push_back(static_cast<int64_t>(rng() % 40));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (op < 4) {
      ASSERT_OK(Upsert(ids, static_cast<int32_t>(step)));
    } else if (op < 6) {
      ASSERT_OK(Remove(ids));
    } else if (op == 6) {
      auto tx = txns_->Begin();
      ASSERT_OK(Upsert(ids, -step, tx.get()));
      ASSERT_OK(Remove({ids[0]}, tx.get()));
      if (rng() % 3 == 0) {
        tx->Rollback();
      } else {
        ASSERT_OK(tx->Commit(lsm::WriteOptions()));
      }
    } else if (op == 7) {
      ASSERT_OK(index_.Checkpoint(catalog_->feed(), &fault_env_, kCheckpoint));
      catalog_->feed()->Checkpointed(&index_, index_.applied);
      if (rng() % 2 == 0) ASSERT_OK(db_->CompactAll());
    } else if (op == 8) {
      if (rng() % 2 == 0) ASSERT_OK(db_->SyncWal());
      catalog_->feed()->Detach(&index_);
      ReopenAndAttach(/*power_loss=*/rng() % 2 == 0);
    }
    ASSERT_EQ(index_.rows, TableRows());
  }
}

}  // namespace
}  // namespace embodb::table
