#include "index/spatial/kd_tree.h"

#include <tbb/parallel_invoke.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>

#include "util/coding.h"

namespace embodb::index::spatial {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
// Whether (x, y, z) is inside the box [lo, hi], bounds inclusive.
bool InBox(float x, float y, float z, const Point3& lo, const Point3& hi) {
  return x >= lo.x && x <= hi.x && y >= lo.y && y <= hi.y && z >= lo.z && z <= hi.z;
}

// The nodes a search has yet to visit, last in first out: on the stack for
// the depths a balanced tree has, spilling to the heap past them (a tree
// built from adversarial data), so that a query allocates nothing.
template <typename T>
class SearchStack {
 public:
  explicit SearchStack(T first) { Push(first); }
  void Push(T v) {
    if (depth_ < kInline) {
      inline_[depth_++] = v;
    } else {
      spill_.push_back(v);
    }
  }
  bool Empty() const { return depth_ == 0 && spill_.empty(); }
  T Pop() {
    if (spill_.empty()) return inline_[--depth_];
    const T v = spill_.back();
    spill_.pop_back();
    return v;
  }

 private:
  static constexpr size_t kInline = 128;
  T inline_[kInline];
  size_t depth_ = 0;
  std::vector<T> spill_;
};

// Ranges at least this large select their median through a sampled band.
constexpr size_t kSampledSelect = 1 << 14;
// Ranges larger than this are built in parallel.
constexpr size_t kParallelBuild = 1 << 15;
// Subtrees smaller than this are never rebuilt for balance.
constexpr uint32_t kMinRebuild = 2 * KdTree::kLeafCapacity;

// The squared distance from q to the nearest point of the box [lo, hi]
// (infinite for an empty box, whose lo is +inf).
inline __attribute__((always_inline)) float BoxDistance2(const float* lo, const float* hi, const Point3& q) {
  // Branch-free: at most one of the two gaps is positive (infinite for an
  // empty box, whose lo is +inf).
  const float ex = std::max(lo[0] - q.x, 0.0f) + std::max(q.x - hi[0], 0.0f);
  const float ey = std::max(lo[1] - q.y, 0.0f) + std::max(q.y - hi[1], 0.0f);
  const float ez = std::max(lo[2] - q.z, 0.0f) + std::max(q.z - hi[2], 0.0f);
  return ex * ex + ey * ey + ez * ez;
}

bool BoxesOverlap(const float* lo, const float* hi, const Point3& qlo, const Point3& qhi) {
  for (int a = 0; a < 3; a++) {
    if (hi[a] < qlo[a] || lo[a] > qhi[a]) return false;
  }
  return true;
}

bool BoxInside(const float* lo, const float* hi, const Point3& qlo, const Point3& qhi) {
  for (int a = 0; a < 3; a++) {
    if (lo[a] < qlo[a] || hi[a] > qhi[a]) return false;
  }
  return true;
}

void EmptyBox(float* lo, float* hi) {
  for (int a = 0; a < 3; a++) {
    lo[a] = kInf;
    hi[a] = -kInf;
  }
}

void Expand(float* lo, float* hi, const Point3& p) {
  for (int a = 0; a < 3; a++) {
    lo[a] = std::min(lo[a], p[a]);
    hi[a] = std::max(hi[a], p[a]);
  }
}

uint32_t WidestAxis(const float* lo, const float* hi) {
  uint32_t axis = 0;
  for (uint32_t a = 1; a < 3; a++) {
    if (hi[a] - lo[a] > hi[axis] - lo[axis]) axis = a;
  }
  return axis;
}

}  // namespace

uint32_t KdTree::NewNode() {
  if (!free_nodes_.empty()) {
    const uint32_t n = free_nodes_.back();
    free_nodes_.pop_back();
    return n;
  }
  nodes_.emplace_back();
  return static_cast<uint32_t>(nodes_.size() - 1);
}

uint32_t KdTree::NewLeaf() {
  if (!free_leaves_.empty()) {
    const uint32_t l = free_leaves_.back();
    free_leaves_.pop_back();
    return l;
  }
  leaves_.emplace_back();
  return static_cast<uint32_t>(leaves_.size() - 1);
}

Point3 KdTree::PointOf(uint32_t id) const {
  const uint32_t at = where_[id];
  const Leaf& leaf = leaves_[at / kLeafCapacity];
  const uint32_t s = at % kLeafCapacity;
  return Point3{leaf.x[s], leaf.y[s], leaf.z[s]};
}

size_t KdTree::MemoryBytes() const {
  return sizeof(*this) + nodes_.capacity() * sizeof(Node) + leaves_.capacity() * sizeof(Leaf) +
         (free_nodes_.capacity() + free_leaves_.capacity() + where_.capacity()) * sizeof(uint32_t);
}

