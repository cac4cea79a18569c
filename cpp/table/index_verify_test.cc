// VerifyOrderedIndexes: agrees with indexes kept by writes, and names an
// entry that no row calls for or that a row misses.
#include "table/index_verify.h"

#include <gtest/gtest.h>

#include "table/index_codec.h"
#include "table/index_entries.h"
#include "table/key_codec.h"
#include "testing/table_fixture.h"
#include "testing/table_test_util.h"

namespace embodb::table {
namespace {

class IndexVerifyTest : public TableFixture {
 protected:
  Status Verify() {
    const lsm::SequenceNumber snapshot = db_->GetSnapshot();
    Status s = VerifyOrderedIndexes(*catalog_->Find("t"), db_.get(), snapshot);
    db_->ReleaseSnapshot(snapshot);
    return s;
  }
};

TEST_F(IndexVerifyTest, FindsEntriesMissingOrNotCalledFor) {
  Create("t", {{"id", T("int64"), false, {}}, {"cat", T("int32"), false, {}}}, "id");
  std::vector<int64_t> ids = {1, 2, 3, 4};
  std::vector<int32_t> cats = {7, 7, 8, 9};
  InputColumns in{{"id", "cat"}, {ViewOf(ids, T("int64")), ViewOf(cats, T("int32"))}, 4};
  std::vector<int64_t> out;
  ASSERT_OK(Write(*catalog_->Find("t"), in, WriteMode::kInsert, &out));
  ASSERT_OK(catalog_->CreateIndex("t", "cat", &BackfillIndex).status());
  ASSERT_OK(Verify());
  cats = {9, 9, 9, 9};
  ASSERT_OK(Write(*catalog_->Find("t"), in, WriteMode::kUpsert, &out));
  ASSERT_OK(Verify());

  const TableDefPtr def = catalog_->Find("t");
  const IndexKeys keys(*def);
  ColumnBuffer cat(T("int32"));
  cat.AppendValue(Value::Int(5));
  std::vector<ColumnView> cols(2);
  cols[1] = cat.view();
  std::string pk;
  ASSERT_OK(AppendKeyValue(T("int64"), Value::Int(3), &pk));
  const std::string stray = keys.Of(cols, 0, pk)[0];
  ASSERT_OK(db_->Put(lsm::WriteOptions(), stray, ""));
  Status s = Verify();
  EXPECT_TRUE(s.IsCorruption() && s.message().find("no row calls for") != std::string::npos) << s.ToString();
  ASSERT_OK(db_->Delete(lsm::WriteOptions(), stray));
  ASSERT_OK(Verify());

  ColumnBuffer nine(T("int32"));
  nine.AppendValue(Value::Int(9));
  cols[1] = nine.view();
  ASSERT_OK(db_->Delete(lsm::WriteOptions(), keys.Of(cols, 0, pk)[0]));
  s = Verify();
  EXPECT_TRUE(s.IsCorruption() && s.message().find("misses the entry") != std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace embodb::table
