// Byte masks to bit sets, and bit sets to lists. Filters compute one byte (0 or 1) per row in
// loops the compiler vectorizes (query/mask_filter.h); a search wants a bit
// per node. Packing 64 bytes into a word one multiply per 8 bytes cost as
// much as evaluating the filter; with AVX2 it is a compare and a movemask
// per 32 bytes. The CPU is asked once which version to run.
#pragma once

#include <cstddef>
#include <cstdint>

namespace embodb {

// Sets words[0 .. ceil(n / 64)) so that bit i (bit i % 64 of word i / 64)
// is bytes[i] & also[i] (bytes[i] when `also` is null), for bytes that are
// each 0 or 1; bits past n are 0. Returns how many bits are 1.
size_t PackByteMask(const uint8_t* bytes, const uint8_t* also, size_t n, uint64_t* words);
// The same without SIMD, which PackByteMask runs on CPUs without AVX2.
size_t PackByteMaskScalar(const uint8_t* bytes, const uint8_t* also, size_t n, uint64_t* words);

// Writes first + i for every bit i set in words[0 .. n) (bit i % 64 of word
// i / 64), ascending, to out, and returns how many. out must have room for
// one more. Sparse words (a filter's matches: a bit in a hundred) cost no
// mispredicted branch: a loop per set bit would take one per word.
size_t BitPositions(const uint64_t* words, size_t n, uint32_t first, uint32_t* out);

}  // namespace embodb
