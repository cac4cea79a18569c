// Opening, recovering and closing a database.
#include <algorithm>
#include <chrono>

#include "lsm/db.h"
#include "lsm/filename.h"
#include "wal/log_reader.h"

namespace embodb::lsm {

static Status ValidateOptions(const Options& o) {
  if (o.env == nullptr) return Status::InvalidArgument("options", "env must not be null");
  if (o.write_buffer_size < (64 << 10)) return Status::InvalidArgument("options", "write_buffer_size must be at least 64 KiB");
  if (o.l0_compaction_trigger < 1 || o.l0_slowdown_trigger < o.l0_compaction_trigger ||
      o.l0_stop_trigger < o.l0_slowdown_trigger) {
    return Status::InvalidArgument("options", "L0 triggers must satisfy 1 <= compaction <= slowdown <= stop");
  }
  if (o.level_size_multiplier < 2) return Status::InvalidArgument("options", "level_size_multiplier must be at least 2");
  if (o.target_file_size < (64 << 10)) return Status::InvalidArgument("options", "target_file_size must be at least 64 KiB");
  if (o.table.block_size < 256) return Status::InvalidArgument("options", "block_size must be at least 256 bytes");
  if (o.min_blob_size < 1) return Status::InvalidArgument("options", "min_blob_size must be at least 1");
  if (o.history_micros > 0 && o.clock_key_prefix.empty()) {
    return Status::InvalidArgument("options", "history needs a clock_key_prefix");
  }
  if (o.max_open_files < 16) return Status::InvalidArgument("options", "max_open_files must be at least 16");
  if (o.compaction_threads < 0 || o.compaction_threads > Options::kMaxCompactionThreads) {
    return Status::InvalidArgument("options", "compaction_threads must be between 0 (every core) and " +
                                                  std::to_string(Options::kMaxCompactionThreads) + ", not " +
                                                  std::to_string(o.compaction_threads));
  }
  if (o.table.zstd_level < 0 || o.table.zstd_level > Options::kMaxZstdLevel) {
    return Status::InvalidArgument("options", "zstd_level must be between 0 (no compression) and " +
                                                  std::to_string(Options::kMaxZstdLevel) + ", not " +
                                                  std::to_string(o.table.zstd_level));
  }
  if (o.group_commit_interval_ms < 1 || o.periodic_sync_interval_ms < 1) {
    return Status::InvalidArgument("options", "sync intervals must be at least 1 ms");
  }
  return Status::OK();
}

DB::DB(const Options& options, std::string name)
    : options_(options), dbname_(std::move(name)), env_(options.env),
      block_cache_(std::make_unique<sstable::BlockCache>(options.block_cache_size)),
      table_cache_(std::make_unique<TableCache>(dbname_, env_, options.max_open_files, block_cache_.get(),
                                                 options.table.value_codec)),
      versions_(std::make_unique<VersionSet>(dbname_, &options_, table_cache_.get())),
      mem_(std::make_shared<MemTable>()) {}

Result<std::unique_ptr<DB>> DB::Open(const Options& input_options, const std::string& name) {
  Options options = input_options;
  options.ApplyMemoryBudget();
  EMBODB_RETURN_IF_ERROR(ValidateOptions(options));
  std::unique_ptr<DB> db(new DB(options, name));
  EMBODB_RETURN_IF_ERROR(db->Recover());
  if (options.history_micros > 0) db->clock_.Seed(db->env_->NowMicros(), db->versions_->LastSequence());
  db->flush_thread_ = std::thread([p = db.get()] { p->FlushThreadMain(); });
  db->compaction_thread_ = std::thread([p = db.get()] { p->CompactionThreadMain(); });
  db->sync_thread_ = std::thread([p = db.get()] { p->SyncThreadMain(); });
  {
    std::lock_guard lock(db->mutex_);
    db->work_cv_.notify_all();  // a recovered state may need compaction
  }
  return db;
}

Status DB::NewLogFile() {
  const uint64_t number = versions_->NewFileNumber();
  auto file = env_->NewWritableFile(LogFileName(dbname_, number));
  if (!file.ok()) return file.status();
  logfile_ = std::move(file).value();
  logfile_number_ = number;
  log_ = std::make_unique<log::Writer>(logfile_.get());
  return Status::OK();
}

Status DB::Recover() {
  EMBODB_RETURN_IF_ERROR(CreateDirRecursive(env_, dbname_));
  auto lock = env_->LockFile(LockFileName(dbname_));
  if (!lock.ok()) return lock.status();
  db_lock_ = std::move(lock).value();

  std::vector<std::string> children;
  EMBODB_RETURN_IF_ERROR(env_->GetChildren(dbname_, &children));
  const bool exists = env_->FileExists(CurrentFileName(dbname_));
  bool new_db = false;
  if (!exists) {
    for (const auto& child : children) {
      uint64_t number;
      FileType type;
      if (ParseFileName(child, &number, &type) &&
          (type == FileType::kTable || type == FileType::kManifest || type == FileType::kLog)) {
        return Status::Corruption(dbname_, "CURRENT is missing but the directory holds database files");
      }
    }
    if (!options_.create_if_missing) return Status::InvalidArgument(dbname_, "database does not exist");
    EMBODB_RETURN_IF_ERROR(versions_->CreateNew());
    new_db = true;
  } else {
    if (options_.error_if_exists) return Status::InvalidArgument(dbname_, "database already exists");
    EMBODB_RETURN_IF_ERROR(versions_->Recover());
  }

  // Every table the manifest names must exist: a missing one is lost data.
  std::set<uint64_t> present;
  std::vector<uint64_t> logs;
  for (const auto& child : children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(child, &number, &type)) continue;
    versions_->MarkFileNumberUsed(number);
    present.insert(number);
    if (type == FileType::kLog && number >= versions_->LogNumber()) logs.push_back(number);
  }
  auto v = versions_->current();
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : v->files(level)) {
      if (!present.count(f->number)) {
        return Status::Corruption(TableFileName(dbname_, f->number), "a table the manifest lists is missing");
      }
    }
  }
  for (const auto& [number, b] : v->blob_files()) {
    if (!present.count(number)) {
      return Status::Corruption(BlobFileName(dbname_, number), "a blob file the manifest lists is missing");
    }
  }

  std::sort(logs.begin(), logs.end());
  // Every WAL the manifest tracks held acknowledged writes: a missing one,
  // or one shorter than when it was closed, is lost data, not a torn tail.
  std::set<uint64_t> complete_logs;
  for (const auto& [number, closed_size] : versions_->wals()) {
    const std::string fname = LogFileName(dbname_, number);
    if (!present.count(number)) return Status::Corruption(fname, "a WAL the manifest lists is missing");
    if (!closed_size) continue;
    uint64_t size;
    EMBODB_ASSIGN_OR_RETURN(size, env_->GetFileSize(fname));
    if (size < *closed_size) {
      return Status::Corruption(fname, "the WAL is shorter (" + std::to_string(size) + " bytes) than when it was closed (" +
                                           std::to_string(*closed_size) + " bytes)");
    }
    complete_logs.insert(number);
  }
  SequenceNumber max_sequence = versions_->LastSequence();
  VersionEdit edit;
  std::vector<uint64_t> pending;  // tables written during recovery
  auto mem = std::make_shared<MemTable>();
  for (size_t i = 0; i < logs.size(); i++) {
    const bool complete = complete_logs.count(logs[i]) > 0;
    EMBODB_RETURN_IF_ERROR(
        RecoverLog(logs[i], i + 1 == logs.size() && !complete, &mem, &max_sequence, &edit, &pending));
  }
  const bool flushed = !pending.empty();
  versions_->SetLastSequence(max_sequence);
  EMBODB_RETURN_IF_ERROR(NewLogFile());
  if (flushed && !mem->empty()) {
    EMBODB_RETURN_IF_ERROR(WriteLevel0Table(*mem, &edit, &pending));
    mem = std::make_shared<MemTable>();
  }
  // When the recovered memtable stays in memory (the fast path), the old logs
  // stay too: the log number only moves once all their data is in tables.
  if (flushed || new_db || mem->empty()) {
    edit.SetLogNumber(logfile_number_);
  } else {
    for (uint64_t number : logs) {  // kept, whole now (a torn tail was cut off)
      uint64_t size;
      EMBODB_ASSIGN_OR_RETURN(size, env_->GetFileSize(LogFileName(dbname_, number)));
      edit.CloseWal(number, size);
    }
  }
  edit.AddWal(logfile_number_);
  mem_ = std::move(mem);
  EMBODB_RETURN_IF_ERROR(env_->SyncDir(dbname_));
  EMBODB_RETURN_IF_ERROR(versions_->LogAndApply(&edit));
  std::unique_lock l(mutex_);
  ReleasePending(pending);  // recovery's tables are in the version now
  DeleteObsoleteFiles(l);
  return Status::OK();
}

