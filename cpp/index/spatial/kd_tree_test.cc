#include "index/spatial/kd_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>

#include "testing/test_util.h"

namespace embodb::index::spatial {
namespace {

// The model: every live point by id, searched by brute force with the
// tree's own float arithmetic, so that answers compare exactly.
class Model {
 public:
  void Put(uint32_t id, Point3 p) { points_[id] = p; }
  void Erase(uint32_t id) { points_.erase(id); }
  size_t size() const { return points_.size(); }
  const std::map<uint32_t, Point3>& points() const { return points_; }

  static float D2(const Point3& a, const Point3& q) {
    const float dx = a.x - q.x, dy = a.y - q.y, dz = a.z - q.z;
    return dx * dx + dy * dy + dz * dz;
  }
  std::vector<PointHit> Knn(const Point3& q, size_t k, const IdFilter& keep) const {
    std::vector<PointHit> all;
    for (const auto& [id, p] : points_) {
      if (!keep || keep(id)) all.push_back({D2(p, q), id});
    }
    std::sort(all.begin(), all.end());
    all.resize(std::min(k, all.size()));
    return all;
  }
  std::vector<PointHit> Radius(const Point3& q, float r, const IdFilter& keep) const {
    std::vector<PointHit> all;
    for (const auto& [id, p] : points_) {
      if (D2(p, q) <= r * r && (!keep || keep(id))) all.push_back({D2(p, q), id});
    }
    std::sort(all.begin(), all.end());
    return all;
  }
  std::vector<uint32_t> Box(const Point3& lo, const Point3& hi) const {
    std::vector<uint32_t> ids;
    for (const auto& [id, p] : points_) {
      if (p.x >= lo.x && p.x <= hi.x && p.y >= lo.y && p.y <= hi.y && p.z >= lo.z && p.z <= hi.z) ids.push_back(id);
    }
    return ids;
  }

