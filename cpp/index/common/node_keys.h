// NodeKeys: the two-way map between the nodes of an in-memory index (dense
// uint32 ids) and the encoded primary keys of their rows (key_codec.h).
//
// Compact, because an index holds one entry per row: an integer key (always
// 8 encoded bytes) takes 8 bytes per node plus an open-addressing table of
// node ids at most half full, about 16 bytes per row in all; a string key
// is kept as a std::string per node.
//
// Thread safety: const methods may run concurrently; changes are exclusive.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace embodb::index {

class NodeKeys {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // fixed8: every key is 8 bytes (an integer primary key).
  explicit NodeKeys(bool fixed8) : fixed8_(fixed8) {}

  size_t size() const { return size_; }
  bool fixed8() const { return fixed8_; }
  bool Has(uint32_t node) const { return node < present_.size() && present_[node] != 0; }
  // The node of key, or kNone.
  uint32_t Find(std::string_view key) const;
  // REQUIRES: key has no node and node no key.
  void Insert(uint32_t node, std::string_view key);
  // Inserts n (node, key) pairs at once (a build): the table grows once and
  // each window of keys has its slots fetched together. REQUIRES: as for
  // Insert, and the keys distinct.
  void InsertMany(const uint32_t* nodes, const std::string_view* keys, size_t n);
  // REQUIRES: node has a key.
  void Erase(uint32_t node);
  // REQUIRES: node has a key. The view lasts until the next change.
  std::string_view KeyOf(uint32_t node) const {
    if (fixed8_) return std::string_view(reinterpret_cast<const char*>(&fixed_[node]), 8);
    return strings_[node];
  }
  // Starts fetching node's key, so that reading the keys of a search's
  // results waits for one cache miss, not one each.
  void Prefetch(uint32_t node) const {
    if (fixed8_) {
      __builtin_prefetch(&fixed_[node]);
    } else {
      __builtin_prefetch(&strings_[node]);
    }
  }
  size_t MemoryBytes() const;
  // Gives node n the number new_of_old[n] (HnswGraph::Reorder), for every n
  // below new_of_old.size(), which covers every node with a key.
  void Renumber(const std::vector<uint32_t>& new_of_old);

  // Checkpoint encoding (docs/format/hnsw.md, "Owner section of a vector
  // index"): every (node, key) pair. Decode checks that nodes are below
  // max_node and keys distinct.
  void EncodeTo(std::string* dst) const;
  static Result<NodeKeys> Decode(std::string_view* input, uint32_t max_node, bool fixed8);

 private:
  static constexpr uint32_t kDeleted = UINT32_MAX - 1;
  uint64_t HashOf(std::string_view key) const;
  // The slot holding key's node, or the free slot to put it in.
  size_t Probe(std::string_view key, bool* found) const;
  // Rebuilds the table with room for `keys` keys at half load.
  void Grow(size_t keys);
  // Puts nodes whose keys are in no slot (distinct) into free slots.
  void Place(const uint32_t* nodes, size_t n);
  // Stores node's key bytes (growing the per-node arrays as needed).
  void StoreKey(uint32_t node, std::string_view key);

  bool fixed8_;
  size_t size_ = 0;
  size_t deleted_ = 0;                 // kDeleted slots
  std::vector<uint64_t> fixed_;        // by node: the 8 key bytes (fixed8)
  std::vector<std::string> strings_;   // by node: the key (otherwise)
  std::vector<uint8_t> present_;       // by node: 1 when it has a key
  std::vector<uint32_t> slots_;        // open addressing, linear probing; kNone: empty
};

}  // namespace embodb::index