// ---------------------------------------------------------------- building

void KdTree::Input::Shape(size_t n) {
  if (leaves_of.count(n)) return;
  if (n <= kBuildFill) {
    leaves_of[n] = 1;
    return;
  }
  Shape(n / 2);
  Shape(n - n / 2);
  leaves_of[n] = leaves_of[n / 2] + leaves_of[n - n / 2];
}

void KdTree::SelectMedian(BuildItem* items, size_t n, size_t mid, uint32_t axis) {
  const auto less = [axis](const BuildItem& a, const BuildItem& b) { return a.p[axis] < b.p[axis]; };
  if (n < kSampledSelect) {
    std::nth_element(items, items + mid, items + n, less);
    return;
  }
  // A band around the median from a sample: two partition passes (the
  // second over half the points) leave only the band to select in, where
  // nth_element alone makes two or three passes over everything.
  constexpr size_t kSamples = 1023;
  float sample[kSamples];
  const size_t stride = n / kSamples;
  for (size_t i = 0; i < kSamples; i++) sample[i] = items[i * stride].p[axis];
  std::sort(sample, sample + kSamples);
  const float lo = sample[kSamples * 46 / 100], hi = sample[kSamples * 54 / 100];
  BuildItem* band = std::partition(items, items + n, [&](const BuildItem& it) { return it.p[axis] < lo; });
  BuildItem* above = std::partition(band, items + n, [&](const BuildItem& it) { return it.p[axis] <= hi; });
  BuildItem* at = items + mid;
  if (at < band) {
    std::nth_element(items, at, band, less);  // the sample missed: still exact, only slower
  } else if (at >= above) {
    std::nth_element(above, at, items + n, less);
  } else {
    std::nth_element(band, at, above, less);
  }
}

void KdTree::BuildRange(const Input& in, BuildItem* items, size_t n, uint32_t node, uint32_t first_leaf,
                        uint32_t parent, const float* region_lo, const float* region_hi) {
  Node& nd = nodes_[node];  // the arrays do not move during a build
  nd.parent = parent;
  nd.count = static_cast<uint32_t>(n);
  if (n <= kBuildFill) {
    EmptyBox(nd.lo, nd.hi);
    nd.left = nd.right = kNone;
    nd.axis = 0;
    nd.split = 0;
    nd.leaf = first_leaf;
    Leaf& leaf = leaves_[first_leaf];
    leaf.n = static_cast<uint32_t>(n);
    leaf.node = node;
    for (size_t i = 0; i < n; i++) {
      const Point3 p{items[i].p[0], items[i].p[1], items[i].p[2]};
      Expand(nd.lo, nd.hi, p);
      leaf.x[i] = p.x;
      leaf.y[i] = p.y;
      leaf.z[i] = p.z;
      leaf.id[i] = items[i].id;
      where_[leaf.id[i]] = first_leaf * kLeafCapacity + static_cast<uint32_t>(i);
    }
    return;
  }
  // The split: at the median of the region's widest axis (the region is cut
  // by the split planes above, so no pass over the points is needed for it).
  const uint32_t axis = WidestAxis(region_lo, region_hi);
  const size_t mid = n / 2;
  // The points themselves are moved (16 bytes each, contiguous), not
  // indexes to them: the selection then reads memory in order.
  SelectMedian(items, n, mid, axis);
  nd.axis = axis;
  nd.split = items[mid].p[axis];
  nd.leaf = kNone;
  // Each half's shape is known, so the halves fill disjoint slots.
  const uint32_t left = node + 1;
  const uint32_t right = left + static_cast<uint32_t>(in.Nodes(mid));
  const uint32_t right_leaf = first_leaf + static_cast<uint32_t>(in.Leaves(mid));
  nd.left = left;
  nd.right = right;
  float left_hi[3] = {region_hi[0], region_hi[1], region_hi[2]};
  float right_lo[3] = {region_lo[0], region_lo[1], region_lo[2]};
  left_hi[axis] = right_lo[axis] = nd.split;
  auto build_left = [&] { BuildRange(in, items, mid, left, first_leaf, node, region_lo, left_hi); };
  auto build_right = [&] { BuildRange(in, items + mid, n - mid, right, right_leaf, node, right_lo, region_hi); };
  if (n >= kParallelBuild) {
    tbb::parallel_invoke(build_left, build_right);
  } else {
    build_left();
    build_right();
  }
  // The tight box: the union of the children's.
  for (int a = 0; a < 3; a++) {
    nd.lo[a] = std::min(nodes_[left].lo[a], nodes_[right].lo[a]);
    nd.hi[a] = std::max(nodes_[left].hi[a], nodes_[right].hi[a]);
  }
}

