// HnswGraph against brute force: recall for each metric and quantization,
// after removals, reclaiming and many rounds of churn, with filters, and on
// the small and degenerate cases.
#include "index/vector/hnsw_graph.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

namespace embodb::index {
namespace {

// Points around 40 random centres: the clustered data that real embeddings
// look like, and harder for a graph than uniform noise.
std::vector<float> Clustered(size_t n, size_t dim, uint32_t seed, bool normalize) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> centres(40 * dim);
  for (float& x : centres) x = normal(rng);
  std::vector<float> data(n * dim);
  for (size_t i = 0; i < n; i++) {
    const float* c = &centres[(rng() % 40) * dim];
    double norm = 0;
    for (size_t j = 0; j < dim; j++) {
      data[i * dim + j] = c[j] + 0.35f * normal(rng);
      norm += double(data[i * dim + j]) * data[i * dim + j];
    }
    if (normalize) {
      for (size_t j = 0; j < dim; j++) data[i * dim + j] = static_cast<float>(data[i * dim + j] / std::sqrt(norm));
    }
  }
  return data;
}

struct Fixture {
  size_t dim;
  std::vector<float> data;     // by node id
  std::vector<bool> present;   // by node id
  HnswGraph graph;

  Fixture(const HnswOptions& o, size_t n, uint32_t seed)
      : dim(o.dim), data(Clustered(n, o.dim, seed, o.metric != Metric::kL2)), graph(o) {
    std::vector<uint32_t> nodes(n);
    graph.Add(data.data(), n, nodes.data());
    for (size_t i = 0; i < n; i++) EXPECT_EQ(i, nodes[i]);
    present.assign(n, true);
  }

  // Mean recall@k of `queries` searches against brute force over the present
  // nodes (and those `allowed` keeps).
  double Recall(const std::vector<float>& queries, size_t k, size_t ef, const NodeSet* allowed = nullptr,
                bool two_hop = false) {
    const size_t nq = queries.size() / dim;
    std::vector<uint64_t> ids;
    std::vector<float> rows;
    for (size_t i = 0; i < present.size(); i++) {
      if (!present[i] || (allowed != nullptr && !allowed->Contains(static_cast<uint32_t>(i)))) continue;
      ids.push_back(i);
      rows.insert(rows.end(), data.begin() + i * dim, data.begin() + (i + 1) * dim);
    }
    VectorMatrix m{rows.data(), ids.size(), dim, ids.data()};
    size_t found = 0, wanted = 0;
    for (size_t q = 0; q < nq; q++) {
      const float* query = &queries[q * dim];
      const auto truth = ExactSearch(m, query, k, graph.options().metric);
      const auto got = graph.Search(query, k, ef, allowed, two_hop);
      EXPECT_EQ(truth.size(), got.size());
      std::set<uint64_t> want;
      for (const auto& t : truth) want.insert(t.id);
      for (size_t i = 0; i < got.size(); i++) {
        EXPECT_TRUE(present[got[i].id]) << "a removed node came back";
        if (allowed != nullptr) {
          EXPECT_TRUE(allowed->Contains(static_cast<uint32_t>(got[i].id)));
        }
        if (i > 0) {
          EXPECT_LE(got[i - 1].distance, got[i].distance);
        }
        found += want.count(got[i].id);
      }
      wanted += truth.size();
    }
    return wanted == 0 ? 1.0 : double(found) / double(wanted);
  }
};

HnswOptions Options(Metric metric, Quantization q = Quantization::kNone, size_t dim = 24) {
  HnswOptions o;
  o.dim = dim;
  o.metric = metric;
  o.m = 12;
  o.ef_construction = 100;
  o.quantization = q;
  return o;
}

TEST(HnswGraphTest, RecallAgainstBruteForceForEachMetric) {
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct, Metric::kCosine}) {
    SCOPED_TRACE(std::string(MetricName(metric)));
    Fixture f(Options(metric), 6000, 1);
    const auto queries = Clustered(100, f.dim, 2, metric != Metric::kL2);
    EXPECT_GE(f.Recall(queries, 10, 128), 0.95);
    EXPECT_EQ(6000u, f.graph.live());
  }
}

TEST(HnswGraphTest, Sq8RecallAgainstTheFloatVectors) {
  // The graph ranks by the codes; the index re-ranks with the float vectors.
  // Unre-ranked, most of the true top 10 must still be in the top 10.
  for (Metric metric : {Metric::kL2, Metric::kCosine}) {
    SCOPED_TRACE(std::string(MetricName(metric)));
    Fixture f(Options(metric, Quantization::kSq8), 6000, 3);
    const auto queries = Clustered(100, f.dim, 4, metric != Metric::kL2);
    EXPECT_GE(f.Recall(queries, 10, 128), 0.85);
    // Codes take a byte per dimension instead of four.
    HnswGraph floats(Options(metric, Quantization::kNone));
    std::vector<uint32_t> nodes(6000);
    floats.Add(f.data.data(), 6000, nodes.data());
    EXPECT_EQ(floats.MemoryBytes() - 6000 * f.dim * 3 + 2 * f.dim * sizeof(float), f.graph.MemoryBytes());  // + ranges
  }
}

