// Large buffers backed by transparent huge pages. On machines where the kernel
// hands out huge pages only on request (THP "madvise" mode), touching fresh
// memory one 4 KiB page at a time costs a page fault each; a bulk insert of
// gigabytes spent most of its time there. Huge pages fault 2 MiB at a time.
#pragma once

#include <cstddef>

namespace embodb {

constexpr size_t kHugePageSize = size_t{2} << 20;

// Asks for huge pages for the whole 2 MiB pages inside [p, p + n). Harmless
// where the kernel does not support it.
void AdviseHugePages(void* p, size_t n);

// Anonymous memory of `bytes` (a multiple of kHugePageSize), aligned to
// kHugePageSize and advised for huge pages; nullptr when out of memory.
// Release with munmap(p, bytes).
char* MapHuge(size_t bytes);

}  // namespace embodb
