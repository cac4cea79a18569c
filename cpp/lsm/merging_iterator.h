// MergingIterator: the sorted union of several internal-key iterators (memtables,
// L0 tables, levels). Equal keys cannot occur across children (every internal
// key has a unique sequence number).
#pragma once

#include <memory>
#include <vector>

#include "lsm/iterator.h"

namespace embodb::lsm {

std::unique_ptr<Iterator> NewMergingIterator(std::vector<std::unique_ptr<Iterator>> children);

}  // namespace embodb::lsm
