// RunScan against the DB's iterator: the same rows in the same order for
// random puts, deletes and large values through flushes, compactions and
// snapshots, with runs of columnar blocks once tables are compacted (a test
// codec that stores values back to back stands in for the table layer's).
#include "lsm/run_scan.h"

#include <gtest/gtest.h>

#include <map>

#include "lsm/db.h"
#include "testing/db_fixture.h"
#include "testing/test_util.h"
#include "util/coding.h"

namespace embodb::lsm {
namespace {

// Keys starting with 'r' share group 1; values are stored back to back
// after their varint32 lengths.
class PlainValues final : public sstable::BlockValues {
 public:
  explicit PlainValues(std::vector<std::string_view> v) : values_(std::move(v)) {}
  size_t size() const override { return values_.size(); }
  Status Value(size_t i, std::string*, std::string_view* out) const override {
    *out = values_[i];
    return Status::OK();
  }

 private:
  std::vector<std::string_view> values_;
};

// Values of keys "r..." in columnar blocks: their lengths in the block,
// their bytes in its side block (so every read of them goes through one).
class PlainCodec final : public sstable::BlockValueCodec {
 public:
  uint64_t GroupOf(std::string_view user_key) const override { return user_key.starts_with("r") ? 1 : 0; }
  bool Encode(uint64_t, const sstable::BlockEntry* entries, size_t n, std::string* out,
              std::string* side) const override {
    PutVarint32(out, static_cast<uint32_t>(n));
    for (size_t i = 0; i < n; i++) {
      PutVarint32(out, static_cast<uint32_t>(entries[i].value.size()));
      side->append(entries[i].value);
    }
    if (side->empty()) side->push_back('-');  // every block has a side block
    return true;
  }
  Result<std::unique_ptr<const sstable::BlockValues>> Open(std::string_view in,
                                                           const sstable::SidePart* side) const override {
    uint32_t n = 0;
    if (!GetVarint32(&in, &n) || side == nullptr) return Status::Corruption("bad plain block");
    Result<std::string_view> bytes = side->Bytes();
    if (!bytes.ok()) return bytes.status();
    std::vector<std::string_view> values(n);
    size_t at = 0;
    for (auto& v : values) {
      uint32_t len = 0;
      if (!GetVarint32(&in, &len) || len > bytes->size() - at) return Status::Corruption("bad plain block");
      v = bytes->substr(at, len);
      at += len;
    }
    return std::unique_ptr<const sstable::BlockValues>(std::make_unique<PlainValues>(std::move(values)));
  }
};

// The first difference of two scans, for a readable failure.
std::string FirstDifference(const std::map<std::string, std::string>& got,
                            const std::map<std::string, std::string>& want) {
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end()) return "missing " + k;
    if (it->second != v) return k + ": got " + it->second.substr(0, 20) + ", want " + v.substr(0, 20);
  }
  for (const auto& [k, v] : got) {
    if (!want.count(k)) return "extra " + k + " = " + v.substr(0, 20);
  }
  return "";
}

class RunScanTest : public DBTest {
 protected:
  RunScanTest() { options_.table.value_codec = &codec_; }

  // The rows of the scan, runs expanded; counts the rows that came in runs.
  std::map<std::string, std::string> ScanRuns(std::optional<SequenceNumber> snap, std::string lower,
                                              std::string upper, size_t* in_runs) {
    ReadOptions ro;
    ro.snapshot = snap;
    auto scan = db_->NewRunScan(ro, lower, upper);
    std::map<std::string, std::string> out;
    std::string last;
    ScanPiece p;
    *in_runs = 0;
    std::string scratch;
    auto add = [&](std::string_view k, std::string_view v) {
      EXPECT_TRUE(out.empty() || k > last) << "out of order: " << k;
      last.assign(k);
      out[std::string(k)] = std::string(v);
    };
    while (scan->Next(&p)) {
      if (p.kind == ScanPiece::Kind::kRow) {
        add(p.key, p.value);
        continue;
      }
      sstable::BlockIter keys(p.block.get(), sstable::KeyOrder::kInternal);
      keys.SeekToOrdinal(p.begin);
      for (uint32_t i = p.begin; i < p.end; i++, keys.Next()) {
        EXPECT_TRUE(keys.Valid());
        std::string_view v;
        EXPECT_OK(p.block->values()->Value(i, &scratch, &v));
        add(ExtractUserKey(keys.key()), v);
        (*in_runs)++;
      }
    }
    EXPECT_OK(scan->status());
    return out;
  }
  std::map<std::string, std::string> Expected(std::optional<SequenceNumber> snap, const std::string& lower,
                                              const std::string& upper) {
    std::map<std::string, std::string> all = Scan(snap), out;
    for (auto& [k, v] : all) {
      if (k >= lower && (upper.empty() || k < upper)) out[k] = v;
    }
    return out;
  }

  PlainCodec codec_;
};

