#include "lsm/sstable/table.h"

#include <gtest/gtest.h>

#include <map>

#include "env/fault_injection_env.h"
#include "lsm/dbformat.h"
#include "lsm/sstable/block_builder.h"
#include "lsm/sstable/table_builder.h"
#include "testing/test_util.h"

namespace embodb::lsm::sstable {

static std::string IKey(const std::string& user_key, SequenceNumber seq, ValueType t = kTypeValue) {
  std::string k;
  AppendInternalKey(&k, user_key, seq, t);
  return k;
}

TEST(BlockTest, SeekAndIterateBothWays) {
  BlockBuilder b(4);
  std::vector<std::string> keys;
  for (int i = 0; i < 100; i++) {
    char buf[16];
    snprintf(buf, sizeof(buf), "key%05d", i * 2);
    keys.push_back(buf);
    b.Add(buf, std::to_string(i));
  }
  auto block = std::make_shared<const Block>(std::string(b.Finish()));
  auto it = Block::NewIterator(block, KeyOrder::kBytewise);
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ASSERT_EQ(keys[n++], it->key());
  EXPECT_EQ(100, n);
  for (it->SeekToLast(); it->Valid(); it->Prev()) ASSERT_EQ(keys[--n], it->key());
  EXPECT_EQ(0, n);
  it->Seek("key00051");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("key00052", it->key());
  it->Seek("key00052");
  EXPECT_EQ("key00052", it->key());
  it->Seek("zzz");
  EXPECT_FALSE(it->Valid());
  EXPECT_OK(it->status());
}

TEST(BlockTest, LargeEntriesRestartAtEveryEntry) {
  for (size_t value_size : {10, 300}) {
    BlockBuilder b(16, 256);
    std::vector<std::string> keys;
    for (int i = 0; i < 40; i++) {
      char buf[16];
      snprintf(buf, sizeof(buf), "key%05d", i * 2);
      keys.push_back(buf);
      b.Add(buf, std::string(value_size, 'v'));
    }
    const std::string_view contents = b.Finish();
    const uint32_t restarts = DecodeFixed32(contents.data() + contents.size() - 4);
    // 14-byte entries restart every 16 entries (16 fill 224 bytes); large ones at each.
    EXPECT_EQ(value_size == 10 ? 3u : 40u, restarts) << value_size;
    auto block = std::make_shared<const Block>(std::string(contents));
    EXPECT_EQ(restarts, block->num_restarts());
    auto it = Block::NewIterator(block, KeyOrder::kBytewise);
    for (int i = 0; i < 40; i++) {
      it->Seek(keys[i]);
      ASSERT_TRUE(it->Valid());
      EXPECT_EQ(keys[i], it->key());
      it->Seek(keys[i] + "x");  // between two keys
      if (i + 1 < 40) {
        ASSERT_TRUE(it->Valid());
        EXPECT_EQ(keys[i + 1], it->key());
      } else {
        EXPECT_FALSE(it->Valid());
      }
    }
    int n = 40;
    for (it->SeekToLast(); it->Valid(); it->Prev()) ASSERT_EQ(keys[--n], it->key());
    EXPECT_EQ(0, n);
  }
}

TEST(BlockTest, MalformedBlocksReportCorruption) {
  auto block = std::make_shared<const Block>(std::string("\x01\x00", 2));
  auto it = Block::NewIterator(block, KeyOrder::kBytewise);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
  // A restart count larger than the block.
  block = std::make_shared<const Block>(std::string("\x00\x00\x00\x00\xff\x00\x00\x00", 8));
  it = Block::NewIterator(block, KeyOrder::kBytewise);
  it->SeekToFirst();
  EXPECT_TRUE(it->status().IsCorruption());
}

class TableTest : public ::testing::TestWithParam<int> {
 protected:
  void Build(const std::map<std::string, std::string>& kv, TableOptions options = {}) {
    options.zstd_level = GetParam();
    auto f = env_->NewWritableFile("/t.sst").value();
    TableBuilder builder(options, f.get());
    SequenceNumber seq = 1;
    for (const auto& [k, v] : kv) builder.Add(IKey(k, seq++), v);
    ASSERT_OK(builder.Finish());
    ASSERT_OK(f->Close());
    size_ = builder.FileSize();
    ASSERT_EQ(size_, env_->GetFileSize("/t.sst").value());
  }
  Result<std::shared_ptr<Table>> Open(BlockCache* cache = nullptr) {
    auto f = env_->NewRandomAccessFile("/t.sst");
    if (!f.ok()) return f.status();
    return Table::Open(std::move(f).value(), "/t.sst", size_, 1, cache);
  }
  std::unique_ptr<Env> env_ = NewMemEnv();
  uint64_t size_ = 0;
};

TEST_P(TableTest, RoundTrip) {
  Random rnd(42);
  std::map<std::string, std::string> kv;
  for (int i = 0; i < 5000; i++) {
    kv["key" + std::to_string(rnd.Uniform(100000))] = std::string(rnd.Uniform(200), 'a' + i % 26);
  }
  Build(kv);
  BlockCache cache(1 << 20);
  auto table = Open(&cache);
  ASSERT_OK(table.status());
  EXPECT_EQ(kv.size(), (*table)->properties().num_entries);
  auto it = (*table)->NewIterator();
  auto expected = kv.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    ASSERT_EQ(expected->first, ExtractUserKey(it->key()));
    ASSERT_EQ(expected->second, it->value());
  }
  EXPECT_TRUE(expected == kv.end());
  ASSERT_OK(it->status());
  for (auto rit = kv.rbegin(); rit != kv.rend(); ++rit) {
    if (rit == kv.rbegin()) it->SeekToLast(); else it->Prev();
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(rit->first, ExtractUserKey(it->key()));
  }
  for (const auto& [k, v] : kv) {
    std::string fv;
    ValueType type;
    bool found;
    ASSERT_OK((*table)->Get(IKey(k, kMaxSequenceNumber, kValueTypeForSeek), &fv, &type, &found));
    ASSERT_TRUE(found) << k;
    ASSERT_EQ(v, fv);
  }
  int found_absent = 0;
  for (int i = 0; i < 1000; i++) {
    std::string fv;
    ValueType type;
    bool found;
    ASSERT_OK((*table)->Get(IKey("nokey" + std::to_string(i), kMaxSequenceNumber, kValueTypeForSeek),
                            &fv, &type, &found));
    found_absent += found;
  }
  EXPECT_EQ(0, found_absent);
  EXPECT_GT(cache.hits(), 0u);
}

