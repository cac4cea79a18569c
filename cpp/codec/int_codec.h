// Integer codec: a chunk of int64 values (every integer width and
// timestamps widen to int64; uint64 values pass as their bits) stored as
// frame-of-reference with bit packing, after subtracting a line through the
// first and last value when that is smaller (sorted and evenly spaced
// values: timestamps, auto ids). Both schemes read any single value in
// constant time (IntReader), which point reads of columnar blocks need.
// Chunks only ever decoded whole (time series) may also be stored as
// deltas, each run of 128 with its own frame and width: the scheme for
// sensor streams, whose neighbours are close but whose range is wide.
// Format in docs/format/codecs.md.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec/bitpack.h"
#include "util/status.h"

namespace embodb::codec {

// kRandomAccess: every value readable alone (IntReader); kSequential: the
// chunk is only decoded whole (DecodeInts), so deltas may be chosen.
enum class IntLayout { kRandomAccess, kSequential };

// Appends n values to out, in the smallest scheme the layout allows.
void EncodeInts(const int64_t* values, size_t n, std::string* out, IntLayout layout = IntLayout::kRandomAccess);
// Reads n values encoded by EncodeInts from the front of *in into out and
// removes them from *in; Corruption when they do not decode.
Status DecodeInts(std::string_view* in, size_t n, int64_t* out);

// Reads single values of an encoded chunk without decoding the others. The
// chunk's bytes must outlive the reader.
class IntReader {
 public:
  // Parses the chunk of n values at the front of *in and removes it from
  // *in (as DecodeInts does); Corruption when it is malformed or stored as
  // deltas (those have no random access).
  Status Open(std::string_view* in, size_t n);
  // Value i. REQUIRES: i < n.
  int64_t At(size_t i) const { return FromPacked(i, UnpackOne(packed_, bytes_, i, width_)); }
  // Value i from its packed bits (a bulk decoder unpacks them together).
  int64_t FromPacked(size_t i, uint64_t packed) const {
    return static_cast<int64_t>(first_ + slope_ * i + base_ + packed);
  }
  // Hints to the CPU that value i will be read soon.
  void Prefetch(size_t i) const {
    if (width_ != 0 && packed_ != nullptr) __builtin_prefetch(packed_ + std::min(i * width_ / 8, bytes_ - 1));
  }
  unsigned width() const { return width_; }
  std::string_view packed() const { return {reinterpret_cast<const char*>(packed_), bytes_}; }

 private:
  uint64_t first_ = 0, slope_ = 0, base_ = 0;  // FOR: first_ = slope_ = 0
  unsigned width_ = 0;
  const uint8_t* packed_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace embodb::codec
