#include "lsm/memtable.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "lsm/write_batch.h"
#include "testing/test_util.h"

namespace embodb::lsm {

TEST(MemTableTest, GetSeesNewestVisibleVersion) {
  MemTable mem;
  mem.Add(1, kTypeValue, "a", "a1");
  mem.Add(2, kTypeValue, "a", "a2");
  mem.Add(3, kTypeDeletion, "a", "");
  mem.Add(4, kTypeValue, "b", "b4");
  std::string v;
  ValueType t;
  EXPECT_EQ(MemTable::LookupResult::kDeleted, mem.Get(LookupKey("a", 10), &v, &t));
  EXPECT_EQ(MemTable::LookupResult::kFound, mem.Get(LookupKey("a", 2), &v, &t));
  EXPECT_EQ("a2", v);
  EXPECT_EQ(MemTable::LookupResult::kFound, mem.Get(LookupKey("a", 1), &v, &t));
  EXPECT_EQ("a1", v);
  EXPECT_EQ(MemTable::LookupResult::kNotPresent, mem.Get(LookupKey("a", 0), &v, &t));
  EXPECT_EQ(MemTable::LookupResult::kNotPresent, mem.Get(LookupKey("b", 3), &v, &t));
  EXPECT_EQ(MemTable::LookupResult::kNotPresent, mem.Get(LookupKey("c", 10), &v, &t));
}

TEST(MemTableTest, IteratorOrderForwardAndBackward) {
  MemTable mem;
  Random rnd(5);
  std::map<std::string, int> model;
  for (int i = 0; i < 2000; i++) {
    std::string k = "k" + std::to_string(rnd.Uniform(500));
    mem.Add(i + 1, kTypeValue, k, std::to_string(i));
  }
  auto it = mem.NewIterator();
  std::string prev;
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), n++) {
    if (n > 0) {
      ASSERT_LT(CompareInternalKeys(prev, it->key()), 0);
    }
    prev.assign(it->key());
  }
  EXPECT_EQ(2000, n);
  n = 0;
  for (it->SeekToLast(); it->Valid(); it->Prev(), n++) {
    if (n > 0) {
      ASSERT_GT(CompareInternalKeys(prev, it->key()), 0);
    }
    prev.assign(it->key());
  }
  EXPECT_EQ(2000, n);
}

TEST(MemTableTest, ConcurrentReadersDuringWrites) {
  MemTable mem;
  std::atomic<uint64_t> written{0};
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    std::string v;
    ValueType t;
    while (!stop.load()) {
      uint64_t n = written.load();
      if (n == 0) continue;
      uint64_t i = n - 1;
      auto r = mem.Get(LookupKey("key" + std::to_string(i), kMaxSequenceNumber), &v, &t);
      ASSERT_EQ(MemTable::LookupResult::kFound, r);
      ASSERT_EQ(std::to_string(i), v);
    }
  });
  for (uint64_t i = 0; i < 20000; i++) {
    mem.Add(i + 1, kTypeValue, "key" + std::to_string(i), std::to_string(i));
    written.store(i + 1);
  }
  stop.store(true);
  reader.join();
}

TEST(WriteBatchTest, RoundTripAndCorruption) {
  WriteBatch b;
  b.Put("k1", "v1");
  b.Delete("k2");
  b.Put("k3", std::string(1000, 'x'));
  b.SetSequence(100);
  EXPECT_EQ(3u, b.Count());
  MemTable mem;
  ASSERT_OK(b.InsertInto(&mem));
  std::string v;
  ValueType t;
  EXPECT_EQ(MemTable::LookupResult::kFound, mem.Get(LookupKey("k1", 100), &v, &t));
  EXPECT_EQ(MemTable::LookupResult::kDeleted, mem.Get(LookupKey("k2", 101), &v, &t));
  EXPECT_EQ(MemTable::LookupResult::kFound, mem.Get(LookupKey("k3", 102), &v, &t));
  EXPECT_EQ(MemTable::LookupResult::kNotPresent, mem.Get(LookupKey("k3", 101), &v, &t));

  std::string contents(b.Contents());
  WriteBatch c;
  ASSERT_OK(c.SetContents(contents.substr(0, contents.size() - 1)));
  EXPECT_TRUE(c.Validate().IsCorruption());
  contents[WriteBatch::kHeaderSize] = 9;  // unknown tag
  ASSERT_OK(c.SetContents(contents));
  EXPECT_TRUE(c.Validate().IsCorruption());
  EXPECT_TRUE(c.SetContents("short").IsCorruption());
}

}  // namespace embodb::lsm
