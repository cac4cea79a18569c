#include "index/vector/distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace embodb::index {

// Every level this CPU supports, scalar first.
static std::vector<SimdLevel> SupportedLevels() {
  std::vector<SimdLevel> levels = {SimdLevel::kScalar};
  const SimdLevel best = DetectSimdLevel();
  if (best >= SimdLevel::kAvx2) levels.push_back(SimdLevel::kAvx2);
  if (best >= SimdLevel::kAvx512) levels.push_back(SimdLevel::kAvx512);
  return levels;
}

TEST(DistanceTest, EveryLevelAgreesWithADoublePrecisionReference) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<size_t> dims;
  for (size_t d = 1; d <= 70; d++) dims.push_back(d);  // every tail length of every width
  for (size_t d : {100, 128, 384, 768, 1000, 1537}) dims.push_back(d);
  for (SimdLevel level : SupportedLevels()) {
    SCOPED_TRACE(std::string(SimdLevelName(level)));
    for (size_t dim : dims) {
      // Offset by one float: the kernels must not assume alignment.
      std::vector<float> a(dim + 1), b(dim + 1);
      for (size_t i = 0; i <= dim; i++) {
        a[i] = normal(rng);
        b[i] = normal(rng);
      }
      double l2 = 0, dot = 0, scale = 0;
      for (size_t i = 1; i <= dim; i++) {
        l2 += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
        dot += static_cast<double>(a[i]) * b[i];
        scale += std::fabs(static_cast<double>(a[i]) * b[i]);
      }
      EXPECT_NEAR(l2, L2Kernel(level)(a.data() + 1, b.data() + 1, dim), 1e-5 * l2 + 1e-6) << dim;
      EXPECT_NEAR(dot, DotKernel(level)(a.data() + 1, b.data() + 1, dim), 1e-5 * scale + 1e-6) << dim;
    }
  }
}

TEST(DistanceTest, MetricsAreDistances) {
  const float x[3] = {1, 0, 0}, y[3] = {0, 1, 0}, z[3] = {3, 4, 0};
  EXPECT_FLOAT_EQ(2.0f, DistanceKernel(Metric::kL2)(x, y, 3));
  EXPECT_FLOAT_EQ(0.0f, DistanceKernel(Metric::kL2)(z, z, 3));
  // ip and cosine: 1 - a.b (cosine vectors are stored normalized).
  EXPECT_FLOAT_EQ(1.0f, DistanceKernel(Metric::kInnerProduct)(x, y, 3));
  EXPECT_FLOAT_EQ(0.0f, DistanceKernel(Metric::kCosine)(x, x, 3));
  EXPECT_FLOAT_EQ(-2.0f, DistanceKernel(Metric::kInnerProduct)(x, z, 3));
  Metric m;
  ASSERT_TRUE(ParseMetric("cosine", &m));
  EXPECT_EQ(Metric::kCosine, m);
  EXPECT_EQ("ip", MetricName(Metric::kInnerProduct));
  EXPECT_FALSE(ParseMetric("L2 ", &m));
  EXPECT_FALSE(ParseMetric("euclid", &m));
}

}  // namespace embodb::index
