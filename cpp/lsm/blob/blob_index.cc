#include "lsm/blob/blob_index.h"

#include "util/coding.h"

namespace embodb::lsm::blob {

void BlobIndex::EncodeTo(std::string* dst) const {
  PutVarint64(dst, file_number);
  PutVarint64(dst, offset);
  PutVarint64(dst, record_size);
  PutVarint64(dst, value_size);
}

bool BlobIndex::DecodeFrom(std::string_view input) {
  return GetVarint64(&input, &file_number) && GetVarint64(&input, &offset) &&
         GetVarint64(&input, &record_size) && GetVarint64(&input, &value_size) && input.empty();
}

}  // namespace embodb::lsm::blob
