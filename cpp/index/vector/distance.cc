#include "index/vector/distance.h"

#include <cmath>

#include "index/vector/distance_kernels.h"

namespace embodb::index {

bool ParseMetric(std::string_view name, Metric* metric) {
  if (name == "l2") {
    *metric = Metric::kL2;
  } else if (name == "ip") {
    *metric = Metric::kInnerProduct;
  } else if (name == "cosine") {
    *metric = Metric::kCosine;
  } else {
    return false;
  }
  return true;
}

std::string_view MetricName(Metric metric) {
  switch (metric) {
    case Metric::kL2: return "l2";
    case Metric::kInnerProduct: return "ip";
    case Metric::kCosine: return "cosine";
  }
  return "?";
}

std::string_view SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kScalar: return "scalar";
    case SimdLevel::kAvx2: return "avx2";
    case SimdLevel::kAvx512: return "avx512";
  }
  return "?";
}

SimdLevel DetectSimdLevel() {
#if defined(__x86_64__)
  static const SimdLevel level = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return SimdLevel::kAvx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdLevel::kAvx2;
    return SimdLevel::kScalar;
  }();
  return level;
#else
  return SimdLevel::kScalar;
#endif
}

namespace {

template <DistanceFn Dot>
float OneMinusDot(const float* a, const float* b, size_t dim) {
  return 1.0f - Dot(a, b, dim);
}

// The kernels of one level.
struct LevelKernels {
  DistanceFn l2;
  DistanceFn dot;
  DistanceFn one_minus_dot;
  Sq8L2Fn sq8_l2;
  Sq8DotFn sq8_dot;
};

template <DistanceFn L2, DistanceFn Dot, Sq8L2Fn Sq8L2, Sq8DotFn Sq8Dot>
constexpr LevelKernels kKernels{L2, Dot, OneMinusDot<Dot>, Sq8L2, Sq8Dot};

const LevelKernels& KernelsOf(SimdLevel level) {
  switch (level) {
#if defined(__x86_64__)
    case SimdLevel::kAvx512:
      return kKernels<kernels::L2Avx512, kernels::DotAvx512, kernels::Sq8L2Avx512, kernels::Sq8DotAvx512>;
    case SimdLevel::kAvx2:
      return kKernels<kernels::L2Avx2, kernels::DotAvx2, kernels::Sq8L2Avx2, kernels::Sq8DotAvx2>;
#endif
    default: return kKernels<kernels::L2Scalar, kernels::DotScalar, kernels::Sq8L2Scalar, kernels::Sq8DotScalar>;
  }
}

}  // namespace

DistanceFn L2Kernel(SimdLevel level) { return KernelsOf(level).l2; }
DistanceFn DotKernel(SimdLevel level) { return KernelsOf(level).dot; }
Sq8L2Fn Sq8L2Kernel(SimdLevel level) { return KernelsOf(level).sq8_l2; }
Sq8DotFn Sq8DotKernel(SimdLevel level) { return KernelsOf(level).sq8_dot; }

DistanceFn DistanceKernel(Metric metric) {
  const LevelKernels& k = KernelsOf(DetectSimdLevel());
  return metric == Metric::kL2 ? k.l2 : k.one_minus_dot;
}

bool Normalize(float* v, size_t dim) {
  double norm = 0;
  for (size_t i = 0; i < dim; i++) norm += double{v[i]} * v[i];
  if (norm == 0) return false;
  const float inv = static_cast<float>(1.0 / std::sqrt(norm));
  for (size_t i = 0; i < dim; i++) v[i] *= inv;
  return true;
}

}  // namespace embodb::index
