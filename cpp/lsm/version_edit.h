// VersionEdit: one change to the set of live files, recorded as one record of
// the manifest log (docs/format/manifest.md). Replaying all edits in order
// rebuilds the database's file state.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lsm/dbformat.h"
#include "util/status.h"

namespace embodb::lsm {

inline constexpr int kNumLevels = 7;

struct FileMetaData {
  uint64_t number = 0;
  uint64_t file_size = 0;
  std::string smallest;  // internal keys
  std::string largest;
  uint64_t num_entries = 0;
  SequenceNumber smallest_seqno = 0;
  SequenceNumber largest_seqno = 0;
};

// A blob file as added to the database.
struct BlobFileAddition {
  uint64_t number = 0;
  uint64_t file_size = 0;
  uint64_t blob_count = 0;
  uint64_t blob_bytes = 0;  // sum of record sizes
};

// Blobs of a file that no live key references any more.
struct BlobGarbage {
  uint64_t number = 0;
  uint64_t blob_count = 0;
  uint64_t blob_bytes = 0;
};

class VersionEdit {
 public:
  void SetLogNumber(uint64_t n) { log_number_ = n; }
  void SetNextFileNumber(uint64_t n) { next_file_number_ = n; }
  void SetLastSequence(SequenceNumber s) { last_sequence_ = s; }
  void SetCompactPointer(int level, std::string key) { compact_pointers_.emplace_back(level, std::move(key)); }
  void AddFile(int level, FileMetaData f) { new_files_.emplace_back(level, std::move(f)); }
  void RemoveFile(int level, uint64_t number) { deleted_files_.emplace(level, number); }
  void AddBlobFile(BlobFileAddition b) { new_blob_files_.push_back(b); }
  void AddBlobGarbage(BlobGarbage g) { blob_garbage_.push_back(g); }
  void RemoveBlobFile(uint64_t number) { deleted_blob_files_.insert(number); }
  // WAL tracking: logs older than the log number are forgotten with it.
  void AddWal(uint64_t number) { added_wals_.push_back(number); }
  void CloseWal(uint64_t number, uint64_t synced_size) { closed_wals_.emplace_back(number, synced_size); }

  void EncodeTo(std::string* dst) const;
  Status DecodeFrom(std::string_view src);

  const std::optional<uint64_t>& log_number() const { return log_number_; }
  const std::optional<uint64_t>& next_file_number() const { return next_file_number_; }
  const std::optional<SequenceNumber>& last_sequence() const { return last_sequence_; }
  const std::vector<std::pair<int, std::string>>& compact_pointers() const { return compact_pointers_; }
  const std::vector<std::pair<int, FileMetaData>>& new_files() const { return new_files_; }
  const std::set<std::pair<int, uint64_t>>& deleted_files() const { return deleted_files_; }
  const std::vector<BlobFileAddition>& new_blob_files() const { return new_blob_files_; }
  const std::vector<BlobGarbage>& blob_garbage() const { return blob_garbage_; }
  const std::set<uint64_t>& deleted_blob_files() const { return deleted_blob_files_; }
  const std::vector<uint64_t>& added_wals() const { return added_wals_; }
  const std::vector<std::pair<uint64_t, uint64_t>>& closed_wals() const { return closed_wals_; }

 private:
  std::optional<uint64_t> log_number_;
  std::optional<uint64_t> next_file_number_;
  std::optional<SequenceNumber> last_sequence_;
  std::vector<std::pair<int, std::string>> compact_pointers_;
  std::vector<std::pair<int, FileMetaData>> new_files_;
  std::set<std::pair<int, uint64_t>> deleted_files_;
  std::vector<BlobFileAddition> new_blob_files_;
  std::vector<BlobGarbage> blob_garbage_;
  std::set<uint64_t> deleted_blob_files_;
  std::vector<uint64_t> added_wals_;
  std::vector<std::pair<uint64_t, uint64_t>> closed_wals_;  // number, synced size
};

}  // namespace embodb::lsm
