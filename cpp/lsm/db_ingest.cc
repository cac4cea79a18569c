// Large write batches go straight into tables. A bulk insert of gigabytes
// through the WAL and the memtable writes every byte three times (log,
// memtable, flush) and holds it all in memory; written as sorted tables it is
// written once, and the manifest edit that adds the tables is its commit.
#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <ranges>
#include <optional>
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

// The entries of one SortedPuts in order, their values encoded a chunk at a
// time, in parallel, into one buffer that is reused: an ingest of gigabytes
// touches a few megabytes of fresh memory for them, not gigabytes.
class PutsStream {
 public:
  // Entries [begin, end) of puts; entry i has sequence first_seq + i.
  PutsStream(const SortedPuts* puts, SequenceNumber first_seq, size_t begin, size_t end)
      : puts_(puts), first_seq_(first_seq), end_(end), i_(begin) {
    Fill();
  }
  bool Valid() const { return i_ < end_; }
  std::string_view key() const { return puts_->key(i_); }
  SequenceNumber seq() const { return first_seq_ + i_; }
  // Valid until Next.
  std::string_view value() const {
    const size_t at = offsets_[i_ - chunk_begin_];
    return std::string_view(buffer_).substr(at, offsets_[i_ - chunk_begin_ + 1] - at);
  }
  void Next() {
    if (++i_ == chunk_end_) Fill();
  }

 private:
  static constexpr size_t kChunkBytes = 4 << 20;

  void Fill() {
    chunk_begin_ = i_;
    offsets_.assign(1, 0);
    size_t bytes = 0;
    for (chunk_end_ = i_; chunk_end_ < end_ && (chunk_end_ == i_ || bytes < kChunkBytes); chunk_end_++) {
      bytes += puts_->value_size(chunk_end_);
      offsets_.push_back(bytes);
    }
    if (buffer_.size() < bytes) buffer_.resize(bytes);
    tbb::parallel_for(tbb::blocked_range<size_t>(chunk_begin_, chunk_end_, 256), [&](const tbb::blocked_range<size_t>& r) {
      for (size_t j = r.begin(); j < r.end(); j++) puts_->EncodeValue(j, buffer_.data() + offsets_[j - chunk_begin_]);
    });
  }

  const SortedPuts* const puts_;
  const SequenceNumber first_seq_;
  const size_t end_;
  size_t i_, chunk_begin_ = 0, chunk_end_ = 0;
  std::vector<size_t> offsets_;  // of rows chunk_begin_.. in buffer_, and the end
  std::string buffer_;
};

// A key range of a batch, written by one thread: [records.first,
// records.second) of the sorted records and [first, second) of each sorted puts.
struct Slice {
  std::pair<size_t, size_t> records;
  std::vector<std::pair<size_t, size_t>> puts;
};

// The batch cut into at most `parts` slices of consecutive user keys (a key
// never spans two), at keys sampled evenly from its largest source.
std::vector<Slice> SliceBatch(const std::vector<Entry>& records, const WriteBatch& batch, size_t parts) {
  const auto& all_puts = batch.sorted_puts();
  std::vector<std::string> bounds;
  const SortedPuts* largest = nullptr;
  for (const auto& p : all_puts) {
    if (largest == nullptr || p->size() > largest->size()) largest = p.get();
  }
  const bool from_puts = largest != nullptr && largest->size() >= records.size();
  const size_t n = from_puts ? largest->size() : records.size();
  for (size_t i = 1; i < parts; i++) {
    const size_t at = n * i / parts;
    std::string key(from_puts ? largest->key(at) : records[at].key);
    if (bounds.empty() || key > bounds.back()) bounds.push_back(std::move(key));
  }
  // The first position of each source at or past each bound.
  auto record_at = [&](const std::string& bound) {
    return static_cast<size_t>(std::lower_bound(records.begin(), records.end(), bound,
                                                [](const Entry& e, const std::string& b) { return e.key < b; }) -
                               records.begin());
  };
  auto put_at = [](const SortedPuts& p, const std::string& bound) {
    return *std::ranges::partition_point(std::views::iota(size_t{0}, p.size()),
                                         [&](size_t i) { return p.key(i) < bound; });
  };
  std::vector<Slice> slices(bounds.size() + 1);
  for (size_t s = 0; s < slices.size(); s++) {
    slices[s].records = {s == 0 ? 0 : record_at(bounds[s - 1]), s == bounds.size() ? records.size() : record_at(bounds[s])};
    for (const auto& p : all_puts) {
      slices[s].puts.emplace_back(s == 0 ? 0 : put_at(*p, bounds[s - 1]), s == bounds.size() ? p->size() : put_at(*p, bounds[s]));
    }
  }
  return slices;
}

// Every entry of a slice of a batch, records and sorted puts, in internal key order.
class BatchEntries {
 public:
  // REQUIRES: records sorted in internal key order.
  BatchEntries(const std::vector<Entry>* records, const WriteBatch& batch, const Slice& slice)
      : records_(records), record_(slice.records.first), records_end_(slice.records.second) {
    SequenceNumber next = batch.Sequence() + batch.RecordCount();
    for (size_t k = 0; k < batch.sorted_puts().size(); k++) {
      const auto& puts = batch.sorted_puts()[k];
      streams_.emplace_back(puts.get(), next, slice.puts[k].first, slice.puts[k].second);
      next += puts->size();
    }
    Pick();
  }
  bool Valid() const { return current_.has_value(); }
  const Entry& entry() const { return *current_; }
  void Next() {
    if (from_ < 0) {
      record_++;
    } else {
      streams_[from_].Next();
    }
    Pick();
  }

