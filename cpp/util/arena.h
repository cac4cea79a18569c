// Arena: bump allocation for the memtable. Memory is released all at once when
// the arena dies. Blocks come straight from the OS (anonymous mmap), so a
// flushed memtable's memory is returned at once instead of lingering in the
// allocator's free lists. Allocation is single-threaded (the memtable has one writer);
// MemoryUsage() may be read from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace embodb {

class Arena {
 public:
  Arena() = default;
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  char* Allocate(size_t bytes);
  // Aligned to alignof(std::max_align_t)-safe pointer size.
  char* AllocateAligned(size_t bytes);
  // Bytes handed out, counting the tail of a block left unused when a new
  // block was started: what the memtable's contents occupy. A block's pages
  // are only backed by memory once written, so this, not the blocks mapped,
  // is what a write buffer limit compares with.
  size_t MemoryUsage() const { return used_.load(std::memory_order_relaxed); }
  // Bytes of the blocks mapped.
  size_t MemoryReserved() const { return reserved_.load(std::memory_order_relaxed); }

 private:
  char* AllocateFallback(size_t bytes);
  char* AllocateNewBlock(size_t bytes);

  // Blocks are kBlockSize until the arena holds kHugeAfter bytes; then
  // kHugeBlockSize, on huge pages (util/huge_pages.h), so that a large
  // memtable is not filled one page fault per 4 KiB.
  static constexpr size_t kBlockSize = 1 << 20;
  static constexpr size_t kHugeAfter = 8 << 20;
  static constexpr size_t kHugeBlockSize = 8 << 20;
  size_t NextBlockSize() const;
  struct Block {
    char* base;
    size_t size;
  };
  char* alloc_ptr_ = nullptr;
  size_t alloc_bytes_remaining_ = 0;
  std::vector<Block> blocks_;
  std::atomic<size_t> reserved_{0};
  std::atomic<size_t> used_{0};
  // The one writer adds to used_ without a locked instruction.
  void AddUsed(size_t bytes) { used_.store(used_.load(std::memory_order_relaxed) + bytes, std::memory_order_relaxed); }
};

inline char* Arena::Allocate(size_t bytes) {
  if (bytes <= alloc_bytes_remaining_) {
    char* result = alloc_ptr_;
    alloc_ptr_ += bytes;
    alloc_bytes_remaining_ -= bytes;
    AddUsed(bytes);
    return result;
  }
  return AllocateFallback(bytes);
}

}  // namespace embodb
