// KdTree: the kernel of the spatial index: 3-D points, each with a uint32
// id (the index's node number), in a k-d tree that takes inserts and erases
// one at a time, without rebuilding the whole.
//
// Leaves hold up to kLeafCapacity points by coordinate (x[], y[], z[]), so
// a query scans a leaf a block at a time; every node keeps the box of the
// points under it, which prunes searches tighter than split planes. An
// insert descends by the split planes and appends to a leaf, splitting it
// at its median when full. A subtree whose larger child outgrows kBalance
// of it (after inserts or erases) is rebuilt balanced, the scapegoat rule
// of ikd-Tree (Cai et al. 2021), so a robot's points arriving along its
// path do not make a list of the tree. A build of many points splits at
// medians, in parallel (TBB), into arrays sized beforehand.
//
// Erased points leave their boxes loose (still correct: a box only has to
// contain its points) until a rebuild; storage freed by a rebuild is
// reused by later splits, and the whole tree is compacted when most of it
// is free.
//
// Distances are squared Euclidean, in float. Coordinates must be finite
// (the index layer refuses others).
//
// Thread safety: const methods may run concurrently with each other;
// mutations need exclusive access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/status.h"

namespace embodb::index::spatial {

struct Point3 {
  float x = 0, y = 0, z = 0;
  float operator[](int axis) const { return axis == 0 ? x : axis == 1 ? y : z; }
};

struct PointHit {
  float distance2 = 0;  // squared distance to the query
  uint32_t id = 0;
  // Nearest first; ties by id, so results are deterministic.
  bool operator<(const PointHit& o) const { return distance2 < o.distance2 || (distance2 == o.distance2 && id < o.id); }
};

// Which ids a query may return (a filter); nullptr: every id.
using IdFilter = std::function<bool(uint32_t id)>;

class KdTree {
 public:
  static constexpr uint32_t kLeafCapacity = 32;
  // A build fills leaves to at most this (full leaves measured fastest for
  // kNN; an insert into one splits it, which is cheap).
  static constexpr uint32_t kBuildFill = 32;
  // A subtree is rebuilt when one child holds more than this share of it.
  static constexpr float kBalance = 0.75f;
  static constexpr uint32_t kNone = UINT32_MAX;

  KdTree() = default;

  // Replaces the contents with n points (ids distinct), built in parallel.
  void Build(const Point3* points, const uint32_t* ids, size_t n);
  // Adds a point; its id must not be in the tree.
  void Insert(const Point3& p, uint32_t id);
  // Adds n points (ids distinct, none in the tree): a scan at once. The
  // batch is split down the tree by its split planes; a leaf it overfills,
  // or a subtree it would unbalance, is rebuilt with its share, so the cost
  // grows with the batch, not the tree (a batch as large as the tree
  // rebuilds it whole).
  void InsertMany(const Point3* points, const uint32_t* ids, size_t n);
  // Removes the point with this id; false when there is none.
  bool Erase(uint32_t id);
  bool Contains(uint32_t id) const { return id < where_.size() && where_[id] != kNone; }
  // The point of an id in the tree (REQUIRES: Contains(id)).
  Point3 PointOf(uint32_t id) const;
  size_t size() const { return size_; }
  size_t MemoryBytes() const;

  // The k points nearest to q that pass `keep`, nearest first (fewer when
  // fewer pass).
  void Knn(const Point3& q, size_t k, const IdFilter& keep, std::vector<PointHit>* out) const;
  // The points within radius r of q (distance <= r) that pass `keep`, in
  // no particular order.
  void Radius(const Point3& q, float r, const IdFilter& keep, std::vector<PointHit>* out) const;
  // The ids of the points inside the box [lo, hi] (bounds inclusive) that
  // pass `keep`, in no particular order.
  void Box(const Point3& lo, const Point3& hi, const IdFilter& keep, std::vector<uint32_t>* out) const;

  // How many points are inside the box [lo, hi], counting no further than
  // stop_at (a subtree the box holds whole counts at once): a planner's
  // estimate of a search's size.
  size_t CountBox(const Point3& lo, const Point3& hi, size_t stop_at) const;