TEST(HnswGraphTest, RemovedNodesNeverReturnAndReclaimKeepsRecall) {
  Fixture f(Options(Metric::kL2), 6000, 5);
  const auto queries = Clustered(100, f.dim, 6, false);
  std::mt19937 rng(7);
  for (uint32_t n = 0; n < 6000; n++) {
    if (rng() % 10 < 4) {
      f.graph.Remove(n);
      f.present[n] = false;
    }
  }
  const size_t live = f.graph.live();
  EXPECT_GE(f.Recall(queries, 10, 128), 0.93);
  EXPECT_EQ(6000 - live, f.graph.Reclaim());
  EXPECT_EQ(0u, f.graph.tombstones());
  EXPECT_GE(f.Recall(queries, 10, 128), 0.95);
  // Freed slots are used first, lowest id first.
  std::vector<float> more = Clustered(10, f.dim, 8, false);
  std::vector<uint32_t> nodes(10);
  f.graph.Add(more.data(), 10, nodes.data());
  for (size_t i = 0; i < nodes.size(); i++) {
    ASSERT_LT(nodes[i], 6000u);
    ASSERT_FALSE(f.present[nodes[i]]);
    f.present[nodes[i]] = true;
    std::copy(more.begin() + i * f.dim, more.begin() + (i + 1) * f.dim, f.data.begin() + size_t{nodes[i]} * f.dim);
  }
  EXPECT_LT(nodes[0], nodes[1]);
  EXPECT_GE(f.Recall(queries, 10, 128), 0.95);
}

// LiveWord and LiveBytes (which filtered searches read instead of IsLive)
// agree with IsLive: with every slot live (their shortcut), with
// tombstones, with free slots, and past the last slot.
TEST(HnswGraphTest, LiveWordsAndBytesAgreeWithIsLive) {
  Fixture f(Options(Metric::kL2), 200, 11);
  auto check = [&](const char* when) {
    SCOPED_TRACE(when);
    std::vector<uint8_t> bytes(300, 7);
    f.graph.LiveBytes(0, bytes.size(), bytes.data());
    for (uint32_t n = 0; n < 300; n++) {
      ASSERT_EQ(f.graph.IsLive(n), (f.graph.LiveWord(n / 64) >> (n % 64)) & 1) << n;
      ASSERT_EQ(f.graph.IsLive(n) ? 1 : 0, bytes[n]) << n;
    }
    std::vector<uint8_t> tail(70, 7);  // a range starting inside the graph and ending past it
    f.graph.LiveBytes(150, tail.size(), tail.data());
    for (uint32_t i = 0; i < tail.size(); i++) ASSERT_EQ(f.graph.IsLive(150 + i) ? 1 : 0, tail[i]) << i;
  };
  EXPECT_TRUE(f.graph.AllLive());
  check("all live");
  EXPECT_EQ(0xffULL, f.graph.LiveWord(3));  // nodes 192..199 of 200
  for (uint32_t n : {0u, 63u, 64u, 130u, 199u}) f.graph.Remove(n);
  EXPECT_FALSE(f.graph.AllLive());
  check("tombstones");
  f.graph.Reclaim();
  EXPECT_FALSE(f.graph.AllLive());
  check("free slots");
  std::vector<float> more = Clustered(5, f.dim, 12, false);
  std::vector<uint32_t> nodes(5);
  f.graph.Add(more.data(), 5, nodes.data());
  EXPECT_TRUE(f.graph.AllLive());
  check("free slots used again");
}

