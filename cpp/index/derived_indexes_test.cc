// The derived-index layer with a kind of its own, registered by this test
// alone: a "mirror" of the rows whose column `v` is positive, checkpointed to
// a file. It shows that a new kind needs nothing but its own code and a
// registration: DerivedIndexes builds, feeds, checkpoints, reloads, verifies
// and drops it like the vector index.
#include "index/derived_indexes.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "table/key_codec.h"
#include "table/row_codec.h"
#include "testing/table_fixture.h"
#include "testing/table_test_util.h"
#include "util/coding.h"

namespace embodb::index {
namespace {

using table::T;

constexpr char kMirror[] = "mirror-of-positives";

// The int32 value of column 1 of an encoded row, or nullopt when null.
std::optional<int32_t> ValueOf(const table::Schema& schema, std::string_view row) {
  std::string_view field;
  if (!table::ReadField(schema, row, 1, &field).ok() || field.size() != 4) return std::nullopt;
  return static_cast<int32_t>(DecodeFixed32(field.data()));
}

class MirrorIndex final : public DerivedIndex {
 public:
  MirrorIndex(uint32_t table_id, table::DerivedIndexDef def, table::Schema schema)
      : DerivedIndex(table_id, std::move(def)), schema_(std::move(schema)) {}

  std::shared_lock<std::shared_mutex> ReadLock() const override { return std::shared_lock(mu_); }
  Status health() const override { return Status::OK(); }
  void BeginCommit() override { mu_.lock(); }
  void EndCommit() override { mu_.unlock(); }
  void Apply(const std::vector<catalog::FeedEvent>& events) override {
    applied += events.size();
    for (const auto& e : events) {
      Put(e.key, e.deleted ? std::string_view() : e.row);
      covered_ = e.number;
    }
  }
  Status AddRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) override {
    std::unique_lock l(mu_);
    for (size_t i = 0; i < keys.size(); i++) Put(keys[i], rows[i]);
    return Status::OK();
  }
  Status Save(Env* env, const std::string& path) const override {
    std::string data;
    PutFixed64(&data, covered_);
    for (const auto& [k, v] : rows_) {
      PutLengthPrefixed(&data, k);
      PutFixed32(&data, static_cast<uint32_t>(v));
    }
    EMBODB_RETURN_IF_ERROR(WriteStringToFile(env, data, path + ".tmp", true));
    return env->RenameFile(path + ".tmp", path);
  }
  static Result<std::unique_ptr<DerivedIndex>> Load(Env* env, const std::string& path, const table::TableDef& t,
                                                    const table::DerivedIndexDef& def) {
    std::string data;
    if (!env->FileExists(path)) return Status::NotFound(path);
    EMBODB_RETURN_IF_ERROR(ReadFileToString(env, path, &data));
    auto ix = std::make_unique<MirrorIndex>(t.id, def, t.schema);
    std::string_view in(data);
    uint64_t covered;
    if (!GetFixed64(&in, &covered)) return Status::Corruption(path);
    while (!in.empty()) {
      std::string_view k;
      uint32_t v;
      if (!GetLengthPrefixed(&in, &k) || !GetFixed32(&in, &v)) return Status::Corruption(path);
      ix->rows_[std::string(k)] = static_cast<int32_t>(v);
    }
    ix->covered_ = covered;
    return std::unique_ptr<DerivedIndex>(std::move(ix));
  }
  std::unique_ptr<RowVerifier> StartVerify() const override {
    class Verifier final : public RowVerifier {
     public:
      explicit Verifier(const MirrorIndex& ix) : ix_(ix) {}
      Status Row(std::string_view key, std::string_view row) override {
        const auto v = ValueOf(ix_.schema_, row);
        const bool wanted = v && *v > 0;
        const auto it = ix_.rows_.find(std::string(key));
        if (wanted != (it != ix_.rows_.end()) || (wanted && it->second != *v)) {
          return Status::Corruption("the mirror differs");
        }
        seen_ += wanted;
        return Status::OK();
      }
      Status Finish() override { return seen_ == ix_.rows_.size() ? Status::OK() : Status::Corruption("extra rows"); }

     private:
      const MirrorIndex& ix_;
      size_t seen_ = 0;
    };
    return std::make_unique<Verifier>(*this);
  }
  size_t rows() const override { return rows_.size(); }
  size_t MemoryBytes() const override { return rows_.size() * 64; }
  Params Info() const override { return {{"positives", table::Value::Int(static_cast<int64_t>(rows_.size()))}}; }

  // For the test: change the mirror behind the feed's back.
  void Tamper() { rows_.begin()->second++; }
  size_t applied = 0;  // feed events applied since it was made or loaded

 private:
  void Put(std::string_view key, std::string_view row) {
    const auto v = row.empty() ? std::nullopt : ValueOf(schema_, row);
    if (v && *v > 0) {
      rows_[std::string(key)] = *v;
    } else {
      rows_.erase(std::string(key));
    }
  }

