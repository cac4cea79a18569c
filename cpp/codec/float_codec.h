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
#include <string>
#include <string_view>

#include "util/status.h"

namespace embodb::codec {

void EncodeDoubles(const double* values, size_t n, std::string* out);
Status DecodeDoubles(std::string_view* in, size_t n, double* out);
void EncodeFloats(const float* values, size_t n, std::string* out);
Status DecodeFloats(std::string_view* in, size_t n, float* out);

}  // namespace embodb::codec
