// Table: an open, immutable SSTable. Open() reads and checks the footer, the
// index, the filter and the properties; data blocks are read on demand through
// the block cache, each one checksum-verified when it is read from disk.
//
// Thread safety: all methods are thread-safe. Iterators keep the table alive.
#pragma once

#include <cstdint>
#include <atomic>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

#include "env/env.h"
#include "lsm/dbformat.h"
#include "lsm/iterator.h"
#include "lsm/sstable/block.h"
#include "lsm/sstable/format.h"
#include "lsm/sstable/table_options.h"

namespace embodb::lsm::sstable {

// One key's point lookup in a table (Table::MultiGet).
struct TableLookup {
  std::string_view ikey;         // in: the lookup key (internal key)
  std::string* value = nullptr;  // out: the value, when found and not a deletion
  ValueType type = kTypeValue;   // out: the entry's type, when found
  bool found = false;            // out: the table has an entry for the user key
  Status status;                 // out: a read or corruption error
};

class Table : public std::enable_shared_from_this<Table> {
 public:
  // `file` serves cached reads (it may be a memory mapping); `stream_file`,
  // when given, serves one-pass reads: the metadata at open and iterators that
  // do not fill the cache (compactions), so that they neither inflate the
  // process's resident memory through the mapping nor evict hot blocks.
  // `cache` may be null; `cache_id` must be unique among tables sharing the cache.
  // `value_codec` reads columnar blocks (null: they are reported as errors).
  static Result<std::shared_ptr<Table>> Open(std::unique_ptr<RandomAccessFile> file,
                                             std::string fname, uint64_t file_size,
                                             uint64_t cache_id, BlockCache* cache,
                                             std::unique_ptr<RandomAccessFile> stream_file = nullptr,
                                             const BlockValueCodec* value_codec = nullptr);

  // Finds the first entry with internal key >= ikey whose user key equals the
  // lookup's user key: *found, and then its *type and *value. OK and
  // !*found when the table has none.
  Status Get(std::string_view ikey, std::string* value, ValueType* type, bool* found) const;
  // Get for each lookup. The lookups advance together, a window at a time,
  // one step each in turn, and each step prefetches what the lookup's next
  // step will read: the cache misses of different keys overlap instead of
  // following one another (they dominate lookups in a large mapped table).
  void MultiGet(TableLookup* lookups, size_t n) const;

  std::unique_ptr<Iterator> NewIterator(bool fill_cache = true) const;

  ~Table();  // returns its parsed blocks' share of the budget

  // Maps the pages of the table's file that the OS caches, so that lookups
  // in them take no page fault (RandomAccessFile::MapCachedPages).
  void MapCachedPages() const { file_->MapCachedPages(); }

  const TableProperties& properties() const { return props_; }
  // The user keys of the index entries, in order: block boundaries used to split
  // a compaction into balanced key ranges.
  std::vector<std::string> IndexUserKeys() const;
  // Bytes of filter and index held in memory.
  size_t MemoryUsage() const {
    return filter_.size() + index_block_->size() + top_keys_.size() + top_offsets_.size() * 4 +
           block_offsets_.size() * 8;
  }

 private:
  Table() = default;
  static constexpr uint32_t kUnknownBlock = UINT32_MAX;
  // The block handle of an index entry's value (Corruption when malformed).
  Status DecodeHandle(std::string_view index_value, BlockHandle* handle) const;
  // ordinal: the data block's position in the index, when known.
  Result<std::shared_ptr<const Block>> ReadDataBlock(const BlockHandle& handle, bool fill_cache,
                                                     uint32_t ordinal = kUnknownBlock) const;
  // The flags of data block `ordinal` when read through `file` (only the
  // mapping has them); nullptr when there are none. kVerified: it passed
  // its checksum, uncompressed; kColumnar: it is a columnar block.
  // kSideVerified: its side block passed its checksum.
  static constexpr uint8_t kVerified = 1, kColumnar = 2, kSideVerified = 4;
  std::atomic<uint8_t>* BlockFlags(const RandomAccessFile* file, uint32_t ordinal) const;

  // Keys looked up in step with each other (see MultiGet).
  static constexpr size_t kLookupWindow = 16;
  void LookupWindow(TableLookup* lookups, size_t n) const;
  // The index restarts a key can lie between, from the top index.
  void IndexRange(std::string_view ikey, uint32_t* left, uint32_t* right) const;
  // The data block at `handle` viewed in place, when it is known to be an
  // uncompressed block of a mapped file that passed its checksum; else empty.
  std::string_view VerifiedInPlace(const BlockHandle& handle, uint32_t ordinal, ColumnarLayout* layout) const;

  const RandomAccessFile* FileFor(bool fill_cache) const {
    return !fill_cache && stream_file_ ? stream_file_.get() : file_.get();
  }

  std::unique_ptr<RandomAccessFile> file_;
  std::unique_ptr<RandomAccessFile> stream_file_;
  std::string fname_;
  uint64_t cache_id_ = 0;
  BlockCache* cache_ = nullptr;
  // Every kTopStride-th index key, contiguous in memory: a point lookup
  // narrows its index search with it instead of probing the whole index block.
  void BuildTopIndex();
  static constexpr uint32_t kTopStride = 32;
  std::string top_keys_;
  std::vector<uint32_t> top_offsets_;  // top key i is top_keys_[top_offsets_[i], top_offsets_[i+1])

  // For a mapped file, a flag per data block: it is uncompressed and passed
  // its checksum, so a read that views it in place need not check it again
  // (as a block in the block cache is checked once, when it is loaded).
  std::unique_ptr<std::atomic<uint8_t>[]> block_flags_;
  std::vector<uint64_t> block_offsets_;  // of a mapped file's data blocks, by ordinal (ascending)
  uint32_t num_blocks_ = 0;

  // Columnar blocks of a mapped file, viewed in place and parsed once, by
  // index ordinal: parsing a block's column headers costs more than a point
  // lookup's search. Kept while the process-wide budget allows
  // (kParsedBudget); freed with the table, which they view. nullptr when
  // the block is not kept (the caller parses it itself).
  std::shared_ptr<const Block> ParsedInPlace(std::string_view contents, uint32_t ordinal,
                                             const ColumnarLayout& layout) const;
  static constexpr size_t kParsedBudget = size_t{128} << 20;
  static std::atomic<size_t> parsed_used_;  // by every table
  mutable std::atomic<size_t> parsed_charge_{0};  // by this one
  mutable std::unique_ptr<std::shared_ptr<const Block>[]> parsed_;
  mutable std::mutex parsed_mu_[16];

  const BlockValueCodec* value_codec_ = nullptr;
  // Reads side blocks (block.h) from file_ or from stream_file_.
  class SideReader final : public SideSource {
   public:
    SideReader(const Table* table, bool stream) : table_(table), stream_(stream) {}
    Status ReadSide(uint64_t offset, uint64_t size, uint32_t ordinal, std::string* owned,
                    std::string_view* view) const override;
   private:
    const Table* const table_;
    const bool stream_;
  };
  const SideReader cached_side_{this, false}, stream_side_{this, true};
  std::string filter_;
  std::shared_ptr<const Block> index_block_;
  TableProperties props_;
};

}  // namespace embodb::lsm::sstable
