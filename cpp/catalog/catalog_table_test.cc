// The catalog with the table layer's row writer and reader, on an in-memory engine.
#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "env/env.h"
#include "table/keyspace.h"
#include "table/key_codec.h"
#include "query/table_scan.h"
#include "table/table_reader.h"
#include "table/table_writer.h"
#include "testing/table_fixture.h"
#include "testing/table_test_util.h"
#include "testing/test_util.h"
#include "txn/transaction.h"

namespace embodb::table {
namespace {

using TableTest = TableFixture;

TEST_F(TableTest, InsertScanGetAndReopen) {
  auto t = Create("obs", {{"id", T("int64"), false, {}}, {"label", T("string"), false, {}}}, "id");
  std::vector<int64_t> ids = {5, 1, 3, -2, 4, 2, 0};
  ColumnBuffer labels(T("string"));
  for (int64_t id : ids) labels.AppendBytes("L" + std::to_string(id));
  InputColumns in{{"id", "label"}, {ViewOf(ids, T("int64")), labels.view()}, ids.size()};
  std::vector<int64_t> assigned;
  ASSERT_OK(Write(*t, in, WriteMode::kInsert, &assigned));
  Open();
  t = catalog_->Find("obs");
  ASSERT_TRUE(t);
  ResultBatch all = ScanAll(t);
  ASSERT_EQ(all.rows(), ids.size());
  for (size_t i = 1; i < all.rows(); i++) {
    EXPECT_LT(all.columns[0].view().Get<int64_t>(i - 1), all.columns[0].view().Get<int64_t>(i));
  }
  EXPECT_EQ(all.columns[1].view().Bytes(0), "L-2");

  std::vector<int64_t> want = {3, 99, 5};
  txn::SnapshotReader reader(db_.get(), std::nullopt);
  ResultBatch got = ResultBatch::ForProjection(t->schema, {1});
  std::vector<uint8_t> found;
  ASSERT_OK(ReadRowsByKey(*t, &reader, ViewOf(want, T("int64")), {1}, &got, &found));
  EXPECT_EQ(found, (std::vector<uint8_t>{1, 0, 1}));
  ASSERT_EQ(got.rows(), 2u);
  EXPECT_EQ(got.columns[0].view().Bytes(1), "L5");
}

TEST_F(TableTest, DuplicateKeysWriteNothing) {
  auto t = Create("t", {{"k", T("string"), false, {}}, {"v", T("int32"), false, {}}}, "k");
  ColumnBuffer keys(T("string"));
  keys.AppendBytes("a");
  keys.AppendBytes("b");
  std::vector<int32_t> v = {1, 2};
  ASSERT_OK(Write(*t, {{"k", "v"}, {keys.view(), ViewOf(v, T("int32"))}, 2}, WriteMode::kInsert, nullptr));
  ColumnBuffer again(T("string"));
  again.AppendBytes("c");
  again.AppendBytes("b");
  Status s = Write(*t, {{"k", "v"}, {again.view(), ViewOf(v, T("int32"))}, 2}, WriteMode::kInsert, nullptr);
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  EXPECT_NE(s.message().find("'b'"), std::string::npos) << s.ToString();
  ColumnBuffer twice(T("string"));
  twice.AppendBytes("z");
  twice.AppendBytes("z");
  EXPECT_TRUE(Write(*t, {{"k", "v"}, {twice.view(), ViewOf(v, T("int32"))}, 2}, WriteMode::kInsert, nullptr)
                  .IsAlreadyExists());
  EXPECT_EQ(ScanAll(t).rows(), 2u);  // "c" and "z" were not written
  // Upsert replaces.
  std::vector<int32_t> v2 = {30, 20};
  ASSERT_OK(Write(*t, {{"k", "v"}, {again.view(), ViewOf(v2, T("int32"))}, 2}, WriteMode::kUpsert, nullptr));
  ResultBatch all = ScanAll(t);
  ASSERT_EQ(all.rows(), 3u);
  EXPECT_EQ(all.columns[1].view().Get<int32_t>(1), 20);  // b
}

TEST_F(TableTest, BadInputNamesTheColumn) {
  auto t = Create("t", {{"k", T("int64"), false, {}}, {"v", T("vector(2)"), true, {}}}, "k");
  std::vector<int64_t> k = {1};
  std::vector<float> v = {1, 2};
  Status s = Write(*t, {{"k", "nope"}, {ViewOf(k, T("int64")), ViewOf(k, T("int64"))}, 1}, WriteMode::kInsert,
                   nullptr);
  EXPECT_TRUE(s.IsSchema());
  EXPECT_NE(s.message().find("nope"), std::string::npos);
  s = Write(*t, {{"k"}, {ViewOf(k, T("int64"))}, 1}, WriteMode::kInsert, nullptr);  // v is not_null
  EXPECT_TRUE(s.IsSchema()) << s.ToString();
  std::vector<int64_t> two = {1, 2};
  ColumnView one_vector = ViewOf(v, T("vector(2)"));
  one_vector.length = 1;
  s = Write(*t, {{"k", "v"}, {ViewOf(two, T("int64")), one_vector}, 2}, WriteMode::kInsert, nullptr);
  EXPECT_TRUE(s.IsSchema()) << s.ToString();  // lengths differ
  EXPECT_EQ(ScanAll(t).rows(), 0u);
}

TEST_F(TableTest, AutoIdsIncreaseAcrossReopenAndDeletes) {
  auto t = Create("log", {{"x", T("float64"), false, {}}}, "");
  std::vector<double> x = {1, 2, 3};
  std::vector<int64_t> ids;
  ASSERT_OK(Write(*t, {{"x"}, {ViewOf(x, T("float64"))}, 3}, WriteMode::kInsert, &ids));
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 2, 3}));
  {
    auto tx = txns_->BeginExclusive();
    std::vector<int64_t> last = {3};
    size_t deleted = 0;
    ASSERT_OK(DeleteRowsByKey(*t, ViewOf(last, T("int64")), tx.get(), &deleted));
    EXPECT_EQ(deleted, 1u);
    ASSERT_OK(tx->Commit(lsm::WriteOptions()));
  }
  Open();
  t = catalog_->Find("log");
  ASSERT_OK(Write(*t, {{"x"}, {ViewOf(x, T("float64"))}, 3}, WriteMode::kInsert, &ids));
  EXPECT_EQ(ids, (std::vector<int64_t>{4, 5, 6}));  // 3 is not reused
  std::vector<int64_t> given = {9};
  EXPECT_TRUE(Write(*t, {{"_id"}, {ViewOf(given, T("int64"))}, 1}, WriteMode::kInsert, &ids).IsSchema());
}

