#include "util/grow_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <new>

namespace embodb::grow_buffer_detail {

static size_t PageRounded(size_t bytes) {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

void* Regrow(void* p, size_t used, size_t old_bytes, bool old_mapped, size_t new_bytes, bool populate,
             bool* mapped) {
  if (new_bytes < kMappedGrowBytes) {
    void* q = std::realloc(old_bytes == 0 ? nullptr : p, new_bytes);
    if (q == nullptr) throw std::bad_alloc();
    *mapped = false;
    return q;
  }
  if (old_mapped) {
    void* q = ::mremap(p, PageRounded(old_bytes), PageRounded(new_bytes), MREMAP_MAYMOVE);
    if (q == MAP_FAILED) throw std::bad_alloc();
    *mapped = true;
    return q;
  }
  const int flags = MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0);
  void* q = ::mmap(nullptr, PageRounded(new_bytes), PROT_READ | PROT_WRITE, flags, -1, 0);
  if (q == MAP_FAILED) throw std::bad_alloc();
  if (used > 0) std::memcpy(q, p, used);
  if (old_bytes > 0) std::free(p);
  *mapped = true;
  return q;
}

void Release(void* p, size_t bytes, bool mapped) {
  if (bytes == 0) return;
  if (mapped) {
    ::munmap(p, PageRounded(bytes));
  } else {
    std::free(p);
  }
}

}  // namespace embodb::grow_buffer_detail