  // Corruption when the structure is inconsistent (counts, boxes, the id
  // map); for tests and for checking a loaded file.
  Status CheckInvariants() const;

  // The tree as bytes (docs/format/spatial.md), and back; Corruption when
  // the bytes do not make a consistent tree or hold an id >= id_limit (so
  // that damage cannot make the id map huge).
  void EncodeTo(std::string* dst) const;
  static Result<KdTree> Decode(std::string_view in, uint32_t id_limit);

 private:
  struct Node {
    float lo[3], hi[3];  // a box around every point under the node
    float split;         // an inner node: points with [axis] < split went left
    uint32_t axis;
    uint32_t parent;     // kNone at the root
    uint32_t left, right;  // kNone for a leaf
    uint32_t leaf;       // a leaf's block in leaves_
    uint32_t count;      // points under the node
  };
  struct Leaf {
    float x[kLeafCapacity], y[kLeafCapacity], z[kLeafCapacity];
    uint32_t id[kLeafCapacity];
    uint32_t n;
    uint32_t node;
  };

  bool IsLeaf(const Node& n) const { return n.left == kNone; }
  uint32_t NewNode();
  uint32_t NewLeaf();
  // A point of a build, with its id.
  struct BuildItem {
    float p[3];
    uint32_t id;
  };
  // How many leaves a build of n points makes (a build meets two range
  // sizes per level).
  struct Input {
    std::map<size_t, size_t> leaves_of;
    size_t Leaves(size_t n) const { return leaves_of.at(n); }
    size_t Nodes(size_t n) const { return 2 * Leaves(n) - 1; }
    void Shape(size_t n);
  };
  // Builds items[0, n) (reordering them) into the node slot `node` and the
  // ones after it (Nodes(n) of them) and the leaves from first_leaf
  // (Leaves(n)), all already allocated. The region: a box around the
  // points, which picks the split axis.
  // Reorders items[0, n) so that items[mid] is the one a sort by `axis`
  // would put there, with none after it smaller and none before it larger.
  static void SelectMedian(BuildItem* items, size_t n, size_t mid, uint32_t axis);
  void BuildRange(const Input& in, BuildItem* items, size_t n, uint32_t node, uint32_t first_leaf, uint32_t parent,
                  const float* region_lo, const float* region_hi);
  // Builds the points into fresh slots at the end of the arrays; returns the
  // subtree's root.
  uint32_t BuildAppended(const Point3* points, const uint32_t* ids, size_t n, uint32_t parent);
  // Rebuilds the subtree at node balanced, in place of it, with the n
  // extra points of items (whose count and box node's ancestors hold already).
  void Rebuild(uint32_t node, const BuildItem* items = nullptr, size_t n = 0);
  // InsertMany's descent: adds items[0, n) (reordering them) under node,
  // whose own count and box do not include them yet.
  void InsertItems(uint32_t node, BuildItem* items, size_t n);
  // Adds p under node (counting it in node and below), splitting full
  // leaves on the way; returns the leaf node it went to.
  uint32_t Descend(uint32_t node, const Point3& p, uint32_t id);
  // Splits a full leaf node into two leaves.
  void SplitLeaf(uint32_t node);
  // The highest node on the path from the root to `node` whose children are
  // out of balance; kNone when none is.
  uint32_t Scapegoat(uint32_t node) const;
  void CollectPoints(uint32_t node, std::vector<Point3>* points, std::vector<uint32_t>* ids,
                     std::vector<uint32_t>* nodes, std::vector<uint32_t>* leaves) const;
  void Compact();

  std::vector<Node> nodes_;
  std::vector<Leaf> leaves_;
  std::vector<uint32_t> free_nodes_, free_leaves_;
  std::vector<uint32_t> where_;  // id -> leaf * kLeafCapacity + slot; kNone when absent
  uint32_t root_ = kNone;
  size_t size_ = 0;
};

}  // namespace embodb::index::spatial
