// The search steps of HnswGraph, shared by queries, linking and reclaiming:
// distance spaces for each quantization, the visited set, a greedy descent
// through the upper levels and the beam search of one level. Private to
// index/vector/hnsw_*.cc.
#pragma once

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "index/vector/hnsw_graph.h"

namespace embodb::index {

// Distances from one query (a vector, or a node's own vector) to nodes.
class FloatSpace {
 public:
  explicit FloatSpace(const HnswGraph& g)
      : g_(g), fn_(DistanceKernel(g.options_.metric)), dim_(g.options_.dim) {}
  void SetQuery(const float* q) { q_ = q; }
  void SetQueryToNode(uint32_t n) { q_ = reinterpret_cast<const float*>(g_.Payload(n)); }
  float Distance(uint32_t n) const { return fn_(q_, reinterpret_cast<const float*>(g_.Payload(n)), dim_); }

 private:
  const HnswGraph& g_;
  const DistanceFn fn_;
  const size_t dim_;
  const float* q_ = nullptr;
};

class Sq8Space {
 public:
  explicit Sq8Space(const HnswGraph& g) : g_(g), query_(g.sq8_, g.options_.metric), decoded_(g.options_.dim) {}
  void SetQuery(const float* q) { query_.Set(q); }
  void SetQueryToNode(uint32_t n) {
    g_.sq8_.Decode(g_.Payload(n), decoded_.data());
    query_.Set(decoded_.data());
  }
  float Distance(uint32_t n) const { return query_.Distance(g_.Payload(n)); }

 private:
  const HnswGraph& g_;
  Sq8Query query_;
  std::vector<float> decoded_;
};

template <typename F>
decltype(auto) HnswGraph::WithSpace(F&& f) const {
  if (options_.quantization == Quantization::kSq8) {
    Sq8Space space(*this);
    return f(space);
  }
  FloatSpace space(*this);
  return f(space);
}

// Which nodes one search has reached: one bit per node (a million nodes
// take 128 KiB, which stays in the core's cache, where a tag per node would
// not), and the words it set, which the next search clears. One per thread.
class VisitedSet {
 public:
  // Not inlined: inlined, the compiler may recompute the thread-local's
  // address (a __tls_get_addr call in a shared library) at every use in the
  // search loop instead of keeping it; out of line it is a plain pointer.
  [[gnu::noinline]] static VisitedSet& ForThread(size_t nodes) {
    thread_local VisitedSet set;
    set.Start(nodes);
    return set;
  }
  bool Visited(uint32_t n) const { return (bits_[n >> 6] >> (n & 63)) & 1; }
  // True the first time n is seen in this search.
  bool Visit(uint32_t n) {
    uint64_t& word = bits_[n >> 6];
    const uint64_t bit = uint64_t{1} << (n & 63);
    if (word & bit) return false;
    if (word == 0) touched_.push_back(n >> 6);
    word |= bit;
    return true;
  }

