// BlobIndex: what the LSM stores (as a kTypeBlobIndex value) in place of a large
// value: where its blob record lives. Encoding: varint64 file_number |
// varint64 offset | varint64 record_size | varint64 value_size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace embodb::lsm::blob {

struct BlobIndex {
  uint64_t file_number = 0;
  uint64_t offset = 0;
  uint64_t record_size = 0;
  uint64_t value_size = 0;

  void EncodeTo(std::string* dst) const;
  // Corruption unless input is exactly one encoded BlobIndex.
  static Result<BlobIndex> Decode(std::string_view input);
};

}  // namespace embodb::lsm::blob