// Serves reads as views of memory it owns, like a mapping.
class ViewFile final : public RandomAccessFile {
 public:
  explicit ViewFile(std::string data) : data_(std::move(data)) {}
  Status Read(uint64_t offset, size_t n, std::string_view* result, char*) const override {
    *result = offset > data_.size() ? std::string_view() : std::string_view(data_).substr(offset, n);
    return Status::OK();
  }
  bool ReturnsStableViews() const override { return true; }

 private:
  std::string data_;
};

// 3000 rows of 50 to 149 bytes: many data blocks.
std::map<std::string, std::string> VariedRows() {
  std::map<std::string, std::string> kv;
  for (int i = 0; i < 3000; i++) kv["key" + std::to_string(100000 + i)] = std::string(50 + i % 100, 'a' + i % 26);
  return kv;
}

TEST_P(TableTest, MappedBlocksAreReadInPlaceAndStillVerified) {
  const std::map<std::string, std::string> kv = VariedRows();
  Build(kv);
  std::string contents;
  ASSERT_OK(ReadFileToString(env_.get(), "/t.sst", &contents));
  auto file = std::make_unique<ViewFile>(contents);
  BlockCache cache(1 << 20);
  auto table = Table::Open(std::move(file), "/t.sst", size_, 1, &cache);
  ASSERT_OK(table.status());
  auto it = (*table)->NewIterator();
  auto expected = kv.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    ASSERT_EQ(expected->first, ExtractUserKey(it->key()));
    ASSERT_EQ(expected->second, it->value());
  }
  ASSERT_OK(it->status());
  it.reset();
  for (const auto& [k, v] : kv) {
    std::string fv;
    ValueType type;
    bool found;
    ASSERT_OK((*table)->Get(IKey(k, kMaxSequenceNumber, kValueTypeForSeek), &fv, &type, &found));
    ASSERT_TRUE(found);
    ASSERT_EQ(v, fv);
  }
  // Uncompressed blocks are viewed, not copied into the cache; compressed
  // ones are decompressed into it.
  if (GetParam() == 0) {
    EXPECT_EQ(0u, cache.usage());
  } else {
    EXPECT_GT(cache.usage(), 0u);
  }
  // A viewed block is verified when first read by the open table (as a
  // cached block is when loaded): a flipped byte is caught, by lookups and
  // scans alike.
  for (bool scan : {false, true}) {
    std::string flipped = contents;
    flipped[10] ^= 0x40;
    auto damaged = Table::Open(std::make_unique<ViewFile>(flipped), "/t.sst", size_, 2, &cache);
    ASSERT_OK(damaged.status());
    Status s;
    if (scan) {
      auto iter = (*damaged)->NewIterator();
      iter->SeekToFirst();
      s = iter->status();
    } else {
      std::string fv;
      ValueType type;
      bool found;
      s = (*damaged)->Get(IKey(kv.begin()->first, kMaxSequenceNumber, kValueTypeForSeek), &fv, &type, &found);
    }
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  }
}