 private:
  static bool Before(const Entry& a, const Entry& b) {
    const int c = a.key.compare(b.key);
    return c < 0 || (c == 0 && a.seq > b.seq);
  }
  void Pick() {
    current_.reset();
    if (record_ < records_end_) {
      current_ = (*records_)[record_];
      from_ = -1;
    }
    for (size_t k = 0; k < streams_.size(); k++) {
      if (!streams_[k].Valid()) continue;
      const Entry e{streams_[k].key(), streams_[k].seq(), kTypeValue, streams_[k].value()};
      if (!current_ || Before(e, *current_)) {
        current_ = e;
        from_ = static_cast<int>(k);
      }
    }
  }

  const std::vector<Entry>* records_;
  size_t record_, records_end_;
  std::vector<PutsStream> streams_;
  std::optional<Entry> current_;
  int from_ = -1;  // -1: the records; else the stream
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
  if (batch.Count() == 0) return Status::OK();
  EntryCollector collector(batch.RecordCount());
  EMBODB_RETURN_IF_ERROR(batch.Iterate(&collector));
  std::vector<Entry>& entries = collector.entries;
  l.unlock();
  tbb::parallel_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    const int c = a.key.compare(b.key);
    return c < 0 || (c == 0 && a.seq > b.seq);
  });
  l.lock();
  // Reads look in the memtables before the tables. If they hold an older
  // version of a key written here, they must reach a table first, older than
  // the new ones: flush them (this writer leads, so no write comes between).
  std::string_view smallest, largest;
  bool any = false;
  auto widen = [&](std::string_view low, std::string_view high) {
    if (!any || low < smallest) smallest = low;
    if (!any || high > largest) largest = high;
    any = true;
  };
  if (!entries.empty()) widen(entries.front().key, entries.back().key);
  for (const auto& puts : batch.sorted_puts()) widen(puts->key(0), puts->key(puts->size() - 1));
  while (Overlaps(mem_.get(), smallest, largest) || Overlaps(imm_.get(), smallest, largest)) {
    EMBODB_RETURN_IF_ERROR(MakeRoomForWrite(l, /*force=*/true));
    while (imm_ != nullptr && bg_error_.ok() && !shutting_down_.load()) done_cv_.wait(l);
    if (!bg_error_.ok()) return bg_error_;
    if (shutting_down_.load()) return Status::Aborted("the database is closing");
  }

  // L0 tables, numbered after every table written so far: reads take them
  // for the newest, which they are. Slices of consecutive keys are written
  // in parallel (blocks built, compressed and checksummed on every core),
  // each into tables of its own, which do not overlap.
  VersionEdit edit;
  std::vector<uint64_t> pending;
  l.unlock();
  const size_t threads = static_cast<size_t>(options_.compaction_threads > 0 ? options_.compaction_threads
                                                                             : tbb::info::default_concurrency());
  const size_t parts =
      std::max<size_t>(1, std::min(threads, batch.ApproximateSize() / std::max<size_t>(1, options_.ingest_slice_size)));
  const std::vector<Slice> slices = SliceBatch(entries, batch, parts);
  // Stored uncompressed: zstd took 40% of a bulk insert's time (200k rows
  // of 180 bytes), and the writer waits for it. The compaction that merges
  // these tables into L1 compresses them, in the background.
  Options table_options = options_;
  table_options.table.zstd_level = 0;
  // Row blocks too: the compaction into L1 writes the columns, off the
  // writer's thread.
  table_options.table.value_codec = nullptr;
  std::vector<std::unique_ptr<OutputFiles>> outs(slices.size());
  std::vector<Status> statuses(slices.size());
  const auto new_number = PendingNumberAllocator(&pending);
  tbb::parallel_for(size_t{0}, slices.size(), [&](size_t k) {
    outs[k] = std::make_unique<OutputFiles>(table_options, dbname_, UINT64_MAX, new_number);
    Status& s = statuses[k];
    for (BatchEntries all(&entries, batch, slices[k]); all.Valid(); all.Next()) {
      const Entry& e = all.entry();
      s = outs[k]->Add(e.key, e.seq, e.type, e.value);
      if (!s.ok()) break;
    }
    if (s.ok()) s = outs[k]->Finish();
  });
  Status s;
  for (const Status& part : statuses) {
    if (s.ok()) s = part;
  }
  if (s.ok()) s = env_->SyncDir(dbname_);
  l.lock();
  if (s.ok()) {
    for (const auto& out : outs) {
      for (const auto& f : out->tables()) edit.AddFile(0, f);
      for (const auto& b : out->blob_files()) edit.AddBlobFile(b);
    }
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
    for (const auto& out : outs) stats_.ingest_bytes_written += out->bytes_written();
    stats_.num_ingests++;
    work_cv_.notify_all();  // L0 grew: compaction may be due
  }
  return s;
}

}  // namespace embodb::lsm
