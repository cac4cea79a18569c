// Filtered scans over real tables: the plan chosen for key constraints, the
// rows they return compared with a full scan, and update/delete by filter.
#include <gtest/gtest.h>

#include <algorithm>

#include "query/table_scan.h"
#include "query/table_update.h"
#include "table/index_codec.h"
#include "table/index_entries.h"
#include "table/key_codec.h"
#include "testing/table_fixture.h"
#include "testing/table_test_util.h"

namespace embodb::query {
namespace {

using table::ColumnBuffer;
using table::InputColumns;
using table::ResultBatch;
using table::T;
using table::ViewOf;
using table::WriteMode;

class TableScanTest : public table::TableFixture {
 protected:
  // obs(id int64 pk, ep int32, label string): ids -50..149, ep = id % 7,
  // label "L<id>", null for ids divisible by 10.
  TableScanTest() {
    obs_ = Create("obs", {{"id", T("int64"), false, {}}, {"ep", T("int32"), false, {}},
                          {"label", T("string"), false, {}}}, "id");
    std::vector<int64_t> ids;
    std::vector<int32_t> eps;
    ColumnBuffer labels(T("string"));
    for (int64_t id = -50; id < 150; id++) {
      ids.push_back(id);
      eps.push_back(static_cast<int32_t>(((id % 7) + 7) % 7));
      if (id % 10 == 0) {
        labels.AppendNull();
      } else {
        labels.AppendBytes("L" + std::to_string(id));
      }
    }
    InputColumns in{{"id", "ep", "label"}, {ViewOf(ids, T("int64")), ViewOf(eps, T("int32")), labels.view()},
                    ids.size()};
    std::vector<int64_t> unused;
    EXPECT_OK(Write(*obs_, in, WriteMode::kInsert, &unused));
  }

  FilterPtr Compile(const table::TableDefPtr& t, const std::string& text) {
    auto f = CompileFilter(text, t->schema);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? *f : nullptr;
  }

  // The ids the filter selects, read in batches of `batch` rows, and the plan.
  std::vector<int64_t> Ids(const std::string& text, Plan::Kind* kind = nullptr, size_t batch = 7) {
    txn::SnapshotReader reader(db_.get(), std::nullopt);
    TableScan scan(obs_, &reader, {0}, Compile(obs_, text));
    if (kind != nullptr) *kind = scan.plan().kind;
    ResultBatch out = ResultBatch::ForProjection(obs_->schema, {0});
    while (scan.Next(batch, &out)) {
    }
    EXPECT_OK(scan.status());
    std::vector<int64_t> ids;
    for (size_t i = 0; i < out.rows(); i++) ids.push_back(out.columns[0].view().Get<int64_t>(i));
    return ids;
  }

  // The same ids by scanning everything and filtering here.
  template <typename Pred>
  std::vector<int64_t> Expected(Pred pred) {
    std::vector<int64_t> ids;
    for (int64_t id = -50; id < 150; id++) {
      if (pred(id)) ids.push_back(id);
    }
    return ids;
  }

  // The ids matching text read through def (with or without indexes), sorted.
  std::vector<int64_t> SortedIds(const table::TableDefPtr& def, const std::string& text, Plan::Kind* kind,
                                 txn::Reader* reader = nullptr) {
    txn::SnapshotReader latest(db_.get(), std::nullopt);
    TableScan scan(def, reader ? reader : &latest, {0}, Compile(def, text));
    *kind = scan.plan().kind;
    ResultBatch out = ResultBatch::ForProjection(def->schema, {0});
    while (scan.Next(5, &out)) {
    }
    EXPECT_OK(scan.status());
    std::vector<int64_t> ids;
    for (size_t i = 0; i < out.rows(); i++) ids.push_back(out.columns[0].view().Get<int64_t>(i));
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  table::TableDefPtr Index(const std::string& column) {
    auto def = catalog_->CreateIndex("obs", column, &table::BackfillIndex);
    EXPECT_OK(def.status());
    obs_ = *def;
    return obs_;
  }

  // Every index of obs has exactly one entry per row, pointing at a row whose
  // value it holds: no stale and no missing entries.
  void ExpectIndexesConsistent() {
    obs_ = catalog_->Find("obs");
    auto no_index = std::make_shared<table::TableDef>(*obs_);
    no_index->indexes.clear();
    for (const auto& ix : obs_->indexes) {
      Plan::Kind kind;
      const size_t rows = SortedIds(no_index, "TRUE", &kind).size();
      size_t entries = 0;
      const std::string prefix = table::IndexKeyPrefix(ix.id);
      auto it = db_->NewIterator(lsm::ReadOptions());
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) entries++;
      EXPECT_EQ(entries, rows) << ix.column;
      for (const char* text : {"ep = 3", "ep IN (0, 6)", "ep >= 5", "label = 'L7'", "label IS NULL",
                               "label LIKE 'L1%'", "label > 'L8'"}) {
        Plan::Kind with_kind, without_kind;
        EXPECT_EQ(SortedIds(obs_, text, &with_kind), SortedIds(no_index, text, &without_kind)) << text;
      }
    }
  }