TEST_P(TableTest, MappedBlocksAreVerifiedOnceEachAndNoneIsTakenForAnother) {
  const std::map<std::string, std::string> kv = VariedRows();
  Build(kv);
  std::string contents;
  ASSERT_OK(ReadFileToString(env_.get(), "/t.sst", &contents));
  contents[contents.size() / 3] ^= 0x01;  // inside one data block
  BlockCache cache(1 << 20);
  auto table = Table::Open(std::make_unique<ViewFile>(contents), "/t.sst", size_, 1, &cache);
  ASSERT_OK(table.status());
  // Twice over: every lookup either reads its value intact or reports the
  // damaged block, never a damaged value, however many other blocks it
  // has verified before.
  for (int pass = 0; pass < 2; pass++) {
    int damaged = 0;
    for (const auto& [k, v] : kv) {
      std::string fv;
      ValueType type;
      bool found = false;
      Status s = (*table)->Get(IKey(k, kMaxSequenceNumber, kValueTypeForSeek), &fv, &type, &found);
      if (s.IsCorruption()) {
        damaged++;
        continue;
      }
      ASSERT_OK(s);
      ASSERT_TRUE(found) << k;
      ASSERT_EQ(v, fv) << k;
    }
    EXPECT_GT(damaged, 0);
    EXPECT_LT(damaged, 100);
  }
}

