// Distance kernels for float32 vectors, chosen at run time for the CPU:
// AVX-512, AVX2 with FMA, or portable scalar code. Nothing here needs a CPU
// newer than the one it runs on: the wide kernels are compiled for their
// instruction sets alone (target attributes) and called only when the CPU
// reports them.
//
// Every metric is a distance (smaller is nearer):
//   l2      squared Euclidean distance, sum (a_i - b_i)^2
//   ip      1 - a.b (negated inner product, shifted so that it is >= 0 for
//           unit vectors)
//   cosine  1 - a.b / (|a| |b|); vectors are normalized when stored, so the
//           kernel is the ip one
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace embodb::index {

enum class Metric { kL2, kInnerProduct, kCosine };

// "l2", "ip", "cosine"; false for anything else.
bool ParseMetric(std::string_view name, Metric* metric);
std::string_view MetricName(Metric metric);

// The instruction sets a kernel can use, widest last.
enum class SimdLevel { kScalar, kAvx2, kAvx512 };
std::string_view SimdLevelName(SimdLevel level);
// The widest level this CPU supports.
SimdLevel DetectSimdLevel();

// A kernel: the distance between two vectors of `dim` floats.
using DistanceFn = float (*)(const float* a, const float* b, size_t dim);

// The L2 and dot-product kernels of a level (the level must be supported:
// see DetectSimdLevel). Tests call each level; the index calls Best*.
DistanceFn L2Kernel(SimdLevel level);
DistanceFn DotKernel(SimdLevel level);

// Kernels against 8-bit codes (index/vector/sq8.h), where value i of a code
// stands for min_i + code_i * step_i:
//   Sq8L2Fn   sum (qm_i - code_i * step_i)^2, with qm = query - min
//   Sq8DotFn  sum qs_i * code_i, with qs = query * step
using Sq8L2Fn = float (*)(const float* qm, const float* step, const uint8_t* code, size_t dim);
using Sq8DotFn = float (*)(const float* qs, const uint8_t* code, size_t dim);
Sq8L2Fn Sq8L2Kernel(SimdLevel level);
Sq8DotFn Sq8DotKernel(SimdLevel level);

// The kernel for a metric at the widest supported level. For ip and cosine
// it returns 1 - a.b.
DistanceFn DistanceKernel(Metric metric);

// Scales v to unit length (for cosine); false, leaving v alone, when v is
// the zero vector, which has no direction.
bool Normalize(float* v, size_t dim);

}  // namespace embodb::index
