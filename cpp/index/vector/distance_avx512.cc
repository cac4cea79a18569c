// AVX-512F kernels. Called only when the CPU reports AVX-512F (DetectSimdLevel).
#if defined(__x86_64__)
// GCC 12's AVX-512 intrinsics start from an undefined register
// (_mm512_undefined_ps), which its -Wuninitialized flags once inlined here.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstring>

#include "index/vector/distance_kernels.h"

namespace embodb::index::kernels {

#define EMBODB_AVX512 __attribute__((target("avx512f")))


// Two accumulators of 16 lanes; the tail is one masked load, not a scalar loop.
EMBODB_AVX512 float L2Avx512(const float* a, const float* b, size_t dim) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    const __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    s0 = _mm512_fmadd_ps(d0, d0, s0);
    s1 = _mm512_fmadd_ps(d1, d1, s1);
  }
  for (; i + 16 <= dim; i += 16) {
    const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    s0 = _mm512_fmadd_ps(d, d, s0);
  }
  if (i < dim) {
    const __mmask16 m = static_cast<__mmask16>((1u << (dim - i)) - 1);
    const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
    s1 = _mm512_fmadd_ps(d, d, s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

EMBODB_AVX512 float DotAvx512(const float* a, const float* b, size_t dim) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
  }
  for (; i + 16 <= dim; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
  if (i < dim) {
    const __mmask16 m = static_cast<__mmask16>((1u << (dim - i)) - 1);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

namespace {
// Sixteen codes widened to floats; the tail (n < 16) is copied first, since a
// masked byte load needs AVX-512BW.
EMBODB_AVX512 inline __m512 LoadCodes16(const uint8_t* code) {
  return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(code))));
}
EMBODB_AVX512 inline __m512 LoadCodeTail(const uint8_t* code, size_t n) {
  uint8_t tail[16] = {};
  std::memcpy(tail, code, n);
  return LoadCodes16(tail);
}
}  // namespace

EMBODB_AVX512 float Sq8L2Avx512(const float* qm, const float* step, const uint8_t* code, size_t dim) {
  __m512 s0 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    const __m512 d = _mm512_fnmadd_ps(LoadCodes16(code + i), _mm512_loadu_ps(step + i), _mm512_loadu_ps(qm + i));
    s0 = _mm512_fmadd_ps(d, d, s0);
  }
  if (i < dim) {
    const __mmask16 m = static_cast<__mmask16>((1u << (dim - i)) - 1);
    const __m512 d = _mm512_fnmadd_ps(LoadCodeTail(code + i, dim - i), _mm512_maskz_loadu_ps(m, step + i),
                                      _mm512_maskz_loadu_ps(m, qm + i));
    s0 = _mm512_fmadd_ps(d, d, s0);
  }
  return _mm512_reduce_add_ps(s0);
}

EMBODB_AVX512 float Sq8DotAvx512(const float* qs, const uint8_t* code, size_t dim) {
  __m512 s0 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) s0 = _mm512_fmadd_ps(LoadCodes16(code + i), _mm512_loadu_ps(qs + i), s0);
  if (i < dim) {
    const __mmask16 m = static_cast<__mmask16>((1u << (dim - i)) - 1);
    s0 = _mm512_fmadd_ps(LoadCodeTail(code + i, dim - i), _mm512_maskz_loadu_ps(m, qs + i), s0);
  }
  return _mm512_reduce_add_ps(s0);
}

}  // namespace embodb::index::kernels
#endif
