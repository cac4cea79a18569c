#include "util/arena.h"

#include <gtest/gtest.h>

#include <cstring>

namespace embodb {

TEST(ArenaTest, UsageCountsBytesHandedOutNotBlocksMapped) {
  Arena arena;
  EXPECT_EQ(0u, arena.MemoryUsage());
  char* p = arena.Allocate(100);
  std::memset(p, 1, 100);
  EXPECT_EQ(100u, arena.MemoryUsage());
  EXPECT_GE(arena.MemoryReserved(), 1u << 20);
  char* q = arena.AllocateAligned(10);
  EXPECT_EQ(0u, reinterpret_cast<uintptr_t>(q) % 8);
  EXPECT_GE(arena.MemoryUsage(), 110u);
  EXPECT_LE(arena.MemoryUsage(), 120u);
  // Filling past a block counts the old block's unused tail too.
  size_t handed_out = arena.MemoryUsage();
  for (int i = 0; i < 5000; i++) {
    std::memset(arena.Allocate(1000), 2, 1000);
    handed_out += 1000;
  }
  EXPECT_GE(arena.MemoryUsage(), handed_out);
  EXPECT_LE(arena.MemoryUsage(), handed_out + 8 * 1000);  // at most one tail per block
  EXPECT_GE(arena.MemoryReserved(), arena.MemoryUsage());
}

}  // namespace embodb