TEST_F(RunScanTest, SameRowsAsTheIteratorWithRunsAfterCompaction) {
  Open();
  Random rnd(11);
  auto key = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "r%06d", i);
    return std::string(buf);
  };
  for (int i = 0; i < 6000; i++) ASSERT_OK(Put(key(i), "v" + std::to_string(i)));
  ASSERT_OK(Put("a-not-columnar", "x"));
  ASSERT_OK(Put("z-not-columnar", "y"));
  ASSERT_OK(db_->CompactAll());
  size_t in_runs = 0;
  EXPECT_EQ(FirstDifference(ScanRuns(std::nullopt, "", "", &in_runs), Expected(std::nullopt, "", "")), "");
  EXPECT_EQ(in_runs, 6000u) << "after a compaction every row comes in runs";

  // Overwrites, deletes and a large (blob) value in the memtable split runs.
  const SequenceNumber before = db_->GetSnapshot();
  for (int n = 0; n < 300; n++) {
    const int i = static_cast<int>(rnd.Uniform(6500));
    if (rnd.OneIn(3)) {
      ASSERT_OK(Delete(key(i)));
    } else {
      ASSERT_OK(Put(key(i), rnd.OneIn(20) ? std::string(3000, 'b') : "w" + std::to_string(n)));
    }
  }
  for (auto [lo, hi] : std::vector<std::pair<std::string, std::string>>{
           {"", ""}, {key(100), key(2000)}, {key(5999), ""}, {"a", "b"}, {key(7000), ""}}) {
    SCOPED_TRACE(lo + ".." + hi);
    EXPECT_EQ(FirstDifference(ScanRuns(std::nullopt, lo, hi, &in_runs), Expected(std::nullopt, lo, hi)), "");
    EXPECT_EQ(FirstDifference(ScanRuns(before, lo, hi, &in_runs), Expected(before, lo, hi)), "") << "the snapshot";
  }
  ScanRuns(std::nullopt, "", "", &in_runs);
  EXPECT_GT(in_runs, 3000u) << "rows the memtable does not touch still come in runs";
  // Flushed to L0 (row blocks or columnar ones that a newer table shadows).
  ASSERT_OK(db_->Flush());
  EXPECT_EQ(FirstDifference(ScanRuns(std::nullopt, "", "", &in_runs), Expected(std::nullopt, "", "")), "");
  EXPECT_EQ(FirstDifference(ScanRuns(before, "", "", &in_runs), Expected(before, "", "")), "");
  // A snapshot older than a compacted block sees no run of it.
  db_->ReleaseSnapshot(before);
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(FirstDifference(ScanRuns(std::nullopt, "", "", &in_runs), Expected(std::nullopt, "", "")), "");
  const SequenceNumber old = 5;
  EXPECT_EQ(FirstDifference(ScanRuns(old, "", "", &in_runs), Expected(old, "", "")), "");
}

// Point reads and seeks in columnar blocks, whose restart keys a kept block
// indexes by their 8 bytes after the prefix they share: keys that tie
// there (longer shared parts, a key and its extension by 0x00), several
// versions of one key kept for a snapshot, and keys between stored ones.
TEST_F(RunScanTest, PointReadsFindEveryKeyAndVersionInColumnarBlocks) {
  Open();
  Random rnd(3);
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; i++) {
    std::string k = "r/shared/" + std::string(rnd.Uniform(10), 'a') + testing::RandomBytes(&rnd, rnd.Uniform(3));
    keys.push_back(k);
    keys.push_back(k + std::string(1, '\0'));
  }
  std::map<std::string, std::string> first;
  for (const std::string& k : keys) {
    first[k] = "v1-" + std::to_string(first.size());
    ASSERT_OK(Put(k, first[k]));
  }
  ASSERT_OK(db_->CompactAll());
  size_t in_runs = 0;
  ScanRuns(std::nullopt, "", "", &in_runs);
  EXPECT_EQ(in_runs, first.size());  // every key is in a columnar block
  const SequenceNumber old = db_->GetSnapshot();
  std::map<std::string, std::string> now = first;
  for (const std::string& k : keys) {
    if (rnd.OneIn(3)) {
      now[k] = "v2-" + k.substr(0, 4);
      ASSERT_OK(Put(k, now[k]));
    } else if (rnd.OneIn(5)) {
      now.erase(k);
      ASSERT_OK(Delete(k));
    }
  }
  ASSERT_OK(db_->CompactAll());  // the blocks now hold both versions of the keys written twice
  for (int round = 0; round < 2; round++) {  // the second round reads the blocks kept by the first
    for (const auto& [k, v] : first) {
      ASSERT_EQ(Get(k, old), v) << k;
      auto it = now.find(k);
      ASSERT_EQ(Get(k), it == now.end() ? "NOT_FOUND" : it->second) << k;
      ASSERT_EQ(Get(k + "\x01"), now.count(k + "\x01") ? now[k + "\x01"] : "NOT_FOUND");
    }
  }
  // Seeks land on the first key at or after the target.
  auto iter = db_->NewIterator(ReadOptions());
  for (int i = 0; i < 500; i++) {
    const std::string target = keys[rnd.Uniform(static_cast<uint32_t>(keys.size()))] + (rnd.OneIn(2) ? "\x01" : "");
    iter->Seek(target);
    auto want = now.lower_bound(target);
    if (want == now.end()) {
      EXPECT_FALSE(iter->Valid());
    } else {
      ASSERT_TRUE(iter->Valid());
      EXPECT_EQ(iter->key(), want->first);
    }
  }
  db_->ReleaseSnapshot(old);
}

}  // namespace
}  // namespace embodb::lsm