 private:
  std::map<uint32_t, Point3> points_;
};

bool SameHits(std::vector<PointHit> a, std::vector<PointHit> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (a[i].distance2 != b[i].distance2 || a[i].id != b[i].id) return false;
  }
  return true;
}

// Every query kind against the model, at random points near the data.
void CheckQueries(const KdTree& tree, const Model& model, std::mt19937* rng, float extent) {
  ASSERT_OK(tree.CheckInvariants());
  ASSERT_EQ(tree.size(), model.size());
  std::uniform_real_distribution<float> u(-extent * 1.2f, extent * 1.2f);
  std::vector<PointHit> got;
  std::vector<uint32_t> ids;
  const IdFilter odd = [](uint32_t id) { return id % 2 == 1; };
  for (int i = 0; i < 40; i++) {
    const Point3 q{u(*rng), u(*rng), u(*rng)};
    for (size_t k : {1, 7, 50}) {
      tree.Knn(q, k, nullptr, &got);
      ASSERT_TRUE(SameHits(got, model.Knn(q, k, nullptr))) << "knn k=" << k;
      ASSERT_TRUE(std::is_sorted(got.begin(), got.end()));
      tree.Knn(q, k, odd, &got);
      ASSERT_TRUE(SameHits(got, model.Knn(q, k, odd))) << "filtered knn k=" << k;
    }
    const float r = extent * 0.15f;
    tree.Radius(q, r, nullptr, &got);
    ASSERT_TRUE(SameHits(got, model.Radius(q, r, nullptr))) << "radius";
    tree.Radius(q, r, odd, &got);
    ASSERT_TRUE(SameHits(got, model.Radius(q, r, odd))) << "filtered radius";
    const Point3 lo{q.x - r, q.y - r * 2, q.z - r}, hi{q.x + r, q.y + r, q.z + r * 3};
    tree.Box(lo, hi, nullptr, &ids);
    std::sort(ids.begin(), ids.end());
    ASSERT_EQ(ids, model.Box(lo, hi)) << "box";
    ASSERT_EQ(tree.CountBox(lo, hi, SIZE_MAX), ids.size()) << "count in a box";
    const size_t capped = tree.CountBox(lo, hi, 3);  // stops once it reaches 3 (a subtree may add more)
    ASSERT_TRUE(ids.size() < 3 ? capped == ids.size() : capped >= 3) << "capped count";
  }
  const Point3 all_lo{-1e30f, -1e30f, -1e30f}, all_hi{1e30f, 1e30f, 1e30f};
  ASSERT_EQ(tree.CountBox(all_lo, all_hi, SIZE_MAX), model.size());
}

TEST(KdTreeTest, BuildAnswersAsBruteForce) {
  std::mt19937 rng(1);
  std::normal_distribution<float> g(0, 10);
  for (size_t n : {0, 1, 32, 33, 1000, 50000}) {  // 32, 33: one leaf or two; 50000: built in parallel
    SCOPED_TRACE(n);
    std::vector<Point3> points(n);
    std::vector<uint32_t> ids(n);
    Model model;
    for (size_t i = 0; i < n; i++) {
      points[i] = {g(rng), g(rng), g(rng) * 0.1f};  // flat, like a floor
      ids[i] = static_cast<uint32_t>(i * 3 + 1);
      model.Put(ids[i], points[i]);
    }
    KdTree tree;
    tree.Build(points.data(), ids.data(), n);
    CheckQueries(tree, model, &rng, 20);
  }
}

TEST(KdTreeTest, DuplicatePointsAndTiesAreAllFound) {
  KdTree tree;
  Model model;
  std::vector<Point3> points(500, Point3{1, 2, 3});
  std::vector<uint32_t> ids(500);
  for (uint32_t i = 0; i < 500; i++) {
    ids[i] = i;
    model.Put(i, points[i]);
  }
  tree.Build(points.data(), ids.data(), points.size());
  for (uint32_t i = 500; i < 700; i++) {  // more of the same point, inserted: leaves split on a zero extent
    tree.Insert(Point3{1, 2, 3}, i);
    model.Put(i, Point3{1, 2, 3});
  }
  std::mt19937 rng(2);
  CheckQueries(tree, model, &rng, 3);
  std::vector<PointHit> got;
  tree.Knn(Point3{1, 2, 3}, 10, nullptr, &got);
  ASSERT_EQ(got.size(), 10u);
  for (uint32_t i = 0; i < 10; i++) EXPECT_EQ(got[i].id, i);  // ties by id
}

// Inserts and erases, one at a time, mixed with queries: points arriving
// along a path (the case that makes an unbalanced tree a list), random
// ones, erases of old points, re-inserts of erased ids.
TEST(KdTreeTest, IncrementalChangesAnswerAsBruteForceAndStayBalanced) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-50, 50);
  KdTree tree;
  Model model;
  uint32_t next = 0;
  std::vector<uint32_t> live;
  for (int round = 0; round < 8; round++) {
    for (int i = 0; i < 3000; i++) {  // a path along x, with a little noise
      const float t = static_cast<float>(round * 3000 + i) * 0.004f - 48;
      const Point3 p{t, u(rng) * 0.02f, u(rng) * 0.01f};
      tree.Insert(p, next);
      model.Put(next, p);
      live.push_back(next++);
    }
    for (int i = 0; i < 500; i++) {
      const Point3 p{u(rng), u(rng), u(rng)};
      tree.Insert(p, next);
      model.Put(next, p);
      live.push_back(next++);
    }
    std::shuffle(live.begin(), live.end(), rng);
    for (int i = 0; i < 1200 && !live.empty(); i++) {
      ASSERT_TRUE(tree.Erase(live.back()));
      model.Erase(live.back());
      live.pop_back();
    }
    EXPECT_FALSE(tree.Erase(next + 5));
    // An erased id comes back at another place.
    const uint32_t again = live.back();
    ASSERT_TRUE(tree.Erase(again));
    tree.Insert(Point3{0, 0, 0}, again);
    model.Put(again, Point3{0, 0, 0});
    EXPECT_TRUE(tree.Contains(again));
    EXPECT_EQ(tree.PointOf(again).x, 0.0f);
    CheckQueries(tree, model, &rng, 50);
  }
  // Balanced: a k-nearest search visits few leaves. Measured indirectly:
  // the tree holds about as many nodes as its points need.
  EXPECT_LT(tree.MemoryBytes(), size_t{400} * tree.size() + (1 << 20));
  // Erasing everything leaves an empty tree that takes points again.
  for (uint32_t id : live) ASSERT_TRUE(tree.Erase(id));
  EXPECT_EQ(tree.size(), 0u);
  ASSERT_OK(tree.CheckInvariants());
  tree.Insert(Point3{1, 1, 1}, 3);
  std::vector<PointHit> got;
  tree.Knn(Point3{0, 0, 0}, 5, nullptr, &got);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, 3u);
}

