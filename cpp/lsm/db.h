// DB: the key-value storage engine. A directory holds a WAL, SSTables in levels,
// blob files for large values, and a manifest naming the live files.
//
// Writes go to the WAL and the memtable through a queue whose leader writes
// the whole group as one WAL record (group commit). A flush thread turns full
// memtables into L0 tables; a compaction thread merges levels, splitting each
// merge into key ranges run in parallel with TBB.
//
// Thread safety: every public method is thread-safe. Iterators are not, but
// several may be used at once from different threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lsm/clock.h"
#include "lsm/iterator.h"
#include "lsm/memtable.h"
#include "lsm/options.h"
#include "lsm/run_scan.h"
#include "lsm/output_files.h"
#include "lsm/table_cache.h"
#include "lsm/version_set.h"
#include "lsm/write_batch.h"
#include "wal/log_writer.h"

namespace embodb::lsm {

struct LevelStats {
  int files = 0;
  uint64_t bytes = 0;
};

struct DbStats {
  LevelStats levels[kNumLevels];
  int blob_files = 0;
  uint64_t blob_file_bytes = 0;
  uint64_t blob_garbage_bytes = 0;
  uint64_t memtable_bytes = 0;
  uint64_t immutable_memtable_bytes = 0;
  uint64_t last_sequence = 0;

  uint64_t user_bytes_written = 0;  // keys + values handed to Write
  uint64_t wal_bytes_written = 0;
  uint64_t wal_syncs = 0;
  uint64_t flush_bytes_written = 0;
  uint64_t compaction_bytes_read = 0;
  uint64_t compaction_bytes_written = 0;
  uint64_t num_flushes = 0;
  uint64_t ingest_bytes_written = 0;  // large batches written as tables
  uint64_t num_ingests = 0;
  uint64_t num_compactions = 0;
  uint64_t num_trivial_moves = 0;
  uint64_t compaction_micros = 0;
  uint64_t blobs_relocated = 0;
  uint64_t write_stalls = 0;
  uint64_t stall_micros = 0;

  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  uint64_t block_cache_usage = 0;
  uint64_t block_cache_capacity = 0;

  // (WAL + flush + compaction bytes) / user bytes.
  double WriteAmplification() const;
};

class DB {
 public:
  static Result<std::unique_ptr<DB>> Open(const Options& options, const std::string& name);
  ~DB();
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;

  // Makes acknowledged writes durable, stops background work and releases the
  // directory lock. Later calls return Aborted. Idempotent.
  Status Close();

  Status Put(const WriteOptions& options, std::string_view key, std::string_view value);
  Status Delete(const WriteOptions& options, std::string_view key);
  // Applies the batch atomically: all of it or, on error, none of it. On
  // success batch->Sequence() is the sequence number of its first record.
  Status Write(const WriteOptions& options, WriteBatch* batch);

  // NotFound when the key has no value.
  Status Get(const ReadOptions& options, std::string_view key, std::string* value);
  // values[i] / statuses[i] for keys[i], read from one consistent view.
  void MultiGet(const ReadOptions& options, const std::vector<std::string_view>& keys,
                std::vector<std::string>* values, std::vector<Status>* statuses);
  // An iterator over user keys and values as of the options' snapshot.
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options);
  // The values of the user keys in [lower, upper) (upper empty: no bound)
  // as of the options' snapshot, with runs of columnar blocks (run_scan.h).
  std::unique_ptr<RunScan> NewRunScan(const ReadOptions& options, std::string lower, std::string upper);

  // A consistent read view; hold it until ReleaseSnapshot.
  SequenceNumber GetSnapshot();
  void ReleaseSnapshot(SequenceNumber snapshot);
  // A read view of the database as it was at wall time `time_micros`
  // (microseconds since the Unix epoch); hold it until ReleaseSnapshot.
  // InvalidArgument when history is off, or the time is in the future or
  // outside the history window (db_history.cc).
  Result<SequenceNumber> GetSnapshotAt(uint64_t time_micros);

  // Writes the memtable to an L0 table and waits for it.
  Status Flush();
  // Merges every table into one sorted run (and collects blob garbage); waits.
  Status CompactAll();
  // fsyncs the WAL now.
  Status SyncWal();

  DbStats GetStats();
  const Options& options() const { return options_; }
  const std::string& name() const { return dbname_; }

 private:
  struct Writer;

  DB(const Options& options, std::string name);

  // db_open.cc
  Status Recover();
  Status RecoverLog(uint64_t number, bool is_last, std::shared_ptr<MemTable>* mem,
                    SequenceNumber* max_sequence, VersionEdit* edit, std::vector<uint64_t>* pending);
  Status NewLogFile();