uint32_t KdTree::BuildAppended(const Point3* points, const uint32_t* ids, size_t n, uint32_t parent) {
  const uint32_t node = static_cast<uint32_t>(nodes_.size());
  const uint32_t first_leaf = static_cast<uint32_t>(leaves_.size());
  if (n == 0) {  // an empty leaf
    nodes_.emplace_back();
    leaves_.emplace_back();
    Node& nd = nodes_.back();
    EmptyBox(nd.lo, nd.hi);
    nd.split = 0;
    nd.axis = 0;
    nd.parent = parent;
    nd.left = nd.right = kNone;
    nd.leaf = first_leaf;
    nd.count = 0;
    leaves_.back().n = 0;
    leaves_.back().node = node;
    return node;
  }
  Input in;
  in.Shape(n);
  nodes_.resize(nodes_.size() + in.Nodes(n));
  leaves_.resize(leaves_.size() + in.Leaves(n));
  std::vector<BuildItem> items(n);
  float lo[3], hi[3];
  EmptyBox(lo, hi);
  for (size_t i = 0; i < n; i++) {
    items[i] = BuildItem{{points[i].x, points[i].y, points[i].z}, ids[i]};
    Expand(lo, hi, points[i]);
  }
  BuildRange(in, items.data(), n, node, first_leaf, parent, lo, hi);
  return node;
}

void KdTree::Build(const Point3* points, const uint32_t* ids, size_t n) {
  nodes_.clear();
  leaves_.clear();
  free_nodes_.clear();
  free_leaves_.clear();
  where_.clear();
  root_ = kNone;
  size_ = n;
  if (n == 0) return;
  uint32_t max_id = 0;
  for (size_t i = 0; i < n; i++) max_id = std::max(max_id, ids[i]);
  where_.assign(size_t{max_id} + 1, kNone);
  root_ = BuildAppended(points, ids, n, kNone);
}

void KdTree::CollectPoints(uint32_t node, std::vector<Point3>* points, std::vector<uint32_t>* ids,
                           std::vector<uint32_t>* nodes, std::vector<uint32_t>* leaves) const {
  std::vector<uint32_t> stack = {node};
  while (!stack.empty()) {
    const uint32_t at = stack.back();
    stack.pop_back();
    const Node& nd = nodes_[at];
    if (nodes != nullptr) nodes->push_back(at);
    if (!IsLeaf(nd)) {
      stack.push_back(nd.right);
      stack.push_back(nd.left);
      continue;
    }
    if (leaves != nullptr) leaves->push_back(nd.leaf);
    const Leaf& leaf = leaves_[nd.leaf];
    for (uint32_t i = 0; i < leaf.n; i++) {
      points->push_back(Point3{leaf.x[i], leaf.y[i], leaf.z[i]});
      ids->push_back(leaf.id[i]);
    }
  }
}

void KdTree::Rebuild(uint32_t node, const BuildItem* items, size_t n) {
  std::vector<Point3> points;
  std::vector<uint32_t> ids, old_nodes, old_leaves;
  points.reserve(nodes_[node].count + n);
  ids.reserve(nodes_[node].count + n);
  CollectPoints(node, &points, &ids, &old_nodes, &old_leaves);
  for (size_t i = 0; i < n; i++) {
    points.push_back(Point3{items[i].p[0], items[i].p[1], items[i].p[2]});
    ids.push_back(items[i].id);
  }
  const uint32_t parent = nodes_[node].parent;
  const uint32_t fresh = BuildAppended(points.data(), ids.data(), points.size(), parent);
  if (parent == kNone) {
    root_ = fresh;
  } else if (nodes_[parent].left == node) {
    nodes_[parent].left = fresh;
  } else {
    nodes_[parent].right = fresh;
  }
  free_nodes_.insert(free_nodes_.end(), old_nodes.begin(), old_nodes.end());
  free_leaves_.insert(free_leaves_.end(), old_leaves.begin(), old_leaves.end());
}

void KdTree::Compact() {
  if (free_nodes_.size() < 4096 || free_nodes_.size() * 2 < nodes_.size()) return;
  std::vector<Point3> points;
  std::vector<uint32_t> ids;
  points.reserve(size_);
  ids.reserve(size_);
  if (root_ != kNone) CollectPoints(root_, &points, &ids, nullptr, nullptr);
  const size_t id_space = where_.size();
  Build(points.data(), ids.data(), points.size());
  where_.resize(std::max(where_.size(), id_space), kNone);
}