  table::TableDefPtr obs_;
};

TEST_F(TableScanTest, KeyConstraintsChooseLookupsOrRanges) {
  Plan::Kind kind;
  EXPECT_EQ(Ids("id = 5", &kind), (std::vector<int64_t>{5}));
  EXPECT_EQ(kind, Plan::Kind::kKeys);
  EXPECT_EQ(Ids("id IN (7, -3, 7, 1000, 9223372036854775807)", &kind), (std::vector<int64_t>{-3, 7}));
  EXPECT_EQ(kind, Plan::Kind::kKeys);
  EXPECT_EQ(Ids("id > 140", &kind), Expected([](int64_t id) { return id > 140; }));
  EXPECT_EQ(kind, Plan::Kind::kKeyRange);
  EXPECT_EQ(Ids("id >= -5 AND id < 5 AND ep = 2", &kind),
            Expected([](int64_t id) { return id >= -5 && id < 5 && ((id % 7) + 7) % 7 == 2; }));
  EXPECT_EQ(kind, Plan::Kind::kKeyRange);
  EXPECT_EQ(Ids("id BETWEEN 10 AND 12 AND id <= 11", &kind), (std::vector<int64_t>{10, 11}));
  EXPECT_EQ(kind, Plan::Kind::kKeyRange);
  EXPECT_EQ(Ids("id IN (1, 2, 3) AND id IN (3, 4) AND id > 0", &kind), (std::vector<int64_t>{3}));
  EXPECT_EQ(kind, Plan::Kind::kKeys);
  EXPECT_EQ(Ids("id > 10 AND id < 5", &kind), (std::vector<int64_t>{}));
  EXPECT_EQ(kind, Plan::Kind::kEmpty);
  EXPECT_EQ(Ids("5 < id AND 8 > id", &kind), (std::vector<int64_t>{6, 7}));
  EXPECT_EQ(kind, Plan::Kind::kKeyRange);
  // Not usable for the key: the filter still decides.
  EXPECT_EQ(Ids("id = 5 OR id = 6", &kind), (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(kind, Plan::Kind::kFullScan);
  EXPECT_EQ(Ids("id > 147.5", &kind), (std::vector<int64_t>{148, 149}));
  EXPECT_EQ(kind, Plan::Kind::kFullScan);
  EXPECT_EQ(Ids("FALSE", &kind), (std::vector<int64_t>{}));
  EXPECT_EQ(kind, Plan::Kind::kEmpty);
}

TEST_F(TableScanTest, FiltersMatchAFullScanInAnyBatchSize) {
  for (size_t batch : {1, 3, 1000}) {
    EXPECT_EQ(Ids("ep = 3 AND label IS NOT NULL", nullptr, batch),
              Expected([](int64_t id) { return ((id % 7) + 7) % 7 == 3 && id % 10 != 0; }));
    EXPECT_EQ(Ids("label LIKE 'L1%' OR id < -45", nullptr, batch), Expected([](int64_t id) {
                return id < -45 || (id % 10 != 0 && std::to_string(id).starts_with("1"));
              }));
  }
}

TEST_F(TableScanTest, StringKeyPrefixBecomesARange) {
  auto names = Create("names", {{"name", T("string"), false, {}}, {"n", T("int64"), false, {}}}, "name");
  ColumnBuffer keys(T("string"));
  std::vector<int64_t> ns;
  for (const char* k : {"apple", "apricot", "banana", "ap", "aq", "b"}) {
    keys.AppendBytes(k);
    ns.push_back(static_cast<int64_t>(ns.size()));
  }
  std::vector<int64_t> unused;
  ASSERT_OK(Write(*names, {{"name", "n"}, {keys.view(), ViewOf(ns, T("int64"))}, ns.size()}, WriteMode::kInsert,
                  &unused));
  txn::SnapshotReader reader(db_.get(), std::nullopt);
  TableScan scan(names, &reader, {1}, Compile(names, "name LIKE 'ap%'"));
  EXPECT_EQ(scan.plan().kind, Plan::Kind::kKeyRange);
  ResultBatch out = ResultBatch::ForProjection(names->schema, {1});
  while (scan.Next(100, &out)) {
  }
  ASSERT_EQ(out.rows(), 3u);  // ap, apple, apricot in key order
  EXPECT_EQ(out.columns[0].view().Get<int64_t>(0), 3);
  EXPECT_EQ(out.columns[0].view().Get<int64_t>(1), 0);
  EXPECT_EQ(out.columns[0].view().Get<int64_t>(2), 1);
  const auto explain = scan.plan().Explain(*names, scan.filter().get());
  ASSERT_EQ(explain.size(), 2u);
  EXPECT_EQ(explain[0], "scan the name range name LIKE 'ap%' of table 'names'");
}

TEST_F(TableScanTest, UpdateAndDeleteWhere) {
  auto tx = txns_->BeginExclusive();
  ColumnBuffer label(T("string"));
  label.AppendBytes("seven");
  size_t updated = 0;
  ASSERT_OK(UpdateWhere(obs_, Compile(obs_, "ep = 0 AND id > 0"), {{"label"}, {label.view()}, 1}, tx.get(), &updated));
  ASSERT_OK(tx->Commit(lsm::WriteOptions()));
  EXPECT_EQ(updated, Expected([](int64_t id) { return id > 0 && id % 7 == 0; }).size());
  EXPECT_EQ(Ids("label = 'seven'"), Expected([](int64_t id) { return id > 0 && id % 7 == 0; }));
  EXPECT_EQ(Ids("ep = 0 AND id > 0"), Ids("label = 'seven'"));  // other columns kept

  tx = txns_->BeginExclusive();
  size_t deleted = 0;
  ASSERT_OK(DeleteWhere(obs_, Compile(obs_, "label IS NULL OR id >= 100"), tx.get(), &deleted));
  ASSERT_OK(tx->Commit(lsm::WriteOptions()));
  // Label 70 was set above, so only never-updated multiples of 10 are null.
  const auto kept = Expected([](int64_t id) { return id < 100 && (id % 10 != 0 || (id > 0 && id % 7 == 0)); });
  EXPECT_EQ(deleted, 200 - kept.size());
  EXPECT_EQ(Ids("TRUE"), kept);

  // Bad updates are refused before anything is read or written.
  tx = txns_->BeginExclusive();
  std::vector<int64_t> one = {1};
  EXPECT_EQ(UpdateWhere(obs_, nullptr, {{"id"}, {ViewOf(one, T("int64"))}, 1}, tx.get(), &updated).code(),
            Status::Code::kSchema);
  std::vector<int64_t> huge = {int64_t{1} << 40};
  EXPECT_EQ(UpdateWhere(obs_, nullptr, {{"ep"}, {ViewOf(huge, T("int64"))}, 1}, tx.get(), &updated).code(),
            Status::Code::kSchema);
  EXPECT_EQ(UpdateWhere(obs_, nullptr, {{"nope"}, {ViewOf(one, T("int64"))}, 1}, tx.get(), &updated).code(),
            Status::Code::kSchema);
  ASSERT_OK(tx->Commit(lsm::WriteOptions()));
  EXPECT_EQ(Ids("TRUE"), kept);
}

}  // namespace
}  // namespace embodb::query

namespace embodb::query {
namespace {

TEST_F(TableScanTest, IndexesAnswerLikeAScanThroughEveryKindOfWrite) {
  Index("ep");
  Index("label");
  Plan::Kind kind;
  EXPECT_EQ(SortedIds(obs_, "ep = 3", &kind).size(), 28u);
  EXPECT_EQ(kind, Plan::Kind::kIndexRanges);
  SortedIds(obs_, "label IS NULL", &kind);
  EXPECT_EQ(kind, Plan::Kind::kIndexRanges);
  SortedIds(obs_, "ep = 3 AND id = 4", &kind);
  EXPECT_EQ(kind, Plan::Kind::kKeys);  // key lookups first
  SortedIds(obs_, "ep = 3 AND ep = 4", &kind);
  EXPECT_EQ(kind, Plan::Kind::kEmpty);
  SortedIds(obs_, "ep = 3 OR ep = 4", &kind);
  EXPECT_EQ(kind, Plan::Kind::kFullScan);
  ExpectIndexesConsistent();

  // upsert (a key repeated in the batch: the last row wins), update, delete
  std::vector<int64_t> ids = {5, 6, 5, 1000};
  std::vector<int32_t> eps = {100, 101, 102, 103};
  ColumnBuffer labels(T("string"));
  for (const char* l : {"x", "y", "z", "w"}) labels.AppendBytes(l);
  std::vector<int64_t> unused;
  ASSERT_OK(Write(*obs_, {{"id", "ep", "label"}, {ViewOf(ids, T("int64")), ViewOf(eps, T("int32")), labels.view()}, 4},
                  WriteMode::kUpsert, &unused));
  EXPECT_EQ(SortedIds(obs_, "ep >= 100", &kind), (std::vector<int64_t>{5, 6, 1000}));
  EXPECT_EQ(SortedIds(obs_, "label = 'z'", &kind), (std::vector<int64_t>{5}));
  ExpectIndexesConsistent();
  auto tx = txns_->BeginExclusive();
  ColumnBuffer label(T("string"));
  label.AppendNull();
  size_t changed = 0;
  ASSERT_OK(UpdateWhere(obs_, Compile(obs_, "ep = 2"), {{"label"}, {label.view()}, 1}, tx.get(), &changed));
  ASSERT_OK(tx->Commit(lsm::WriteOptions()));
  // Each call in its own exclusive transaction: those do not read their own writes.
  tx = txns_->BeginExclusive();
  ASSERT_OK(DeleteWhere(obs_, Compile(obs_, "ep = 4 OR id < 0"), tx.get(), &changed));
  ASSERT_OK(tx->Commit(lsm::WriteOptions()));
  // Both in one explicit transaction, which does read its own writes.
  auto explicit_tx = txns_->Begin();
  ASSERT_OK(UpdateWhere(obs_, Compile(obs_, "ep = 5"), {{"label"}, {label.view()}, 1}, explicit_tx.get(), &changed));
  ASSERT_OK(DeleteWhere(obs_, Compile(obs_, "ep = 5 AND id < 50"), explicit_tx.get(), &changed));
  ASSERT_OK(explicit_tx->Commit(lsm::WriteOptions()));
  ExpectIndexesConsistent();

  // Reopen: the indexes are still used and still right; dropping deletes entries.
  Open();
  obs_ = catalog_->Find("obs");
  ASSERT_EQ(obs_->indexes.size(), 2u);
  ExpectIndexesConsistent();
  const uint32_t ep_index = obs_->FindIndex("ep")->id;
  ASSERT_OK(catalog_->DropIndex("obs", "ep"));
  auto it = db_->NewIterator(lsm::ReadOptions());
  it->Seek(table::IndexKeyPrefix(ep_index));
  EXPECT_TRUE(!it->Valid() || !it->key().starts_with(table::IndexKeyPrefix(ep_index)));
  EXPECT_EQ(catalog_->DropIndex("obs", "ep").code(), Status::Code::kNotFound);
}

TEST_F(TableScanTest, IndexesAreUsedOnlyBySnapshotsThatContainThem) {
  const lsm::SequenceNumber old_snapshot = db_->GetSnapshot();
  txn::SnapshotReader before(db_.get(), old_snapshot);
  Index("ep");
  Plan::Kind kind;
  const auto old_ids = SortedIds(obs_, "ep = 3", &kind, &before);
  EXPECT_EQ(kind, Plan::Kind::kFullScan);
  EXPECT_EQ(old_ids.size(), 28u);
  const lsm::SequenceNumber new_snapshot = db_->GetSnapshot();
  txn::SnapshotReader after(db_.get(), new_snapshot);
  EXPECT_EQ(SortedIds(obs_, "ep = 3", &kind, &after), old_ids);
  EXPECT_EQ(kind, Plan::Kind::kIndexRanges);
  db_->ReleaseSnapshot(old_snapshot);
  db_->ReleaseSnapshot(new_snapshot);
}

TEST_F(TableScanTest, ATransactionConflictsWhenItsTableChangesUnderIt) {
  auto tx = txns_->Begin();
  std::vector<int64_t> ids = {500};
  std::vector<int32_t> eps = {1};
  ColumnBuffer labels(T("string"));
  labels.AppendBytes("late");
  std::vector<int64_t> unused;
  ASSERT_OK(WriteRows(*obs_, {{"id", "ep", "label"}, {ViewOf(ids, T("int64")), ViewOf(eps, T("int32")), labels.view()}, 1},
                      WriteMode::kInsert, nullptr, catalog_.get(), tx.get(), &unused));
  Index("ep");  // commits while tx is open; tx wrote under the old definition
  EXPECT_TRUE(tx->Commit(lsm::WriteOptions()).IsConflict());
  ExpectIndexesConsistent();
}

TEST_F(TableScanTest, OrphanIndexEntriesAreDeletedOnOpen) {
  Index("label");
  const uint32_t id = obs_->FindIndex("label")->id;
  // A crash between the drop's catalog commit and the deletion of its entries:
  // drop the definition by hand and leave the entries.
  auto def = *obs_;
  def.indexes.clear();
  auto tx = txns_->BeginExclusive();
  std::string value;
  def.EncodeTo(&value);
  tx->Put(table::TableDefKey("obs"), value);
  ASSERT_OK(tx->Commit(lsm::WriteOptions()));
  Open();
  auto it = db_->NewIterator(lsm::ReadOptions());
  it->Seek(table::IndexKeyPrefix(id));
  EXPECT_TRUE(!it->Valid() || !it->key().starts_with(table::IndexKeyPrefix(id)));
}

}  // namespace
}  // namespace embodb::query
