// Linking a node into the graph (HNSW's insert, algorithms 1 and 4 of the
// paper): descend greedily to the node's top level, then on each level below
// find ef_construction candidates, keep m of them by the heuristic, link to
// them and link them back, pruning any that overflow. Many nodes are linked
// at once on TBB threads; every read or write of a node's links holds that
// node's lock, and no thread holds two.
#include <algorithm>

#include "index/vector/hnsw_search.h"

namespace embodb::index {

void HnswGraph::LinkNode(uint32_t q, const float* vector) {
  WithSpace([&](auto& space) {
    std::remove_reference_t<decltype(space)> scratch(*this);
    space.SetQuery(vector);
    LinkNodeIn(space, scratch, q);
  });
}

template <typename Space>
void HnswGraph::LinkNodeIn(Space& space, Space& scratch, uint32_t q) {
  const int level = levels_[q];
  std::unique_lock top(entry_mu_);
  const int max_level = max_level_;
  uint32_t at = entry_;
  if (at == kNoNode) {
    entry_ = q;
    max_level_ = level;
    return;
  }
  // A node that becomes the new top keeps the lock until it is linked, so
  // that no search starts from it half-linked.
  if (level <= max_level) top.unlock();

  float d = space.Distance(at);
  for (int l = max_level; l > level; l--) at = GreedyClosest<true>(space, at, &d, l);
  thread_local std::vector<Candidate> candidates;
  auto keep = [&](uint32_t n) { return n != q && flags_[n] == kLive; };
  for (int l = std::min(level, max_level); l >= 0; l--) {
    SearchLayer<true>(space, at, d, options_.ef_construction, l, keep, &candidates);
    if (candidates.empty()) continue;  // every node met is a tombstone: keep descending from `at`
    std::sort(candidates.begin(), candidates.end(), NearerOrder());
    at = candidates[0].node;
    d = candidates[0].distance;
    SelectNeighbors(scratch, &candidates, options_.m);
    uint32_t* links = Links(q, l);
    LockNode(q);
    links[0] = static_cast<uint32_t>(candidates.size());
    for (size_t i = 0; i < candidates.size(); i++) links[1 + i] = candidates[i].node;
    UnlockNode(q);
    for (const Candidate& c : candidates) Connect(scratch, c.node, q, c.distance, l);
  }
  if (level > max_level) {
    entry_ = q;
    max_level_ = level;
  }
}

template <typename Space>
void HnswGraph::Connect(Space& scratch, uint32_t n, uint32_t q, float distance, int level) {
  thread_local std::vector<Candidate> merged;
  const uint32_t max = MaxLinks(level);
  uint32_t* links = Links(n, level);
  LockNode(n);
  const uint32_t count = links[0];
  if (count < max) {
    links[1 + count] = q;
    links[0] = count + 1;
    UnlockNode(n);
    return;
  }
  // Full: keep the best max of the old links and q, seen from n.
  merged.clear();
  merged.push_back({distance, q});
  scratch.SetQueryToNode(n);
  for (uint32_t i = 0; i < count; i++) merged.push_back({scratch.Distance(links[1 + i]), links[1 + i]});
  std::sort(merged.begin(), merged.end(), NearerOrder());
  SelectNeighbors(scratch, &merged, max);
  links[0] = static_cast<uint32_t>(merged.size());
  for (size_t i = 0; i < merged.size(); i++) links[1 + i] = merged[i].node;
  UnlockNode(n);
}

}  // namespace embodb::index