uint32_t KdTree::Scapegoat(uint32_t node) const {
  std::vector<uint32_t> path;
  for (uint32_t at = node; at != kNone; at = nodes_[at].parent) path.push_back(at);
  for (auto it = path.rbegin(); it != path.rend(); ++it) {  // from the root down
    const Node& nd = nodes_[*it];
    if (IsLeaf(nd) || nd.count < kMinRebuild) continue;
    const uint32_t larger = std::max(nodes_[nd.left].count, nodes_[nd.right].count);
    if (static_cast<float>(larger) > kBalance * static_cast<float>(nd.count)) return *it;
  }
  return kNone;
}

// ---------------------------------------------------------------- changes

void KdTree::SplitLeaf(uint32_t node) {
  // The leaf's points, split at the median of its widest axis.
  const uint32_t old_leaf = nodes_[node].leaf;
  std::vector<Point3> points(kLeafCapacity);
  std::vector<uint32_t> ids(kLeafCapacity);
  {
    const Leaf& leaf = leaves_[old_leaf];
    for (uint32_t i = 0; i < leaf.n; i++) {
      points[i] = Point3{leaf.x[i], leaf.y[i], leaf.z[i]};
      ids[i] = leaf.id[i];
    }
  }
  const uint32_t axis = WidestAxis(nodes_[node].lo, nodes_[node].hi);
  std::vector<uint32_t> order(kLeafCapacity);
  std::iota(order.begin(), order.end(), 0u);
  const uint32_t mid = kLeafCapacity / 2;
  std::nth_element(order.begin(), order.begin() + mid, order.end(),
                   [&](uint32_t a, uint32_t b) { return points[a][axis] < points[b][axis]; });
  const uint32_t left = NewNode(), right = NewNode();
  const uint32_t right_leaf = NewLeaf();
  const uint32_t leaf_of[2] = {old_leaf, right_leaf};
  const uint32_t child[2] = {left, right};
  for (int side = 0; side < 2; side++) {
    Node& c = nodes_[child[side]];
    Leaf& leaf = leaves_[leaf_of[side]];
    EmptyBox(c.lo, c.hi);
    c.split = 0;
    c.axis = 0;
    c.parent = node;
    c.left = c.right = kNone;
    c.leaf = leaf_of[side];
    leaf.node = child[side];
    leaf.n = 0;
    const uint32_t begin = side == 0 ? 0 : mid, end = side == 0 ? mid : kLeafCapacity;
    for (uint32_t j = begin; j < end; j++) {
      const uint32_t i = order[j];
      const uint32_t slot = leaf.n++;
      leaf.x[slot] = points[i].x;
      leaf.y[slot] = points[i].y;
      leaf.z[slot] = points[i].z;
      leaf.id[slot] = ids[i];
      where_[ids[i]] = leaf_of[side] * kLeafCapacity + slot;
      Expand(c.lo, c.hi, points[i]);
    }
    c.count = leaf.n;
  }
  Node& nd = nodes_[node];
  nd.axis = axis;
  nd.split = points[order[mid]][axis];
  nd.left = left;
  nd.right = right;
  nd.leaf = kNone;
}

void KdTree::Insert(const Point3& p, uint32_t id) {
  if (id >= where_.size()) where_.resize(std::max<size_t>(size_t{id} + 1, where_.size() * 2), kNone);
  size_++;
  if (root_ == kNone) {
    root_ = BuildAppended(&p, &id, 1, kNone);
    return;
  }
  const uint32_t node = Descend(root_, p, id);
  const uint32_t goat = Scapegoat(node);
  if (goat != kNone) Rebuild(goat);
  Compact();
}

uint32_t KdTree::Descend(uint32_t node, const Point3& p, uint32_t id) {
  while (true) {
    Node& nd = nodes_[node];
    Expand(nd.lo, nd.hi, p);
    nd.count++;
    if (IsLeaf(nd)) {
      if (leaves_[nd.leaf].n < kLeafCapacity) break;
      SplitLeaf(node);  // the count and box already include p; its children's do not
    }
    const Node& inner = nodes_[node];
    node = p[inner.axis] < inner.split ? inner.left : inner.right;
  }
  Leaf& leaf = leaves_[nodes_[node].leaf];
  const uint32_t slot = leaf.n++;
  leaf.x[slot] = p.x;
  leaf.y[slot] = p.y;
  leaf.z[slot] = p.z;
  leaf.id[slot] = id;
  where_[id] = nodes_[node].leaf * kLeafCapacity + slot;
  return node;
}

