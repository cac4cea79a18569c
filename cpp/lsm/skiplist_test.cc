#include "lsm/skiplist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "util/coding.h"
#include "util/random.h"

namespace embodb::lsm {

// Keys are fixed64 values stored big-endian-free: compare by decoding.
struct U64Comparator {
  int operator()(const char* a, const char* b) const {
    const uint64_t x = DecodeFixed64(a), y = DecodeFixed64(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
};
using List = SkipList<U64Comparator>;

static void InsertValue(List* list, uint64_t v, List::Hint* hint) {
  char* key = list->AllocateKey(8);
  EncodeFixed64(key, v);
  list->Insert(key, hint);
}

static std::vector<uint64_t> Contents(const List& list) {
  std::vector<uint64_t> out;
  List::Iterator it(&list);
  for (it.SeekToFirst(); it.Valid(); it.Next()) out.push_back(DecodeFixed64(it.key()));
  return out;
}

TEST(SkipListTest, HintedSortedRunsMatchASet) {
  Arena arena;
  List list(U64Comparator{}, &arena);
  std::set<uint64_t> model;
  Random rnd(1);
  for (int round = 0; round < 200; round++) {
    std::vector<uint64_t> batch;
    for (int i = 0; i < 1 + static_cast<int>(rnd.Uniform(100)); i++) {
      uint64_t v = rnd.Uniform(1000000);
      if (model.insert(v).second) batch.push_back(v);
    }
    if (round % 3 == 0) {
      for (uint64_t v : batch) InsertValue(&list, v, nullptr);  // unhinted, any order
    } else {
      std::sort(batch.begin(), batch.end());
      List::Hint hint;
      for (uint64_t v : batch) InsertValue(&list, v, &hint);
    }
  }
  EXPECT_EQ(std::vector<uint64_t>(model.begin(), model.end()), Contents(list));
  // Seek and reverse iteration agree with the model too.
  List::Iterator it(&list);
  for (int i = 0; i < 1000; i++) {
    char target[8];
    const uint64_t t = rnd.Uniform(1100000);
    EncodeFixed64(target, t);
    it.Seek(target);
    auto m = model.lower_bound(t);
    ASSERT_EQ(m != model.end(), it.Valid());
    if (it.Valid()) {
      ASSERT_EQ(*m, DecodeFixed64(it.key()));
      it.Prev();
      if (m == model.begin()) {
        ASSERT_FALSE(it.Valid());
      } else {
        ASSERT_EQ(*std::prev(m), DecodeFixed64(it.key()));
      }
    }
  }
}

TEST(SkipListTest, HintSurvivesInterleavedUnhintedInserts) {
  Arena arena;
  List list(U64Comparator{}, &arena);
  std::set<uint64_t> model;
  List::Hint hint;
  uint64_t next = 0;
  Random rnd(2);
  for (int i = 0; i < 5000; i++) {
    next += 1 + rnd.Uniform(100);
    model.insert(next);
    InsertValue(&list, next, &hint);
    const uint64_t other = next + 1 + rnd.Uniform(50);  // lands after the hint's position
    if (model.insert(other).second) InsertValue(&list, other, nullptr);
    next = std::max(next, other);
  }
  EXPECT_EQ(std::vector<uint64_t>(model.begin(), model.end()), Contents(list));
}

}  // namespace embodb::lsm
