// HnswGraph: a hierarchical navigable small-world graph (Malkov & Yashunin,
// 2016) over vectors that it stores itself, as float32 or as sq8 codes.
//
// Nodes are numbered densely from 0. Node n's record holds its level-0
// neighbours and its vector side by side (one place in memory for a search
// to touch); the links of levels above 0, which only one node in m has, live
// in a separate array. Records grow by remapping pages (GrowBuffer), never by
// copying, so a large build does not need twice its memory.
//
// Removing a node leaves a tombstone: searches pass through it but never
// return it. Reclaim() then reconnects the neighbours of tombstones to the
// tombstones' own neighbours (as FreshDiskANN consolidates deletes) and makes
// their slots free for new nodes, so recall does not decay after many
// updates and deletes.
//
// Vectors are given as the metric expects them: for cosine, normalized (the
// caller's job, index/vector/vector_index.h).
//
// Thread safety: Search and the other const methods may run on many threads
// at once. Add, Remove and Reclaim must be exclusive of everything else (the
// caller's lock); Add and Reclaim use TBB threads inside.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "index/common/node_set.h"
#include "index/vector/distance.h"
#include "index/vector/exact_search.h"
#include "index/vector/sq8.h"
#include "util/bits.h"
#include "util/byte_mask.h"
#include "util/grow_buffer.h"
#include "util/result.h"

namespace embodb {
class Env;
}

namespace embodb::index {

enum class Quantization { kNone, kSq8 };

struct HnswOptions {
  size_t dim = 0;
  Metric metric = Metric::kL2;
  uint32_t m = 16;                 // links per node above level 0; 2m at level 0
  uint32_t ef_construction = 200;  // candidates considered when linking a node
  Quantization quantization = Quantization::kNone;
  uint64_t seed = 0x5eed;  // node levels are drawn from it (reproducible builds)
};

// A node and its distance to the query of the moment (8 bytes, for heaps).
struct Candidate {
  float distance;
  uint32_t node;
};

class HnswGraph {
 public:
  static constexpr uint32_t kNoNode = UINT32_MAX;
  // Nodes a two-hop search starts from (Search).
  static constexpr size_t kTwoHopSeeds = 10;

  // REQUIRES: dim > 0, 2 <= m <= 128, ef_construction > 0.
  explicit HnswGraph(const HnswOptions& options);
  ~HnswGraph();
  HnswGraph(const HnswGraph&) = delete;
  HnswGraph& operator=(const HnswGraph&) = delete;

  const HnswOptions& options() const { return options_; }
  size_t live() const { return live_; }            // nodes that searches can return
  size_t tombstones() const { return tombstones_; }  // removed, not yet reclaimed
  size_t slots() const { return levels_.size(); }    // every node id handed out so far
  size_t MemoryBytes() const;

  // Adds n vectors (row-major, dim floats each) as nodes and writes their ids
  // to nodes[0..n). Free slots are used first. An sq8 graph learns its ranges
  // from the first vectors it is given. Linking runs on TBB threads; a
  // caller that must stay responsive (Ctrl-C, progress) adds in chunks.
  void Add(const float* vectors, size_t n, uint32_t* nodes);
  // Makes a node a tombstone. REQUIRES: n is live.
  void Remove(uint32_t n);
  // No tombstones and no free slots: every node below slots() is live.
  bool AllLive() const { return live_ == flags_.size(); }
  bool IsLive(uint32_t n) const { return n < flags_.size() && flags_[n] == kLive; }
  // Bit i: node 64w + i is live.
  uint64_t LiveWord(size_t w) const {
    if (AllLive()) {  // nodes below slots(): one compare instead of 64 flags
      const size_t first = 64 * w;
      if (first >= flags_.size()) return 0;
      const size_t n = flags_.size() - first;
      return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    }
    uint64_t bits = 0;
    for (size_t i = 0, n = 64 * w; i < 64 && n < flags_.size(); i++, n++) bits |= uint64_t{flags_[n] == kLive} << i;
    return bits;
  }
  // live[i] = 1 when node begin + i is live, else 0, for i < count.
  void LiveBytes(size_t begin, size_t count, uint8_t* __restrict live) const {
    const uint8_t* __restrict flags = flags_.data() + begin;
    const size_t known = begin < flags_.size() ? std::min(count, flags_.size() - begin) : 0;
    for (size_t i = 0; i < known; i++) live[i] = flags[i] == kLive;
    for (size_t i = known; i < count; i++) live[i] = 0;
  }
  // Reconnects around every tombstone and frees its slot. Returns how many.
  size_t Reclaim();
  // Renumbers the nodes so that nodes of one region have nearby numbers
  // (grouped under the upper-level nodes their descent reaches; free slots
  // last), which makes searches faster. Returns the new number of every old
  // one (indexed by old number, slots() long).
  std::vector<uint32_t> Reorder();

