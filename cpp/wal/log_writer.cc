#include "wal/log_writer.h"

#include "util/coding.h"
#include "util/crc32c.h"

namespace embodb::log {

Writer::Writer(WritableFile* dest, uint64_t dest_length)
    : dest_(dest), block_offset_(dest_length % kBlockSize), file_offset_(dest_length) {
  for (int i = 0; i <= kMaxRecordType; i++) {
    char t = static_cast<char>(i);
    type_crc_[i] = crc32c::Value(&t, 1);
  }
}

Status Writer::AddRecord(std::string_view record) {
  const char* ptr = record.data();
  size_t left = record.size();
  bool begin = true;
  // An empty record still emits one zero-length fragment.
  do {
    const uint32_t leftover = kBlockSize - block_offset_;
    if (leftover < kHeaderSize) {
      // Too small for a header: pad the block tail with zeros.
      if (leftover > 0) {
        static constexpr char kZeros[kHeaderSize] = {};
        EMBODB_RETURN_IF_ERROR(dest_->Append(std::string_view(kZeros, leftover)));
        file_offset_ += leftover;
      }
      block_offset_ = 0;
    }
    const size_t avail = kBlockSize - block_offset_ - kHeaderSize;
    const size_t fragment = left < avail ? left : avail;
    const bool end = (left == fragment);
    RecordType type = begin && end ? kFullType : begin ? kFirstType : end ? kLastType : kMiddleType;
    EMBODB_RETURN_IF_ERROR(EmitPhysicalRecord(type, ptr, fragment));
    ptr += fragment;
    left -= fragment;
    begin = false;
  } while (left > 0);
  return dest_->Flush();
}

Status Writer::EmitPhysicalRecord(RecordType type, const char* ptr, size_t length) {
  char header[kHeaderSize];
  EncodeFixed16(header + 4, static_cast<uint16_t>(length));
  header[6] = static_cast<char>(type);
  uint32_t crc = crc32c::Extend(type_crc_[type], ptr, length);
  EncodeFixed32(header, crc32c::Mask(crc));
  EMBODB_RETURN_IF_ERROR(dest_->Append(std::string_view(header, kHeaderSize)));
  EMBODB_RETURN_IF_ERROR(dest_->Append(std::string_view(ptr, length)));
  block_offset_ += kHeaderSize + static_cast<uint32_t>(length);
  file_offset_ += kHeaderSize + length;
  return Status::OK();
}

}  // namespace embodb::log