TEST(HnswGraphTest, ReorderRenumbersNodesAndKeepsEverythingElse) {
  for (Quantization q : {Quantization::kNone, Quantization::kSq8}) {
    Fixture f(Options(Metric::kL2, q), 5000, 21);
    for (uint32_t n = 0; n < 5000; n += 4) f.graph.Remove(n);
    f.graph.Reclaim();                                              // free slots
    for (uint32_t n = 1; n < 5000; n += 10) f.graph.Remove(n);  // and tombstones
    const auto queries = Clustered(60, f.dim, 22, false);
    std::vector<std::vector<Neighbor>> before;
    for (size_t i = 0; i < 60; i++) before.push_back(f.graph.Search(&queries[i * f.dim], 10, 64));
    const size_t live = f.graph.live(), tombstones = f.graph.tombstones();
    std::vector<float> stored_before(5000 * f.dim);
    for (uint32_t n = 0; n < 5000; n++) f.graph.GetVector(n, &stored_before[n * f.dim]);

    const std::vector<uint32_t> new_of_old = f.graph.Reorder();
    ASSERT_EQ(5000u, new_of_old.size());
    std::vector<bool> taken(5000, false);
    for (uint32_t n = 0; n < 5000; n++) {
      ASSERT_LT(new_of_old[n], 5000u);
      ASSERT_FALSE(taken[new_of_old[n]]) << "not a permutation";
      taken[new_of_old[n]] = true;
    }
    EXPECT_EQ(live, f.graph.live());
    EXPECT_EQ(tombstones, f.graph.tombstones());
    const size_t used = live + tombstones;
    for (uint32_t old = 0; old < 5000; old++) {
      const uint32_t n = new_of_old[old];
      const bool was_free = old % 4 == 0;
      EXPECT_EQ(was_free, n >= used) << "free slots go last";
      EXPECT_EQ(!was_free && old % 10 != 1, f.graph.IsLive(n));
      if (was_free) continue;
      std::vector<float> v(f.dim);
      f.graph.GetVector(n, v.data());
      EXPECT_TRUE(std::equal(v.begin(), v.end(), &stored_before[old * f.dim])) << "node " << old;
    }
    // The same graph: the same searches find the same nodes, renumbered.
    for (size_t i = 0; i < 60; i++) {
      const auto after = f.graph.Search(&queries[i * f.dim], 10, 64);
      ASSERT_EQ(before[i].size(), after.size());
      for (size_t j = 0; j < after.size(); j++) {
        EXPECT_EQ(new_of_old[before[i][j].id], after[j].id);
        EXPECT_EQ(before[i][j].distance, after[j].distance);
      }
    }
    // It goes on: new nodes take the free slots, lowest first, and reclaiming works.
    std::vector<float> more = Clustered(20, f.dim, 23, false);
    std::vector<uint32_t> nodes(20);
    f.graph.Add(more.data(), 20, nodes.data());
    for (size_t i = 0; i < 20; i++) EXPECT_EQ(used + i, nodes[i]);
    EXPECT_EQ(tombstones, f.graph.Reclaim());
    EXPECT_EQ(live + 20, f.graph.live());
  }
}

TEST(HnswGraphTest, RecallDoesNotDecayThroughChurn) {
  // Twenty rounds that each replace a tenth of the nodes by new vectors (an
  // update is a removal and an add), reclaiming after each.
  for (Quantization q : {Quantization::kNone, Quantization::kSq8}) {
    Fixture f(Options(Metric::kL2, q), 4000, 9);
    const auto queries = Clustered(80, f.dim, 10, false);
    const double before = f.Recall(queries, 10, 128);
    std::mt19937 rng(11);
    for (int round = 0; round < 20; round++) {
      std::vector<float> fresh = Clustered(400, f.dim, 100 + round, false);
      size_t removed = 0;
      for (uint32_t n = 0; n < f.present.size() && removed < 400; n++) {
        if (f.present[n] && rng() % 10 == 0) {
          f.graph.Remove(n);
          f.present[n] = false;
          removed++;
        }
      }
      f.graph.Reclaim();
      std::vector<uint32_t> nodes(removed);
      f.graph.Add(fresh.data(), removed, nodes.data());
      for (size_t i = 0; i < removed; i++) {
        if (nodes[i] >= f.present.size()) {
          f.present.resize(nodes[i] + 1, false);
          f.data.resize(f.present.size() * f.dim);
        }
        f.present[nodes[i]] = true;
        std::copy(fresh.begin() + i * f.dim, fresh.begin() + (i + 1) * f.dim, f.data.begin() + nodes[i] * f.dim);
      }
    }
    EXPECT_EQ(4000u, f.graph.live());
    EXPECT_LE(f.graph.slots(), 4000u) << "freed slots are reused";
    const double after = f.Recall(queries, 10, 128);
    EXPECT_GE(after, before - 0.03) << "before " << before;
  }
}

TEST(HnswGraphTest, FilteredSearchReturnsOnlyAllowedNodesAndFillsK) {
  Fixture f(Options(Metric::kL2), 6000, 12);
  const auto queries = Clustered(50, f.dim, 13, false);
  for (size_t every : {2, 10, 100}) {
    SCOPED_TRACE(every);
    NodeSet allowed;
    for (uint32_t n = 0; n < 6000; n += static_cast<uint32_t>(every)) allowed.Insert(n);
    EXPECT_GE(f.Recall(queries, 10, 128, &allowed), 0.9);
  }
}