 private:
  void Start(size_t nodes) {
    for (uint32_t w : touched_) bits_[w] = 0;
    touched_.clear();
    if (bits_.size() * 64 < nodes) bits_.resize((nodes + nodes / 4) / 64 + 1, 0);
  }
  std::vector<uint64_t> bits_;
  std::vector<uint32_t> touched_;
};

[[gnu::noinline]] inline std::vector<Candidate>& FrontierForThread() {  // noinline: as VisitedSet::ForThread
  thread_local std::vector<Candidate> frontier;
  return frontier;
}

// Ties go by a scramble of the node id, not the id itself: among duplicate
// vectors, pruning then drops links to arbitrary copies instead of always to
// the newest, which would leave late copies with no way in.
inline uint32_t TieOrder(uint32_t node) { return node * 0x9e3779b1u; }
inline bool NearerFirst(const Candidate& a, const Candidate& b) {
  return a.distance < b.distance || (a.distance == b.distance && TieOrder(a.node) < TieOrder(b.node));
}
// For std heaps (as types, so that the heap operations inline them): a
// max-heap on distance with NearerOrder; a min-heap with FartherOrder.
struct NearerOrder {
  bool operator()(const Candidate& a, const Candidate& b) const { return NearerFirst(a, b); }
};
struct FartherOrder {
  bool operator()(const Candidate& a, const Candidate& b) const { return NearerFirst(b, a); }
};

template <bool kLocked>
uint32_t HnswGraph::CopyLinks(uint32_t n, int level, uint32_t* out) const {
  const uint32_t* src = Links(n, level);
  if (kLocked) LockNode(n);
  const uint32_t count = src[0];
  std::memcpy(out, src + 1, count * sizeof(uint32_t));
  if (kLocked) UnlockNode(n);
  return count;
}

// The links of n at level: in place when nothing links meanwhile (a search),
// else copied to buffer under the node's lock. Returns the first; sets count.
template <bool kLocked>
const uint32_t* HnswGraph::ReadLinks(uint32_t n, int level, uint32_t* buffer, uint32_t* count) const {
  if constexpr (kLocked) {
    *count = CopyLinks<true>(n, level, buffer);
    return buffer;
  } else {
    const uint32_t* src = Links(n, level);
    *count = src[0];
    return src + 1;
  }
}

template <bool kLocked, typename Space>
uint32_t HnswGraph::GreedyClosest(const Space& space, uint32_t entry, float* distance, int level) const {
  uint32_t buffer[129];
  bool moved = true;
  while (moved) {
    moved = false;
    uint32_t count;
    const uint32_t* links = ReadLinks<kLocked>(entry, level, buffer, &count);
    for (uint32_t i = 0; i < count; i++) {
      const float d = space.Distance(links[i]);
      if (d < *distance) {
        *distance = d;
        entry = links[i];
        moved = true;
      }
    }
  }
  return entry;
}

// The two heaps of a best-first search: the frontier (a min-heap: the
// nearest unexpanded node on top) and the results (a max-heap of at most ef:
// the farthest on top), and the bound the results set once there are ef of
// them. Shared by SearchLayer and SearchLayerTwoHop.
class Beam {
 public:
  Beam(std::vector<Candidate>* frontier, std::vector<Candidate>* results, size_t ef)
      : frontier_(*frontier), results_(*results), ef_(ef) {
    frontier_.clear();
    results_.clear();
  }

  // True while the nearest unexpanded node may still lead to a result.
  bool Open() const { return !frontier_.empty() && frontier_.front().distance <= bound_; }
  // Takes the nearest unexpanded node. REQUIRES: Open().
  Candidate Next() {
    const Candidate c = frontier_.front();
    std::pop_heap(frontier_.begin(), frontier_.end(), FartherOrder());
    frontier_.pop_back();
    return c;
  }
  // Whether a node waits to be expanded, and the one Next would take
  // (REQUIRES: HasNext()).
  bool HasNext() const { return !frontier_.empty(); }
  uint32_t Peek() const { return frontier_.front().node; }
  // Whether a node at distance d can matter.
  bool Within(float d) const { return d < bound_; }
  // A measured node (one the search starts from, or one Within the bound):
  // to be expanded, and a result if kept.
  void Offer(Candidate c, bool kept) {
    frontier_.push_back(c);
    std::push_heap(frontier_.begin(), frontier_.end(), FartherOrder());
    if (!kept) return;
    results_.push_back(c);
    std::push_heap(results_.begin(), results_.end(), NearerOrder());
    if (results_.size() > ef_) {
      std::pop_heap(results_.begin(), results_.end(), NearerOrder());
      results_.pop_back();
    }
    if (results_.size() == ef_) bound_ = results_.front().distance;
  }

