// Manifest record tags. Spec: docs/format/manifest.md.
// On disk: never renumber; add new tags at the end.
#pragma once

#include <cstdint>

namespace embodb::lsm::manifest {

enum Tag : uint32_t {
  kLogNumber = 1,
  kNextFileNumber = 2,
  kLastSequence = 3,
  kCompactPointer = 4,
  kDeletedFile = 5,
  kNewFile = 6,
  kNewBlobFile = 7,
  kBlobGarbage = 8,
  kDeletedBlobFile = 9,
  kWalAdded = 10,   // a WAL created (its directory entry durable): it must exist while needed
  kWalClosed = 11,  // a WAL retired whole and synced, with its size: it must keep that size
};

}  // namespace embodb::lsm::manifest
