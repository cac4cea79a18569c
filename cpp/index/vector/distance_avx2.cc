// AVX2 + FMA kernels. Called only when the CPU reports both (DetectSimdLevel).
#if defined(__x86_64__)
#include <immintrin.h>

#include "index/vector/distance_kernels.h"

namespace embodb::index::kernels {

#define EMBODB_AVX2 __attribute__((target("avx2,fma")))

namespace {
EMBODB_AVX2 inline float HorizontalSum(__m256 v) {
  const __m128 lo = _mm256_castps256_ps128(v);
  const __m128 hi = _mm256_extractf128_ps(v, 1);
  __m128 s = _mm_add_ps(lo, hi);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
}  // namespace

// Two accumulators of 8 lanes: 16 floats per iteration.
EMBODB_AVX2 float L2Avx2(const float* a, const float* b, size_t dim) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    s0 = _mm256_fmadd_ps(d0, d0, s0);
    s1 = _mm256_fmadd_ps(d1, d1, s1);
  }
  for (; i + 8 <= dim; i += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    s0 = _mm256_fmadd_ps(d, d, s0);
  }
  float sum = HorizontalSum(_mm256_add_ps(s0, s1));
  for (; i < dim; i++) {
    const float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

EMBODB_AVX2 float DotAvx2(const float* a, const float* b, size_t dim) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  for (; i + 8 <= dim; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float sum = HorizontalSum(_mm256_add_ps(s0, s1));
  for (; i < dim; i++) sum += a[i] * b[i];
  return sum;
}

namespace {
// Eight codes widened to floats.
EMBODB_AVX2 inline __m256 LoadCodes8(const uint8_t* code) {
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(code))));
}
}  // namespace

EMBODB_AVX2 float Sq8L2Avx2(const float* qm, const float* step, const uint8_t* code, size_t dim) {
  __m256 s0 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    const __m256 d = _mm256_fnmadd_ps(LoadCodes8(code + i), _mm256_loadu_ps(step + i), _mm256_loadu_ps(qm + i));
    s0 = _mm256_fmadd_ps(d, d, s0);
  }
  float sum = HorizontalSum(s0);
  for (; i < dim; i++) {
    const float d = qm[i] - static_cast<float>(code[i]) * step[i];
    sum += d * d;
  }
  return sum;
}

EMBODB_AVX2 float Sq8DotAvx2(const float* qs, const uint8_t* code, size_t dim) {
  __m256 s0 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) s0 = _mm256_fmadd_ps(LoadCodes8(code + i), _mm256_loadu_ps(qs + i), s0);
  float sum = HorizontalSum(s0);
  for (; i < dim; i++) sum += qs[i] * static_cast<float>(code[i]);
  return sum;
}

}  // namespace embodb::index::kernels
#endif
