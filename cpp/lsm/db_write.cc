// The write path: a queue of writers whose leader commits the whole group with
// one WAL append and at most one fsync.
#include <algorithm>
#include <chrono>
#include <semaphore>

#include "lsm/db.h"
#include "lsm/filename.h"

namespace embodb::lsm {

// Each thread's wake-up signal, shared with the leader that wakes it so that
// it stays alive even if the woken writer returns at once.
static std::shared_ptr<std::counting_semaphore<>> ThreadWake() {
  thread_local auto wake = std::make_shared<std::counting_semaphore<>>(0);
  return wake;
}

struct DB::Writer {
  WriteBatch* batch = nullptr;  // nullptr: a sync or rotation request only
  Durability durability = Durability::kGroup;
  bool force_rotate = false;
  // Set by the leader (status first) under the mutex; read by the follower
  // without it, so that a woken follower returns without re-taking the mutex.
  std::atomic<bool> done{false};
  Status status;
  std::shared_ptr<std::counting_semaphore<>> wake = ThreadWake();  // done, or now at the front
  std::condition_variable cv;  // a leader forming its group waits here (with the mutex)
};

// A group grows to at most this many bytes, so that a small write does not
// wait behind a huge one for long.
static constexpr size_t kMaxGroupBytes = 1 << 20;

Status DB::Put(const WriteOptions& options, std::string_view key, std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(options, &batch);
}

Status DB::Delete(const WriteOptions& options, std::string_view key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(options, &batch);
}

Status DB::Write(const WriteOptions& options, WriteBatch* batch) {
  return WriteImpl(batch, options.durability.value_or(options_.durability), false);
}

Status DB::SyncWal() { return WriteImpl(nullptr, Durability::kSync, false); }

static uint32_t SyncWithinMs(const Options& o, Durability d) {
  switch (d) {
    case Durability::kGroup: return o.group_commit_interval_ms;
    case Durability::kPeriodic: return o.periodic_sync_interval_ms;
    default: return 0;
  }
}

Status DB::WriteImpl(WriteBatch* batch, Durability durability, bool force_rotate) {
  // Sorted puts are encoded into the batch now unless it will be ingested,
  // which encodes them straight into its tables.
  if (batch != nullptr && !batch->sorted_puts().empty() && !ShouldIngest(*batch)) batch->MaterializeSortedPuts();
  Writer w;
  w.batch = batch;
  w.durability = durability;
  w.force_rotate = force_rotate;
  std::unique_lock l(mutex_);
  if (closed_ || log_ == nullptr) return Status::Aborted("the database is closed");
  if (durability == Durability::kSync && batch != nullptr) {
    recent_sync_writers_[std::this_thread::get_id()] = env_->NowMicros();
  }
  writers_.push_back(&w);
  if (leader_forming_group_) writers_.front()->cv.notify_one();
  while (&w != writers_.front()) {
    l.unlock();
    w.wake->acquire();
    if (w.done.load(std::memory_order_acquire)) return w.status;
    l.lock();  // woken to lead (or a stale signal): check again
  }

  // This writer leads: it commits every writer it can group with.
  Status status = MakeRoomForWrite(l, force_rotate);
  if (status.ok() && durability == Durability::kSync && batch != nullptr) WaitForGroupPeers(l, &w);
  Writer* last_writer = &w;
  if (status.ok()) {
    bool need_sync = false;
    uint32_t sync_within_ms = 0;
    WriteBatch* group = BuildBatchGroup(&last_writer, &need_sync, &sync_within_ms);
    const uint32_t count = group->Count();
    SequenceNumber last = versions_->LastSequence();
    if (count > 0) group->SetSequence(last + 1);
    // Each caller learns its own batch's first sequence (WriteBatch::Sequence).
    SequenceNumber next = last + 1;
    for (Writer* g : writers_) {
      if (g->batch != nullptr) {
        g->batch->SetSequence(next);
        next += g->batch->Count();
      }
      if (g == last_writer) break;
    }
    last += count;
    // The clock's ticks follow the group in the WAL (their own record, so the
    // caller's batch is not copied); one lost in a crash costs precision only.
    WriteBatch ticks;
    if (count > 0) RecordClockTicks(last, &ticks);
    if (ticks.Count() > 0) {
      ticks.SetSequence(last + 1);
      last += ticks.Count();
    }
    const uint64_t sync_start = env_->NowMicros();
    const bool ingest = count > 0 && group == batch && ShouldIngest(*group);
    bool wal_failed = false;  // the WAL may hold a torn record or unsynced data
    if (ingest) {
      // Written as tables (db_ingest.cc); the WAL is synced only for the
      // sync requests that joined the group.
      status = IngestBatch(l, *group);
      std::shared_ptr<MemTable> mem = mem_;
      log::Writer* log = log_.get();
      WritableFile* logfile = logfile_.get();
      l.unlock();
      if (status.ok() && ticks.Count() > 0) {
        status = log->AddRecord(ticks.Contents());
        if (status.ok()) status = ticks.InsertInto(mem.get());
        wal_failed = !status.ok();
      }
      if (status.ok() && need_sync) {
        status = logfile->Sync();
        wal_failed = !status.ok();
      }
      l.lock();
    } else {
      std::shared_ptr<MemTable> mem = mem_;
      log::Writer* log = log_.get();
      WritableFile* logfile = logfile_.get();
      l.unlock();
      if (!group->sorted_puts().empty()) group->MaterializeSortedPuts();  // (not ingested after all)
      // Only the leader touches the log and inserts into the memtable, so neither
      // needs the mutex; readers only see sequences up to LastSequence().
      if (count > 0) status = log->AddRecord(group->Contents());
      if (status.ok() && ticks.Count() > 0) status = log->AddRecord(ticks.Contents());
      if (status.ok() && need_sync) status = logfile->Sync();
      if (status.ok() && count > 0) status = group->InsertInto(mem.get());
      if (status.ok() && ticks.Count() > 0) status = ticks.InsertInto(mem.get());
      wal_failed = !status.ok();
      l.lock();
    }
    if (status.ok()) {
      versions_->SetLastSequence(last);
      stats_.user_bytes_written += group->payload_bytes();
      if (count > 0 && !ingest) stats_.wal_bytes_written += group->ApproximateSize() + log::kHeaderSize;
      if (ticks.Count() > 0) stats_.wal_bytes_written += ticks.ApproximateSize() + log::kHeaderSize;
      if (need_sync) {
        stats_.wal_syncs++;
        sync_deadline_us_ = 0;
        // Includes the memtable insert; both are short beside an fsync.
        const uint64_t took = env_->NowMicros() - sync_start;
        fsync_micros_ewma_ = fsync_micros_ewma_ == 0 ? took : (fsync_micros_ewma_ * 7 + took) / 8;
      } else if (sync_within_ms > 0 && count > 0) {
        const uint64_t deadline = env_->NowMicros() + uint64_t{sync_within_ms} * 1000;
        if (sync_deadline_us_ == 0 || deadline < sync_deadline_us_) {
          sync_deadline_us_ = deadline;
          sync_cv_.notify_all();
        }
      }
    } else if (wal_failed) {
      // The WAL may now hold a partial record: stop writing until reopen,
      // which drops the torn tail. (A failed ingest wrote nothing live.)
      SetBackgroundError(status);
    }
    group_batch_.Clear();
  }

  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    if (ready != &w) {
      // Once done is set the follower may return and destroy `ready`: only
      // the copied semaphore is touched after that.
      auto wake = ready->wake;
      ready->status = status;
      ready->done.store(true, std::memory_order_release);
      wake->release();
    }
    if (ready == last_writer) break;
  }
  // The new front is not done, so it cannot return before it takes the mutex.
  if (!writers_.empty()) writers_.front()->wake->release();
  return status;
}

