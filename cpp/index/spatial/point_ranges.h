// PointRanges: the tree ids of the points of a spatial index over a
// point-cloud column. Node n (a row) whose cloud holds c points takes the
// ids [base, base + c), so a tree id gives its row (NodeOf) and the point's
// index in the row's cloud (id - Base(node)). Ranges freed by deletes are
// reused (first fit, neighbours merged).
//
// Thread safety: const methods may run concurrently; changes need
// exclusive access (the index's write lock).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace embodb::index::spatial {

class PointRanges {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // The first of n ids (n >= 1) for node, which holds none; kNone when the
  // id space (2^32 - 1) is full.
  uint32_t Allocate(uint32_t node, uint32_t n);
  // Frees node's ids, if it has any.
  void Free(uint32_t node);

  uint32_t NodeOf(uint32_t id) const { return id < node_of_.size() ? node_of_[id] : kNone; }
  bool Has(uint32_t node) const { return node < count_.size() && count_[node] > 0; }
  uint32_t Base(uint32_t node) const { return base_[node]; }    // REQUIRES: Has(node)
  uint32_t Count(uint32_t node) const { return count_[node]; }  // REQUIRES: Has(node)
  // Every id is below this.
  uint32_t id_limit() const { return static_cast<uint32_t>(node_of_.size()); }
  size_t MemoryBytes() const;

  // docs/format/spatial.md: the ranges of the nodes below `slots`.
  void EncodeTo(std::string* dst) const;
  // Corruption for ranges that overlap, are empty or run past 2^32 - 1, or
  // a node at or past slots.
  static Result<PointRanges> Decode(std::string_view* in, uint32_t slots);

 private:
  std::vector<uint32_t> node_of_;      // id -> node; kNone when free
  std::vector<uint32_t> base_, count_; // by node; count 0: no range
  std::map<uint32_t, uint32_t> free_;  // base -> length: free ranges below id_limit()
};

}  // namespace embodb::index::spatial
