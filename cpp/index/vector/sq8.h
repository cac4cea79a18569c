// Sq8: 8-bit scalar quantization of float32 vectors. Each dimension i has a
// range [min_i, min_i + 255 * step_i], learned from sample vectors; a value
// is stored as the nearest of the 256 levels of its dimension's range
// (clamped to the range). A code takes dim bytes instead of 4 * dim.
//
// Distances are asymmetric: the query stays float32 and is prepared once
// (Sq8Query), then compared with codes by the kernels of distance.h.
//
// Thread safety: a trained quantizer is immutable; share it freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "index/vector/distance.h"

namespace embodb::index {

class Sq8Quantizer {
 public:
  Sq8Quantizer() = default;
  explicit Sq8Quantizer(size_t dim) : dim_(dim) {}

  // Learns each dimension's range from n vectors (row-major). REQUIRES: n > 0.
  void Train(const float* vectors, size_t n);
  bool trained() const { return !min_.empty(); }
  size_t dim() const { return dim_; }
  const std::vector<float>& min() const { return min_; }
  const std::vector<float>& step() const { return step_; }
  // For loading a saved quantizer. REQUIRES: both of size dim.
  void Restore(std::vector<float> min, std::vector<float> step);

  void Encode(const float* vector, uint8_t* code) const;
  void Decode(const uint8_t* code, float* vector) const;

 private:
  size_t dim_ = 0;
  std::vector<float> min_, step_;
};

// A query prepared against a quantizer, for one metric: Distance(code) is the
// metric's distance (distance.h) between the query and the vector the code
// stands for.
class Sq8Query {
 public:
  Sq8Query(const Sq8Quantizer& q, Metric metric);
  // Prepares for `query` (dim floats); may be called again for a new one.
  void Set(const float* query);
  float Distance(const uint8_t* code) const {
    return l2_ != nullptr ? l2_(prepared_.data(), step_, code, dim_) : 1.0f - (offset_ + dot_(prepared_.data(), code, dim_));
  }

 private:
  const Sq8Quantizer& quantizer_;
  const size_t dim_;
  const float* step_;
  Sq8L2Fn l2_ = nullptr;    // l2: prepared = query - min
  Sq8DotFn dot_ = nullptr;  // ip and cosine: prepared = query * step, offset = query . min
  std::vector<float> prepared_;
  float offset_ = 0;
};

}  // namespace embodb::index
