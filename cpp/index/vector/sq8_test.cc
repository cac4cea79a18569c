#include "index/vector/sq8.h"

#include <gtest/gtest.h>

#include <random>

namespace embodb::index {

static std::vector<SimdLevel> Levels() {
  std::vector<SimdLevel> levels = {SimdLevel::kScalar};
  if (DetectSimdLevel() >= SimdLevel::kAvx2) levels.push_back(SimdLevel::kAvx2);
  if (DetectSimdLevel() >= SimdLevel::kAvx512) levels.push_back(SimdLevel::kAvx512);
  return levels;
}

TEST(Sq8Test, KernelsOfEveryLevelAgreeWithTheScalarOnes) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0, 1);
  for (size_t dim = 1; dim <= 70; dim++) {
    std::vector<float> a(dim + 1), b(dim + 1);
    std::vector<uint8_t> code(dim + 1);
    for (size_t i = 0; i <= dim; i++) {
      a[i] = normal(rng);
      b[i] = std::fabs(normal(rng));
      code[i] = static_cast<uint8_t>(rng());
    }
    // Offset by one: no alignment may be assumed.
    const float l2 = Sq8L2Kernel(SimdLevel::kScalar)(a.data() + 1, b.data() + 1, code.data() + 1, dim);
    const float dot = Sq8DotKernel(SimdLevel::kScalar)(a.data() + 1, code.data() + 1, dim);
    double want_l2 = 0, want_dot = 0, scale = 0;
    for (size_t i = 1; i <= dim; i++) {
      const double d = a[i] - double(code[i]) * b[i];
      want_l2 += d * d;
      want_dot += double(a[i]) * code[i];
      scale += std::fabs(double(a[i]) * code[i]);
    }
    EXPECT_NEAR(want_l2, l2, 1e-5 * want_l2 + 1e-4);
    EXPECT_NEAR(want_dot, dot, 1e-5 * scale + 1e-4);
    for (SimdLevel level : Levels()) {
      SCOPED_TRACE(std::string(SimdLevelName(level)));
      EXPECT_NEAR(l2, Sq8L2Kernel(level)(a.data() + 1, b.data() + 1, code.data() + 1, dim), 1e-5 * want_l2 + 1e-4)
          << dim;
      EXPECT_NEAR(dot, Sq8DotKernel(level)(a.data() + 1, code.data() + 1, dim), 1e-5 * scale + 1e-4) << dim;
    }
  }
}

TEST(Sq8Test, CodesStandForTheirVectorsWithinHalfAStep) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(-3, 5);
  const size_t dim = 37, n = 500;
  std::vector<float> data(n * dim);
  for (float& x : data) x = u(rng);
  for (size_t i = 0; i < n; i++) data[i * dim + 5] = 2.5f;  // a constant dimension
  Sq8Quantizer q(dim);
  q.Train(data.data(), n);
  std::vector<uint8_t> code(dim);
  std::vector<float> back(dim);
  for (size_t r = 0; r < n; r++) {
    q.Encode(&data[r * dim], code.data());
    q.Decode(code.data(), back.data());
    for (size_t i = 0; i < dim; i++) ASSERT_NEAR(data[r * dim + i], back[i], q.step()[i] * 0.5001f) << i;
  }
  // Values outside the learned range are clamped, not wrapped.
  std::vector<float> far(dim, 100.0f);
  q.Encode(far.data(), code.data());
  EXPECT_EQ(255, code[0]);
  far.assign(dim, -100.0f);
  q.Encode(far.data(), code.data());
  EXPECT_EQ(0, code[0]);
  // The query distances equal the float distances to the decoded vectors.
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
    Sq8Query query(q, metric);
    query.Set(&data[7 * dim]);
    q.Encode(&data[9 * dim], code.data());
    q.Decode(code.data(), back.data());
    const float want = DistanceKernel(metric)(&data[7 * dim], back.data(), dim);
    EXPECT_NEAR(want, query.Distance(code.data()), 1e-3f * std::fabs(want) + 1e-3f);
  }
}

}  // namespace embodb::index