TEST_F(TableTest, DropDeletesRowsAndNamesCanBeReused) {
  auto t = Create("t", {{"k", T("int64"), false, {}}}, "k");
  std::vector<int64_t> k = {1, 2, 3};
  ASSERT_OK(Write(*t, {{"k"}, {ViewOf(k, T("int64"))}, 3}, WriteMode::kInsert, nullptr));
  ASSERT_OK(catalog_->DropTable("t"));
  EXPECT_TRUE(catalog_->DropTable("t").IsNotFound());
  EXPECT_FALSE(catalog_->Find("t"));
  auto it = db_->NewIterator(lsm::ReadOptions());
  it->Seek(RowKeyPrefix(t->id));
  EXPECT_FALSE(it->Valid() && it->key().starts_with(RowKeyPrefix(t->id)));
  auto t2 = Create("t", {{"k", T("int64"), false, {}}}, "k");
  EXPECT_NE(t2->id, t->id);
  EXPECT_EQ(ScanAll(t2).rows(), 0u);
  EXPECT_TRUE(catalog_->CreateTable("t", t2->schema).status().IsSchema());  // exists
}

TEST_F(TableTest, OrphanRowsOfACrashedDropAreDeletedOnOpen) {
  auto t = Create("t", {{"k", T("int64"), false, {}}}, "k");
  std::vector<int64_t> k = {1, 2};
  ASSERT_OK(Write(*t, {{"k"}, {ViewOf(k, T("int64"))}, 2}, WriteMode::kInsert, nullptr));
  // Remove only the catalog entry, as a crash right after the drop commit would leave it.
  std::string key(1, static_cast<char>(KeySpace::kCatalog));
  key += "tt";
  ASSERT_OK(db_->Delete(lsm::WriteOptions(), key));
  Open();
  auto it = db_->NewIterator(lsm::ReadOptions());
  it->Seek(RowKeyPrefix(t->id));
  EXPECT_FALSE(it->Valid() && it->key().starts_with(RowKeyPrefix(t->id)));
}

TEST_F(TableTest, AddColumnKeepsOldRowsReadable) {
  auto t = Create("t", {{"k", T("int64"), false, {}}}, "k");
  std::vector<int64_t> k = {1};
  ASSERT_OK(Write(*t, {{"k"}, {ViewOf(k, T("int64"))}, 1}, WriteMode::kInsert, nullptr));
  auto grown = catalog_->AddColumn("t", {"note", T("string"), false, Value::String("n/a")});
  ASSERT_OK(grown.status());
  Open();
  ResultBatch all = ScanAll(catalog_->Find("t"));
  ASSERT_EQ(all.columns.size(), 2u);
  EXPECT_EQ(all.columns[1].view().Bytes(0), "n/a");
}

}  // namespace
}  // namespace embodb::table
