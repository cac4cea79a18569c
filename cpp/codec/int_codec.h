// Integer codec: a chunk of int64 values (every integer width and
// timestamps widen to int64; uint64 values pass as their bits) stored as
// frame-of-reference with bit packing, after deltas when that is smaller
// (sorted and nearly sorted values: timestamps, auto ids). Format in
// docs/format/codecs.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace embodb::codec {

// Appends n values to out.
void EncodeInts(const int64_t* values, size_t n, std::string* out);
// Reads n values encoded by EncodeInts from the front of *in into out and
// removes them from *in; Corruption when they do not decode.
Status DecodeInts(std::string_view* in, size_t n, int64_t* out);

}  // namespace embodb::codec