void KdTree::InsertMany(const Point3* points, const uint32_t* ids, size_t n) {
  if (n == 0) return;
  if (n == 1) return Insert(points[0], ids[0]);
  const uint32_t max_id = *std::max_element(ids, ids + n);
  if (max_id >= where_.size()) where_.resize(std::max<size_t>(size_t{max_id} + 1, where_.size() * 2), kNone);
  if (root_ == kNone || n >= size_) {  // as large as the tree: one build of both, in parallel
    std::vector<Point3> all;
    std::vector<uint32_t> all_ids;
    all.reserve(size_ + n);
    all_ids.reserve(size_ + n);
    if (root_ != kNone) CollectPoints(root_, &all, &all_ids, nullptr, nullptr);
    all.insert(all.end(), points, points + n);
    all_ids.insert(all_ids.end(), ids, ids + n);
    const size_t id_space = where_.size();
    Build(all.data(), all_ids.data(), all.size());
    where_.resize(std::max(where_.size(), id_space), kNone);
    return;
  }
  std::vector<BuildItem> items(n);
  for (size_t i = 0; i < n; i++) items[i] = BuildItem{{points[i].x, points[i].y, points[i].z}, ids[i]};
  size_ += n;
  InsertItems(root_, items.data(), n);
  Compact();
}

void KdTree::InsertItems(uint32_t node, BuildItem* items, size_t n) {
  // Copies, not references: a rebuild below may move nodes_.
  const Node nd = nodes_[node];
  const size_t total = size_t{nd.count} + n;
  if (IsLeaf(nd)) {
    if (leaves_[nd.leaf].n + n > kLeafCapacity) {  // rebuilt with them: a balanced subtree of full leaves
      Rebuild(node, items, n);
      return;
    }
    Node& at = nodes_[node];
    Leaf& leaf = leaves_[nd.leaf];
    for (size_t i = 0; i < n; i++) {
      const Point3 p{items[i].p[0], items[i].p[1], items[i].p[2]};
      const uint32_t slot = leaf.n++;
      leaf.x[slot] = p.x;
      leaf.y[slot] = p.y;
      leaf.z[slot] = p.z;
      leaf.id[slot] = items[i].id;
      where_[items[i].id] = nd.leaf * kLeafCapacity + slot;
      Expand(at.lo, at.hi, p);
    }
    at.count = static_cast<uint32_t>(total);
    return;
  }
  BuildItem* mid = std::partition(items, items + n, [&](const BuildItem& it) { return it.p[nd.axis] < nd.split; });
  const size_t to_left = static_cast<size_t>(mid - items);
  const size_t larger = std::max(nodes_[nd.left].count + to_left, nodes_[nd.right].count + (n - to_left));
  if (total >= kMinRebuild && static_cast<float>(larger) > kBalance * static_cast<float>(total)) {
    Rebuild(node, items, n);
    return;
  }
  Node& at = nodes_[node];
  for (size_t i = 0; i < n; i++) Expand(at.lo, at.hi, Point3{items[i].p[0], items[i].p[1], items[i].p[2]});
  at.count = static_cast<uint32_t>(total);
  if (to_left > 0) InsertItems(nd.left, items, to_left);
  if (to_left < n) InsertItems(nd.right, mid, n - to_left);
}

bool KdTree::Erase(uint32_t id) {
  if (!Contains(id)) return false;
  const uint32_t at = where_[id];
  const uint32_t leaf_index = at / kLeafCapacity, slot = at % kLeafCapacity;
  Leaf& leaf = leaves_[leaf_index];
  const uint32_t last = leaf.n - 1;
  if (slot != last) {  // the last point takes the freed slot
    leaf.x[slot] = leaf.x[last];
    leaf.y[slot] = leaf.y[last];
    leaf.z[slot] = leaf.z[last];
    leaf.id[slot] = leaf.id[last];
    where_[leaf.id[slot]] = at;
  }
  leaf.n--;
  where_[id] = kNone;
  size_--;
  const uint32_t node = leaf.node;
  for (uint32_t up = node; up != kNone; up = nodes_[up].parent) nodes_[up].count--;
  if (size_ == 0) {  // nothing left: start afresh (ids keep their map's size)
    const size_t id_space = where_.size();
    Build(nullptr, nullptr, 0);
    where_.assign(id_space, kNone);
    return true;
  }
  const uint32_t goat = Scapegoat(node);
  if (goat != kNone) Rebuild(goat);
  Compact();
  return true;
}

// ---------------------------------------------------------------- queries