Status DB::RecoverLog(uint64_t number, bool is_last, std::shared_ptr<MemTable>* mem,
                      SequenceNumber* max_sequence, VersionEdit* edit, std::vector<uint64_t>* pending) {
  const std::string fname = LogFileName(dbname_, number);
  auto file = env_->NewSequentialFile(fname);
  if (!file.ok()) return file.status();
  log::Reader reader(file->get(), fname);
  std::string scratch;
  std::string_view record;
  WriteBatch batch;
  while (reader.ReadRecord(&record, &scratch)) {
    Status s = batch.SetContents(record);
    if (s.ok()) s = batch.Validate();
    if (!s.ok()) return Status::Corruption(fname, "a WAL record passed its checksum but " + s.message());
    if (batch.Count() == 0) continue;
    EMBODB_RETURN_IF_ERROR(batch.InsertInto(mem->get()));
    *max_sequence = std::max(*max_sequence, batch.Sequence() + batch.Count() - 1);
    if ((*mem)->ApproximateMemoryUsage() > options_.write_buffer_size) {
      EMBODB_RETURN_IF_ERROR(WriteLevel0Table(**mem, edit, pending));
      *mem = std::make_shared<MemTable>();
    }
  }
  if (!reader.status().ok()) return reader.status();
  if (reader.torn_tail()) {
    if (!is_last) {
      return Status::Corruption(fname, "a WAL that was synced whole (closed, or not the newest) ends in a torn record");
    }
    // A crash cut the last append short; that write was never acknowledged.
    // Cut the file back so that the damage does not look like corruption later.
    EMBODB_RETURN_IF_ERROR(env_->TruncateFile(fname, reader.end_of_last_record()));
  }
  return Status::OK();
}