// Without this, sync writers from several threads fall into a convoy: the
// writers released by one fsync come back just after the next leader started
// its own, so groups alternate between one writer and the rest. A sync leader
// therefore waits, for at most half a typical fsync, until the threads that
// issued sync writes in the last few milliseconds have queued up behind it.
void DB::WaitForGroupPeers(std::unique_lock<std::mutex>& l, Writer* leader) {
  const uint64_t now = env_->NowMicros();
  const uint64_t recent_window = std::max<uint64_t>(2000, 8 * fsync_micros_ewma_);
  for (auto it = recent_sync_writers_.begin(); it != recent_sync_writers_.end();) {
    it = now - it->second > recent_window ? recent_sync_writers_.erase(it) : std::next(it);
  }
  const size_t peers = recent_sync_writers_.size();
  if (peers <= 1 || fsync_micros_ewma_ == 0) return;
  const uint64_t max_wait = std::min<uint64_t>(fsync_micros_ewma_ / 2, 2000);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(max_wait);
  leader_forming_group_ = true;
  while (writers_.size() < peers && bg_error_.ok()) {
    if (leader->cv.wait_until(l, deadline) == std::cv_status::timeout) break;
  }
  leader_forming_group_ = false;
}

WriteBatch* DB::BuildBatchGroup(Writer** last_writer, bool* need_sync, uint32_t* sync_within_ms) {
  Writer* first = writers_.front();
  group_batch_.Clear();
  size_t batches = 0;
  size_t size = first->batch ? first->batch->ApproximateSize() : 0;
  const size_t max_size = size <= (128 << 10) ? size + (128 << 10) : kMaxGroupBytes;
  *last_writer = first;
  // A batch with sorted puts is ingested, alone.
  auto has_sorted_puts = [](const Writer* w) { return w->batch != nullptr && !w->batch->sorted_puts().empty(); };
  for (Writer* w : writers_) {
    if (w != first) {
      if (w->force_rotate) break;  // a rotation request leads its own group
      if (has_sorted_puts(first) || has_sorted_puts(w)) break;
      const size_t add = w->batch ? w->batch->ApproximateSize() : 0;
      if (size + add > max_size) break;
      size += add;
    }
    if (w->batch != nullptr) batches++;
    if (w->durability == Durability::kSync) *need_sync = true;
    const uint32_t within = SyncWithinMs(options_, w->durability);
    if (within > 0 && (*sync_within_ms == 0 || within < *sync_within_ms)) *sync_within_ms = within;
    *last_writer = w;
  }
  // A lone batch is written as it is: copying a large one would cost as much
  // as the WAL append itself.
  if (batches == 1 && first->batch != nullptr) return first->batch;
  for (Writer* w : writers_) {
    if (w->batch != nullptr) group_batch_.Append(*w->batch);
    if (w == *last_writer) break;
  }
  return &group_batch_;
}

