// String codec: a chunk of byte strings (str or bytes values), stored as a
// sorted dictionary with bit-packed codes when few values are distinct
// (labels, robot names, topics), else as lengths (integer codec) and the
// bytes back to back. Codes follow the order of the strings, so that
// `=`, IN and ranges can later be tested on codes. Format in
// docs/format/codecs.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace embodb::codec {

// Distinct values past which a chunk is not a dictionary, and the share of
// the values they may be at most (a dictionary of mostly unique strings
// saves nothing).
inline constexpr size_t kMaxDictionary = size_t{1} << 16;

// Appends the n strings values[i].
void EncodeStrings(const std::string_view* values, size_t n, std::string* out);
// Reads n strings encoded by EncodeStrings from the front of *in: their
// bytes back to back into *data and n + 1 offsets into *offsets (string i
// is data[offsets[i], offsets[i + 1])). Corruption when they do not decode.
Status DecodeStrings(std::string_view* in, size_t n, std::string* data, std::vector<int64_t>* offsets);

}  // namespace embodb::codec
