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

// Advises the whole mapping, not only its aligned huge pages: advising part
// of it would split it into areas of different flags, and a later mremap of
// the whole range fails (EFAULT) across them.
static void AdviseHuge(void* p, size_t bytes) {
#ifdef MADV_HUGEPAGE
  (void)::madvise(p, PageRounded(bytes), MADV_HUGEPAGE);
#endif
}

void* Regrow(void* p, size_t used, size_t old_bytes, bool old_mapped, size_t new_bytes, bool populate,
             bool* mapped) {
  if (new_bytes < kMappedGrowBytes) {
    void* q = std::realloc(old_bytes == 0 ? nullptr : p, new_bytes);
    if (q == nullptr) throw std::bad_alloc();
    *mapped = false;
    return q;
  }
  // Huge pages: a large result fills fresh memory, which otherwise faults
  // in 4 KiB at a time (most of a full scan's time went there).
  if (old_mapped) {
    void* q = ::mremap(p, PageRounded(old_bytes), PageRounded(new_bytes), MREMAP_MAYMOVE);
    if (q == MAP_FAILED) throw std::bad_alloc();
    AdviseHuge(q, new_bytes);
    *mapped = true;
    return q;
  }
  void* q = ::mmap(nullptr, PageRounded(new_bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (q == MAP_FAILED) throw std::bad_alloc();
  AdviseHuge(q, new_bytes);
#ifdef MADV_POPULATE_WRITE
  // The caller fills it: fault every page in one call (an old kernel refuses; then pages fault as touched).
  if (populate) (void)::madvise(q, PageRounded(new_bytes), MADV_POPULATE_WRITE);
#else
  (void)populate;
#endif
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
