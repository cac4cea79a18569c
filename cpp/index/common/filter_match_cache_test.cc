// FilterMatchCache: lookup and eviction, parts noted, lists of few nodes,
// and matches kept current by Update (removed nodes dropped, added nodes
// tested, an entry whose test cannot tell dropped).
#include "index/common/filter_match_cache.h"

#include <gtest/gtest.h>

#include "testing/table_test_util.h"

namespace embodb::index {
namespace {

std::shared_ptr<FilterMatch> MatchOf(size_t capacity, const std::vector<uint32_t>& nodes) {
  auto m = std::make_shared<FilterMatch>();
  m->nodes = NodeSet(capacity);
  for (uint32_t n : nodes) m->nodes.Insert(n);
  m->count = nodes.size();
  return m;
}

// Passes the even nodes.
bool EvenNodes(const NodeAttributes&, const std::vector<uint32_t>& nodes, std::vector<uint32_t>* passing) {
  for (uint32_t n : nodes) {
    if (n % 2 == 0) passing->push_back(n);
  }
  return true;
}

class FilterMatchCacheTest : public ::testing::Test {
 protected:
  FilterMatchCacheTest()
      : attributes_(*Schema::Create({{"id", table::T("int64"), false, {}}}, "id")) {}
  NodeAttributes attributes_;
  FilterMatchCache cache_;
};

TEST_F(FilterMatchCacheTest, FindsWhatWasAddedAndEvictsTheOldest) {
  EXPECT_EQ(cache_.Find("a"), nullptr);
  cache_.Add("a", MatchOf(64, {1}), EvenNodes);
  ASSERT_NE(cache_.Find("a"), nullptr);
  EXPECT_EQ(cache_.Find("a")->count, 1u);
  for (size_t i = 0; i < FilterMatchCache::kCachedMatches; i++) cache_.Add("f" + std::to_string(i), MatchOf(64, {}), EvenNodes);
  EXPECT_EQ(cache_.Find("a"), nullptr);  // the oldest went
  EXPECT_NE(cache_.Find("f0"), nullptr);
  cache_.Clear();
  EXPECT_EQ(cache_.Find("f0"), nullptr);
}

TEST_F(FilterMatchCacheTest, APartIsWorthCachingWhenItRecurs) {
  EXPECT_FALSE(cache_.NotePart("cat = 7"));
  EXPECT_TRUE(cache_.NotePart("cat = 7"));
  for (size_t i = 0; i < FilterMatchCache::kPartsNoted; i++) cache_.NotePart("p" + std::to_string(i));
  EXPECT_FALSE(cache_.NotePart("cat = 7"));  // forgotten
}

TEST_F(FilterMatchCacheTest, ListsOnlyWhenFewPass) {
  cache_.Add("few", MatchOf(64 * 64, {3, 70, 900}), EvenNodes);
  auto few = cache_.Find("few");
  const std::vector<uint32_t>* list = cache_.ListOf(*few);
  ASSERT_NE(list, nullptr);
  EXPECT_EQ(*list, (std::vector<uint32_t>{3, 70, 900}));
  std::vector<uint32_t> many;
  for (uint32_t n = 0; n < 64; n++) many.push_back(n);
  cache_.Add("many", MatchOf(64, many), EvenNodes);
  EXPECT_EQ(cache_.ListOf(*cache_.Find("many")), nullptr);
  const FilterMatch gone;
  EXPECT_EQ(cache_.ListOf(gone), nullptr);  // not cached
}

TEST_F(FilterMatchCacheTest, UpdateDropsRemovedAndTestsAddedNodes) {
  cache_.Add("even", MatchOf(64 * 64, {2, 4, 6}), EvenNodes);
  auto m = cache_.Find("even");
  ASSERT_NE(cache_.ListOf(*m), nullptr);
  cache_.Update(attributes_, {4, 5}, {8, 9, 10});
  EXPECT_EQ(m->count, 4u);
  EXPECT_FALSE(m->nodes.Contains(4));
  EXPECT_TRUE(m->nodes.Contains(8));
  EXPECT_FALSE(m->nodes.Contains(9));
  EXPECT_EQ(*cache_.ListOf(*m), (std::vector<uint32_t>{2, 6, 8, 10}));
  // A test that cannot tell drops its entry.
  cache_.Add("unknown", MatchOf(64, {}), [](const NodeAttributes&, const std::vector<uint32_t>&,
                                              std::vector<uint32_t>*) { return false; });
  cache_.Update(attributes_, {}, {12});
  EXPECT_EQ(cache_.Find("unknown"), nullptr);
  EXPECT_NE(cache_.Find("even"), nullptr);
  EXPECT_TRUE(m->nodes.Contains(12));
}

}  // namespace
}  // namespace embodb::index