Status DB::MakeRoomForWrite(std::unique_lock<std::mutex>& l, bool force) {
  bool allow_delay = !force;
  while (true) {
    if (!bg_error_.ok()) return bg_error_;
    const int l0_files = versions_->current()->NumFiles(0);
    if (allow_delay && l0_files >= options_.l0_slowdown_trigger) {
      // Many L0 files: slow each write a little rather than stop them all later.
      const uint64_t start = env_->NowMicros();
      l.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      l.lock();
      allow_delay = false;
      stats_.write_stalls++;
      stats_.stall_micros += env_->NowMicros() - start;
    } else if (mem_->empty() || (!force && mem_->ApproximateMemoryUsage() <= options_.write_buffer_size)) {
      // An empty memtable is never rotated: its arena alone may exceed a tiny
      // write buffer, and rotating it would loop forever.
      return Status::OK();
    } else if (imm_ != nullptr || l0_files >= options_.l0_stop_trigger) {
      // Wait for the flush (or compaction) to catch up.
      const uint64_t start = env_->NowMicros();
      stats_.write_stalls++;
      done_cv_.wait(l);
      stats_.stall_micros += env_->NowMicros() - start;
      if (shutting_down_.load()) return Status::Aborted("the database is closing");
    } else {
      // Switch to a new memtable and WAL. The old WAL is synced so that only
      // the newest WAL can ever end in a torn record.
      std::unique_ptr<WritableFile> old_file = std::move(logfile_);
      std::unique_ptr<log::Writer> old_log = std::move(log_);
      const uint64_t old_number = logfile_number_;
      Status s = NewLogFile();
      if (!s.ok()) {
        logfile_ = std::move(old_file);
        log_ = std::move(old_log);
        logfile_number_ = old_number;
        return s;
      }
      l.unlock();
      s = old_file->Sync();
      if (s.ok()) s = old_file->Close();
      if (s.ok()) s = env_->SyncDir(dbname_);
      l.lock();
      if (s.ok()) {
        // The manifest records the old WAL whole and the new one (their loss
        // or truncation is then reported at open, not taken for a torn tail).
        VersionEdit wals;
        wals.CloseWal(old_number, old_log->size());
        wals.AddWal(logfile_number_);
        s = versions_->LogAndApply(&wals);
      }
      if (!s.ok()) {
        SetBackgroundError(s);
        return s;
      }
      imm_ = std::move(mem_);
      mem_ = std::make_shared<MemTable>();
      force = false;
      work_cv_.notify_all();
    }
  }
}

void DB::SyncThreadMain() {
  std::unique_lock l(mutex_);
  while (!shutting_down_.load()) {
    if (sync_deadline_us_ == 0) {
      sync_cv_.wait(l);
      continue;
    }
    const uint64_t now = env_->NowMicros();
    if (now < sync_deadline_us_) {
      sync_cv_.wait_for(l, std::chrono::microseconds(sync_deadline_us_ - now));
      continue;
    }
    sync_deadline_us_ = 0;
    l.unlock();
    // A sync request through the writer queue: ordered with every append.
    WriteImpl(nullptr, Durability::kSync, false).PermitUncheckedError();
    l.lock();
  }
}

}  // namespace embodb::lsm
