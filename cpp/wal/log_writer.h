// LogWriter appends records to a log file in the format of log_format.h.
// Not thread-safe: the DB's write leader is the only caller.
#pragma once

#include <cstdint>
#include <string_view>

#include "env/env.h"
#include "wal/log_format.h"

namespace embodb::log {

class Writer {
 public:
  // dest must stay alive while this Writer is used; `dest_length` is its current
  // length when appending to an existing file.
  explicit Writer(WritableFile* dest, uint64_t dest_length = 0);

  // Appends one logical record and pushes it to the OS (not synced).
  Status AddRecord(std::string_view record);
  Status Sync() { return dest_->Sync(); }
  uint64_t size() const { return file_offset_; }

 private:
  Status EmitPhysicalRecord(RecordType type, const char* ptr, size_t length);

  WritableFile* dest_;
  uint32_t block_offset_;
  uint64_t file_offset_;
  uint32_t type_crc_[kMaxRecordType + 1];  // crc32c of each type byte, precomputed
};

}  // namespace embodb::log