  // The k live nodes nearest to query (dim floats) found with a beam of
  // max(ef, k), nearest first; with `allowed`, only its members are returned
  // (the beam keeps growing until it holds ef of them or the graph is
  // exhausted). two_hop (with allowed): measure only allowed nodes, reaching
  // them through the others (SearchLayerTwoHop), starting from the
  // kTwoHopSeeds nodes nearest the query; faster when a small share of the
  // nodes is allowed. Distances of an sq8 graph are those of the codes.
  std::vector<Neighbor> Search(const float* query, size_t k, size_t ef, const NodeSet* allowed = nullptr,
                               bool two_hop = false) const;
  // The k nearest among the live members of `among` (every live node when
  // null), by computing every distance; on two threads when there are many
  // (`members`: about how many, which the caller knows without counting).
  std::vector<Neighbor> SearchAmong(const float* query, size_t k, const NodeSet* among, size_t members) const;
  // The vector of node n as stored (decoded for sq8) into out[0..dim).
  void GetVector(uint32_t n, float* out) const;

  // Checkpoint files (hnsw_file.cc, docs/format/hnsw.md). Save writes path
  // through a temporary file, synced and renamed, so that path always holds
  // a whole graph; `owner` is stored with it and handed back by Load. Load
  // checks every checksum and every link, so a damaged file is Corruption,
  // never a graph that reads out of bounds.
  Status Save(Env* env, const std::string& path, std::string_view owner) const;
  static Result<std::unique_ptr<HnswGraph>> Load(Env* env, const std::string& path, std::string* owner);

 private:
  friend class FloatSpace;
  friend class Sq8Space;
  friend class HnswFileReader;

  enum Flag : uint8_t { kLive = 0, kTombstone = 1, kFree = 2 };

  uint32_t MaxLinks(int level) const { return level == 0 ? 2 * options_.m : options_.m; }
  // Level-0 links: count, then up to 2m ids.
  uint32_t* Links0(uint32_t n) { return reinterpret_cast<uint32_t*>(records_.data() + size_t{n} * record_bytes_); }
  const uint32_t* Links0(uint32_t n) const {
    return reinterpret_cast<const uint32_t*>(records_.data() + size_t{n} * record_bytes_);
  }
  uint32_t* Links(uint32_t n, int level) {
    return level == 0 ? Links0(n) : upper_links_.data() + upper_offset_[n] + size_t(level - 1) * (options_.m + 1);
  }
  const uint32_t* Links(uint32_t n, int level) const { return const_cast<HnswGraph*>(this)->Links(n, level); }
  const uint8_t* Payload(uint32_t n) const { return records_.data() + size_t{n} * record_bytes_ + links_bytes_; }
  uint8_t* Payload(uint32_t n) { return records_.data() + size_t{n} * record_bytes_ + links_bytes_; }

