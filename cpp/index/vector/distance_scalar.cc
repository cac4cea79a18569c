#include "index/vector/distance_kernels.h"

namespace embodb::index::kernels {

// Four partial sums, so that the compiler can keep four additions in flight
// (and the result does not depend on auto-vectorization choices).
float L2Scalar(const float* a, const float* b, size_t dim) {
  float s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    for (size_t k = 0; k < 4; k++) {
      const float d = a[i + k] - b[i + k];
      s[k] += d * d;
    }
  }
  for (; i < dim; i++) {
    const float d = a[i] - b[i];
    s[0] += d * d;
  }
  return (s[0] + s[1]) + (s[2] + s[3]);
}

float DotScalar(const float* a, const float* b, size_t dim) {
  float s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    for (size_t k = 0; k < 4; k++) s[k] += a[i + k] * b[i + k];
  }
  for (; i < dim; i++) s[0] += a[i] * b[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

float Sq8L2Scalar(const float* qm, const float* step, const uint8_t* code, size_t dim) {
  float s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    for (size_t k = 0; k < 4; k++) {
      const float d = qm[i + k] - static_cast<float>(code[i + k]) * step[i + k];
      s[k] += d * d;
    }
  }
  for (; i < dim; i++) {
    const float d = qm[i] - static_cast<float>(code[i]) * step[i];
    s[0] += d * d;
  }
  return (s[0] + s[1]) + (s[2] + s[3]);
}

float Sq8DotScalar(const float* qs, const uint8_t* code, size_t dim) {
  float s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    for (size_t k = 0; k < 4; k++) s[k] += qs[i + k] * static_cast<float>(code[i + k]);
  }
  for (; i < dim; i++) s[0] += qs[i] * static_cast<float>(code[i]);
  return (s[0] + s[1]) + (s[2] + s[3]);
}

}  // namespace embodb::index::kernels