// Scans inserted at once: batches in a new region (the robot moved on),
// over old points, tiny and larger than the tree, mixed with erases.
TEST(KdTreeTest, InsertManyAnswersAsBruteForceAndStaysBalanced) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0, 1);
  KdTree tree;
  Model model;
  uint32_t next = 0;
  auto batch = [&](size_t n, float cx, float spread) {
    std::vector<Point3> points(n);
    std::vector<uint32_t> ids(n);
    for (size_t i = 0; i < n; i++) {
      points[i] = {cx + g(rng) * spread, g(rng) * spread, g(rng) * 0.2f};
      ids[i] = next++;
      model.Put(ids[i], points[i]);
    }
    tree.InsertMany(points.data(), ids.data(), n);
  };
  batch(500, 0, 5);  // into an empty tree
  CheckQueries(tree, model, &rng, 10);
  for (int round = 0; round < 12; round++) {
    batch(3000, static_cast<float>(round) * 4, 3);  // moving along x
    batch(1, 0, 1);
    batch(40, 0, 1);
    for (int i = 0; i < 300; i++) {  // erase some old points
      const uint32_t id = static_cast<uint32_t>(rng() % next);
      if (tree.Erase(id)) model.Erase(id);
    }
    if (round % 4 == 3) CheckQueries(tree, model, &rng, 30);
  }
  batch(tree.size() + 10, 20, 10);  // larger than the tree: rebuilt whole
  CheckQueries(tree, model, &rng, 40);
  EXPECT_LT(tree.MemoryBytes(), size_t{400} * tree.size() + (1 << 20));
  // Single inserts still work after batches (the id map grew for them).
  tree.Insert(Point3{1000, 0, 0}, next + 100);
  model.Put(next + 100, Point3{1000, 0, 0});
  CheckQueries(tree, model, &rng, 40);
}

TEST(KdTreeTest, EncodeDecodeRoundTripsAndDamageIsReported) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-5, 5);
  KdTree tree;
  Model model;
  for (uint32_t i = 0; i < 5000; i++) {
    const Point3 p{u(rng), u(rng), u(rng)};
    tree.Insert(p, i * 2);
    model.Put(i * 2, p);
  }
  for (uint32_t i = 0; i < 5000; i += 3) {
    tree.Erase(i * 2);
    model.Erase(i * 2);
  }
  std::string bytes;
  tree.EncodeTo(&bytes);
  auto back = KdTree::Decode(bytes, 10001);
  ASSERT_OK(back.status());
  CheckQueries(*back, model, &rng, 5);
  EXPECT_TRUE(KdTree::Decode(bytes, 9000).status().IsCorruption());  // an id past the limit
  // The decoded tree keeps taking changes.
  back->Insert(Point3{9, 9, 9}, 100001);
  EXPECT_TRUE(back->Contains(100001));
  ASSERT_OK(back->CheckInvariants());
  // Cut or damaged bytes: an error or a consistent tree, never a crash.
  EXPECT_TRUE(KdTree::Decode(bytes.substr(0, bytes.size() - 3), 10001).status().IsCorruption());
  EXPECT_TRUE(KdTree::Decode(bytes + "x", 10001).status().IsCorruption());
  EXPECT_TRUE(KdTree::Decode("", 10001).status().IsCorruption());
  for (int i = 0; i < 300; i++) {
    std::string damaged = bytes;
    damaged[rng() % damaged.size()] ^= static_cast<char>(1 + rng() % 255);
    auto d = KdTree::Decode(damaged, 10001);
    if (d.ok()) ASSERT_OK(d->CheckInvariants());
  }
  KdTree empty;
  std::string none;
  empty.EncodeTo(&none);
  auto empty_back = KdTree::Decode(none, 1);
  ASSERT_OK(empty_back.status());
  EXPECT_EQ(empty_back->size(), 0u);
}

}  // namespace
}  // namespace embodb::index::spatial