void KdTree::Knn(const Point3& q, size_t k, const IdFilter& keep, std::vector<PointHit>* out) const {
  out->clear();
  if (k == 0 || root_ == kNone) return;
  std::vector<PointHit>& heap = *out;  // a max-heap of the best so far
  heap.reserve(std::min<size_t>(k, size_));
  float worst = kInf;  // the heap's largest distance once it holds k
  struct Pending {
    float distance2;
    uint32_t node;
  };
  SearchStack<Pending> stack({BoxDistance2(nodes_[root_].lo, nodes_[root_].hi, q), root_});
  float d[kLeafCapacity];
  while (!stack.Empty()) {
    const Pending top = stack.Pop();
    if (top.distance2 > worst) continue;
    const Node& nd = nodes_[top.node];
    if (!IsLeaf(nd)) {
      const float dl = BoxDistance2(nodes_[nd.left].lo, nodes_[nd.left].hi, q);
      const float dr = BoxDistance2(nodes_[nd.right].lo, nodes_[nd.right].hi, q);
      // The nearer child is searched first (pushed last).
      const bool left_first = dl <= dr;
      const Pending near = left_first ? Pending{dl, nd.left} : Pending{dr, nd.right};
      const Pending far = left_first ? Pending{dr, nd.right} : Pending{dl, nd.left};
      if (far.distance2 <= worst) stack.Push(far);
      if (near.distance2 <= worst) stack.Push(near);
      continue;
    }
    const Leaf& leaf = leaves_[nd.leaf];
    const uint32_t n = leaf.n;
    for (uint32_t i = 0; i < n; i++) {
      const float dx = leaf.x[i] - q.x, dy = leaf.y[i] - q.y, dz = leaf.z[i] - q.z;
      d[i] = dx * dx + dy * dy + dz * dz;
    }
    for (uint32_t i = 0; i < n; i++) {
      if (d[i] > worst) continue;
      const PointHit hit{d[i], leaf.id[i]};
      if (heap.size() == k && !(hit < heap.front())) continue;
      if (keep && !keep(hit.id)) continue;
      if (heap.size() == k) {
        std::pop_heap(heap.begin(), heap.end());
        heap.back() = hit;
      } else {
        heap.push_back(hit);
      }
      std::push_heap(heap.begin(), heap.end());
      if (heap.size() == k) worst = heap.front().distance2;
    }
  }
  std::sort_heap(heap.begin(), heap.end());
}

void KdTree::Radius(const Point3& q, float r, const IdFilter& keep, std::vector<PointHit>* out) const {
  out->clear();
  if (root_ == kNone || !(r >= 0)) return;
  const float r2 = r * r;
  SearchStack<uint32_t> stack(root_);
  float d[kLeafCapacity];
  while (!stack.Empty()) {
    const Node& nd = nodes_[stack.Pop()];
    if (BoxDistance2(nd.lo, nd.hi, q) > r2) continue;
    if (!IsLeaf(nd)) {
      // The child on the query's side last, so it is visited first.
      const bool left_first = q[nd.axis] < nd.split;
      stack.Push(left_first ? nd.right : nd.left);
      stack.Push(left_first ? nd.left : nd.right);
      continue;
    }
    const Leaf& leaf = leaves_[nd.leaf];
    for (uint32_t i = 0; i < leaf.n; i++) {
      const float dx = leaf.x[i] - q.x, dy = leaf.y[i] - q.y, dz = leaf.z[i] - q.z;
      d[i] = dx * dx + dy * dy + dz * dz;
    }
    for (uint32_t i = 0; i < leaf.n; i++) {
      if (d[i] <= r2 && (!keep || keep(leaf.id[i]))) out->push_back(PointHit{d[i], leaf.id[i]});
    }
  }
}

void KdTree::Box(const Point3& lo, const Point3& hi, const IdFilter& keep, std::vector<uint32_t>* out) const {
  out->clear();
  if (root_ == kNone) return;
  // (node, whether the query box holds all of it)
  SearchStack<std::pair<uint32_t, bool>> stack({root_, false});
  while (!stack.Empty()) {
    auto [at, inside] = stack.Pop();
    const Node& nd = nodes_[at];
    if (!inside) {
      if (!BoxesOverlap(nd.lo, nd.hi, lo, hi)) continue;
      inside = BoxInside(nd.lo, nd.hi, lo, hi);
    }
    if (!IsLeaf(nd)) {
      stack.Push({nd.right, inside});
      stack.Push({nd.left, inside});
      continue;
    }
    const Leaf& leaf = leaves_[nd.leaf];
    for (uint32_t i = 0; i < leaf.n; i++) {
      if (!inside && !InBox(leaf.x[i], leaf.y[i], leaf.z[i], lo, hi)) continue;
      if (!keep || keep(leaf.id[i])) out->push_back(leaf.id[i]);
    }
  }
}

size_t KdTree::CountBox(const Point3& lo, const Point3& hi, size_t stop_at) const {
  size_t count = 0;
  if (root_ == kNone) return 0;
  SearchStack<uint32_t> stack(root_);
  while (!stack.Empty() && count < stop_at) {
    const Node& nd = nodes_[stack.Pop()];
    if (!BoxesOverlap(nd.lo, nd.hi, lo, hi)) continue;
    if (BoxInside(nd.lo, nd.hi, lo, hi)) {
      count += nd.count;
    } else if (!IsLeaf(nd)) {
      stack.Push(nd.right);
      stack.Push(nd.left);
    } else {
      const Leaf& leaf = leaves_[nd.leaf];
      for (uint32_t i = 0; i < leaf.n; i++) {
        count += InBox(leaf.x[i], leaf.y[i], leaf.z[i], lo, hi);
      }
    }
  }
  return count;
}

