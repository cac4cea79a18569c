// Reclaiming tombstones (as FreshDiskANN consolidates deletes): every live
// node that links to a tombstone replaces those links by the best of its
// other links and the tombstone's own live links, chosen by the same
// heuristic as when linking. Then no live node links to a tombstone, and the
// tombstones' slots are free for new nodes.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "index/vector/hnsw_search.h"

namespace embodb::index {

size_t HnswGraph::Reclaim() {
  if (tombstones_ == 0) return 0;
  const size_t slots = this->slots();
  // Each task rewrites only the links of live nodes, and reads its own node's
  // links and those of tombstones, which nobody rewrites: no locks needed.
  tbb::parallel_for(tbb::blocked_range<size_t>(0, slots, 512), [&](const tbb::blocked_range<size_t>& r) {
    WithSpace([&](auto& scratch) {
      std::vector<Candidate> candidates;
      std::vector<uint32_t> ids;
      for (size_t i = r.begin(); i < r.end(); i++) {
        const uint32_t n = static_cast<uint32_t>(i);
        if (flags_[n] != kLive) continue;
        for (int level = 0; level <= levels_[n]; level++) {
          uint32_t* links = Links(n, level);
          const uint32_t count = links[0];
          bool touches_tombstone = false;
          for (uint32_t j = 0; j < count && !touches_tombstone; j++) touches_tombstone = flags_[links[1 + j]] != kLive;
          if (!touches_tombstone) continue;
          ids.clear();
          for (uint32_t j = 0; j < count; j++) {
            const uint32_t t = links[1 + j];
            if (flags_[t] == kLive) {
              ids.push_back(t);
              continue;
            }
            if (flags_[t] != kTombstone || levels_[t] < level) continue;
            const uint32_t* via = Links(t, level);
            for (uint32_t v = 0; v < via[0]; v++) {
              if (via[1 + v] != n && flags_[via[1 + v]] == kLive) ids.push_back(via[1 + v]);
            }
          }
          std::sort(ids.begin(), ids.end());
          ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
          scratch.SetQueryToNode(n);
          candidates.clear();
          for (uint32_t id : ids) candidates.push_back({scratch.Distance(id), id});
          std::sort(candidates.begin(), candidates.end(), NearerOrder());
          SelectNeighbors(scratch, &candidates, MaxLinks(level));
          links[0] = static_cast<uint32_t>(candidates.size());
          for (size_t j = 0; j < candidates.size(); j++) links[1 + j] = candidates[j].node;
        }
      }
    });
  });

  size_t freed = 0;
  for (uint32_t n = 0; n < slots; n++) {
    if (flags_[n] != kTombstone) continue;
    flags_[n] = kFree;
    for (int level = 0; level <= levels_[n]; level++) Links(n, level)[0] = 0;
    free_.push_back(n);
    freed++;
  }
  tombstones_ = 0;
  if (entry_ != kNoNode && flags_[entry_] != kLive) {
    // The new entry is a live node of the highest level.
    entry_ = kNoNode;
    max_level_ = -1;
    for (uint32_t n = 0; n < slots; n++) {
      if (flags_[n] == kLive && levels_[n] > max_level_) {
        entry_ = n;
        max_level_ = levels_[n];
      }
    }
  }
  // Every live node must stay reachable from the entry. Deletes can cut
  // some off (a node whose only in-links came from tombstones; many copies
  // of one vector that link mostly to each other): those are linked again
  // from the entry, as if inserted now.
  std::vector<uint8_t> reached(slots, 0);
  std::vector<uint32_t> stack;
  auto reach_from = [&](uint32_t start) {
    reached[start] = 1;
    stack.push_back(start);
    while (!stack.empty()) {
      const uint32_t n = stack.back();
      stack.pop_back();
      const uint32_t* links = Links0(n);
      for (uint32_t i = 1; i <= links[0]; i++) {
        const uint32_t m = links[i];
        if (!reached[m] && flags_[m] == kLive) {
          reached[m] = 1;
          stack.push_back(m);
        }
      }
    }
  };
  if (entry_ != kNoNode) reach_from(entry_);
  std::vector<float> vector(options_.dim);
  for (uint32_t n = 0; n < slots; n++) {
    if (flags_[n] != kLive || reached[n]) continue;
    GetVector(n, vector.data());
    LinkNode(n, vector.data());
    reach_from(n);
  }
  // Free slots are reused last-freed first; hand out low ids first.
  std::sort(free_.begin(), free_.end(), std::greater<>());
  return freed;
}

}  // namespace embodb::index
