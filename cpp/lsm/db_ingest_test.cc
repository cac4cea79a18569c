// Large batches written straight into tables (db_ingest.cc): the same
// answers as the memtable path, atomic, durable, and ordered with the writes
// around them.
#include <gtest/gtest.h>

#include <map>

#include "testing/db_fixture.h"

namespace embodb::lsm {

class IngestTest : public DBTest {
 protected:
  // Small slices: every ingest here is written in parallel slices.
  IngestTest() {
    options_.min_ingest_batch_size = 64 << 10;
    options_.ingest_slice_size = 16 << 10;
    options_.compaction_threads = 3;
  }

  // A batch big enough to be ingested: keys [from, to) set to value(i).
  static WriteBatch BigBatch(int from, int to, const std::string& tag) {
    WriteBatch b;
    for (int i = from; i < to; i++) b.Put(Key(i), tag + std::to_string(i) + std::string(100, 'v'));
    return b;
  }
  Status Write(WriteBatch* b, Durability d = Durability::kOff) {
    WriteOptions wo;
    wo.durability = d;
    return db_->Write(wo, b);
  }
};

TEST_F(IngestTest, BigBatchIsWrittenAsTablesAndReadsBack) {
  Open();
  WriteBatch b = BigBatch(0, 2000, "a");
  ASSERT_GE(b.ApproximateSize(), options_.min_ingest_batch_size);
  ASSERT_OK(Write(&b));
  auto stats = db_->GetStats();
  EXPECT_EQ(1u, stats.num_ingests);
  EXPECT_EQ(0u, stats.wal_bytes_written);  // not through the log
  EXPECT_EQ(0u, stats.num_flushes);
  EXPECT_EQ(2000u, stats.last_sequence);
  EXPECT_EQ("a7" + std::string(100, 'v'), Get(Key(7)));
  EXPECT_EQ(2000u, Scan().size());
  Reopen();
  EXPECT_EQ("a1999" + std::string(100, 'v'), Get(Key(1999)));
  EXPECT_EQ(2000u, db_->GetStats().last_sequence);
}

TEST_F(IngestTest, NewerThanTheMemtableAndOlderThanLaterWrites) {
  Open();
  ASSERT_OK(Put(Key(5), "old"));
  ASSERT_OK(Put("zzz-other-range", "kept"));
  // Held: the ingest's tables (one per slice) may trigger a compaction,
  // which keeps old versions for held snapshots only.
  const SequenceNumber before = db_->GetSnapshot();
  WriteBatch b = BigBatch(0, 2000, "new");
  b.Delete(Key(6));  // a delete in the batch hides nothing older than it
  ASSERT_OK(Write(&b));
  EXPECT_EQ("new5" + std::string(100, 'v'), Get(Key(5)));
  EXPECT_EQ("NOT_FOUND", Get(Key(6)));
  EXPECT_EQ("old", Get(Key(5), before));  // a snapshot from before sees none of it
  EXPECT_EQ("NOT_FOUND", Get(Key(7), before));
  db_->ReleaseSnapshot(before);
  ASSERT_OK(Put(Key(8), "later"));
  EXPECT_EQ("later", Get(Key(8)));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ("later", Get(Key(8)));
  EXPECT_EQ("new5" + std::string(100, 'v'), Get(Key(5)));
  EXPECT_EQ("kept", Get("zzz-other-range"));
  Reopen();
  EXPECT_EQ("later", Get(Key(8)));
  EXPECT_EQ("NOT_FOUND", Get(Key(6)));
}

TEST_F(IngestTest, RepeatedKeysInOneBatchKeepTheLast) {
  Open();
  WriteBatch b = BigBatch(0, 1000, "first");
  for (int i = 0; i < 1000; i++) b.Put(Key(i), "second" + std::to_string(i));
  ASSERT_OK(Write(&b));
  EXPECT_EQ("second3", Get(Key(3)));
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ("second999", Get(Key(999)));
}

TEST_F(IngestTest, LargeValuesGoToBlobFiles) {
  Open();
  WriteBatch b;
  for (int i = 0; i < 100; i++) b.Put(Key(i), std::string(2000, static_cast<char>('a' + i % 26)));
  ASSERT_OK(Write(&b));
  EXPECT_GE(db_->GetStats().blob_files, 1);
  EXPECT_EQ(std::string(2000, 'd'), Get(Key(3)));
  Reopen();
  EXPECT_EQ(std::string(2000, 'e'), Get(Key(30)));
}

// An ingest cut into parallel slices: each slice writes its own tables and
// blob files; every value reads back, across a reopen and a compaction.
TEST_F(IngestTest, SlicesWithBlobFilesReadBack) {
  Open();
  WriteBatch b;
  for (int i = 0; i < 400; i++) {
    b.Put(Key(i), i % 3 == 0 ? std::string(1500, static_cast<char>('a' + i % 26)) : "small" + std::to_string(i));
  }
  ASSERT_OK(Write(&b));
  EXPECT_GE(db_->GetStats().blob_files, 2);  // one per slice that had a large value
  auto check = [&] {
    for (int i = 0; i < 400; i++) {
      ASSERT_EQ(i % 3 == 0 ? std::string(1500, static_cast<char>('a' + i % 26)) : "small" + std::to_string(i),
                Get(Key(i)))
          << i;
    }
  };
  check();
  Reopen();
  check();
  ASSERT_OK(db_->CompactAll());
  check();
}

// An ingest's tables are written uncompressed (the writer does not wait for
// zstd); the compaction that merges them compresses them.
TEST_F(IngestTest, CompactionCompressesWhatAnIngestWroteRaw) {
  KeepTablesInL0();
  options_.table.zstd_level = 3;
  Open();
  WriteBatch b = BigBatch(0, 3000, "compressible");  // 100 'v's a value
  ASSERT_OK(Write(&b));
  const uint64_t raw = db_->GetStats().levels[0].bytes;
  EXPECT_GT(raw, 3000u * 100);
  ASSERT_OK(db_->CompactAll());
  uint64_t compacted = 0;
  for (const auto& level : db_->GetStats().levels) compacted += level.bytes;
  EXPECT_LT(compacted * 3, raw) << "compacted " << compacted << " of " << raw;
  EXPECT_EQ("compressible7" + std::string(100, 'v'), Get(Key(7)));
}

TEST_F(IngestTest, SurvivesPowerLossOnceAcknowledged) {
  Open();
  WriteBatch b = BigBatch(0, 2000, "a");
  ASSERT_OK(Write(&b, Durability::kOff));  // tables and manifest are synced whatever the durability
  PowerLossAndReopen();
  EXPECT_EQ(2000u, Scan().size());
  ASSERT_OK(Put("after", "x", Durability::kSync));
  PowerLossAndReopen();
  EXPECT_EQ("x", Get("after"));
  EXPECT_EQ(2001u, Scan().size());
}

TEST_F(IngestTest, FailedTableWriteCommitsNothingAndTheDatabaseGoesOn) {
  Open();
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(db_->Flush());  // so that the failing write is the ingest's, not a flush's
  WriteBatch b = BigBatch(0, 2000, "a");
  fault_env_.FailNthWrite(3);
  EXPECT_FALSE(Write(&b).ok());
  EXPECT_EQ(1u, Scan().size());
  EXPECT_EQ("NOT_FOUND", Get(Key(1)));
  // Nothing was torn: writes go on, and the leftover file is not read.
  ASSERT_OK(Put("b", "2", Durability::kSync));
  WriteBatch again = BigBatch(0, 2000, "c");
  ASSERT_OK(Write(&again));
  Reopen();
  EXPECT_EQ(2002u, Scan().size());
  EXPECT_EQ("c4" + std::string(100, 'v'), Get(Key(4)));
}

TEST_F(IngestTest, DiskFullDuringIngestLeavesTheDatabaseAsItWas) {
  Open();
  ASSERT_OK(Put("a", "1", Durability::kSync));
  fault_env_.SetDiskFull(true);
  WriteBatch b = BigBatch(0, 2000, "a");
  Status s = Write(&b);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  fault_env_.SetDiskFull(false);
  PowerLossAndReopen();
  EXPECT_EQ((std::map<std::string, std::string>{{"a", "1"}}), Scan());
}

}  // namespace embodb::lsm
