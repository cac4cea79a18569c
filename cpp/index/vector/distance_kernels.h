// The kernels behind index/vector/distance.h, one per instruction set. Each
// wide one lives in its own file, compiled for that instruction set only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace embodb::index::kernels {

float L2Scalar(const float* a, const float* b, size_t dim);
float DotScalar(const float* a, const float* b, size_t dim);
float Sq8L2Scalar(const float* qm, const float* step, const uint8_t* code, size_t dim);
float Sq8DotScalar(const float* qs, const uint8_t* code, size_t dim);
#if defined(__x86_64__)
float L2Avx2(const float* a, const float* b, size_t dim);
float DotAvx2(const float* a, const float* b, size_t dim);
float Sq8L2Avx2(const float* qm, const float* step, const uint8_t* code, size_t dim);
float Sq8DotAvx2(const float* qs, const uint8_t* code, size_t dim);
float L2Avx512(const float* a, const float* b, size_t dim);
float DotAvx512(const float* a, const float* b, size_t dim);
float Sq8L2Avx512(const float* qm, const float* step, const uint8_t* code, size_t dim);
float Sq8DotAvx512(const float* qs, const uint8_t* code, size_t dim);
#endif

}  // namespace embodb::index::kernels
