// History: reads of the database as it was at a past wall time, kept through
// flushes, compactions, reopen and power loss, and dropped once outside the
// window.
#include <gtest/gtest.h>

#include "testing/db_fixture.h"

namespace embodb::lsm {

static constexpr uint64_t kSecond = 1000000;

class HistoryTest : public DBTest {
 protected:
  HistoryTest() {
    options_.history_micros = 3600 * kSecond;
    options_.clock_key_prefix = std::string("\0clock/", 7);
  }
  uint64_t Now() { return fault_env_.NowMicros(); }
  // Writes k = v, then moves the clock on; returns a time just after the write.
  uint64_t PutAndTick(const std::string& k, const std::string& v, Durability d = Durability::kOff) {
    EXPECT_OK(Put(k, v, d));
    const uint64_t t = Now();
    fault_env_.AdvanceClock(5000);
    return t;
  }
  std::string GetAt(uint64_t time, const std::string& k) {
    auto snap = db_->GetSnapshotAt(time);
    if (!snap.ok()) return "ERROR: " + snap.status().ToString();
    std::string v = Get(k, *snap);
    db_->ReleaseSnapshot(*snap);
    return v;
  }
  // The user keys the database holds outside the clock.
  int CountClockTicks() {
    int n = 0;
    auto it = db_->NewIterator(ReadOptions{});
    for (it->Seek(options_.clock_key_prefix); it->Valid() && it->key().substr(0, 7) == options_.clock_key_prefix;
         it->Next()) {
      n++;
    }
    return n;
  }
};

TEST_F(HistoryTest, ReadsThePastThroughFlushesAndCompactions) {
  Open();
  const uint64_t before = Now();
  fault_env_.AdvanceClock(5000);
  const uint64_t t1 = PutAndTick("k", "v1");
  const uint64_t t2 = PutAndTick("k", "v2");
  ASSERT_OK(Delete("k"));
  const uint64_t t3 = Now();
  fault_env_.AdvanceClock(5000);
  const uint64_t t4 = PutAndTick("k", "v4");
  for (int round = 0; round < 2; round++) {
    SCOPED_TRACE(round);
    EXPECT_EQ("NOT_FOUND", GetAt(before, "k"));
    EXPECT_EQ("v1", GetAt(t1, "k"));
    EXPECT_EQ("v2", GetAt(t2, "k"));
    EXPECT_EQ("NOT_FOUND", GetAt(t3, "k"));
    EXPECT_EQ("v4", GetAt(t4, "k"));
    EXPECT_EQ("v4", GetAt(Now(), "k"));
    ASSERT_OK(db_->CompactAll());  // keeps every version inside the window
  }
  Reopen();
  EXPECT_EQ("v1", GetAt(t1, "k"));
  EXPECT_EQ("NOT_FOUND", GetAt(t3, "k"));
  EXPECT_EQ("v4", GetAt(Now(), "k"));
}

TEST_F(HistoryTest, RecentPastIsExactWithinOnePeriod) {
  Open();
  ASSERT_OK(Put("k", "a"));
  const uint64_t t = Now();
  fault_env_.AdvanceClock(1);  // a later microsecond, likely the same period
  ASSERT_OK(Put("k", "b"));
  EXPECT_EQ("a", GetAt(t, "k"));
  EXPECT_EQ("b", GetAt(Now(), "k"));
}

TEST_F(HistoryTest, TheLastPeriodBeforeCloseIsKept) {
  // Writes in the period the database opened in, and a later write in the
  // period of an earlier one: the clock keeps such groups in memory, and
  // close must store them.
  Open();
  ASSERT_OK(Put("k", "a"));  // the period of the open: not stored yet
  const uint64_t t1 = Now();
  fault_env_.AdvanceClock(kClockResolutionMicros - Now() % kClockResolutionMicros);  // a new period
  ASSERT_OK(Put("k", "b"));  // the first group of its period: stored at once
  fault_env_.AdvanceClock(1);
  ASSERT_OK(Put("k", "c"));  // a later group of the same period: in memory
  const uint64_t t2 = Now();
  fault_env_.AdvanceClock(5000);
  Reopen();
  EXPECT_EQ("a", GetAt(t1, "k"));
  EXPECT_EQ("c", GetAt(t2, "k"));
}

TEST_F(HistoryTest, SurvivesPowerLoss) {
  Open();
  const uint64_t t1 = PutAndTick("k", "v1", Durability::kSync);
  const uint64_t t2 = PutAndTick("k", "v2", Durability::kSync);
  PowerLossAndReopen();
  EXPECT_EQ("v1", GetAt(t1, "k"));
  EXPECT_EQ("v2", GetAt(t2, "k"));
  EXPECT_EQ("v2", GetAt(Now(), "k"));
}

TEST_F(HistoryTest, IngestedBatchesAreOnTheClock) {
  options_.min_ingest_batch_size = 64 << 10;
  Open();
  const uint64_t t1 = PutAndTick("k", "small");
  WriteBatch big;
  for (int i = 0; i < 2000; i++) big.Put(Key(i), std::string(100, 'v'));
  big.Put("k", "big");
  ASSERT_OK(db_->Write(WriteOptions{}, &big));
  ASSERT_EQ(1u, db_->GetStats().num_ingests);
  const uint64_t t2 = Now();
  EXPECT_EQ("small", GetAt(t1, "k"));
  EXPECT_EQ("big", GetAt(t2, "k"));
  Reopen();
  EXPECT_EQ("small", GetAt(t1, "k"));
  EXPECT_EQ("big", GetAt(t2, "k"));
}

TEST_F(HistoryTest, RejectsTimesOutsideTheWindow) {
  Open();
  const uint64_t t1 = PutAndTick("k", "v1");
  EXPECT_TRUE(db_->GetSnapshotAt(Now() + kSecond).status().IsInvalidArgument());  // the future
  fault_env_.AdvanceClock(3601 * kSecond);
  auto s = db_->GetSnapshotAt(t1);
  EXPECT_TRUE(s.status().IsInvalidArgument()) << s.status().ToString();
  EXPECT_NE(std::string::npos, s.status().ToString().find("history window"));
  EXPECT_EQ("v1", GetAt(Now(), "k"));
}

TEST_F(HistoryTest, TimeBeforeHistoryBeganIsRejected) {
  options_.history_micros = 0;
  Open();
  ASSERT_OK(Put("k", "v0"));
  EXPECT_TRUE(db_->GetSnapshotAt(Now()).status().IsInvalidArgument());
  const uint64_t before = Now();
  fault_env_.AdvanceClock(5000);
  ASSERT_OK(db_->Close());
  options_.history_micros = 3600 * kSecond;
  Open();
  auto s = db_->GetSnapshotAt(before);
  EXPECT_TRUE(s.status().IsInvalidArgument()) << s.status().ToString();
  EXPECT_EQ("v0", GetAt(Now(), "k"));  // the state at open is on the clock
}

TEST_F(HistoryTest, VersionsAndTicksOutsideTheWindowAreDropped) {
  Open();
  ASSERT_OK(Put("k", "old"));
  const SequenceNumber old_sequence = db_->GetStats().last_sequence - 0;
  for (int i = 0; i < 50; i++) PutAndTick("k", "v" + std::to_string(i));
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ("old", Get("k", old_sequence));  // inside the window: kept
  const int ticks_inside = CountClockTicks();
  EXPECT_GE(ticks_inside, 50);

  fault_env_.AdvanceClock(2 * 3600 * kSecond);
  PutAndTick("k", "new");
  ASSERT_OK(db_->CompactAll());
  // Reads at the old sequence no longer find its version: it was dropped.
  EXPECT_NE("old", Get("k", old_sequence));
  EXPECT_LE(CountClockTicks(), 4);
  EXPECT_EQ("new", GetAt(Now(), "k"));
}

TEST_F(HistoryTest, ASnapshotTakenInTheWindowOutlivesIt) {
  Open();
  const uint64_t t1 = PutAndTick("k", "v1");
  PutAndTick("k", "v2");
  auto snap = db_->GetSnapshotAt(t1);
  ASSERT_OK(snap.status());
  fault_env_.AdvanceClock(2 * 3600 * kSecond);
  PutAndTick("k", "v3");
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ("v1", Get("k", *snap));
  db_->ReleaseSnapshot(*snap);
}

}  // namespace embodb::lsm
