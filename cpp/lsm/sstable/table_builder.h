// TableBuilder writes an SSTable (docs/format/sstable.md): data blocks, a bloom
// filter over user keys, a properties block, an index block and a footer.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "env/env.h"
#include "lsm/sstable/block_builder.h"
#include "lsm/sstable/format.h"
#include "lsm/sstable/table_options.h"
#include "util/bloom.h"

namespace embodb::lsm::sstable {

class TableBuilder {
 public:
  // `file` must outlive the builder and is not closed by it.
  TableBuilder(const TableOptions& options, WritableFile* file);

  // REQUIRES: internal keys in strictly increasing order; Finish not called.
  void Add(std::string_view internal_key, std::string_view value);
  Status status() const { return status_; }
  // Writes the remaining blocks and the footer. Does not sync.
  Status Finish();

  uint64_t NumEntries() const { return props_.num_entries; }
  uint64_t FileSize() const { return offset_; }
  const TableProperties& properties() const { return props_; }

 private:
  void FlushDataBlock();
  void FlushColumnarBlock();
  void WriteRawBlock(std::string_view contents, uint8_t type, BlockHandle* handle);
  void WriteBlock(std::string_view raw, BlockHandle* handle);

  const TableOptions options_;
  WritableFile* const file_;
  uint64_t offset_ = 0;
  Status status_;
  BlockBuilder data_block_;
  // The entries of a pending columnar block (of group_ != 0), as added.
  struct PendingColumnar {
    std::string keys, values;
    std::vector<size_t> key_ends, value_ends;
    void Clear() {
      keys.clear();
      values.clear();
      key_ends.clear();
      value_ends.clear();
    }
  } columnar_;
  uint64_t group_ = 0;
  // A columnar block's keys restart at this interval (entries are small).
  static constexpr int kColumnarRestartInterval = 16;
  BlockBuilder columnar_keys_;
  BlockBuilder index_block_;
  BloomFilterBuilder filter_;
  std::string last_key_;
  std::string last_user_key_;
  bool have_user_key_ = false;
  TableProperties props_;
  // The index entry for a finished data block waits until the next key is known,
  // so that its separator can be short.
  bool pending_index_entry_ = false;
  BlockHandle pending_handle_;
  std::string compressed_;
  // Incompressible data (random floats, already-compressed images) would cost
  // a failed zstd call per block: after kGiveUpStreak failures in a row,
  // blocks are stored raw and only one in kRetryInterval is tried again.
  static constexpr int kGiveUpStreak = 8;
  static constexpr int kRetryInterval = 64;
  bool ShouldTryCompression();
  int failed_streak_ = 0;
  int blocks_since_try_ = 0;
  bool finished_ = false;
};

}  // namespace embodb::lsm::sstable
