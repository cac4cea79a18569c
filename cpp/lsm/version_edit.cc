#include "lsm/version_edit.h"

#include "lsm/manifest_format.h"
#include "util/coding.h"

namespace embodb::lsm {

using namespace manifest;  // NOLINT: tags only

void VersionEdit::EncodeTo(std::string* dst) const {
  if (log_number_) {
    PutVarint32(dst, kLogNumber);
    PutVarint64(dst, *log_number_);
  }
  if (next_file_number_) {
    PutVarint32(dst, kNextFileNumber);
    PutVarint64(dst, *next_file_number_);
  }
  if (last_sequence_) {
    PutVarint32(dst, kLastSequence);
    PutVarint64(dst, *last_sequence_);
  }
  for (const auto& [level, key] : compact_pointers_) {
    PutVarint32(dst, kCompactPointer);
    PutVarint32(dst, level);
    PutLengthPrefixed(dst, key);
  }
  for (const auto& [level, number] : deleted_files_) {
    PutVarint32(dst, kDeletedFile);
    PutVarint32(dst, level);
    PutVarint64(dst, number);
  }
  for (const auto& [level, f] : new_files_) {
    PutVarint32(dst, kNewFile);
    PutVarint32(dst, level);
    PutVarint64(dst, f.number);
    PutVarint64(dst, f.file_size);
    PutLengthPrefixed(dst, f.smallest);
    PutLengthPrefixed(dst, f.largest);
    PutVarint64(dst, f.num_entries);
    PutVarint64(dst, f.smallest_seqno);
    PutVarint64(dst, f.largest_seqno);
  }
  for (const auto& b : new_blob_files_) {
    PutVarint32(dst, kNewBlobFile);
    PutVarint64(dst, b.number);
    PutVarint64(dst, b.file_size);
    PutVarint64(dst, b.blob_count);
    PutVarint64(dst, b.blob_bytes);
  }
  for (const auto& g : blob_garbage_) {
    PutVarint32(dst, kBlobGarbage);
    PutVarint64(dst, g.number);
    PutVarint64(dst, g.blob_count);
    PutVarint64(dst, g.blob_bytes);
  }
  for (uint64_t number : deleted_blob_files_) {
    PutVarint32(dst, kDeletedBlobFile);
    PutVarint64(dst, number);
  }
  for (uint64_t number : added_wals_) {
    PutVarint32(dst, kWalAdded);
    PutVarint64(dst, number);
  }
  for (const auto& [number, size] : closed_wals_) {
    PutVarint32(dst, kWalClosed);
    PutVarint64(dst, number);
    PutVarint64(dst, size);
  }
}

static bool GetLevel(std::string_view* input, int* level) {
  uint32_t v;
  if (!GetVarint32(input, &v) || v >= static_cast<uint32_t>(kNumLevels)) return false;
  *level = static_cast<int>(v);
  return true;
}

static bool GetInternalKey(std::string_view* input, std::string* key) {
  std::string_view s;
  if (!GetLengthPrefixed(input, &s) || s.size() < 8) return false;
  key->assign(s);
  return true;
}

Status VersionEdit::DecodeFrom(std::string_view input) {
  *this = VersionEdit();
  const char* error = nullptr;
  uint32_t tag;
  while (error == nullptr && GetVarint32(&input, &tag)) {
    int level;
    uint64_t number;
    switch (tag) {
      case kLogNumber:
        if (!GetVarint64(&input, &number)) error = "log number";
        else log_number_ = number;
        break;
      case kNextFileNumber:
        if (!GetVarint64(&input, &number)) error = "next file number";
        else next_file_number_ = number;
        break;
      case kLastSequence:
        if (!GetVarint64(&input, &number)) error = "last sequence";
        else last_sequence_ = number;
        break;
      case kCompactPointer: {
        std::string key;
        if (!GetLevel(&input, &level) || !GetInternalKey(&input, &key)) error = "compact pointer";
        else compact_pointers_.emplace_back(level, std::move(key));
        break;
      }
      case kDeletedFile:
        if (!GetLevel(&input, &level) || !GetVarint64(&input, &number)) error = "deleted file";
        else deleted_files_.emplace(level, number);
        break;
      case kNewFile: {
        FileMetaData f;
        if (!GetLevel(&input, &level) || !GetVarint64(&input, &f.number) ||
            !GetVarint64(&input, &f.file_size) || !GetInternalKey(&input, &f.smallest) ||
            !GetInternalKey(&input, &f.largest) || !GetVarint64(&input, &f.num_entries) ||
            !GetVarint64(&input, &f.smallest_seqno) || !GetVarint64(&input, &f.largest_seqno)) {
          error = "new file";
        } else {
          new_files_.emplace_back(level, std::move(f));
        }
        break;
      }
      case kNewBlobFile: {
        BlobFileAddition b;
        if (!GetVarint64(&input, &b.number) || !GetVarint64(&input, &b.file_size) ||
            !GetVarint64(&input, &b.blob_count) || !GetVarint64(&input, &b.blob_bytes)) {
          error = "new blob file";
        } else {
          new_blob_files_.push_back(b);
        }
        break;
      }
      case kBlobGarbage: {
        BlobGarbage g;
        if (!GetVarint64(&input, &g.number) || !GetVarint64(&input, &g.blob_count) ||
            !GetVarint64(&input, &g.blob_bytes)) {
          error = "blob garbage";
        } else {
          blob_garbage_.push_back(g);
        }
        break;
      }
      case kDeletedBlobFile:
        if (!GetVarint64(&input, &number)) error = "deleted blob file";
        else deleted_blob_files_.insert(number);
        break;
      case kWalAdded:
        if (!GetVarint64(&input, &number)) error = "added WAL";
        else added_wals_.push_back(number);
        break;
      case kWalClosed: {
        uint64_t size;
        if (!GetVarint64(&input, &number) || !GetVarint64(&input, &size)) error = "closed WAL";
        else closed_wals_.emplace_back(number, size);
        break;
      }
      default:
        return Status::NotSupported("manifest", "unknown record tag " + std::to_string(tag) +
                                                    " (written by a newer embodb?)");
    }
  }
  if (error == nullptr && !input.empty()) error = "trailing bytes";
  if (error != nullptr) return Status::Corruption("manifest", std::string("bad ") + error);
  return Status::OK();
}

}  // namespace embodb::lsm