  // Search steps (hnsw_search.h). kLocked: nodes' links may change meanwhile
  // (linking in parallel), so they are copied under the node's lock.
  // Copies n's links at level to out (room for MaxLinks(level)); returns the count.
  template <bool kLocked>
  uint32_t CopyLinks(uint32_t n, int level, uint32_t* out) const;
  template <bool kLocked>
  const uint32_t* ReadLinks(uint32_t n, int level, uint32_t* buffer, uint32_t* count) const;
  template <bool kLocked, typename Space>
  uint32_t GreedyClosest(const Space& space, uint32_t entry, float* distance, int level) const;
  template <bool kLocked, typename Space, typename Keep>
  void SearchLayer(const Space& space, uint32_t entry, float entry_distance, size_t ef, int level, Keep keep,
                   std::vector<Candidate>* results) const;
  template <typename Space, typename Keep>
  void SearchLayerTwoHop(const Space& space, const std::vector<Candidate>& entries, size_t ef, Keep keep,
                         std::vector<Candidate>* results) const;
  // Calls f with the distance space of this graph's quantization.
  template <typename F>
  decltype(auto) WithSpace(F&& f) const;

  // The new number of every node for Reorder (hnsw_reorder.cc).
  std::vector<uint32_t> LocalityOrder() const;

  // Linking (hnsw_link.cc).
  void LinkNode(uint32_t q, const float* vector);
  template <typename Space>
  void LinkNodeIn(Space& space, Space& scratch, uint32_t q);
  // Keeps candidates (sorted nearest first) that are nearer to the base
  // than to any kept one, up to max: the HNSW heuristic, which keeps links
  // pointing in different directions.
  template <typename Space>
  void SelectNeighbors(Space& scratch, std::vector<Candidate>* candidates, size_t max) const;
  template <typename Space>
  void Connect(Space& scratch, uint32_t n, uint32_t q, float distance, int level);
  // Asks for every cache line of n's vector, not only its first: searches
  // prefetch all fresh neighbours before measuring them, and fetching whole
  // vectors at once measured about 10% faster than letting the first
  // distance's loads wait for the rest (benchmarks/RESULTS.md, session 11).
  void PrefetchNode(uint32_t n) const { PrefetchLines(Payload(n), payload_bytes_); }
  // Asks for every cache line of n's level-0 links (a record is not aligned
  // to lines, so 2m+1 links span up to three).
  void PrefetchLinks0(uint32_t n) const { PrefetchLines(Links0(n), links_bytes_); }
  // Every line of [p, p + bytes), bytes > 0.
  static void PrefetchLines(const void* p, size_t bytes) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t o = 0; o < bytes; o += 64) __builtin_prefetch(b + o);
    __builtin_prefetch(b + bytes - 1);
  }

  int DrawLevel();
  // Takes a free slot or a new one for a node of `level`, with empty links.
  uint32_t NewSlot(int level);
  void StoreVector(uint32_t n, const float* v);

  // Striped spin locks over node links, for parallel linking.
  void LockNode(uint32_t n) const;
  void UnlockNode(uint32_t n) const;

  const HnswOptions options_;
  const size_t links_bytes_;    // (1 + 2m) * 4
  const size_t payload_bytes_;  // dim * 4, or dim for sq8
  const size_t record_bytes_;
  Sq8Quantizer sq8_;

  GrowBuffer<uint8_t> records_;
  GrowBuffer<uint8_t> levels_;         // per node
  GrowBuffer<uint8_t> flags_;          // per node: Flag
  GrowBuffer<uint8_t> upper_levels_;   // per node: levels its upper links have room for
  GrowBuffer<uint32_t> upper_offset_;  // per node: its first upper block in upper_links_
  GrowBuffer<uint32_t> upper_links_;   // blocks of count + m ids, one per level above 0
  std::vector<uint32_t> free_;         // reclaimed slots
  size_t live_ = 0, tombstones_ = 0;
  uint64_t level_draws_ = 0;

  std::mutex entry_mu_;  // guards entry_ and max_level_ while linking
  uint32_t entry_ = kNoNode;
  int max_level_ = -1;

  static constexpr size_t kLockStripes = 1 << 16;
  mutable std::unique_ptr<std::atomic<bool>[]> locks_;
};

}  // namespace embodb::index
