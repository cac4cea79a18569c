#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "query/vector_search.h"
#include "table/key_codec.h"
#include "index/common/node_keys.h"
#include "index/derived_indexes.h"
#include "index/vector/vector_index.h"
#include "testing/table_fixture.h"
#include "testing/table_test_util.h"

namespace embodb::table {
namespace {

// The indexes under test live in the index layer; the fixtures are the table layer's.
using index::HnswKind;
using index::kHnswKind;
using index::NodeAttributes;
using index::NodeKeys;
using index::VectorIndex;
using index::VectorIndexOptions;

constexpr size_t kDim = 8;

class VectorIndexTest : public TableFixture {
 protected:
  VectorIndexTest() {
    row_check_ = index::CheckRows;  // as the database writes
    OpenVectors();
  }
  ~VectorIndexTest() override { vectors_.reset(); }

  void OpenVectors() {
    vectors_ = std::make_unique<index::DerivedIndexes>(&fault_env_, "/db", catalog_.get(), txns_.get());
    ASSERT_OK(vectors_->OpenAll());
  }
  void Reopen() {
    vectors_.reset();  // checkpoints
    Open();
    OpenVectors();
  }
  void CrashAndReopen() {
    ASSERT_OK(vectors_->Close(/*checkpoint=*/false));
    vectors_.reset();
    PowerLossAndReopen();
    OpenVectors();
  }

  table::TableDefPtr Def() { return catalog_->Find("t"); }

  void CreateTable() { Create("t", {{"id", T("int64"), false, {}}, {"cat", T("int32"), false, {}}, {"v", T("vector(8)"), false, {}}}, "id"); }

  // Upserts rows ids with random vectors (remembered in vecs_) and cat = id % 100.
  void Upsert(const std::vector<int64_t>& ids) {
    std::vector<int32_t> cats;
    std::vector<float> vs;
    for (int64_t id : ids) {
      cats.push_back(static_cast<int32_t>(id % 100));
      std::vector<float> v(kDim);
      for (float& x : v) x = dist_(rng_);
      vecs_[id] = v;
      vs.insert(vs.end(), v.begin(), v.end());
    }
    ASSERT_OK(WriteRows(ids, cats, vs));
  }
  // Upserts rows of id, cat and vector (dim floats per row).
  Status WriteRows(const std::vector<int64_t>& ids, const std::vector<int32_t>& cats, const std::vector<float>& vs) {
    InputColumns in;
    in.names = {"id", "cat", "v"};
    in.columns = {ViewOf(ids, T("int64")), ViewOf(cats, T("int32")), ViewOf(vs, T("vector(8)"))};
    in.rows = ids.size();
    std::vector<int64_t> out;
    return Write(*Def(), in, WriteMode::kUpsert, &out);
  }
  // Small graphs build fast and still reach the recall asked.
  static VectorIndexOptions SmallGraph() {
    VectorIndexOptions o;
    o.m = 8;
    o.ef_construction = 64;
    return o;
  }
  void Delete(const std::vector<int64_t>& ids) {
    auto tx = txns_->BeginExclusive();
    size_t deleted = 0;
    ASSERT_OK(DeleteRowsByKey(*Def(), ViewOf(ids, T("int64")), tx.get(), &deleted));
    ASSERT_OK(tx->Commit(lsm::WriteOptions()));
    for (int64_t id : ids) vecs_.erase(id);
  }

  // The ids of a search, with the index (latest state) or exactly.
  std::vector<int64_t> Search(const std::vector<float>& q, size_t k, const std::string& where = "",
                              bool exact = false, std::vector<std::string>* plan = nullptr) {
    query::KnnRequest r;
    r.queries = q.data();
    r.nq = 1;
    r.k = k;
    r.exact = exact;
    r.explain = plan != nullptr;
    if (!where.empty()) {
      auto f = query::CompileFilter(where, Def()->schema);
      EXPECT_OK(f.status());
      r.filter = *f;
    }
    auto ix = Index();
    txn::SnapshotReader reader(db_.get(), std::nullopt);
    query::KnnResult result;
    EXPECT_OK(query::RunKnn(Def(), 2, ix.get(), db_.get(), &reader, true, r, &result));
    if (plan != nullptr) *plan = result.plan;
    std::vector<int64_t> ids;
    for (const std::string& key : result.keys) ids.push_back(DecodeKeyValue(T("int64"), key)->i);
    return ids;
  }

