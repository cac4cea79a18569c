// Large write batches go straight into tables. A bulk insert of gigabytes
// through the WAL and the memtable writes every byte three times (log,
// memtable, flush) and holds it all in memory; written as sorted tables it is
// written once, and the manifest edit that adds the tables is its commit.
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <vector>

#include "lsm/db.h"

namespace embodb::lsm {

namespace {

struct Entry {
  std::string_view key;
  SequenceNumber seq;
  ValueType type;
  std::string_view value;
};

// The batch's records with their sequence numbers, in internal key order
// (user key ascending, newest first).
class EntryCollector : public WriteBatch::Handler {
 public:
  explicit EntryCollector(size_t count) { entries.reserve(count); }
  void Put(SequenceNumber seq, std::string_view key, std::string_view value) override {
    entries.push_back({key, seq, kTypeValue, value});
  }
  void Delete(SequenceNumber seq, std::string_view key) override {
    entries.push_back({key, seq, kTypeDeletion, {}});
  }
  std::vector<Entry> entries;
};

// True when mem holds an entry of a user key in [smallest, largest].
bool Overlaps(const MemTable* mem, std::string_view smallest, std::string_view largest) {
  if (mem == nullptr || mem->empty()) return false;
  auto it = mem->NewIterator();
  std::string seek;
  AppendInternalKey(&seek, smallest, kMaxSequenceNumber, kValueTypeForSeek);
  it->Seek(seek);
  return it->Valid() && ExtractUserKey(it->key()) <= largest;
}

}  // namespace

bool DB::ShouldIngest(const WriteBatch& batch) const {
  return options_.min_ingest_batch_size > 0 && batch.ApproximateSize() >= options_.min_ingest_batch_size;
}

Status DB::IngestBatch(std::unique_lock<std::mutex>& l, const WriteBatch& batch) {
  EntryCollector collector(batch.Count());
  EMBODB_RETURN_IF_ERROR(batch.Iterate(&collector));
  std::vector<Entry>& entries = collector.entries;
  if (entries.empty()) return Status::OK();
  l.unlock();
  tbb::parallel_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    const int c = a.key.compare(b.key);
    return c < 0 || (c == 0 && a.seq > b.seq);
  });
  l.lock();
  // Reads look in the memtables before the tables. If they hold an older
  // version of a key written here, they must reach a table first, older than
  // the new ones: flush them (this writer leads, so no write comes between).
  const std::string_view smallest = entries.front().key, largest = entries.back().key;
  while (Overlaps(mem_.get(), smallest, largest) || Overlaps(imm_.get(), smallest, largest)) {
    EMBODB_RETURN_IF_ERROR(MakeRoomForWrite(l, /*force=*/true));
    while (imm_ != nullptr && bg_error_.ok() && !shutting_down_.load()) done_cv_.wait(l);
    if (!bg_error_.ok()) return bg_error_;
    if (shutting_down_.load()) return Status::Aborted("the database is closing");
  }

  // L0 tables, numbered after every table written so far: reads take them
  // for the newest, which they are.
  VersionEdit edit;
  std::vector<uint64_t> pending;
  l.unlock();
  OutputFiles out(options_, dbname_, UINT64_MAX, PendingNumberAllocator(&pending));
  Status s;
  for (const Entry& e : entries) {
    s = out.Add(e.key, e.seq, e.type, e.value);
    if (!s.ok()) break;
  }
  if (s.ok()) s = out.Finish();
  if (s.ok()) s = env_->SyncDir(dbname_);
  l.lock();
  if (s.ok()) {
    for (const auto& f : out.tables()) edit.AddFile(0, f);
    for (const auto& b : out.blob_files()) edit.AddBlobFile(b);
    // The manifest records the new last sequence with the tables: this edit
    // commits the batch. Readers cannot look between the two (mutex held).
    const SequenceNumber before = versions_->LastSequence();
    versions_->SetLastSequence(before + batch.Count());
    s = versions_->LogAndApply(&edit);
    if (!s.ok()) {
      versions_->SetLastSequence(before);
      SetBackgroundError(s);  // the manifest may be torn: stop until reopen
    }
  }
  ReleasePending(pending);
  if (s.ok()) {
    stats_.ingest_bytes_written += out.bytes_written();
    stats_.num_ingests++;
    work_cv_.notify_all();  // L0 grew: compaction may be due
  }
  return s;
}

}  // namespace embodb::lsm