// Versions of keys at sequences 10, 20, 30, some deleted, read at every
// sequence from 5 to 35 in one shuffled batch, through a mapping or not.
TEST_P(TableTest, MultiGetAnswersEachLookupAsItsOwnGetWould) {
  struct Entry {
    std::string user_key;
    SequenceNumber seq;
    ValueType type;
    std::string value;
  };
  std::vector<Entry> entries;  // in internal key order
  Random rnd(5);
  for (int k = 0; k < 1500; k++) {
    const std::string user_key = "key" + std::to_string(100000 + 2 * k);
    const int versions = 1 + k % 3;
    for (int v = versions; v >= 1; v--) {
      const ValueType type = rnd.OneIn(5) ? kTypeDeletion : kTypeValue;
      const std::string value =
          type == kTypeDeletion ? "" : testing::RandomBytes(&rnd, k % 7 == 0 ? 600 : rnd.Uniform(120));
      entries.push_back({user_key, static_cast<SequenceNumber>(10 * v), type, value});
    }
  }
  TableOptions options;
  options.zstd_level = GetParam();
  {
    auto f = env_->NewWritableFile("/t.sst").value();
    TableBuilder builder(options, f.get());
    for (const Entry& e : entries) builder.Add(IKey(e.user_key, e.seq, e.type), e.value);
    ASSERT_OK(builder.Finish());
    ASSERT_OK(f->Close());
    size_ = builder.FileSize();
  }
  // The expected answer: the newest version at or below the lookup's sequence.
  struct Probe {
    std::string ikey;
    const Entry* expected = nullptr;
  };
  std::map<std::string, std::vector<const Entry*>> versions;  // newest first
  for (const Entry& e : entries) versions[e.user_key].push_back(&e);
  std::vector<Probe> probes;
  for (int k = 0; k < 3002; k++) {  // odd k: no such key; 3001: past the last
    const std::string user_key = "key" + std::to_string(100000 + k);
    for (SequenceNumber seq : {5, 10, 15, 25, 35}) {
      Probe p;
      p.ikey = IKey(user_key, seq, kValueTypeForSeek);
      for (const Entry* e : versions[user_key]) {
        if (e->seq <= seq) {
          p.expected = e;
          break;
        }
      }
      probes.push_back(std::move(p));
    }
  }
  for (size_t i = probes.size() - 1; i > 0; i--) std::swap(probes[i], probes[rnd.Uniform(i + 1)]);
  std::string contents;
  ASSERT_OK(ReadFileToString(env_.get(), "/t.sst", &contents));
  for (bool mapped : {false, true}) {
    BlockCache cache(1 << 20);
    auto table = mapped ? Table::Open(std::make_unique<ViewFile>(contents), "/t.sst", size_, 1, &cache)
                        : Open(&cache);
    ASSERT_OK(table.status());
    for (int pass = 0; pass < 2; pass++) {  // a mapped table's second pass views verified blocks
      std::vector<std::string> values(probes.size(), "stale");
      std::vector<TableLookup> lookups(probes.size());
      for (size_t i = 0; i < probes.size(); i++) {
        lookups[i].ikey = probes[i].ikey;
        lookups[i].value = &values[i];
      }
      (*table)->MultiGet(lookups.data(), lookups.size());
      for (size_t i = 0; i < probes.size(); i++) {
        const Entry* e = probes[i].expected;
        ASSERT_OK(lookups[i].status);
        ASSERT_EQ(e != nullptr, lookups[i].found) << probes[i].ikey;
        if (e == nullptr) continue;
        ASSERT_EQ(e->type, lookups[i].type);
        if (e->type == kTypeValue) {
          ASSERT_EQ(e->value, values[i]);
        }
      }
    }
  }
  // A damaged block fails the lookups that reach it and no other lookup of
  // the same batch.
  contents[contents.size() / 3] ^= 0x01;
  BlockCache cache(1 << 20);
  auto table = Table::Open(std::make_unique<ViewFile>(contents), "/t.sst", size_, 1, &cache);
  ASSERT_OK(table.status());
  std::vector<std::string> values(probes.size());
  std::vector<TableLookup> lookups(probes.size());
  for (size_t i = 0; i < probes.size(); i++) {
    lookups[i].ikey = probes[i].ikey;
    lookups[i].value = &values[i];
  }
  (*table)->MultiGet(lookups.data(), lookups.size());
  int damaged = 0;
  for (size_t i = 0; i < probes.size(); i++) {
    if (lookups[i].status.IsCorruption()) {
      damaged++;
      continue;
    }
    ASSERT_OK(lookups[i].status);
    const Entry* e = probes[i].expected;
    ASSERT_EQ(e != nullptr, lookups[i].found);
    if (e != nullptr && e->type == kTypeValue) {
      ASSERT_EQ(e->value, values[i]);
    }
  }
  EXPECT_GT(damaged, 0);
  EXPECT_LT(damaged, 200);
}

TEST_P(TableTest, EmptyTable) {
  Build({});
  auto table = Open();
  ASSERT_OK(table.status());
  auto it = (*table)->NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
}

