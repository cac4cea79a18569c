#include "wal/log_reader.h"

#include "util/coding.h"
#include "util/crc32c.h"

namespace embodb::log {

Reader::Reader(SequentialFile* file, std::string name)
    : file_(file), name_(std::move(name)), backing_(new char[kBlockSize]) {}

void Reader::NoteDamage(const char* reason, uint64_t offset) {
  if (!damaged_) {
    damaged_ = true;
    damage_reason_ = reason;
    damage_offset_ = offset;
  }
}

void Reader::ReportCorruption() {
  status_ = Status::Corruption(name_, damage_reason_ + " at offset " +
                                          std::to_string(damage_offset_) +
                                          ", and intact records follow it");
}

bool Reader::IntactRecordAt(std::string_view rest) {
  if (rest.size() < kHeaderSize) return false;
  const uint32_t length = DecodeFixed16(rest.data() + 4);
  const uint8_t type = static_cast<uint8_t>(rest[6]);
  if (type == kZeroType || type > kMaxRecordType || kHeaderSize + length > rest.size()) return false;
  return crc32c::Unmask(DecodeFixed32(rest.data())) == crc32c::Value(rest.data() + 6, 1 + length);
}

void Reader::DropRestOfBlockAfterDamage() {
  // Fragments never cross blocks, so later blocks are checked as they are read;
  // here only the rest of this block is searched for an intact record.
  for (size_t skip = 1; skip + kHeaderSize <= buffer_.size(); skip++) {
    if (IntactRecordAt(buffer_.substr(skip))) {
      ReportCorruption();
      break;
    }
  }
  buffer_ = {};
}

bool Reader::TornAppend(uint32_t length) const {
  // The record at the front of the buffer (header, then length bytes) must
  // end the file, and its bytes from a sector boundary on must be zeros.
  constexpr uint64_t kSector = 512;
  if (!eof_ || buffer_.size() != kHeaderSize + length) return false;
  const uint64_t start = BufferStartOffset();
  size_t written = buffer_.size();  // bytes up to the last nonzero one
  while (written > 0 && buffer_[written - 1] == 0) written--;
  const uint64_t boundary = (start + written + kSector - 1) / kSector * kSector;
  return boundary < start + buffer_.size();
}

bool Reader::ReadRecord(std::string_view* record, std::string* scratch) {
  if (!status_.ok()) return false;
  scratch->clear();
  bool in_fragmented_record = false;
  uint64_t record_start = 0;
  while (true) {
    const uint64_t physical_start = BufferStartOffset();
    std::string_view fragment;
    const int type = ReadPhysicalRecord(&fragment);
    if (!status_.ok()) return false;
    if ((type == kFullType || type == kFirstType) && in_fragmented_record) {
      NoteDamage("a record's fragments end without a last one", record_start);
    }
    if (type <= kMaxRecordType && damaged_) {
      // Intact data after damage: the damage is not a torn tail.
      ReportCorruption();
      return false;
    }
    switch (type) {
      case kFullType:
        *record = fragment;
        end_of_last_record_ = BufferStartOffset();
        return true;
      case kFirstType:
        scratch->assign(fragment.data(), fragment.size());
        in_fragmented_record = true;
        record_start = physical_start;
        break;
      case kMiddleType:
        if (!in_fragmented_record) {
          NoteDamage("a middle fragment without a first one", physical_start);
        } else {
          scratch->append(fragment.data(), fragment.size());
        }
        break;
      case kLastType:
        if (!in_fragmented_record) {
          NoteDamage("a last fragment without a first one", physical_start);
        } else {
          scratch->append(fragment.data(), fragment.size());
          *record = *scratch;
          end_of_last_record_ = BufferStartOffset();
          return true;
        }
        break;
      case kEof:
        if (in_fragmented_record || damaged_) torn_tail_ = true;
        return false;
      case kBadRecord:
        if (!status_.ok()) return false;
        in_fragmented_record = false;
        scratch->clear();
        break;
      default:
        NoteDamage("an unknown record type", physical_start);
        in_fragmented_record = false;
        scratch->clear();
        break;
    }
  }
}

int Reader::ReadPhysicalRecord(std::string_view* fragment) {
  while (true) {
    if (buffer_.size() < kHeaderSize) {
      if (eof_) {
        // A few leftover bytes at the end: a header cut short by the crash.
        if (!buffer_.empty()) {
          bool all_zero = true;
          for (char c : buffer_) all_zero &= (c == 0);
          if (!all_zero) NoteDamage("a truncated record header", BufferStartOffset());
        }
        buffer_ = {};
        return kEof;
      }
      // The rest of the block is padding; read the next block.
      Status s = file_->Read(kBlockSize, &buffer_, backing_.get());
      if (!s.ok()) {
        status_ = s;
        buffer_ = {};
        return kEof;
      }
      end_of_buffer_offset_ += buffer_.size();
      if (buffer_.size() < kBlockSize) eof_ = true;
      continue;
    }

    const char* header = buffer_.data();
    const uint32_t length = DecodeFixed16(header + 4);
    const uint8_t type = static_cast<uint8_t>(header[6]);
    const uint64_t offset = BufferStartOffset();
    if (kHeaderSize + length > buffer_.size()) {
      // Either the tail of the file was cut (torn) or the length field is bad.
      NoteDamage(eof_ ? "a record cut short by the end of the file" : "a bad record length", offset);
      DropRestOfBlockAfterDamage();
      return kBadRecord;
    }
    if (type == kZeroType && length == 0) {
      // We never write zero-type records; zero-filled space is damage (often a
      // torn tail on file systems that expose zeros after power loss).
      NoteDamage("a zero-filled region", offset);
      DropRestOfBlockAfterDamage();
      return kBadRecord;
    }
    const uint32_t expected = crc32c::Unmask(DecodeFixed32(header));
    const uint32_t actual = crc32c::Value(header + 6, 1 + length);
    if (actual != expected) {
      if (!TornAppend(length)) {
        status_ = Status::Corruption(name_, "a checksum mismatch in a complete record at offset " +
                                                std::to_string(offset));
        buffer_ = {};
        return kBadRecord;
      }
      // The length may be the damaged field, so nothing else in this block is trusted.
      NoteDamage("a checksum mismatch", offset);
      DropRestOfBlockAfterDamage();
      return kBadRecord;
    }
    buffer_.remove_prefix(kHeaderSize + length);
    *fragment = std::string_view(header + kHeaderSize, length);
    return type;
  }
}

}  // namespace embodb::log