  // The k nearest by brute force over vecs_ (l2), among ids passing keep.
  template <typename Keep>
  std::vector<int64_t> Truth(const std::vector<float>& q, size_t k, Keep keep) {
    std::vector<std::pair<float, int64_t>> all;
    for (const auto& [id, v] : vecs_) {
      if (!keep(id)) continue;
      float d = 0;
      for (size_t i = 0; i < kDim; i++) d += (v[i] - q[i]) * (v[i] - q[i]);
      all.push_back({d, id});
    }
    std::sort(all.begin(), all.end());
    std::vector<int64_t> ids;
    for (size_t i = 0; i < std::min(k, all.size()); i++) ids.push_back(all[i].second);
    return ids;
  }

  std::vector<float> Query() {
    std::vector<float> q(kDim);
    for (float& x : q) x = dist_(rng_);
    return q;
  }

  // Mean recall@k of the index against brute force over 50 queries.
  double Recall(size_t k) {
    size_t hit = 0, total = 0;
    for (int i = 0; i < 50; i++) {
      const auto q = Query();
      const auto truth = Truth(q, k, [](int64_t) { return true; });
      const auto got = Search(q, k);
      EXPECT_EQ(got.size(), truth.size());
      const std::set<int64_t> g(got.begin(), got.end());
      for (int64_t id : truth) hit += g.count(id);
      total += truth.size();
    }
    return total == 0 ? 1.0 : static_cast<double>(hit) / static_cast<double>(total);
  }

  // Every search result is a live row, and the index holds every row.
  void ExpectAgreesWithTable() {
    auto ix = Index();
    ASSERT_NE(ix, nullptr);
    auto lock = ix->ReadLock();
    EXPECT_EQ(ix->keys().size(), vecs_.size());
    EXPECT_EQ(ix->graph().live(), vecs_.size());
    std::string key;
    for (const auto& [id, v] : vecs_) {
      key.clear();
      ASSERT_OK(AppendKeyValue(T("int64"), Value::Int(id), &key));
      const uint32_t node = ix->keys().Find(key);
      ASSERT_NE(node, NodeKeys::kNone) << id;
      std::vector<float> stored(kDim);
      ix->graph().GetVector(node, stored.data());
      EXPECT_EQ(stored, v) << id;
    }
    lock.unlock();
    EXPECT_OK(vectors_->Verify(*Def()));  // and Verify agrees that they agree
  }

  std::vector<int64_t> Range(int64_t from, int64_t to) {
    std::vector<int64_t> ids;
    for (int64_t i = from; i < to; i++) ids.push_back(i);
    return ids;
  }

  std::unique_ptr<index::DerivedIndexes> vectors_;

