// SequenceClock: which ticks are stored, and exact answers for the recent past.
#include "lsm/clock.h"

#include <gtest/gtest.h>

namespace embodb::lsm {

static constexpr uint64_t kPeriod = kClockResolutionMicros;

TEST(ClockTest, TickKeysSortByTimeAndRoundTrip) {
  const std::string prefix("\0clock", 6);
  EXPECT_LT(ClockTickKey(prefix, 255), ClockTickKey(prefix, 256));
  auto t = DecodeClockTick(prefix, ClockTickKey(prefix, 1234567), ClockTickValue(42));
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ(1234567u, (*t)->time_micros);
  EXPECT_EQ(42u, (*t)->sequence);
  auto other = DecodeClockTick(prefix, "\x01" "clock12345678", ClockTickValue(42));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value()) << "another key is no tick";
  EXPECT_TRUE(DecodeClockTick(prefix, ClockTickKey(prefix, 1), "short").status().IsCorruption());
}

TEST(ClockTest, StoresTheFirstAndLastGroupOfEachPeriod) {
  SequenceClock clock;
  std::vector<ClockTick> store;
  clock.Record(10 * kPeriod, 5, &store);
  ASSERT_EQ(1u, store.size());
  EXPECT_EQ(5u, store[0].sequence);
  store.clear();
  clock.Record(10 * kPeriod + 10, 6, &store);
  clock.Record(10 * kPeriod + 20, 7, &store);
  EXPECT_TRUE(store.empty());  // the same period: memory only
  clock.Record(12 * kPeriod, 9, &store);
  ASSERT_EQ(2u, store.size());
  EXPECT_EQ(10 * kPeriod + 20, store[0].time_micros);  // closes the last period
  EXPECT_EQ(7u, store[0].sequence);
  EXPECT_EQ(12 * kPeriod, store[1].time_micros);
  store.clear();
  clock.Record(13 * kPeriod, 11, &store);  // the period before had one group, stored
  ASSERT_EQ(1u, store.size());
  EXPECT_EQ(11u, store[0].sequence);
}

TEST(ClockTest, RecentPastIsExact) {
  SequenceClock clock;
  std::vector<ClockTick> store;
  clock.Record(100, 1, &store);
  clock.Record(200, 2, &store);
  clock.Record(300, 3, &store);
  EXPECT_EQ(std::nullopt, clock.RecentAt(99));
  EXPECT_EQ(1u, clock.RecentAt(100));
  EXPECT_EQ(1u, clock.RecentAt(199));
  EXPECT_EQ(2u, clock.RecentAt(200));
  EXPECT_EQ(3u, clock.RecentAt(5000));
  EXPECT_EQ(100u, clock.OldestRecent()->time_micros);
}

TEST(ClockTest, TimeNeverRunsBackwards) {
  SequenceClock clock;
  std::vector<ClockTick> store;
  clock.Record(5 * kPeriod, 1, &store);
  clock.Record(3 * kPeriod, 2, &store);  // the wall clock stepped back
  EXPECT_EQ(2u, clock.RecentAt(5 * kPeriod));
  EXPECT_EQ(1u, store.size());
}

TEST(ClockTest, ASeedIsStoredWhenItsPeriodCloses) {
  SequenceClock clock;
  std::vector<ClockTick> store;
  clock.Seed(4 * kPeriod, 50);
  EXPECT_EQ(50u, clock.RecentAt(4 * kPeriod + 1));
  clock.Record(4 * kPeriod + 5, 51, &store);
  EXPECT_TRUE(store.empty());
  clock.Record(6 * kPeriod, 52, &store);
  ASSERT_EQ(3u, store.size());
  EXPECT_EQ(50u, store[0].sequence);
  EXPECT_EQ(51u, store[1].sequence);
  EXPECT_EQ(52u, store[2].sequence);
}

TEST(ClockTest, AStuckClockStillStoresTicks) {
  SequenceClock clock;
  std::vector<ClockTick> store;
  for (SequenceNumber s = 1; s <= 5000; s++) clock.Record(kPeriod, s, &store);
  EXPECT_GE(store.size(), 5000u / 1024);
  EXPECT_LE(store.size(), 2 * (5000u / 1024) + 2);
}

}  // namespace embodb::lsm
