// NodeRows: what a filtered search reads of an in-memory index whose nodes
// stand for rows (a vector graph's nodes, a spatial tree's points, a text
// index's documents): the row key of each node, the index's copies of the
// row's scalar columns, which nodes are live, and the cache of the nodes
// recent filters matched. Filters are matched over it by one piece of code
// for every kind (query/node_match.h).
//
// Thread safety: read under the index's read lock (DerivedIndex::ReadLock).
#pragma once

#include <cstddef>
#include <cstdint>

#include "index/common/filter_match_cache.h"
#include "index/common/node_attributes.h"
#include "index/common/node_keys.h"

namespace embodb::index {

class NodeRows {
 public:
  virtual ~NodeRows() = default;
  virtual const NodeKeys& keys() const = 0;
  virtual const NodeAttributes& attributes() const = 0;
  virtual const FilterMatchCache& matches() const = 0;
  // Every node id handed out so far (live or not).
  virtual size_t slots() const = 0;
  // Every node below slots() is live.
  virtual bool AllLive() const = 0;
  // live[i] = 1 when node begin + i is live, else 0, for count nodes.
  virtual void LiveBytes(size_t begin, size_t count, uint8_t* live) const = 0;
};

}  // namespace embodb::index
