#include "lsm/blob/blob_index.h"

#include "util/coding.h"

namespace embodb::lsm::blob {

void BlobIndex::EncodeTo(std::string* dst) const {
  PutVarint64(dst, file_number);
  PutVarint64(dst, offset);
  PutVarint64(dst, record_size);
  PutVarint64(dst, value_size);
}

Result<BlobIndex> BlobIndex::Decode(std::string_view input) {
  BlobIndex b;
  if (!GetVarint64(&input, &b.file_number) || !GetVarint64(&input, &b.offset) ||
      !GetVarint64(&input, &b.record_size) || !GetVarint64(&input, &b.value_size) || !input.empty()) {
    return Status::Corruption("bad blob reference");
  }
  return b;
}

}  // namespace embodb::lsm::blob
