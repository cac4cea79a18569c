// Float codec of the ALP class (Afroozeh, Kuffo & Boncz, "ALP: Adaptive
// Lossless floating-Point Compression", SIGMOD 2024): sensor values are
// mostly decimals with a few digits (0.125, 21.7, -3.14159), so each is
// stored as the integer round(v * 10^e / 10^f), for one exponent e and
// factor f chosen per chunk from a sample, through the integer codec. A
// value that does not come back bit for bit (NaN, infinity, -0.0, more
// digits than e) is an exception, stored as it is with its position. A
// chunk where that does not pay is stored raw (the fallback). Lossless:
// every value decodes to the same bits. Format in docs/format/codecs.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec/int_codec.h"
#include "util/status.h"

namespace embodb::codec {

// layout: as for integers (int_codec.h); kSequential lets the integers of a
// decimal chunk be stored as deltas, which FloatReader cannot read.
void EncodeDoubles(const double* values, size_t n, std::string* out, IntLayout layout = IntLayout::kRandomAccess);
Status DecodeDoubles(std::string_view* in, size_t n, double* out);
void EncodeFloats(const float* values, size_t n, std::string* out, IntLayout layout = IntLayout::kRandomAccess);
Status DecodeFloats(std::string_view* in, size_t n, float* out);

// Reads single values of an encoded chunk of T (float or double) without
// decoding the others; the chunk's bytes must outlive the reader.
template <typename T>
class FloatReader {
 public:
  // Parses the chunk of n values at the front of *in and removes it from
  // *in; Corruption when it is malformed.
  Status Open(std::string_view* in, size_t n);
  // Value i. REQUIRES: i < n.
  T At(size_t i) const;
  // Hints to the CPU that value i will be read soon.
  void Prefetch(size_t i) const {
    if (raw_ != nullptr) {
      __builtin_prefetch(raw_ + i * sizeof(T));
    } else {
      ints_.Prefetch(i);
    }
  }

 private:
  const char* raw_ = nullptr;  // the raw scheme's values; null for ALP
  int e_ = 0, f_ = 0;
  IntReader ints_, positions_;
  size_t exceptions_ = 0;
  const char* exception_values_ = nullptr;
};

}  // namespace embodb::codec
