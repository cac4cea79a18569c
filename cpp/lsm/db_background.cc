// Background work: flushing immutable memtables, compacting, deleting files
// that no version needs any more.
#include <algorithm>
#include <chrono>

#include "lsm/compaction_job.h"
#include "lsm/db.h"
#include "lsm/filename.h"

namespace embodb::lsm {

void DB::SetBackgroundError(const Status& s) {
  if (bg_error_.ok() && !s.ok()) {
    bg_error_ = s;
    done_cv_.notify_all();
  }
}

OutputFiles::NumberAllocator DB::PendingNumberAllocator(std::vector<uint64_t>* numbers) {
  return [this, numbers] {
    std::lock_guard l(mutex_);
    const uint64_t n = versions_->NewFileNumber();
    pending_outputs_.insert(n);
    numbers->push_back(n);
    return n;
  };
}

void DB::ReleasePending(const std::vector<uint64_t>& numbers) {
  for (uint64_t n : numbers) pending_outputs_.erase(n);
}

Status DB::WriteLevel0Table(const MemTable& mem, VersionEdit* edit, std::vector<uint64_t>* pending) {
  OutputFiles out(options_, dbname_, UINT64_MAX, PendingNumberAllocator(pending));
  auto it = mem.NewIterator();
  Status s;
  for (it->SeekToFirst(); s.ok() && it->Valid(); it->Next()) {
    ParsedInternalKey ikey;
    if (!ParseInternalKey(it->key(), &ikey)) {
      s = Status::Corruption("memtable", "unparsable internal key");
      break;
    }
    s = out.Add(ikey.user_key, ikey.sequence, ikey.type, it->value());
  }
  if (s.ok()) s = out.Finish();
  if (s.ok()) {
    for (const auto& f : out.tables()) edit->AddFile(0, f);
    for (const auto& b : out.blob_files()) edit->AddBlobFile(b);
    std::lock_guard l(mutex_);
    stats_.flush_bytes_written += out.bytes_written();
    stats_.num_flushes++;
  }
  return s;
}

void DB::FlushThreadMain() {
  std::unique_lock l(mutex_);
  while (true) {
    work_cv_.wait(l, [&] { return shutting_down_.load() || (imm_ != nullptr && bg_error_.ok()); });
    if (shutting_down_.load()) break;  // the WAL still holds imm_'s data
    std::shared_ptr<MemTable> imm = imm_;
    const uint64_t log_number = logfile_number_;
    l.unlock();
    VersionEdit edit;
    std::vector<uint64_t> pending;
    Status s = WriteLevel0Table(*imm, &edit, &pending);
    if (s.ok()) s = env_->SyncDir(dbname_);
    l.lock();
    if (s.ok()) {
      edit.SetLogNumber(log_number);  // every older WAL is now in tables
      s = versions_->LogAndApply(&edit);
    }
    ReleasePending(pending);
    if (s.ok()) {
      imm_.reset();
      DeleteObsoleteFiles(l);
    } else {
      SetBackgroundError(s);
    }
    done_cv_.notify_all();
    work_cv_.notify_all();  // L0 grew: compaction may be due
  }
}

Status DB::RunCompaction(std::unique_lock<std::mutex>& l, Compaction* c) {
  VersionEdit edit;
  if (c->IsTrivialMove()) {
    const auto& f = c->inputs()[0].files[0];
    edit.RemoveFile(c->inputs()[0].level, f->number);
    edit.AddFile(c->output_level(), *f);
    stats_.num_trivial_moves++;
    return versions_->LogAndApply(&edit);
  }
  std::string ticks_before;  // expired clock ticks: [clock prefix, ticks_before)
  UpdateHistoryFloor(l, &ticks_before);
  SequenceNumber smallest_snapshot = snapshots_.empty() ? versions_->LastSequence() : *snapshots_.begin();
  if (options_.history_micros > 0) smallest_snapshot = std::min(smallest_snapshot, retained_floor_);
  CompactionJob::DropKey drop_key;
  if (!ticks_before.empty() || options_.compaction_filter != nullptr) {
    drop_key = [prefix = options_.clock_key_prefix, ticks_before,
                filter = options_.compaction_filter](std::string_view key) {
      if (!ticks_before.empty() && key < ticks_before && key.substr(0, prefix.size()) == prefix) return true;
      return filter != nullptr && filter->Drop(key);
    };
  }
  std::vector<uint64_t> numbers;
  CompactionJob job(c, options_, dbname_, table_cache_.get(), smallest_snapshot, std::move(drop_key),
                    PendingNumberAllocator(&numbers));
  const uint64_t start = env_->NowMicros();
  l.unlock();
  Status s = job.Run();
  if (s.ok()) s = env_->SyncDir(dbname_);
  l.lock();
  if (s.ok()) {
    job.AddToEdit(&edit);
    s = versions_->LogAndApply(&edit);
  }
  ReleasePending(numbers);
  stats_.num_compactions++;
  stats_.compaction_micros += env_->NowMicros() - start;
  stats_.compaction_bytes_read += job.stats().bytes_read;
  stats_.compaction_bytes_written += job.stats().bytes_written;
  stats_.blobs_relocated += job.stats().blobs_relocated;
  return s;
}

void DB::CompactionThreadMain() {
  std::unique_lock l(mutex_);
  while (true) {
    work_cv_.wait(l, [&] {
      return shutting_down_.load() ||
             (bg_error_.ok() && (manual_compaction_requested_ || versions_->NeedsCompaction()));
    });
    if (shutting_down_.load()) break;
    const bool manual = manual_compaction_requested_;
    manual_compaction_requested_ = false;
    std::unique_ptr<Compaction> c = manual ? versions_->PickFullCompaction() : versions_->PickCompaction();
    Status s;
    if (c != nullptr) s = RunCompaction(l, c.get());
    c.reset();  // unpin the input version so that its replaced files can go
    if (s.ok()) {
      DeleteObsoleteFiles(l);
    } else if (!shutting_down_.load()) {
      SetBackgroundError(s);
    }
    if (manual) manual_compactions_done_++;
    done_cv_.notify_all();
  }
}

Status DB::Flush() {
  Status s = WriteImpl(nullptr, Durability::kOff, /*force_rotate=*/true);
  if (!s.ok()) return s;
  std::unique_lock l(mutex_);
  done_cv_.wait(l, [&] { return imm_ == nullptr || !bg_error_.ok() || shutting_down_.load(); });
  return bg_error_;
}

Status DB::CompactAll() {
  EMBODB_RETURN_IF_ERROR(Flush());
  std::unique_lock l(mutex_);
  const uint64_t target = manual_compactions_done_ + 1;
  manual_compaction_requested_ = true;
  work_cv_.notify_all();
  done_cv_.wait(l, [&] {
    return manual_compactions_done_ >= target || !bg_error_.ok() || shutting_down_.load();
  });
  if (shutting_down_.load() && bg_error_.ok()) return Status::Aborted("the database is closing");
  return bg_error_;
}

void DB::DeleteObsoleteFiles(std::unique_lock<std::mutex>& l) {
  if (!bg_error_.ok()) return;  // the state on disk may be uncertain: keep everything
  std::set<uint64_t> live = pending_outputs_;
  versions_->AddLiveFiles(&live);
  const uint64_t log_number = versions_->LogNumber();
  const uint64_t manifest_number = versions_->ManifestFileNumber();
  std::vector<std::string> children;
  if (!env_->GetChildren(dbname_, &children).ok()) return;
  std::vector<std::pair<std::string, uint64_t>> doomed;
  for (const auto& child : children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(child, &number, &type)) continue;
    bool keep = true;
    switch (type) {
      case FileType::kLog: keep = number >= log_number || number == logfile_number_; break;
      case FileType::kManifest: keep = number >= manifest_number; break;
      case FileType::kTable:
      case FileType::kBlob: keep = live.count(number) > 0; break;
      case FileType::kTemp: keep = live.count(number) > 0; break;
      case FileType::kCurrent:
      case FileType::kLock: keep = true; break;
    }
    if (!keep) doomed.emplace_back(child, number);
  }
  if (doomed.empty()) return;
  l.unlock();
  for (const auto& [name, number] : doomed) {
    table_cache_->Evict(number);
    env_->RemoveFile(dbname_ + "/" + name).PermitUncheckedError();
  }
  l.lock();
}

}  // namespace embodb::lsm