// ---------------------------------------------------------------- checks and files

Status KdTree::CheckInvariants() const {
  auto bad = [](const std::string& what) { return Status::Corruption("spatial index", what); };
  size_t points = 0;
  if (root_ == kNone) {
    if (size_ != 0) return bad("no root but " + std::to_string(size_) + " points");
  } else {
    if (root_ >= nodes_.size() || nodes_[root_].parent != kNone) return bad("bad root");
    std::vector<uint32_t> stack = {root_};
    std::vector<uint8_t> seen(nodes_.size(), 0);
    while (!stack.empty()) {
      const uint32_t at = stack.back();
      stack.pop_back();
      if (seen[at]) return bad("a node reached twice");
      seen[at] = 1;
      const Node& nd = nodes_[at];
      if (!IsLeaf(nd)) {
        if (nd.left >= nodes_.size() || nd.right >= nodes_.size() || nd.right == kNone) return bad("bad child");
        if (nodes_[nd.left].parent != at || nodes_[nd.right].parent != at) return bad("bad parent link");
        if (nodes_[nd.left].count + nodes_[nd.right].count != nd.count) return bad("bad count");
        if (nd.axis > 2) return bad("bad axis");
        stack.push_back(nd.left);
        stack.push_back(nd.right);
        continue;
      }
      if (nd.leaf >= leaves_.size()) return bad("bad leaf");
      const Leaf& leaf = leaves_[nd.leaf];
      if (leaf.node != at || leaf.n > kLeafCapacity || leaf.n != nd.count) return bad("bad leaf count or owner");
      for (uint32_t i = 0; i < leaf.n; i++) {
        const Point3 p{leaf.x[i], leaf.y[i], leaf.z[i]};
        if (!std::isfinite(p.x) || !std::isfinite(p.y) || !std::isfinite(p.z)) return bad("a point is not finite");
        // Every box on the way up holds the point.
        for (uint32_t up = at; up != kNone; up = nodes_[up].parent) {
          const Node& u = nodes_[up];
          for (int a = 0; a < 3; a++) {
            if (p[a] < u.lo[a] || p[a] > u.hi[a]) return bad("a point outside its node's box");
          }
        }
        const uint32_t id = leaf.id[i];
        if (id >= where_.size() || where_[id] != nd.leaf * kLeafCapacity + i) return bad("bad id map");
      }
      points += leaf.n;
    }
  }
  if (points != size_) return bad("points " + std::to_string(points) + " against a size of " + std::to_string(size_));
  size_t mapped = 0;
  for (uint32_t w : where_) mapped += w != kNone;
  if (mapped != size_) return bad("the id map holds " + std::to_string(mapped) + " ids");
  return Status::OK();
}

// The file form: the reachable nodes renumbered in depth-first order (so no
// free slot is written), each with its leaf's points.
//   version u32 (= 1) | node count u32 | point count u64 | then per node:
//   flags u8 (1: leaf) | lo 3 x f32 | hi 3 x f32 |
//     inner: axis u8 | split f32 | left u32 | right u32
//     leaf:  n u32 | n x (x f32, y f32, z f32, id u32)
void KdTree::EncodeTo(std::string* dst) const {
  std::vector<uint32_t> order;  // depth-first, parents before children
  std::vector<uint32_t> number(nodes_.size(), kNone);
  if (root_ != kNone) {
    std::vector<uint32_t> stack = {root_};
    while (!stack.empty()) {
      const uint32_t at = stack.back();
      stack.pop_back();
      number[at] = static_cast<uint32_t>(order.size());
      order.push_back(at);
      if (!IsLeaf(nodes_[at])) {
        stack.push_back(nodes_[at].right);
        stack.push_back(nodes_[at].left);
      }
    }
  }
  PutFixed32(dst, 1);
  PutFixed32(dst, static_cast<uint32_t>(order.size()));
  PutFixed64(dst, size_);
  auto put_float = [dst](float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    PutFixed32(dst, bits);
  };
  for (uint32_t at : order) {
    const Node& nd = nodes_[at];
    dst->push_back(IsLeaf(nd) ? 1 : 0);
    for (int a = 0; a < 3; a++) put_float(nd.lo[a]);
    for (int a = 0; a < 3; a++) put_float(nd.hi[a]);
    if (!IsLeaf(nd)) {
      dst->push_back(static_cast<char>(nd.axis));
      put_float(nd.split);
      PutFixed32(dst, number[nd.left]);
      PutFixed32(dst, number[nd.right]);
      continue;
    }
    const Leaf& leaf = leaves_[nd.leaf];
    PutFixed32(dst, leaf.n);
    for (uint32_t i = 0; i < leaf.n; i++) {
      put_float(leaf.x[i]);
      put_float(leaf.y[i]);
      put_float(leaf.z[i]);
      PutFixed32(dst, leaf.id[i]);
    }
  }
}

