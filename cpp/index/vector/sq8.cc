#include "index/vector/sq8.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace embodb::index {

void Sq8Quantizer::Train(const float* vectors, size_t n) {
  assert(n > 0);
  std::vector<float> lo(vectors, vectors + dim_), hi(vectors, vectors + dim_);
  for (size_t r = 1; r < n; r++) {
    const float* v = vectors + r * dim_;
    for (size_t i = 0; i < dim_; i++) {
      lo[i] = std::min(lo[i], v[i]);
      hi[i] = std::max(hi[i], v[i]);
    }
  }
  step_.resize(dim_);
  for (size_t i = 0; i < dim_; i++) {
    // A dimension that never varied still gets a usable (tiny) step.
    const float span = hi[i] - lo[i];
    step_[i] = span > 0 ? span / 255.0f : std::max(std::fabs(lo[i]), 1.0f) * 1e-6f;
  }
  min_ = std::move(lo);
}

void Sq8Quantizer::Restore(std::vector<float> min, std::vector<float> step) {
  assert(min.size() == dim_ && step.size() == dim_);
  min_ = std::move(min);
  step_ = std::move(step);
}

void Sq8Quantizer::Encode(const float* vector, uint8_t* code) const {
  for (size_t i = 0; i < dim_; i++) {
    const float level = std::nearbyint((vector[i] - min_[i]) / step_[i]);
    code[i] = static_cast<uint8_t>(std::clamp(level, 0.0f, 255.0f));
  }
}

void Sq8Quantizer::Decode(const uint8_t* code, float* vector) const {
  for (size_t i = 0; i < dim_; i++) vector[i] = min_[i] + static_cast<float>(code[i]) * step_[i];
}

Sq8Query::Sq8Query(const Sq8Quantizer& q, Metric metric)
    : quantizer_(q), dim_(q.dim()), step_(q.step().data()), prepared_(q.dim()) {
  const SimdLevel level = DetectSimdLevel();
  if (metric == Metric::kL2) {
    l2_ = Sq8L2Kernel(level);
  } else {
    dot_ = Sq8DotKernel(level);
  }
}

void Sq8Query::Set(const float* query) {
  const std::vector<float>& min = quantizer_.min();
  if (l2_ != nullptr) {
    for (size_t i = 0; i < dim_; i++) prepared_[i] = query[i] - min[i];
    return;
  }
  double offset = 0;
  for (size_t i = 0; i < dim_; i++) {
    prepared_[i] = query[i] * step_[i];
    offset += static_cast<double>(query[i]) * min[i];
  }
  offset_ = static_cast<float>(offset);
}

}  // namespace embodb::index
