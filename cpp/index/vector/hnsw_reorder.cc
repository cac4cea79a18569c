// Renumbering nodes for locality (after Coleman et al., "Graph Reordering
// for Cache-Efficient Near Neighbor Search", 2021): a search stays in one
// region of the space, so numbering the nodes of a region together puts the
// records a search reads next to each other, and it touches fewer cache
// lines and pages. The regions come from the graph's own hierarchy: each
// node is filed under the upper-level nodes that the greedy descent for its
// own vector reaches, level by level from the top (nested groups of about m
// nodes). Breadth-first order of the level-0 graph gained as much on 100k
// vectors (about 8%); the hierarchy was kept because its groups are regions
// at every scale, where a breadth-first layer spans the whole space (not yet
// measured on larger graphs).
// The graph itself (every link) stays the same: only the numbers change.
//
// The records are permuted in place, cycle by cycle, so a large graph does
// not need twice its memory.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "index/vector/hnsw_search.h"

namespace embodb::index {

namespace {

// Applies new_of_old to a per-node array.
template <typename Buffer>
void PermuteArray(Buffer* values, const std::vector<uint32_t>& new_of_old) {
  std::vector<std::remove_reference_t<decltype((*values)[0])>> copy(values->begin(), values->end());
  for (size_t old = 0; old < copy.size(); old++) (*values)[new_of_old[old]] = copy[old];
}

}  // namespace

std::vector<uint32_t> HnswGraph::LocalityOrder() const {
  const uint32_t slots = static_cast<uint32_t>(this->slots());
  const int top = std::max(max_level_, 0);
  // path[n * top + (l - 1)]: the node of level l that the descent for n's
  // own vector reaches (n itself on its own levels).
  std::vector<uint32_t> path(size_t{slots} * top, kNoNode);
  if (top > 0) {
    tbb::parallel_for(tbb::blocked_range<uint32_t>(0, slots, 256), [&](const tbb::blocked_range<uint32_t>& r) {
      WithSpace([&](auto& space) {
        for (uint32_t n = r.begin(); n < r.end(); n++) {
          if (flags_[n] == kFree) continue;
          space.SetQueryToNode(n);
          uint32_t at = entry_;
          float d = space.Distance(at);
          for (int level = top; level > 0; level--) {
            at = level <= levels_[n] ? n : GreedyClosest<false>(space, at, &d, level);
            if (at == n) d = 0;
            path[size_t{n} * top + (level - 1)] = at;
          }
        }
      });
    });
  }
  std::vector<uint32_t> order(slots);
  for (uint32_t n = 0; n < slots; n++) order[n] = n;
  auto key = [&](uint32_t n, int level) { return path[size_t{n} * top + (level - 1)]; };
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const bool free_a = flags_[a] == kFree, free_b = flags_[b] == kFree;
    if (free_a != free_b) return free_b;  // free slots last
    for (int level = top; level > 0; level--) {
      if (key(a, level) != key(b, level)) return key(a, level) < key(b, level);
    }
    return false;
  });
  std::vector<uint32_t> new_of_old(slots);
  for (uint32_t i = 0; i < slots; i++) new_of_old[order[i]] = i;
  return new_of_old;
}

std::vector<uint32_t> HnswGraph::Reorder() {
  const std::vector<uint32_t> new_of_old = LocalityOrder();
  const uint32_t slots = static_cast<uint32_t>(new_of_old.size());
  // The links first, in place: every id becomes its new number.
  for (uint32_t n = 0; n < slots; n++) {
    if (flags_[n] == kFree) {
      Links0(n)[0] = 0;  // stale links of a free slot are never read; cleared, they cannot go stale twice
      continue;
    }
    for (int level = 0; level <= levels_[n]; level++) {
      uint32_t* links = Links(n, level);
      for (uint32_t i = 0; i < links[0]; i++) links[1 + i] = new_of_old[links[1 + i]];
    }
  }
  // Then the records, one cycle of the permutation at a time.
  std::vector<uint32_t> old_of_new(slots);
  for (uint32_t old = 0; old < slots; old++) old_of_new[new_of_old[old]] = old;
  std::vector<uint8_t> held(record_bytes_);
  std::vector<uint8_t> done(slots, 0);
  uint8_t* base = records_.data();
  for (uint32_t start = 0; start < slots; start++) {
    if (done[start] || old_of_new[start] == start) continue;
    std::memcpy(held.data(), base + size_t{start} * record_bytes_, record_bytes_);
    uint32_t at = start;
    while (true) {
      done[at] = 1;
      const uint32_t from = old_of_new[at];
      if (from == start) {
        std::memcpy(base + size_t{at} * record_bytes_, held.data(), record_bytes_);
        break;
      }
      std::memcpy(base + size_t{at} * record_bytes_, base + size_t{from} * record_bytes_, record_bytes_);
      at = from;
    }
  }
  PermuteArray(&levels_, new_of_old);
  PermuteArray(&flags_, new_of_old);
  PermuteArray(&upper_levels_, new_of_old);
  PermuteArray(&upper_offset_, new_of_old);
  for (uint32_t& n : free_) n = new_of_old[n];
  std::sort(free_.begin(), free_.end(), std::greater<>());  // the lowest free slot is taken first
  if (entry_ != kNoNode) entry_ = new_of_old[entry_];
  return new_of_old;
}

}  // namespace embodb::index