  // The vector index on column v, through the kind-agnostic manager.
  std::shared_ptr<VectorIndex> Index() {
    return std::dynamic_pointer_cast<VectorIndex>(vectors_->Find(Def()->id, "v", kHnswKind));
  }
  Result<std::shared_ptr<index::DerivedIndex>> CreateIndex(const VectorIndexOptions& o) {
    return vectors_->Create("t", "v", std::string(kHnswKind), o.Params());
  }
  std::map<int64_t, std::vector<float>> vecs_;
  std::mt19937 rng_{7};
  std::uniform_real_distribution<float> dist_{-1.0f, 1.0f};
};

TEST(NodeKeysTest, InsertFindEraseAndEncode) {
  for (bool fixed8 : {true, false}) {
    NodeKeys keys(fixed8);
    auto key = [&](int i) {
      std::string k(8, '\0');
      std::memcpy(k.data(), &i, 4);
      return fixed8 ? k : "key" + std::to_string(i);
    };
    for (int i = 0; i < 5000; i++) keys.Insert(static_cast<uint32_t>(i * 2), key(i));
    for (int i = 0; i < 5000; i += 3) keys.Erase(static_cast<uint32_t>(i * 2));
    for (int i = 0; i < 5000; i++) {
      EXPECT_EQ(keys.Find(key(i)), i % 3 == 0 ? NodeKeys::kNone : static_cast<uint32_t>(i * 2)) << i;
    }
    std::string encoded;
    keys.EncodeTo(&encoded);
    std::string_view in = encoded;
    auto decoded = NodeKeys::Decode(&in, 10000, fixed8);
    ASSERT_OK(decoded.status());
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(decoded->size(), keys.size());
    for (int i = 0; i < 5000; i++) EXPECT_EQ(decoded->Find(key(i)), keys.Find(key(i)));
    in = encoded;
    EXPECT_FALSE(NodeKeys::Decode(&in, 100, fixed8).ok()) << "nodes beyond the graph are refused";

    // Renumbering (as the graph's Reorder does): node n becomes 9999 - n.
    std::vector<uint32_t> new_of_old(10000);
    for (uint32_t n = 0; n < 10000; n++) new_of_old[n] = 9999 - n;
    keys.Renumber(new_of_old);
    EXPECT_EQ(decoded->size(), keys.size());
    for (int i = 0; i < 5000; i++) {
      const uint32_t want = i % 3 == 0 ? NodeKeys::kNone : static_cast<uint32_t>(9999 - i * 2);
      EXPECT_EQ(keys.Find(key(i)), want) << i;
      if (want != NodeKeys::kNone) {
        EXPECT_TRUE(keys.Has(want));
        EXPECT_EQ(keys.KeyOf(want), key(i));
      }
    }
    EXPECT_FALSE(keys.Has(0));
    keys.Insert(0, key(-1));  // and it goes on
    EXPECT_EQ(0u, keys.Find(key(-1)));
  }
}

TEST_F(VectorIndexTest, BuildsFromRowsAndFollowsWrites) {
  CreateTable();
  Upsert(Range(0, 1500));
  ASSERT_OK(CreateIndex(SmallGraph()).status());
  ExpectAgreesWithTable();
  EXPECT_GE(Recall(10), 0.95);

  Upsert(Range(1000, 2500));  // 500 updates, 1000 inserts
  Delete(Range(0, 300));
  ExpectAgreesWithTable();
  EXPECT_GE(Recall(10), 0.95);
  for (int i = 0; i < 20; i++) {
    for (int64_t id : Search(Query(), 10)) EXPECT_GE(id, 300) << "a deleted row came back";
  }
}

TEST_F(VectorIndexTest, ManyUpdatesKeepRecall) {
  CreateTable();
  Upsert(Range(0, 1000));
  ASSERT_OK(CreateIndex(SmallGraph()).status());
  const double before = Recall(10);
  std::uniform_int_distribution<int64_t> pick(0, 999);
  for (int round = 0; round < 30; round++) {
    std::set<int64_t> ids;
    while (ids.size() < 100) ids.insert(pick(rng_));
    Upsert(std::vector<int64_t>(ids.begin(), ids.end()));
  }
  ExpectAgreesWithTable();
  auto ix = Index();
  EXPECT_LE(ix->graph().slots(), 1300u) << "reclaimed slots are reused";
  EXPECT_GE(Recall(10), before - 0.03);
}

TEST_F(VectorIndexTest, FilteredSearchReturnsExactlyK) {
  CreateTable();
  Upsert(Range(0, 3000));
  ASSERT_OK(CreateIndex(VectorIndexOptions()).status());
  // cat = id % 100: 1% per value.
  for (const std::string where : {"cat = 7", "cat < 10", "cat < 50", "id < 3 OR cat = 1"}) {
    auto f = query::CompileFilter(where, Def()->schema);
    ASSERT_OK(f.status());
    size_t hit = 0, total = 0;
    for (int i = 0; i < 20; i++) {
      const auto q = Query();
      const auto truth = Truth(q, 10, [&](int64_t id) {
        const int64_t cat = id % 100;
        if (where == "cat = 7") return cat == 7;
        if (where == "cat < 10") return cat < 10;
        if (where == "cat < 50") return cat < 50;
        return id < 3 || cat == 1;
      });
      std::vector<std::string> plan;
      const auto got = Search(q, 10, where, false, &plan);
      ASSERT_EQ(got.size(), truth.size()) << where;
      for (int64_t id : got) {
        const int64_t cat = id % 100;
        const bool pass = where == "cat = 7" ? cat == 7 : where == "cat < 10" ? cat < 10
                          : where == "cat < 50" ? cat < 50 : (id < 3 || cat == 1);
        EXPECT_TRUE(pass) << where << ": " << id;
      }
      const std::set<int64_t> g(got.begin(), got.end());
      for (int64_t id : truth) hit += g.count(id);
      total += truth.size();
    }
    EXPECT_GE(static_cast<double>(hit) / static_cast<double>(total), 0.95) << where;
  }
  std::vector<std::string> plan;
  Search(Query(), 10, "cat = 7", false, &plan);
  EXPECT_NE(plan.back().find("exact distances to the matching rows"), std::string::npos) << plan.back();
}

TEST_F(VectorIndexTest, FilteredGraphSearchOnLargerTables) {
  CreateTable();
  Upsert(Range(0, 20000));
  ASSERT_OK(CreateIndex(SmallGraph()).status());
  size_t hit = 0, total = 0;
  for (int i = 0; i < 20; i++) {
    const auto q = Query();
    const auto truth = Truth(q, 10, [](int64_t id) { return id % 100 < 50; });
    std::vector<std::string> plan;
    const auto got = Search(q, 10, "cat < 50", false, &plan);
    EXPECT_NE(plan.back().find("returning only matching rows"), std::string::npos) << plan.back();
    ASSERT_EQ(got.size(), 10u);
    for (int64_t id : got) EXPECT_LT(id % 100, 50);
    const std::set<int64_t> g(got.begin(), got.end());
    for (int64_t id : truth) hit += g.count(id);
    total += truth.size();
  }
  EXPECT_GE(static_cast<double>(hit) / static_cast<double>(total), 0.95);
}

TEST_F(VectorIndexTest, ExactPathMatchesBruteForce) {
  CreateTable();
  Upsert(Range(0, 500));
  for (int i = 0; i < 10; i++) {
    const auto q = Query();
    EXPECT_EQ(Search(q, 7, "", /*exact=*/true), Truth(q, 7, [](int64_t) { return true; }));
    EXPECT_EQ(Search(q, 7, "cat < 20", true), Truth(q, 7, [](int64_t id) { return id % 100 < 20; }));
  }
  EXPECT_EQ(Search(Query(), 1000).size(), 500u) << "k above the rows: every row";
}

TEST_F(VectorIndexTest, ReopensFromCheckpointAndFeed) {
  CreateTable();
  Upsert(Range(0, 800));
  ASSERT_OK(CreateIndex(VectorIndexOptions()).status());
  Reopen();
  ExpectAgreesWithTable();
  EXPECT_GE(Recall(10), 0.95);
  // Writes after the last checkpoint come back from the feed after a crash.
  Upsert(Range(700, 1000));
  Delete(Range(0, 100));
  ASSERT_OK(db_->SyncWal());
  CrashAndReopen();
  ExpectAgreesWithTable();
  EXPECT_GE(Recall(10), 0.95);
}

TEST_F(VectorIndexTest, DamagedOrMissingCheckpointIsRebuilt) {
  CreateTable();
  Upsert(Range(0, 600));
  ASSERT_OK(CreateIndex(VectorIndexOptions()).status());
  const std::string path = vectors_->PathOf(*Def()->FindDerived("v", kHnswKind));
  vectors_.reset();
  std::string data;
  ASSERT_OK(ReadFileToString(&fault_env_, path, &data));
  data[data.size() / 2] ^= 0x40;
  ASSERT_OK(WriteStringToFile(&fault_env_, data, path, true));
  Open();
  OpenVectors();
  ExpectAgreesWithTable();
  vectors_.reset();
  ASSERT_OK(fault_env_.RemoveFile(path));
  Open();
  OpenVectors();
  ExpectAgreesWithTable();
}

// Verify reports an index that disagrees with its table: a row the table
// does not hold, a row it misses, another vector for a row.
TEST_F(VectorIndexTest, VerifyFindsAnIndexThatDisagrees) {
  CreateTable();
  Upsert(Range(0, 200));
  ASSERT_OK(CreateIndex(SmallGraph()).status());
  ASSERT_OK(vectors_->Verify(*Def()));
  auto ix = Index();
  auto key = [](int64_t id) {
    std::string k;
    EXPECT_OK(AppendKeyValue(T("int64"), Value::Int(id), &k));
    return k;
  };
  auto row = [&](int64_t id) {
    std::string r;
    EXPECT_OK(db_->Get(lsm::ReadOptions(), RowKeyPrefix(Def()->id) + key(id), &r));
    return r;
  };
  // Applies changes to the index alone (as if the feed had sent them), then
  // expects Verify to report `what`.
  auto apply_and_expect = [&](const std::vector<std::pair<int64_t, std::string>>& changes, const std::string& what) {
    std::vector<std::string> keys;
    for (const auto& [id, r] : changes) keys.push_back(key(id));
    std::vector<catalog::FeedEvent> events;
    for (size_t i = 0; i < changes.size(); i++) {
      events.push_back({ix->covered() + 1 + i, changes[i].second.empty(), keys[i], changes[i].second});
    }
    ix->BeginCommit();
    ix->Apply(events);
    ix->EndCommit();
    const Status s = vectors_->Verify(*Def());
    EXPECT_TRUE(s.IsCorruption() && s.message().find(what) != std::string::npos) << s.ToString();
  };
  // Key 5's row under key 1000.
  apply_and_expect({{1000, row(5)}}, "does not (key 1000)");
  // Key 7 removed from the index only (and key 1000 again).
  apply_and_expect({{7, ""}, {1000, ""}}, "misses a row (key 7)");
  // Key 7 back with key 5's row: its copy of cat (5, not 7) differs first.
  apply_and_expect({{7, row(5)}}, "another value of 'cat' for a row (key 7)");
  // Key 7 with key 107's row: the same cat (7), another vector.
  apply_and_expect({{7, row(107)}}, "another vector for a row (key 7)");
}

TEST_F(VectorIndexTest, CosineRefusesZeroVectors) {
  CreateTable();
  Upsert(Range(0, 10));
  vecs_[3] = std::vector<float>(kDim, 0.0f);
  ASSERT_OK(WriteRows({3}, {3}, vecs_[3]));
  VectorIndexOptions o;
  o.metric = index::Metric::kCosine;
  auto created = CreateIndex(o);
  EXPECT_TRUE(created.status().IsInvalidArgument()) << created.status().ToString();
  EXPECT_NE(created.status().ToString().find("key 3"), std::string::npos) << created.status().ToString();
  EXPECT_TRUE(Def()->derived.empty()) << "a failed build leaves no index";
  Delete({3});
  ASSERT_OK(CreateIndex(o).status());
  Status s = WriteRows({20}, {0}, std::vector<float>(kDim, 0.0f));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

TEST_F(VectorIndexTest, DropDeletesTheIndexAndItsFile) {
  CreateTable();
  Upsert(Range(0, 100));
  ASSERT_OK(CreateIndex(VectorIndexOptions()).status());
  const std::string path = vectors_->PathOf(*Def()->FindDerived("v", kHnswKind));
  ASSERT_OK(vectors_->CheckpointAll());  // a fresh build is saved by the background thread, or here
  EXPECT_TRUE(fault_env_.FileExists(path));
  EXPECT_FALSE(CreateIndex(VectorIndexOptions()).ok()) << "one per column";
  ASSERT_OK(vectors_->Drop("t", "v", std::string(kHnswKind)));
  EXPECT_FALSE(fault_env_.FileExists(path));
  EXPECT_EQ(Index(), nullptr);
  EXPECT_TRUE(vectors_->Drop("t", "v", std::string(kHnswKind)).IsNotFound());
  Upsert(Range(0, 10));  // writes go on without it
}

}  // namespace
}  // namespace embodb::table
