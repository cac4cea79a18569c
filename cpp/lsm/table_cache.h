// TableCache: open SSTables and blob files by number, caching the open readers.
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "env/env.h"
#include "lsm/blob/blob_file.h"
#include "lsm/iterator.h"
#include "lsm/page_warmer.h"
#include "lsm/sstable/table.h"
#include "lsm/version_edit.h"

namespace embodb::lsm {

class TableCache {
 public:
  // value_codec: reads the tables' columnar blocks (may be null).
  TableCache(std::string dbname, Env* env, int max_open_files, sstable::BlockCache* block_cache,
             const sstable::BlockValueCodec* value_codec = nullptr);

  // `for_lookups`: the table is opened for reads that use the mapping, so its
  // cached pages are mapped in the background (PageWarmer); compactions,
  // which read through the stream file, pass false.
  Result<std::shared_ptr<sstable::Table>> FindTable(const FileMetaData& file, bool for_lookups = true);
  std::unique_ptr<Iterator> NewIterator(const FileMetaData& file, bool fill_cache);
  Result<std::shared_ptr<blob::BlobFileReader>> FindBlobFile(uint64_t number);
  // Drops cached readers of a deleted file.
  void Evict(uint64_t number);
  // Drops every cached reader (open files and mappings).
  void EvictAll() {
    warmer_.Clear();
    tables_.Clear();
    blob_files_.Clear();
  }

 private:
  const std::string dbname_;
  Env* const env_;
  sstable::BlockCache* const block_cache_;
  const sstable::BlockValueCodec* const value_codec_;
  LruCache<uint64_t, sstable::Table> tables_;
  LruCache<uint64_t, blob::BlobFileReader> blob_files_;
  PageWarmer warmer_;  // last: stops before the caches go
};

// The tables a run of lookups has found, kept open for the run: a MultiGet's
// lookups, in key order, mostly hit the same few tables, and each finds its
// table here instead of in the shared cache (a lock and two atomic counts
// that the lookup threads would otherwise contend on). Used by one thread.
class TablePins {
 public:
  explicit TablePins(TableCache* cache) : cache_(cache) {}
  Result<const sstable::Table*> Find(const FileMetaData& file);

 private:
  static constexpr size_t kMaxPinned = 16;
  TableCache* const cache_;
  std::vector<std::pair<uint64_t, std::shared_ptr<sstable::Table>>> pinned_;  // file number, table
};

}  // namespace embodb::lsm
