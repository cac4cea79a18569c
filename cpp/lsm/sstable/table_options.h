// Options of SSTable writing and reading, and the per-table properties block.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lsm/sstable/block.h"
#include "util/lru_cache.h"
#include "util/status.h"

namespace embodb::lsm::sstable {

class BlockValueCodec;  // block_values.h

// A block is named by its table's cache id and its offset in the file.
struct BlockCacheKey {
  uint64_t cache_id;
  uint64_t offset;
  bool operator==(const BlockCacheKey&) const = default;
};
struct BlockCacheKeyHash {
  size_t operator()(const BlockCacheKey& k) const {
    return static_cast<size_t>(k.cache_id * 0x9e3779b97f4a7c15ull ^ (k.offset + 0x632be59bd9b4e019ull));
  }
};
using BlockCache = LruCache<BlockCacheKey, const Block, BlockCacheKeyHash>;

struct TableOptions {
  size_t block_size = 4096;      // target uncompressed data block size
  int restart_interval = 16;
  size_t restart_bytes = 256;    // a data block also restarts after this many bytes of entries
  int bloom_bits_per_key = 10;   // 0 disables the filter
  int zstd_level = 1;            // 0 stores blocks uncompressed
  size_t min_compress_size = 128;
  // Writes and reads columnar blocks (block_values.h); nullptr: row blocks
  // only, and a columnar block met when reading is an error.
  const BlockValueCodec* value_codec = nullptr;
  // A columnar block is cut at this many entries, or once its values (as
  // added) reach columnar_block_bytes (large: wide values go to its side
  // block, so that a block of scalar columns still holds many rows).
  size_t columnar_block_rows = 1024;
  size_t columnar_block_bytes = 4 << 20;
};

// Statistics written into every table (docs/format/sstable.md, "properties").
struct TableProperties {
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;
  uint64_t num_data_blocks = 0;
  uint64_t raw_key_bytes = 0;
  uint64_t raw_value_bytes = 0;
  uint64_t smallest_seqno = 0;
  uint64_t largest_seqno = 0;
  uint64_t num_columnar_blocks = 0;  // of num_data_blocks; absent in format 1 (0)

  void EncodeTo(std::string* dst) const;
  Status DecodeFrom(std::string_view input);
};

}  // namespace embodb::lsm::sstable
