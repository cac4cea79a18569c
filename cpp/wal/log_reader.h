// LogReader reads back the records of a log written by log::Writer and tells a
// torn tail from real corruption:
//   - Bad or incomplete data at the end of the file, with no intact record after
//     it, is a torn tail (a crash in the middle of an append): ReadRecord stops,
//     status() stays OK, torn_tail() is true, and end_of_last_record() says where
//     the intact prefix ends so the caller can truncate the file there.
//   - Bad data followed by an intact record is corruption: ReadRecord returns
//     false and status() is a Corruption naming the offset. Nothing after the
//     damage is returned, so a caller never applies records past a hole.
//   - A complete record (its length within the file) whose checksum fails is
//     corruption too, even at the end: a torn append leaves the file short or
//     ends in zeros from a sector boundary on (space the file system had
//     allocated but not written), while a flipped bit does neither.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "env/env.h"
#include "wal/log_format.h"

namespace embodb::log {

class Reader {
 public:
  // `file` must outlive the reader; `name` is used in error messages.
  Reader(SequentialFile* file, std::string name);

  // Reads the next record into *record (which may point into *scratch or into an
  // internal buffer; valid until the next call). False at the end or on error.
  bool ReadRecord(std::string_view* record, std::string* scratch);

  const Status& status() const { return status_; }
  bool torn_tail() const { return torn_tail_; }
  uint64_t end_of_last_record() const { return end_of_last_record_; }

 private:
  // Results of ReadPhysicalRecord beyond the record types.
  enum : int { kEof = kMaxRecordType + 1, kBadRecord = kMaxRecordType + 2 };

  int ReadPhysicalRecord(std::string_view* fragment);
  void NoteDamage(const char* reason, uint64_t offset);
  void ReportCorruption();
  void DropRestOfBlockAfterDamage();
  static bool IntactRecordAt(std::string_view rest);
  uint64_t BufferStartOffset() const { return end_of_buffer_offset_ - buffer_.size(); }
  // Whether the record of `length` bytes at the front of the buffer, whose
  // checksum failed, looks like an append a crash cut short (see above).
  bool TornAppend(uint32_t length) const;

  SequentialFile* const file_;
  const std::string name_;
  std::unique_ptr<char[]> backing_;
  std::string_view buffer_;
  bool eof_ = false;
  uint64_t end_of_buffer_offset_ = 0;
  uint64_t end_of_last_record_ = 0;
  Status status_;
  // The first damage seen and not yet known to be either a torn tail or corruption.
  bool damaged_ = false;
  std::string damage_reason_;
  uint64_t damage_offset_ = 0;
  bool torn_tail_ = false;
};

}  // namespace embodb::log
