// Exact k-nearest-neighbour search by brute force over a matrix of vectors:
// the path for small tables, for filters that match few rows, for .exact(),
// and the ground truth the HNSW tests measure recall against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "index/vector/distance.h"

namespace embodb::index {

struct Neighbor {
  float distance;
  uint64_t id;
  // Nearest first; ties by id, so results are deterministic.
  bool operator<(const Neighbor& o) const { return distance < o.distance || (distance == o.distance && id < o.id); }
};

// A row-major matrix of n vectors of dim floats; row i has id ids[i] (or i
// when ids is null).
struct VectorMatrix {
  const float* data = nullptr;
  size_t n = 0;
  size_t dim = 0;
  const uint64_t* ids = nullptr;
  uint64_t id(size_t i) const { return ids == nullptr ? i : ids[i]; }
  const float* row(size_t i) const { return data + i * dim; }
};

// The k rows nearest to query (dim floats), nearest first: fewer when the
// matrix has fewer rows (that pass `keep`, when given). Large matrices are
// split across TBB threads, so `keep` may be called from several at once.
std::vector<Neighbor> ExactSearch(const VectorMatrix& m, const float* query, size_t k, Metric metric,
                                  const std::function<bool(uint64_t id)>& keep = nullptr);

}  // namespace embodb::index