  const table::Schema schema_;
  mutable std::shared_mutex mu_;
  std::map<std::string, int32_t> rows_;
};

IndexKind MirrorKind() {
  IndexKind k;
  k.name = kMirror;
  k.file_prefix = "mirror-";
  k.file_suffix = ".idx";
  k.default_for = [](const table::ColumnType&) { return false; };
  k.check_column = [](const table::Column& c) {
    return c.type.id == table::TypeId::kInt32 ? Status::OK() : Status::Schema("a mirror needs an int32 column");
  };
  k.encode_options = [](const Params& params) -> Result<std::string> {
    if (!params.empty()) return Status::InvalidArgument("a mirror takes no options");
    return std::string();
  };
  k.create = [](const table::TableDef& t, const table::DerivedIndexDef& def) -> Result<std::unique_ptr<DerivedIndex>> {
    return std::unique_ptr<DerivedIndex>(std::make_unique<MirrorIndex>(t.id, def, t.schema));
  };
  k.load = &MirrorIndex::Load;
  return k;
}

class DerivedIndexesTest : public table::TableFixture {
 protected:
  DerivedIndexesTest() {
    if (FindKind(kMirror) == nullptr) EXPECT_OK(RegisterKind(MirrorKind()));
    Create("t", {{"id", T("int64"), false, {}}, {"v", T("int32"), false, {}}, {"s", T("string"), false, {}}}, "id");
    OpenIndexes();
  }
  ~DerivedIndexesTest() override { indexes_.reset(); }
  void OpenIndexes(uint64_t checkpoint_after = DerivedIndexes::kCheckpointAfter) {
    indexes_ = std::make_unique<DerivedIndexes>(&fault_env_, "/db", catalog_.get(), txns_.get(), checkpoint_after);
    ASSERT_OK(indexes_->OpenAll());
  }
  void Upsert(std::vector<int64_t> ids, int32_t v) {
    std::vector<int32_t> vs(ids.size(), v);
    table::InputColumns in{{"id", "v"}, {table::ViewOf(ids, T("int64")), table::ViewOf(vs, T("int32"))}, ids.size()};
    std::vector<int64_t> out;
    ASSERT_OK(Write(*catalog_->Find("t"), in, table::WriteMode::kUpsert, &out));
  }
  MirrorIndex* Mirror() { return dynamic_cast<MirrorIndex*>(indexes_->Find(catalog_->Find("t")->id, "v", kMirror).get()); }

  std::unique_ptr<DerivedIndexes> indexes_;
};

TEST_F(DerivedIndexesTest, AKindOfItsOwnIsBuiltFedCheckpointedReloadedVerifiedAndDropped) {
  Upsert({1, 2, 3}, 5);
  Upsert({4}, -1);
  EXPECT_TRUE(indexes_->Create("t", "v", "no-such-kind", {}).status().IsInvalidArgument());
  EXPECT_TRUE(indexes_->Create("t", "s", kMirror, {}).status().IsSchema());
  EXPECT_TRUE(indexes_->Create("t", "v", kMirror, {{"x", table::Value::Int(1)}}).status().IsInvalidArgument());
  ASSERT_OK(indexes_->Create("t", "v", kMirror, {}).status());
  ASSERT_NE(Mirror(), nullptr);
  EXPECT_EQ(3u, Mirror()->rows());  // built from the rows
  Upsert({2}, -7);                 // and fed by writes
  Upsert({5, 6}, 9);
  EXPECT_EQ(4u, Mirror()->rows());
  ASSERT_OK(indexes_->Verify(*catalog_->Find("t")));

  // Checkpointed at close, reloaded at open (its file, not a rebuild).
  indexes_.reset();
  EXPECT_TRUE(fault_env_.FileExists("/db/mirror-" + std::to_string(catalog_->Find("t")->derived[0].id) + ".idx"));
  Open();
  OpenIndexes();
  EXPECT_EQ(4u, Mirror()->rows());
  // A crash: the writes after the checkpoint (made durable) are replayed
  // from the feed.
  Upsert({7}, 3);
  ASSERT_OK(db_->SyncWal());
  ASSERT_OK(indexes_->Close(/*checkpoint=*/false));
  indexes_.reset();
  PowerLossAndReopen();
  OpenIndexes();
  EXPECT_EQ(5u, Mirror()->rows());
  ASSERT_OK(indexes_->Verify(*catalog_->Find("t")));

  Mirror()->Tamper();
  EXPECT_TRUE(indexes_->Verify(*catalog_->Find("t")).IsCorruption());
  ASSERT_OK(indexes_->Drop("t", "v", kMirror));
  EXPECT_EQ(Mirror(), nullptr);
  EXPECT_TRUE(indexes_->Drop("t", "v", kMirror).IsNotFound());
}

// Checkpoints are taken in the background once an index's feed has moved
// checkpoint_after records past its last one, so a reopen after a crash
// replays a bounded tail: at most checkpoint_after records, plus those
// written during one poll interval and one save.
TEST_F(DerivedIndexesTest, BackgroundCheckpointsBoundTheReplayAfterACrash) {
  constexpr uint64_t kAfter = 20;
  indexes_.reset();
  OpenIndexes(kAfter);
  ASSERT_OK(indexes_->Create("t", "v", kMirror, {}).status());
  for (int64_t i = 0; i < 300; i++) {
    Upsert({i}, 1);
    if (i % 10 == 9) {
      // Let the checkpointer catch up (a robot writes at a rate; this loop would not otherwise).
      for (int wait = 0; wait < 800 && Mirror()->covered() >= Mirror()->saved() + kAfter; wait++) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }
  // Read once the checkpointer stopped (Close joins it), so that no save
  // comes between this figure and the crash.
  const std::shared_ptr<DerivedIndex> before = indexes_->Find(catalog_->Find("t")->id, "v", kMirror);
  ASSERT_OK(db_->SyncWal());
  ASSERT_OK(indexes_->Close(/*checkpoint=*/false));
  const uint64_t behind = before->covered() - before->saved();
  EXPECT_LT(behind, kAfter + 10) << "the background checkpoints fell behind";
  indexes_.reset();
  PowerLossAndReopen();
  OpenIndexes(kAfter);
  EXPECT_EQ(300u, Mirror()->rows());
  EXPECT_EQ(behind, Mirror()->applied) << "the replay is the tail past the last checkpoint";
  EXPECT_LT(Mirror()->applied, kAfter + 10);
  ASSERT_OK(indexes_->Verify(*catalog_->Find("t")));
}

}  // namespace
}  // namespace embodb::index