Status DB::Close() {
  Status s;
  {
    std::unique_lock l(mutex_);
    if (closed_) return Status::OK();
    closed_ = true;  // new writes fail from here on
    // Let queued writers finish; none can join the queue any more.
    while (!writers_.empty()) done_cv_.wait_for(l, std::chrono::milliseconds(1));
    // The clock's last ticks, then every acknowledged write, made durable.
    s = StoreRecentClockTicks();
    if (s.ok() && logfile_ != nullptr && bg_error_.ok()) s = logfile_->Sync();
    if (s.ok() && log_ != nullptr && bg_error_.ok()) {
      VersionEdit closed;  // the WAL is whole: its truncation is reported at the next open
      closed.CloseWal(logfile_number_, log_->size());
      s = versions_->LogAndApply(&closed);
    }
    shutting_down_.store(true);
    work_cv_.notify_all();
    sync_cv_.notify_all();
    done_cv_.notify_all();
  }
  if (flush_thread_.joinable()) flush_thread_.join();
  if (compaction_thread_.joinable()) compaction_thread_.join();
  if (sync_thread_.joinable()) sync_thread_.join();
  std::unique_lock l(mutex_);
  log_.reset();
  if (logfile_) {
    Status c = logfile_->Close();
    if (s.ok()) s = c;
    logfile_.reset();
  }
  // A closed database holds no files, mappings or caches; iterators still
  // alive keep what they pinned.
  Status m = versions_->CloseManifest();
  if (s.ok()) s = m;
  table_cache_->EvictAll();
  block_cache_->Clear();
  mem_.reset();
  imm_.reset();
  db_lock_.reset();
  return s;
}

DB::~DB() { Close().PermitUncheckedError(); }

}  // namespace embodb::lsm