  // db_write.cc
  Status WriteImpl(WriteBatch* batch, Durability durability, bool force_rotate);
  Status MakeRoomForWrite(std::unique_lock<std::mutex>& lock, bool force);
  // Picks the writers of the group (the front up to *last_writer) and returns
  // their batches as one: the front's own batch when it is the only one,
  // otherwise group_batch_ holding copies of them all.
  WriteBatch* BuildBatchGroup(Writer** last_writer, bool* need_sync, uint32_t* sync_within_ms);
  void WaitForGroupPeers(std::unique_lock<std::mutex>& lock, Writer* leader);
  void SyncThreadMain();

  // db_ingest.cc
  bool ShouldIngest(const WriteBatch& batch) const;
  // Writes the batch (its sequence set, the last sequence not yet advanced)
  // as L0 tables and commits it with one manifest edit, which also advances
  // the last sequence. REQUIRES: the caller leads the writer queue and holds
  // lock. On an error nothing is committed; a failed manifest write also
  // sets the background error.
  Status IngestBatch(std::unique_lock<std::mutex>& lock, const WriteBatch& batch);

  // db_background.cc
  void FlushThreadMain();
  void CompactionThreadMain();
  // Writes mem as L0 files recorded in *edit. Their numbers are added to
  // *pending (and to pending_outputs_); the caller releases them once the edit
  // is applied or abandoned, so that cleanup never deletes them too early.
  Status WriteLevel0Table(const MemTable& mem, VersionEdit* edit, std::vector<uint64_t>* pending);
  Status RunCompaction(std::unique_lock<std::mutex>& lock, Compaction* c);
  void DeleteObsoleteFiles(std::unique_lock<std::mutex>& lock);
  OutputFiles::NumberAllocator PendingNumberAllocator(std::vector<uint64_t>* numbers);
  void ReleasePending(const std::vector<uint64_t>& numbers);  // REQUIRES: mutex_ held
  void SetBackgroundError(const Status& s);

  // db_history.cc
  // Records the group ending at `last` in the clock and fills *ticks with the
  // ticks to store (empty when none or history is off). REQUIRES: mutex_ held.
  void RecordClockTicks(SequenceNumber last, WriteBatch* ticks);
  // Writes the clock's ticks kept only in memory to the WAL and memtable.
  // REQUIRES: mutex_ held and no writer queued (at close).
  Status StoreRecentClockTicks();
  // Updates retained_floor_: the oldest sequence a read inside the history
  // window can need. *drop_before receives the clock key below which ticks
  // may be dropped (empty: none). Unlocks the mutex while it reads.
  void UpdateHistoryFloor(std::unique_lock<std::mutex>& lock, std::string* drop_before);
  // The stored clock tick at or before time t (or the first at or after it),
  // read through the LSM; REQUIRES: mutex_ not held. nullopt when none; *key
  // (when given) receives its key.
  Result<std::optional<ClockTick>> FindStoredTick(uint64_t t, bool at_or_before, std::string* key);

  // db_read.cc
  Status ResolveBlob(std::string_view key, std::string* value);

  const Options options_;
  const std::string dbname_;
  Env* const env_;
  std::unique_ptr<FileLock> db_lock_;
  std::unique_ptr<sstable::BlockCache> block_cache_;
  std::unique_ptr<TableCache> table_cache_;
  std::unique_ptr<VersionSet> versions_;

  std::mutex mutex_;
  std::condition_variable work_cv_;  // background work may be available
  std::condition_variable done_cv_;  // background work finished
  std::shared_ptr<MemTable> mem_;
  std::shared_ptr<MemTable> imm_;
  uint64_t logfile_number_ = 0;
  std::unique_ptr<WritableFile> logfile_;
  std::unique_ptr<log::Writer> log_;
  std::deque<Writer*> writers_;
  WriteBatch group_batch_;
  std::multiset<SequenceNumber> snapshots_;
  SequenceClock clock_;
  // Snapshots at older sequences cannot be taken: a compaction that began
  // with this floor may have dropped what they need. Only grows.
  SequenceNumber retained_floor_ = 0;
  std::set<uint64_t> pending_outputs_;
  Status bg_error_;
  bool closed_ = false;
  std::atomic<bool> shutting_down_{false};
  bool manual_compaction_requested_ = false;
  uint64_t manual_compactions_done_ = 0;
  uint64_t sync_deadline_us_ = 0;  // 0: no group/periodic sync pending
  // Group-commit forming: threads that issued sync writes lately, and the
  // typical fsync time, so a sync leader can wait briefly for its peers.
  std::map<std::thread::id, uint64_t> recent_sync_writers_;
  uint64_t fsync_micros_ewma_ = 0;
  bool leader_forming_group_ = false;
  std::thread flush_thread_;
  std::thread compaction_thread_;
  std::thread sync_thread_;
  std::condition_variable sync_cv_;

  DbStats stats_;  // counters only; level data is filled in by GetStats
};

}  // namespace embodb::lsm
