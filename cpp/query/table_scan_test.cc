// Filtered scans over real tables: the plan chosen for key constraints, the
// rows they return compared with a full scan, and update/delete by filter.
#include <gtest/gtest.h>

#include "query/table_scan.h"
#include "query/table_update.h"
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

  FilterPtr Compile(const catalog::TableDefPtr& t, const std::string& text) {
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

  catalog::TableDefPtr obs_;
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
