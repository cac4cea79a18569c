// Write batches that carry SortedPuts (sorted_puts.h): encoded straight into
// tables when ingested, into the batch when logged; either way the same
// answers as plain puts, in sequence order after the batch's records.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "testing/db_fixture.h"

namespace embodb::lsm {

namespace {

// Puts of Key(i) for i in [from, to) with value tag + i + padding; counts
// how often each value is encoded.
class TestPuts final : public SortedPuts {
 public:
  TestPuts(int from, int to, std::string tag) : from_(from), tag_(std::move(tag)), encoded_(to - from) {
    for (int i = from; i < to; i++) keys_.push_back(Key(i));
  }
  std::string Value(size_t i) const { return tag_ + std::to_string(from_ + i) + std::string(100, 'p'); }
  size_t size() const override { return keys_.size(); }
  std::string_view key(size_t i) const override { return keys_[i]; }
  size_t value_size(size_t i) const override { return Value(i).size(); }
  void EncodeValue(size_t i, char* dst) const override {
    const std::string v = Value(i);
    std::copy(v.begin(), v.end(), dst);
    encoded_[i]++;
  }
  uint64_t bytes() const override {
    uint64_t sum = 0;
    for (size_t i = 0; i < size(); i++) sum += keys_[i].size() + value_size(i);
    return sum;
  }
  // True when every value was encoded exactly once.
  bool EncodedOnce() const {
    for (const auto& n : encoded_) {
      if (n.load() != 1) return false;
    }
    return true;
  }

 private:
  const int from_;
  const std::string tag_;
  std::vector<std::string> keys_;
  mutable std::vector<std::atomic<int>> encoded_;
};

}  // namespace

class SortedPutsTest : public DBTest {
 protected:
  SortedPutsTest() { options_.min_ingest_batch_size = 64 << 10; }
  Status Write(WriteBatch* b, Durability d = Durability::kOff) {
    WriteOptions wo;
    wo.durability = d;
    return db_->Write(wo, b);
  }
  static std::string Padded(const std::string& tag, int i) { return tag + std::to_string(i) + std::string(100, 'p'); }
};

// Whole, or cut into slices of consecutive keys written in parallel (the
// records and both sorted puts cut at the same keys).
class SlicedIngestTest : public SortedPutsTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(SlicedIngestTest, IngestedAfterTheRecordsOfTheirBatch) {
  options_.ingest_slice_size = GetParam();
  options_.compaction_threads = 4;
  options_.l0_compaction_trigger = 100;  // the ingest's tables stay in L0, to be counted
  options_.l0_slowdown_trigger = 100;
  options_.l0_stop_trigger = 100;
  Open();
  ASSERT_OK(Put(Key(5), "older"));
  const uint64_t logged_before = db_->GetStats().wal_bytes_written;
  WriteBatch b;
  b.Put(Key(10), "record");    // the sorted puts below are newer
  b.Put(Key(5000), "record");  // beyond them: kept
  auto first = std::make_shared<TestPuts>(0, 2000, "a");
  auto second = std::make_shared<TestPuts>(1500, 2500, "b");  // overlaps the first: newer
  b.AddSortedPuts(first);
  b.AddSortedPuts(second);
  EXPECT_EQ(2u + 2000 + 1000, b.Count());
  EXPECT_EQ(2u, b.RecordCount());
  ASSERT_OK(Write(&b));
  EXPECT_TRUE(first->EncodedOnce());
  EXPECT_TRUE(second->EncodedOnce());
  auto stats = db_->GetStats();
  EXPECT_EQ(1u, stats.num_ingests);
  EXPECT_EQ(logged_before, stats.wal_bytes_written);
  EXPECT_EQ(1u + 3002, stats.last_sequence);
  // The memtable (Key(5) overlaps the batch) flushed first, then the slices.
  EXPECT_EQ(1 + (GetParam() < 64 << 10 ? 4 : 1), stats.levels[0].files);
  EXPECT_EQ(Padded("a", 5), Get(Key(5)));
  EXPECT_EQ(Padded("a", 10), Get(Key(10)));
  EXPECT_EQ(Padded("a", 1499), Get(Key(1499)));
  EXPECT_EQ(Padded("b", 1500), Get(Key(1500)));
  EXPECT_EQ(Padded("b", 2499), Get(Key(2499)));
  EXPECT_EQ("record", Get(Key(5000)));
  EXPECT_EQ("older", Get(Key(5), 1));
  EXPECT_EQ(2501u, Scan().size());
  for (int i = 0; i < 2500; i++) ASSERT_EQ(Padded(i < 1500 ? "a" : "b", i), Get(Key(i))) << i;
  Reopen();
  EXPECT_EQ(Padded("b", 1999), Get(Key(1999)));
  EXPECT_EQ(2501u, Scan().size());
}

INSTANTIATE_TEST_SUITE_P(Slices, SlicedIngestTest, ::testing::Values(size_t{8} << 20, size_t{16} << 10));

TEST_F(SortedPutsTest, SmallOnesAreEncodedIntoTheLoggedBatch) {
  Open();
  WriteBatch b;
  b.Put("z", "record");
  auto puts = std::make_shared<TestPuts>(0, 20, "s");
  b.AddSortedPuts(puts);
  ASSERT_LT(b.ApproximateSize(), options_.min_ingest_batch_size);
  ASSERT_OK(Write(&b, Durability::kSync));
  EXPECT_TRUE(puts->EncodedOnce());
  EXPECT_EQ(0u, db_->GetStats().num_ingests);
  EXPECT_GT(db_->GetStats().wal_bytes_written, 20u * 100);
  PowerLossAndReopen();
  EXPECT_EQ(Padded("s", 19), Get(Key(19)));
  EXPECT_EQ(21u, Scan().size());
}

TEST_F(SortedPutsTest, EncodedIntoTheBatchWhenIngestionIsOff) {
  options_.min_ingest_batch_size = 0;
  Open();
  WriteBatch b;
  b.AddSortedPuts(std::make_shared<TestPuts>(0, 2000, "w"));
  ASSERT_OK(Write(&b, Durability::kSync));
  EXPECT_EQ(0u, db_->GetStats().num_ingests);
  PowerLossAndReopen();
  EXPECT_EQ(Padded("w", 1234), Get(Key(1234)));
}

TEST_F(SortedPutsTest, ConcurrentSmallWritersAreNotGroupedWithThem) {
  Open();
  std::atomic<bool> stop{false};
  std::thread small([&] {
    for (int i = 0; !stop.load() || i < 200; i++) {
      ASSERT_OK(Put("small" + std::to_string(i % 100), "v"));
    }
  });
  for (int round = 0; round < 5; round++) {
    WriteBatch b;
    b.AddSortedPuts(std::make_shared<TestPuts>(round * 1000, round * 1000 + 1000, "r"));
    ASSERT_OK(Write(&b));
  }
  stop = true;
  small.join();
  EXPECT_EQ(5000u + 100, Scan().size());
  EXPECT_EQ(Padded("r", 4321), Get(Key(4321)));
}

TEST_F(SortedPutsTest, FailedIngestCommitsNothing) {
  Open();
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(db_->Flush());
  WriteBatch b;
  b.Put("b", "record");
  b.AddSortedPuts(std::make_shared<TestPuts>(0, 2000, "f"));
  fault_env_.FailNthWrite(3);
  EXPECT_FALSE(Write(&b).ok());
  EXPECT_EQ((std::map<std::string, std::string>{{"a", "1"}}), Scan());
  Reopen();
  EXPECT_EQ((std::map<std::string, std::string>{{"a", "1"}}), Scan());
}

}  // namespace embodb::lsm
