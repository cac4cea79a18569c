#include "util/arena.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

#include "util/huge_pages.h"

namespace embodb {

char* Arena::AllocateFallback(size_t bytes) {
  if (bytes > kBlockSize / 4) {
    // A large object gets its own block so the current block's tail is not wasted.
    AddUsed(bytes);
    return AllocateNewBlock(bytes);
  }
  const size_t size = NextBlockSize();
  AddUsed(alloc_bytes_remaining_ + bytes);  // the old block's tail goes unused
  alloc_ptr_ = AllocateNewBlock(size);
  alloc_bytes_remaining_ = size;
  char* result = alloc_ptr_;
  alloc_ptr_ += bytes;
  alloc_bytes_remaining_ -= bytes;
  return result;
}

char* Arena::AllocateAligned(size_t bytes) {
  constexpr size_t kAlign = alignof(void*) > 8 ? alignof(void*) : 8;
  size_t mod = reinterpret_cast<uintptr_t>(alloc_ptr_) & (kAlign - 1);
  size_t slop = mod == 0 ? 0 : kAlign - mod;
  size_t needed = bytes + slop;
  if (needed <= alloc_bytes_remaining_) {
    char* result = alloc_ptr_ + slop;
    alloc_ptr_ += needed;
    alloc_bytes_remaining_ -= needed;
    AddUsed(needed);
    return result;
  }
  // New blocks from operator new[] are suitably aligned.
  return AllocateFallback(bytes);
}

size_t Arena::NextBlockSize() const {
  return MemoryReserved() >= kHugeAfter ? kHugeBlockSize : kBlockSize;
}

char* Arena::AllocateNewBlock(size_t bytes) {
  char* p;
  if (bytes % kHugePageSize == 0) {
    p = MapHuge(bytes);
    if (p == nullptr) throw std::bad_alloc();
  } else {
    void* m = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::bad_alloc();  // like operator new: out of memory
    p = static_cast<char*>(m);
  }
  blocks_.push_back(Block{p, bytes});
  reserved_.fetch_add(bytes, std::memory_order_relaxed);
  return static_cast<char*>(p);
}

Arena::~Arena() {
  for (const Block& b : blocks_) ::munmap(b.base, b.size);
}

}  // namespace embodb