TEST_P(TableTest, EveryByteFlipIsDetectedOrHarmless) {
  std::map<std::string, std::string> kv;
  for (int i = 0; i < 300; i++) kv["k" + std::to_string(i)] = "value" + std::to_string(i * 7);
  TableOptions opts;
  opts.block_size = 256;
  Build(kv, opts);
  std::string pristine;
  ASSERT_OK(ReadFileToString(env_.get(), "/t.sst", &pristine));
  for (size_t pos = 0; pos < pristine.size(); pos++) {
    std::string c = pristine;
    c[pos] ^= 0x5a;
    ASSERT_OK(WriteStringToFile(env_.get(), c, "/t.sst", false));
    auto table = Open();
    if (!table.ok()) {
      ASSERT_TRUE(table.status().IsCorruption() || table.status().IsNotSupported())
          << table.status().ToString();
      continue;
    }
    // Every returned entry must be one that was written.
    auto it = (*table)->NewIterator(false);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto e = kv.find(std::string(ExtractUserKey(it->key())));
      ASSERT_TRUE(e != kv.end()) << pos;
      ASSERT_EQ(e->second, it->value()) << pos;
    }
    // Bytes in padding of the footer are not covered, everything else is.
    if (it->status().ok()) {
      // Only a flip that touched nothing read by the scan is allowed: the full
      // scan must then have returned everything.
      size_t n = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
      ASSERT_EQ(kv.size(), n) << "silent loss with flip at " << pos;
    }
  }
}

TEST_P(TableTest, TruncationIsCorruption) {
  std::map<std::string, std::string> kv;
  for (int i = 0; i < 100; i++) kv["k" + std::to_string(i)] = "v";
  Build(kv);
  std::string pristine;
  ASSERT_OK(ReadFileToString(env_.get(), "/t.sst", &pristine));
  for (size_t cut : {size_t{1}, size_t{10}, pristine.size() / 2, pristine.size() - 1}) {
    ASSERT_OK(WriteStringToFile(env_.get(), pristine.substr(0, pristine.size() - cut), "/t.sst", false));
    auto f = env_->NewRandomAccessFile("/t.sst").value();
    auto table = Table::Open(std::move(f), "/t.sst", pristine.size() - cut, 1, nullptr);
    EXPECT_TRUE(table.status().IsCorruption()) << cut;
  }
}

// A failed append anywhere (data, filter, properties, index, footer) fails
// Finish, even when later appends succeed again.
TEST_P(TableTest, AnyFailedAppendFailsTheBuild) {
  for (int n = 1;; n++) {
    auto mem = NewMemEnv();
    FaultInjectionEnv env(mem.get());
    auto f = env.NewWritableFile("/t.sst").value();
    TableOptions options;
    options.zstd_level = GetParam();
    options.block_size = 256;
    TableBuilder builder(options, f.get());
    env.FailNthWrite(n);
    for (int i = 0; i < 40; i++) builder.Add(IKey("key" + std::to_string(100 + i), 1), std::string(20, 'v'));
    const bool failed = !builder.status().ok() || !builder.Finish().ok();
    env.FailNthWrite(0);
    if (failed) {
      ASSERT_LT(n, 1000);
      continue;
    }
    // Past the last append the build succeeds, and then the table is whole.
    EXPECT_GT(n, 8) << "a table has at least four blocks with trailers";
    ASSERT_OK(f->Close());
    auto table = Table::Open(mem->NewRandomAccessFile("/t.sst").value(), "/t.sst", builder.FileSize(), 1, nullptr);
    ASSERT_TRUE(table.ok()) << "after failing append " << n - 1 << ": " << table.status().ToString();
    EXPECT_EQ(40u, (*table)->properties().num_entries);
    break;
  }
}

INSTANTIATE_TEST_SUITE_P(Compression, TableTest, ::testing::Values(0, 1),
                         [](const auto& info) { return info.param ? "Zstd" : "Plain"; });

}  // namespace embodb::lsm::sstable
