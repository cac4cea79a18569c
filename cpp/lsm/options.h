// Options of the storage engine. Defaults suit a robot's or a workstation's
// database; memory_budget scales the memory-hungry ones together.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "env/env.h"
#include "lsm/dbformat.h"
#include "lsm/sstable/block_values.h"
#include "lsm/sstable/table_options.h"

namespace embodb::lsm {

enum class Durability : uint8_t {
  kSync,      // fsync before the write returns; concurrent writers share one fsync
  kGroup,     // written to the OS before the write returns (safe from a process crash);
              // a background group commit fsyncs every group_commit_interval_ms
  kPeriodic,  // like kGroup, with an fsync every periodic_sync_interval_ms
  kOff,       // fsync only on flush and close
};

class CompactionFilter {
 public:
  virtual ~CompactionFilter() = default;
  // Called from compaction threads, concurrently.
  virtual bool Drop(std::string_view user_key) const = 0;
};

struct Options {
  Env* env = Env::Posix();
  bool create_if_missing = true;
  bool error_if_exists = false;

  Durability durability = Durability::kGroup;
  uint32_t group_commit_interval_ms = 5;
  uint32_t periodic_sync_interval_ms = 1000;

  // When non-zero, sets write_buffer_size to a quarter and block_cache_size to
  // half of the budget (the rest covers immutable memtables, indexes and filters).
  size_t memory_budget = 0;
  size_t write_buffer_size = 64ull << 20;
  size_t block_cache_size = 128ull << 20;
  int max_open_files = 1000;

  // A write batch of at least this many bytes is written as tables instead of
  // through the WAL and the memtable (0: never); see db_ingest.cc.
  size_t min_ingest_batch_size = 32ull << 20;
  // An ingested batch is cut into slices of consecutive keys, at least this
  // large, written into their own tables in parallel (up to
  // compaction_threads of them).
  size_t ingest_slice_size = 8ull << 20;

  int l0_compaction_trigger = 4;
  int l0_slowdown_trigger = 12;
  int l0_stop_trigger = 20;
  uint64_t max_bytes_for_level_base = 256ull << 20;
  int level_size_multiplier = 10;
  uint64_t target_file_size = 64ull << 20;

  bool enable_blob_files = true;
  size_t min_blob_size = 4096;  // values at least this large go to blob files
  // The same for entries the value codec stores in columnar blocks
  // (table.value_codec; rows of tables): their wide values go to the
  // blocks' side blocks, which scans of other columns never read, so only
  // very large ones go to blob files (in which a row is read whole).
  // Compactions bring smaller ones back from blob files.
  size_t min_columnar_blob_size = 1 << 20;
  // The smallest value moved to a blob file for this user key.
  size_t MinBlobSize(std::string_view user_key) const {
    return table.value_codec != nullptr && table.value_codec->GroupOf(user_key) != 0 ? min_columnar_blob_size
                                                                                    : min_blob_size;
  }
  // A blob file whose garbage ratio reaches this is rewritten by compactions.
  double blob_gc_garbage_ratio = 0.5;
  // Blob files smaller than this (written by flushes of small memtables) are
  // merged: compactions move their blobs into their own, larger output.
  uint64_t blob_file_merge_size = 4ull << 20;

  // Old versions are kept for this long, so that reads can see the database
  // as it was at a time in the window (DB::GetSnapshotAt); 0: off. The wall
  // clock's ticks are then kept under clock_key_prefix (lsm/clock.h); the
  // user of the DB keeps its own keys out of that prefix.
  uint64_t history_micros = 0;
  std::string clock_key_prefix;

  // Keys that compaction drops outright, with every version (nullptr: none).
  // For keys written once and never read again once dropped, such as change
  // feed records every consumer has covered.
  const CompactionFilter* compaction_filter = nullptr;

  // TBB threads for the merge of one compaction (0: all hardware threads).
  int compaction_threads = 0;
  static constexpr int kMaxCompactionThreads = 1024;
  // The zstd levels sstable blocks may use (zstd's own maximum).
  static constexpr int kMaxZstdLevel = 22;

  sstable::TableOptions table;

  // Applies memory_budget; called by DB::Open.
  void ApplyMemoryBudget() {
    if (memory_budget == 0) return;
    write_buffer_size = memory_budget / 4;
    block_cache_size = memory_budget / 2;
  }
};

struct WriteOptions {
  std::optional<Durability> durability;  // the database's default when unset
};

struct ReadOptions {
  std::optional<SequenceNumber> snapshot;  // the latest state when unset
  bool fill_cache = true;
};

}  // namespace embodb::lsm