 private:
  std::vector<Candidate>& frontier_;
  std::vector<Candidate>& results_;
  const size_t ef_;
  float bound_ = std::numeric_limits<float>::infinity();
};

// Best-first search of one level with a beam of ef: `results` ends as a heap
// (in NearerFirst order, so the farthest on top) of at most ef nodes that
// `keep` accepts. Nodes it refuses are still walked through.
template <bool kLocked, typename Space, typename Keep>
void HnswGraph::SearchLayer(const Space& space, uint32_t entry, float entry_distance, size_t ef, int level,
                            Keep keep, std::vector<Candidate>* results) const {
  // References, taken once: in a shared library every use of a thread_local
  // by name can be a call (__tls_get_addr), which costs in this loop.
  VisitedSet& visited = VisitedSet::ForThread(slots());
  Beam beam(&FrontierForThread(), results, ef);
  visited.Visit(entry);
  beam.Offer({entry_distance, entry}, keep(entry));
  uint32_t buffer[257];
  uint32_t fresh[257];
  while (beam.Open()) {
    const Candidate c = beam.Next();
    // The next node to expand is likely the new front: its links are
    // fetched while this one's neighbours are measured.
    if (beam.HasNext()) __builtin_prefetch(Links(beam.Peek(), level));

    uint32_t count;
    const uint32_t* links = ReadLinks<kLocked>(c.node, level, buffer, &count);
    // The unvisited neighbours first, so that all their vectors are fetched
    // from memory at once.
    uint32_t nfresh = 0;
    for (uint32_t i = 0; i < count; i++) {
      if (visited.Visit(links[i])) {
        fresh[nfresh++] = links[i];
        PrefetchNode(links[i]);
      }
    }
    for (uint32_t i = 0; i < nfresh; i++) {
      const uint32_t n = fresh[i];
      const float d = space.Distance(n);
      if (beam.Within(d)) beam.Offer({d, n}, keep(n));
    }
  }
}

// Best-first search of level 0 that measures only nodes `keep` accepts
// (ACORN's two-hop expansion, Patel et al. 2024): a neighbour keep refuses
// is a bridge, and the accepted neighbours of the bridge are taken instead,
// up to as many as a node has links per expansion. A search among few
// matching nodes then measures only those, where SearchLayer would measure
// every node it walks through. It starts from all of `entries` (measured
// nodes of any kind). `results` ends as in SearchLayer.
template <typename Space, typename Keep>
void HnswGraph::SearchLayerTwoHop(const Space& space, const std::vector<Candidate>& entries, size_t ef,
                                  Keep keep, std::vector<Candidate>* results) const {
  VisitedSet& visited = VisitedSet::ForThread(slots());
  Beam beam(&FrontierForThread(), results, ef);
  for (const Candidate& e : entries) {
    if (visited.Visit(e.node)) beam.Offer(e, keep(e.node));
  }
  const uint32_t cap = MaxLinks(0);
  uint32_t fresh[257], bridges[257];
  while (beam.Open()) {
    const Candidate c = beam.Next();
    if (beam.HasNext()) PrefetchLinks0(beam.Peek());
    const uint32_t* links = Links0(c.node);
    const uint32_t count = links[0];
    links++;
    uint32_t nfresh = 0, nbridges = 0;
    for (uint32_t i = 0; i < count; i++) {
      const uint32_t x = links[i];
      if (keep(x)) {
        if (visited.Visit(x)) {
          fresh[nfresh++] = x;
          PrefetchNode(x);
        }
      } else if (!visited.Visited(x)) {  // a bridge, crossed once: marked when crossed, below
        bridges[nbridges++] = x;
        PrefetchLinks0(x);  // all at once: their misses overlap
      }
    }
    // Bridges left over when the cap is reached stay unmarked, so that a
    // later expansion can still cross them.
    for (uint32_t i = 0; i < nbridges && nfresh < cap; i++) {
      if (!visited.Visit(bridges[i])) continue;
      const uint32_t* hop = Links0(bridges[i]);
      for (uint32_t j = 1; j <= hop[0] && nfresh < cap; j++) {
        const uint32_t y = hop[j];
        if (keep(y) && visited.Visit(y)) {
          fresh[nfresh++] = y;
          PrefetchNode(y);
        }
      }
    }
    for (uint32_t i = 0; i < nfresh; i++) {
      const uint32_t n = fresh[i];
      const float d = space.Distance(n);
      if (beam.Within(d)) beam.Offer({d, n}, true);
    }
  }
}

// Exact duplicates of the base (distance 0) take at most a quarter of the
// links: else a vector stored many times would link only to its own copies,
// and the copies would hang off the rest of the graph by a thread.
template <typename Space>
void HnswGraph::SelectNeighbors(Space& scratch, std::vector<Candidate>* candidates, size_t max) const {
  if (candidates->size() <= max) return;
  const size_t max_duplicates = std::max<size_t>(1, max / 4);
  size_t kept = 0, duplicates = 0;
  for (size_t i = 0; i < candidates->size() && kept < max; i++) {
    const Candidate c = (*candidates)[i];
    if (c.distance == 0 && duplicates == max_duplicates) continue;
    duplicates += c.distance == 0;
    scratch.SetQueryToNode(c.node);
    bool diverse = true;
    for (size_t j = 0; j < kept && diverse; j++) diverse = scratch.Distance((*candidates)[j].node) >= c.distance;
    if (diverse) (*candidates)[kept++] = c;
  }
  candidates->resize(kept);
}

}  // namespace embodb::index