TEST(HnswGraphTest, TwoHopSearchReturnsOnlyAllowedNodesThroughTombstones) {
  Fixture f(Options(Metric::kL2), 6000, 12);
  const auto queries = Clustered(50, f.dim, 13, false);
  for (uint32_t n = 1; n < 6000; n += 7) {  // tombstones are bridges too, never results
    f.graph.Remove(n);
    f.present[n] = false;
  }
  for (size_t every : {2, 5, 10}) {  // 50%, 20%, 10% allowed
    SCOPED_TRACE(every);
    NodeSet allowed;
    for (uint32_t n = 0; n < 6000; n += static_cast<uint32_t>(every)) allowed.Insert(n);
    EXPECT_GE(f.Recall(queries, 10, 64, &allowed, /*two_hop=*/true), 0.95);
  }
}

TEST(HnswGraphTest, SmallAndDegenerateGraphs) {
  HnswGraph g(Options(Metric::kL2, Quantization::kNone, 3));
  const float q[3] = {0, 0, 0};
  EXPECT_TRUE(g.Search(q, 5, 10).empty());
  const float one[3] = {1, 2, 3};
  uint32_t node;
  g.Add(one, 1, &node);
  auto got = g.Search(q, 5, 10);
  ASSERT_EQ(1u, got.size());
  EXPECT_FLOAT_EQ(14.0f, got[0].distance);
  // Many identical vectors: any k of them are a right answer, and k come
  // back. (Not every copy stays reachable: a bounded degree cannot link
  // them all to each other; filtered searches fall back to exact search.)
  std::vector<float> same(300 * 3, 0.5f);
  std::vector<uint32_t> nodes(300);
  g.Add(same.data(), 300, nodes.data());
  got = g.Search(q, 10, 64);
  ASSERT_EQ(10u, got.size());
  for (const Neighbor& n : got) EXPECT_FLOAT_EQ(0.75f, n.distance);
  // Removing everything leaves an empty graph that accepts new nodes.
  g.Remove(node);
  for (uint32_t n : nodes) g.Remove(n);
  EXPECT_TRUE(g.Search(q, 5, 10).empty());
  EXPECT_EQ(301u, g.Reclaim());
  g.Add(one, 1, &node);
  got = g.Search(q, 5, 10);
  ASSERT_EQ(1u, got.size());
  EXPECT_EQ(node, got[0].id);
  float back[3];
  g.GetVector(node, back);
  EXPECT_EQ(2.0f, back[1]);
}

TEST(HnswGraphTest, SearchAmongComputesEveryDistance) {
  Fixture f(Options(Metric::kL2), 500, 14);
  NodeSet among;
  for (uint32_t n : {3, 17, 250, 499}) among.Insert(n);
  const auto got = f.graph.SearchAmong(&f.data[17 * f.dim], 2, &among, among.Count());
  ASSERT_EQ(2u, got.size());
  EXPECT_EQ(17u, got[0].id);
  EXPECT_EQ(0.0f, got[0].distance);
  EXPECT_LE(got[0].distance, got[1].distance);
}

// Every live member measured, on one thread or two, keeping the k nearest
// as brute force finds them; removed nodes and non-members never returned.
TEST(HnswGraphTest, SearchAmongAgreesWithBruteForce) {
  Fixture f(Options(Metric::kL2), 20000, 16);
  for (uint32_t n = 0; n < 20000; n += 7) f.graph.Remove(n);
  for (size_t share : {3, 1}) {  // a third of the nodes (one thread), then every live one (two)
    NodeSet among(20000);
    for (uint32_t n = 0; n < 20000; n++) {
      if (n % share == 0) among.Insert(n);
    }
    const float* query = &f.data[123 * f.dim];
    for (size_t k : {1, 10, 300}) {
      SCOPED_TRACE(k);
      std::vector<Neighbor> want;
      for (uint32_t n = 0; n < 20000; n++) {
        if (n % 7 == 0 || n % share != 0) continue;
        want.push_back({DistanceKernel(Metric::kL2)(query, &f.data[n * f.dim], f.dim), n});
      }
      std::sort(want.begin(), want.end());
      want.resize(k);
      const auto got = f.graph.SearchAmong(query, k, share == 1 ? nullptr : &among, among.Count());
      ASSERT_EQ(got.size(), k);
      for (size_t i = 0; i < k; i++) {
        EXPECT_EQ(got[i].id, want[i].id) << i;
        EXPECT_FLOAT_EQ(got[i].distance, want[i].distance) << i;
      }
    }
  }
}

}  // namespace
}  // namespace embodb::index