Result<KdTree> KdTree::Decode(std::string_view in, uint32_t id_limit) {
  auto bad = [](const std::string& what) { return Status::Corruption("spatial index file", what); };
  auto get32 = [&in](uint32_t* v) {
    if (in.size() < 4) return false;
    *v = DecodeFixed32(in.data());
    in.remove_prefix(4);
    return true;
  };
  auto get_float = [&](float* f) {
    uint32_t bits;
    if (!get32(&bits)) return false;
    std::memcpy(f, &bits, sizeof bits);
    return true;
  };
  uint32_t version = 0, count = 0;
  if (!get32(&version) || version != 1) return bad("unknown version " + std::to_string(version));
  if (!get32(&count) || in.size() < 8) return bad("cut short");
  const uint64_t size = DecodeFixed64(in.data());
  in.remove_prefix(8);
  // Every node takes at least 29 bytes: a count beyond the bytes is damage.
  if (count > in.size() / 29 + 1) return bad("more nodes than bytes");
  KdTree t;
  t.nodes_.resize(count);
  uint32_t max_id = 0;
  std::vector<std::pair<uint32_t, uint32_t>> placed;  // (id, where)
  for (uint32_t at = 0; at < count; at++) {
    if (in.empty()) return bad("cut short");
    const uint8_t flags = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    if (flags > 1) return bad("bad node flags");
    Node& nd = t.nodes_[at];
    nd.parent = kNone;
    for (int a = 0; a < 3; a++) {
      if (!get_float(&nd.lo[a])) return bad("cut short");
    }
    for (int a = 0; a < 3; a++) {
      if (!get_float(&nd.hi[a])) return bad("cut short");
    }
    if (flags == 0) {
      if (in.empty()) return bad("cut short");
      nd.axis = static_cast<uint8_t>(in[0]);
      in.remove_prefix(1);
      if (!get_float(&nd.split) || !get32(&nd.left) || !get32(&nd.right)) return bad("cut short");
      if (nd.left <= at || nd.right <= at || nd.left >= count || nd.right >= count) return bad("bad child");
      nd.leaf = kNone;
      continue;
    }
    nd.left = nd.right = kNone;
    nd.axis = 0;
    nd.split = 0;
    nd.leaf = static_cast<uint32_t>(t.leaves_.size());
    Leaf& leaf = t.leaves_.emplace_back();
    leaf.node = at;
    if (!get32(&leaf.n) || leaf.n > kLeafCapacity) return bad("bad leaf size");
    for (uint32_t i = 0; i < leaf.n; i++) {
      if (!get_float(&leaf.x[i]) || !get_float(&leaf.y[i]) || !get_float(&leaf.z[i]) || !get32(&leaf.id[i])) {
        return bad("cut short");
      }
      if (leaf.id[i] >= id_limit) return bad("an id beyond the index's nodes");
      max_id = std::max(max_id, leaf.id[i]);
      placed.emplace_back(leaf.id[i], nd.leaf * kLeafCapacity + i);
    }
    nd.count = leaf.n;
  }
  if (!in.empty()) return bad("bytes after the last node");
  if (placed.size() != size) return bad("the point count does not match");
  if (count > 0) {
    // Parents and counts, children before parents (they were numbered after).
    for (uint32_t at = count; at-- > 0;) {
      Node& nd = t.nodes_[at];
      if (nd.left == kNone) continue;
      if (t.nodes_[nd.left].parent != kNone || t.nodes_[nd.right].parent != kNone || nd.left == nd.right) {
        return bad("a node with two parents");
      }
      t.nodes_[nd.left].parent = at;
      t.nodes_[nd.right].parent = at;
      nd.count = t.nodes_[nd.left].count + t.nodes_[nd.right].count;
    }
    t.root_ = 0;
  }
  t.size_ = size;
  t.where_.assign(placed.empty() ? 0 : size_t{max_id} + 1, kNone);
  for (const auto& [id, at] : placed) {
    if (t.where_[id] != kNone) return bad("an id held twice");
    t.where_[id] = at;
  }
  EMBODB_RETURN_IF_ERROR(t.CheckInvariants());
  return t;
}

}  // namespace embodb::index::spatial
