#include "index/vector/exact_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace embodb::index {

// The answer by sorting every distance, computed in double precision.
static std::vector<uint64_t> Reference(const std::vector<float>& data, size_t dim, const float* q, size_t k,
                                       uint64_t skip_multiple_of = 0) {
  std::vector<std::pair<double, uint64_t>> all;
  for (size_t i = 0; i < data.size() / dim; i++) {
    if (skip_multiple_of != 0 && i % skip_multiple_of == 0) continue;
    double d = 0;
    for (size_t j = 0; j < dim; j++) d += (double(data[i * dim + j]) - q[j]) * (double(data[i * dim + j]) - q[j]);
    all.push_back({d, i});
  }
  std::sort(all.begin(), all.end());
  std::vector<uint64_t> ids;
  for (size_t i = 0; i < std::min(k, all.size()); i++) ids.push_back(all[i].second);
  return ids;
}

TEST(ExactSearchTest, FindsTheNearestRowsSerialAndParallel) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  const size_t dim = 37;
  for (size_t n : {0, 5, 1000, 20000}) {  // 20000: split across threads
    std::vector<float> data(n * dim);
    for (float& x : data) x = u(rng);
    std::vector<float> q(dim);
    for (float& x : q) x = u(rng);
    VectorMatrix m{data.data(), n, dim, nullptr};
    auto got = ExactSearch(m, q.data(), 10, Metric::kL2);
    const auto want = Reference(data, dim, q.data(), 10);
    ASSERT_EQ(want.size(), got.size()) << n;
    for (size_t i = 0; i < want.size(); i++) EXPECT_EQ(want[i], got[i].id) << n << " #" << i;
    for (size_t i = 1; i < got.size(); i++) EXPECT_LE(got[i - 1].distance, got[i].distance);
    // Rows the filter refuses are never returned, and k is still filled.
    auto kept = ExactSearch(m, q.data(), 10, Metric::kL2, [](uint64_t id) { return id % 3 != 0; });
    const auto want_kept = Reference(data, dim, q.data(), 10, 3);
    ASSERT_EQ(want_kept.size(), kept.size()) << n;
    for (size_t i = 0; i < want_kept.size(); i++) EXPECT_EQ(want_kept[i], kept[i].id) << n;
  }
}

TEST(ExactSearchTest, UsesTheGivenIdsAndMetric) {
  // Unit vectors: ip distance 1 - a.b.
  const float data[6] = {1, 0, 0, 1, -1, 0};
  const uint64_t ids[3] = {70, 80, 90};
  VectorMatrix m{data, 3, 2, ids};
  const float q[2] = {0.8f, 0.6f};
  auto got = ExactSearch(m, q, 5, Metric::kInnerProduct);
  ASSERT_EQ(3u, got.size());
  EXPECT_EQ(70u, got[0].id);  // a.b = 0.8
  EXPECT_EQ(80u, got[1].id);  // 0.6
  EXPECT_EQ(90u, got[2].id);  // -0.8
  EXPECT_FLOAT_EQ(1.0f - 0.8f, got[0].distance);
  EXPECT_TRUE(ExactSearch(m, q, 0, Metric::kL2).empty());
}

}  // namespace embodb::index
