// String codec: a chunk of byte strings (str or bytes values), stored as a
// sorted dictionary with bit-packed codes when few values are distinct
// (labels, robot names, topics), else as end offsets (integer codec) and
// the bytes back to back. Both read any single string in constant time
// (StringReader). Codes follow the order of the strings, so that
// `=`, IN and ranges can later be tested on codes. Format in
// docs/format/codecs.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codec/int_codec.h"
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

// Reads single strings of an encoded chunk without decoding the others; the
// chunk's bytes must outlive the reader and the strings it returns.
class StringReader {
 public:
  // Parses the chunk of n strings at the front of *in and removes it from
  // *in; Corruption when it is malformed.
  Status Open(std::string_view* in, size_t n);
  // String i (REQUIRES: i < n); Corruption when its offsets or code are out
  // of range (checked here, not by Open, which would read every one).
  Status At(size_t i, std::string_view* out) const;

 private:
  // Strings [begin, end) of a run of ends: string j is bytes [end(j-1), end(j)).
  struct Strings {
    IntReader ends;
    std::string_view bytes;
    Status Get(size_t j, std::string_view* out) const;
  };
  Status OpenStrings(std::string_view* in, size_t n, Strings* out);
  Strings strings_;  // the values, or the dictionary's words
  bool dictionary_ = false;
  uint64_t words_ = 0;
  unsigned code_width_ = 0;
  std::string_view codes_;
};

}  // namespace embodb::codec
