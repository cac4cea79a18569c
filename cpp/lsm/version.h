// Version: an immutable snapshot of the live files (tables per level and blob
// files). Readers hold a shared_ptr to the version they read, so the files it
// names are not deleted under them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lsm/iterator.h"
#include "lsm/table_cache.h"
#include "lsm/version_edit.h"

namespace embodb::lsm {

using FileMetaPtr = std::shared_ptr<const FileMetaData>;

struct BlobFileState {
  uint64_t number = 0;
  uint64_t file_size = 0;
  uint64_t blob_count = 0;
  uint64_t blob_bytes = 0;
  uint64_t garbage_count = 0;
  uint64_t garbage_bytes = 0;
  double GarbageRatio() const {
    return blob_bytes == 0 ? 0.0 : static_cast<double>(garbage_bytes) / static_cast<double>(blob_bytes);
  }
};
using BlobFilePtr = std::shared_ptr<const BlobFileState>;

class Version {
 public:
  const std::vector<FileMetaPtr>& files(int level) const { return files_[level]; }
  const std::map<uint64_t, BlobFilePtr>& blob_files() const { return blob_files_; }
  uint64_t LevelBytes(int level) const;
  int NumFiles(int level) const { return static_cast<int>(files_[level].size()); }

  enum class GetResult { kNotPresent, kFound, kDeleted };
  // The newest entry of key visible at key's sequence, searching L0 newest first
  // and then each level. On kFound, *value and *type are set.
  Status Get(const LookupKey& key, TablePins* tables, std::string* value, ValueType* type,
             GetResult* result) const;

  // One key's lookup through the levels (MultiGet).
  struct Lookup {
    std::string_view ikey;          // in: the internal lookup key (LookupKey::internal_key)
    std::string* value = nullptr;   // out: set on kFound
    ValueType type = kTypeValue;    // out: set on kFound
    GetResult result = GetResult::kNotPresent;
    Status status;                  // a read error ends the key's search
  };
  // Get for each lookup, lookups in ascending key order. Each table is asked
  // for all the keys that reach it at once (sstable::Table::MultiGet).
  void MultiGet(TablePins* tables, Lookup* lookups, size_t n) const;

  // Appends iterators over internal keys: one per L0 file, one per deeper level.
  // The caller must keep this version alive while they are used.
  void AddIterators(TableCache* tables, bool fill_cache,
                    std::vector<std::unique_ptr<Iterator>>* iters) const;

  // Files of `level` whose user-key range intersects [begin, end]; a null
  // pointer means unbounded. (On L0, files overlap each other, so the result
  // is not closed under overlap; compactions take all of L0 instead.)
  std::vector<FileMetaPtr> GetOverlappingInputs(int level, const std::string* begin,
                                                const std::string* end) const;
  bool OverlapInLevel(int level, std::string_view smallest_user, std::string_view largest_user) const;

  double compaction_score() const { return compaction_score_; }
  int compaction_level() const { return compaction_level_; }

 private:
  friend class VersionSet;
  friend class VersionBuilder;
  std::vector<FileMetaPtr> files_[kNumLevels];
  std::map<uint64_t, BlobFilePtr> blob_files_;
  double compaction_score_ = -1;
  int compaction_level_ = -1;
};

// An iterator over one level's files (L1+, disjoint and sorted), opening each
// table lazily.
std::unique_ptr<Iterator> NewLevelIterator(std::vector<FileMetaPtr> files, TableCache* tables,
                                           bool fill_cache);

}  // namespace embodb::lsm
