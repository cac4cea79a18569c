// HnswGraph checkpoints: a saved graph loads back to the same searches, and
// any flipped byte or truncation is an error, never a different graph.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "env/env.h"
#include "index/vector/hnsw_graph.h"

namespace embodb::index {
namespace {

std::unique_ptr<HnswGraph> Build(Quantization q, size_t n, size_t dim, std::vector<float>* data) {
  HnswOptions o;
  o.dim = dim;
  o.m = 6;
  o.ef_construction = 40;
  o.quantization = q;
  auto g = std::make_unique<HnswGraph>(o);
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0, 1);
  data->resize(n * dim);
  for (float& x : *data) x = normal(rng);
  std::vector<uint32_t> nodes(n);
  g->Add(data->data(), n, nodes.data());
  return g;
}

void ExpectSameSearches(const HnswGraph& a, const HnswGraph& b, const std::vector<float>& data, size_t dim) {
  for (size_t q = 0; q < data.size() / dim; q += 7) {
    const auto x = a.Search(&data[q * dim], 5, 20);
    const auto y = b.Search(&data[q * dim], 5, 20);
    ASSERT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size(); i++) {
      EXPECT_EQ(x[i].id, y[i].id);
      EXPECT_EQ(x[i].distance, y[i].distance);
    }
  }
}

TEST(HnswFileTest, ASavedGraphLoadsBackWithItsTombstonesAndFreeSlots) {
  auto env = NewMemEnv();
  ASSERT_TRUE(env->CreateDir("/x").ok());
  for (Quantization q : {Quantization::kNone, Quantization::kSq8}) {
    std::vector<float> data;
    // At dim 120 float records span two sections, one record split between them.
    auto g = Build(q, 3000, 120, &data);
    for (uint32_t n = 0; n < 3000; n += 3) g->Remove(n);
    g->Reclaim();
    for (uint32_t n = 1; n < 3000; n += 30) g->Remove(n);  // tombstones too
    const std::string owner(3u << 20, 'k');                   // several sections
    ASSERT_TRUE(g->Save(env.get(), "/x/g.hnsw", owner).ok());
    EXPECT_FALSE(env->FileExists("/x/g.hnsw.tmp"));
    std::string got_owner;
    auto loaded = HnswGraph::Load(env.get(), "/x/g.hnsw", &got_owner);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    HnswGraph& h = **loaded;
    EXPECT_EQ(owner, got_owner);
    EXPECT_EQ(g->live(), h.live());
    EXPECT_EQ(g->tombstones(), h.tombstones());
    EXPECT_EQ(g->slots(), h.slots());
    EXPECT_EQ(g->MemoryBytes(), h.MemoryBytes());
    ExpectSameSearches(*g, h, data, 120);
    // Both go on the same way: free slots first, and the same levels.
    std::vector<uint32_t> a(50), b(50);
    g->Add(data.data(), 50, a.data());
    h.Add(data.data(), 50, b.data());
    EXPECT_EQ(a, b);
    EXPECT_EQ(g->Reclaim(), h.Reclaim());
    EXPECT_EQ(g->live(), h.live());
  }
}

TEST(HnswFileTest, ACheckpointHoldsRecordsPackedLinksFirst) {
  // docs/format/hnsw.md: a record is the level-0 link count, 2m link slots,
  // then the vector, rounded up to 4 bytes.
  auto env = NewMemEnv();
  ASSERT_TRUE(env->CreateDir("/x").ok());
  std::vector<float> data;
  auto g = Build(Quantization::kNone, 200, 120, &data);
  ASSERT_TRUE(g->Save(env.get(), "/x/g", "").ok());
  std::string bytes;
  ASSERT_TRUE(ReadFileToString(env.get(), "/x/g", &bytes).ok());
  const size_t records = 12 + 16 + 82 + 16;  // header, params section, records' section header
  const size_t record = 4 * (1 + 12) + 120 * 4;
  ASSERT_GE(bytes.size(), records + 200 * record);
  for (uint32_t n = 0; n < 200; n += 37) {
    const char* r = bytes.data() + records + n * record;
    uint32_t count;
    std::memcpy(&count, r, 4);
    EXPECT_GT(count, 0u);
    EXPECT_LE(count, 12u);
    for (uint32_t i = 0; i < count; i++) {
      uint32_t link;
      std::memcpy(&link, r + 4 * (1 + i), 4);
      EXPECT_LT(link, 200u);
      EXPECT_NE(link, n);
    }
    EXPECT_EQ(0, std::memcmp(r + 4 * 13, &data[n * 120], 120 * 4)) << "node " << n;
  }
}

TEST(HnswFileTest, AnEmptyGraphRoundTrips) {
  auto env = NewMemEnv();
  ASSERT_TRUE(env->CreateDir("/x").ok());
  HnswOptions o;
  o.dim = 3;
  o.quantization = Quantization::kSq8;
  HnswGraph g(o);
  ASSERT_TRUE(g.Save(env.get(), "/x/e", "").ok());
  std::string owner = "stale";
  auto loaded = HnswGraph::Load(env.get(), "/x/e", &owner);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ("", owner);
  EXPECT_EQ(0u, (*loaded)->live());
  const float v[3] = {1, 2, 3};
  uint32_t n;
  (*loaded)->Add(v, 1, &n);
  EXPECT_EQ(1u, (*loaded)->Search(v, 1, 1).size());
}

TEST(HnswFileTest, EveryFlippedByteAndEveryTruncationIsAnError) {
  auto env = NewMemEnv();
  ASSERT_TRUE(env->CreateDir("/x").ok());
  std::vector<float> data;
  auto g = Build(Quantization::kSq8, 40, 4, &data);
  g->Remove(3);
  ASSERT_TRUE(g->Save(env.get(), "/x/g", "owner").ok());
  std::string bytes;
  ASSERT_TRUE(ReadFileToString(env.get(), "/x/g", &bytes).ok());
  std::string owner;
  for (size_t i = 0; i < bytes.size(); i++) {
    std::string bad = bytes;
    bad[i] ^= 0x20;
    ASSERT_TRUE(WriteStringToFile(env.get(), bad, "/x/bad", false).ok());
    auto loaded = HnswGraph::Load(env.get(), "/x/bad", &owner);
    ASSERT_FALSE(loaded.ok()) << "flipped byte " << i << " of " << bytes.size();
    EXPECT_TRUE(loaded.status().IsCorruption() || loaded.status().IsNotSupported()) << loaded.status().ToString();
  }
  for (size_t len = 0; len < bytes.size(); len++) {
    ASSERT_TRUE(WriteStringToFile(env.get(), bytes.substr(0, len), "/x/bad", false).ok());
    ASSERT_FALSE(HnswGraph::Load(env.get(), "/x/bad", &owner).ok()) << "truncated to " << len;
  }
  ASSERT_TRUE(WriteStringToFile(env.get(), bytes + "x", "/x/bad", false).ok());
  EXPECT_TRUE(HnswGraph::Load(env.get(), "/x/bad", &owner).status().IsCorruption());
}

}  // namespace
}  // namespace embodb::index
