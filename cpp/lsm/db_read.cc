// The read path: point lookups, iterators, snapshots and blob resolution.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "lsm/blob/blob_index.h"
#include "lsm/db.h"
#include "lsm/db_iter.h"
#include "lsm/merging_iterator.h"

namespace embodb::lsm {

namespace {
// What a read needs, taken under the mutex and then used without it.
struct ReadView {
  SequenceNumber sequence;
  std::shared_ptr<MemTable> mem;
  std::shared_ptr<MemTable> imm;
  std::shared_ptr<const Version> version;
};
}  // namespace

Status DB::ResolveBlob(std::string_view key, std::string* value) {
  auto index = blob::BlobIndex::Decode(*value);
  if (!index.ok()) return Status::Corruption(dbname_, "bad blob reference for a key");
  auto reader = table_cache_->FindBlobFile(index->file_number);
  if (!reader.ok()) return reader.status();
  return (*reader)->Get(*index, key, value);
}

enum class MemLookup { kFound, kDeleted, kAbsent };

// The key in the view's memtables, newest first.
static MemLookup LookupInMemTables(const ReadView& view, const LookupKey& lkey, std::string* value,
                                   ValueType* type) {
  for (const MemTable* m : {view.mem.get(), view.imm.get()}) {
    if (m == nullptr) continue;
    switch (m->Get(lkey, value, type)) {
      case MemTable::LookupResult::kFound: return MemLookup::kFound;
      case MemTable::LookupResult::kDeleted: return MemLookup::kDeleted;
      case MemTable::LookupResult::kNotPresent: break;
    }
  }
  return MemLookup::kAbsent;
}

static Status LookupInView(const ReadView& view, TablePins* tables, std::string_view key,
                           std::string* value, ValueType* type) {
  LookupKey lkey(key, view.sequence);
  switch (LookupInMemTables(view, lkey, value, type)) {
    case MemLookup::kFound: return Status::OK();
    case MemLookup::kDeleted: return Status::NotFound("key");
    case MemLookup::kAbsent: break;
  }
  Version::GetResult result;
  EMBODB_RETURN_IF_ERROR(view.version->Get(lkey, tables, value, type, &result));
  if (result == Version::GetResult::kFound) return Status::OK();
  return Status::NotFound("key");
}

Status DB::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  ReadView view;
  {
    std::lock_guard l(mutex_);
    if (closed_) return Status::Aborted("the database is closed");
    view = ReadView{options.snapshot.value_or(versions_->LastSequence()), mem_, imm_, versions_->current()};
  }
  ValueType type = kTypeValue;
  TablePins tables(table_cache_.get());
  EMBODB_RETURN_IF_ERROR(LookupInView(view, &tables, key, value, &type));
  if (type == kTypeBlobIndex) return ResolveBlob(key, value);
  return Status::OK();
}

// The positions of keys in ascending key order. Keys are compared first by
// the 8 bytes after the prefix they all share, as one integer, and in full
// only where those are equal: a batch of one table's row keys differs there,
// so the sort compares integers, not strings.
static std::vector<uint32_t> AscendingKeyOrder(const std::vector<std::string_view>& keys) {
  const size_t n = keys.size();
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; i++) order[i] = i;
  bool sorted = true;
  for (size_t i = 1; i < n && sorted; i++) sorted = !(keys[i] < keys[i - 1]);
  if (sorted) return order;
  size_t common = keys[0].size();
  for (std::string_view k : keys) {
    size_t j = 0;
    const size_t limit = std::min(common, k.size());
    while (j < limit && k[j] == keys[0][j]) j++;
    common = j;
  }
  struct Entry {
    uint64_t head;  // the 8 bytes after the common prefix, big-endian (0-padded)
    uint32_t position;
  };
  std::vector<Entry> entries(n);
  for (uint32_t i = 0; i < n; i++) {
    uint64_t head = 0;
    const std::string_view k = keys[i];
    for (size_t b = 0; b < 8; b++) head = (head << 8) | (common + b < k.size() ? static_cast<uint8_t>(k[common + b]) : 0);
    entries[i] = Entry{head, i};
  }
  std::sort(entries.begin(), entries.end(), [&keys](const Entry& a, const Entry& b) {
    if (a.head != b.head) return a.head < b.head;
    return keys[a.position] < keys[b.position];
  });
  for (size_t i = 0; i < n; i++) order[i] = entries[i].position;
  return order;
}

void DB::MultiGet(const ReadOptions& options, const std::vector<std::string_view>& keys,
                  std::vector<std::string>* values, std::vector<Status>* statuses) {
  values->assign(keys.size(), std::string());
  statuses->assign(keys.size(), Status::OK());
  ReadView view;
  {
    std::lock_guard l(mutex_);
    if (closed_) {
      statuses->assign(keys.size(), Status::Aborted("the database is closed"));
      return;
    }
    view = ReadView{options.snapshot.value_or(versions_->LastSequence()), mem_, imm_, versions_->current()};
  }
  // Looking keys up in key order touches index and data blocks in order, which
  // the CPU caches reward, and lets each table take its keys together
  // (Version::MultiGet); large batches are split across TBB threads.
  const std::vector<uint32_t> order = AscendingKeyOrder(keys);
  auto lookup_range = [&](size_t begin, size_t end) {
    // The memtables answer first; the keys they do not know go to the tables
    // together, with their internal lookup keys laid out in one buffer.
    std::vector<uint32_t> deeper;
    std::vector<size_t> ikey_ends;
    std::string ikeys;
    for (size_t j = begin; j < end; j++) {
      const uint32_t i = order[j];
      LookupKey lkey(keys[i], view.sequence);
      ValueType type = kTypeValue;
      switch (LookupInMemTables(view, lkey, &(*values)[i], &type)) {
        case MemLookup::kFound:
          if (type == kTypeBlobIndex) (*statuses)[i] = ResolveBlob(keys[i], &(*values)[i]);
          break;
        case MemLookup::kDeleted:
          (*statuses)[i] = Status::NotFound("key");
          break;
        case MemLookup::kAbsent:
          deeper.push_back(i);
          ikeys.append(lkey.internal_key());
          ikey_ends.push_back(ikeys.size());
          break;
      }
    }
    std::vector<Version::Lookup> lookups(deeper.size());
    for (size_t d = 0; d < deeper.size(); d++) {
      const size_t start = d == 0 ? 0 : ikey_ends[d - 1];
      lookups[d].ikey = std::string_view(ikeys).substr(start, ikey_ends[d] - start);
      lookups[d].value = &(*values)[deeper[d]];
    }
    TablePins tables(table_cache_.get());
    view.version->MultiGet(&tables, lookups.data(), lookups.size());
    for (size_t d = 0; d < deeper.size(); d++) {
      const uint32_t i = deeper[d];
      const Version::Lookup& l = lookups[d];
      if (!l.status.ok()) {
        (*statuses)[i] = l.status;
      } else if (l.result != Version::GetResult::kFound) {
        (*statuses)[i] = Status::NotFound("key");
      } else if (l.type == kTypeBlobIndex) {
        (*statuses)[i] = ResolveBlob(keys[i], &(*values)[i]);
      }
    }
  };
  constexpr size_t kParallelChunk = 256;
  if (keys.size() < 2 * kParallelChunk) {
    lookup_range(0, keys.size());
  } else {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, keys.size(), kParallelChunk),
                      [&](const tbb::blocked_range<size_t>& r) { lookup_range(r.begin(), r.end()); });
  }
}

std::unique_ptr<Iterator> DB::NewIterator(const ReadOptions& options) {
  ReadView view;
  {
    std::lock_guard l(mutex_);
    if (closed_) return NewEmptyIterator(Status::Aborted("the database is closed"));
    view = ReadView{options.snapshot.value_or(versions_->LastSequence()), mem_, imm_, versions_->current()};
  }
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(view.mem->NewIterator());
  if (view.imm) children.push_back(view.imm->NewIterator());
  view.version->AddIterators(table_cache_.get(), options.fill_cache, &children);
  auto internal = NewMergingIterator(std::move(children));
  auto iter = NewDBIterator(std::move(internal), view.sequence,
                            [this](std::string_view key, std::string_view index, std::string* value) {
                              value->assign(index);
                              return ResolveBlob(key, value);
                            });
  // The iterator pins the memtables and the version (and so their files).
  iter->RegisterCleanup([view]() mutable { view = ReadView{}; });
  return iter;
}

std::unique_ptr<RunScan> DB::NewRunScan(const ReadOptions& options, std::string lower, std::string upper) {
  ReadView view;
  std::vector<std::unique_ptr<Iterator>> children;
  {
    std::lock_guard l(mutex_);
    if (closed_) {
      children.push_back(NewEmptyIterator(Status::Aborted("the database is closed")));
    } else {
      view = ReadView{options.snapshot.value_or(versions_->LastSequence()), mem_, imm_, versions_->current()};
    }
  }
  if (view.mem) {  // null once closed
    children.push_back(view.mem->NewIterator());
    if (view.imm) children.push_back(view.imm->NewIterator());
    view.version->AddIterators(table_cache_.get(), options.fill_cache, &children);
  }
  auto scan = std::make_unique<RunScan>(
      std::move(children), view.sequence,
      [this](std::string_view key, std::string_view index, std::string* value) {
        value->assign(index);
        return ResolveBlob(key, value);
      },
      std::move(lower), std::move(upper));
  scan->RegisterCleanup([view]() mutable { view = ReadView{}; });
  return scan;
}

SequenceNumber DB::GetSnapshot() {
  std::lock_guard l(mutex_);
  const SequenceNumber s = versions_->LastSequence();
  snapshots_.insert(s);
  return s;
}

void DB::ReleaseSnapshot(SequenceNumber snapshot) {
  std::lock_guard l(mutex_);
  auto it = snapshots_.find(snapshot);
  if (it != snapshots_.end()) snapshots_.erase(it);
}

double DbStats::WriteAmplification() const {
  if (user_bytes_written == 0) return 0.0;
  return static_cast<double>(wal_bytes_written + flush_bytes_written + ingest_bytes_written +
                             compaction_bytes_written) /
         static_cast<double>(user_bytes_written);
}

DbStats DB::GetStats() {
  std::lock_guard l(mutex_);
  DbStats s = stats_;
  auto v = versions_->current();
  for (int level = 0; level < kNumLevels; level++) {
    s.levels[level].files = v->NumFiles(level);
    s.levels[level].bytes = v->LevelBytes(level);
  }
  for (const auto& [number, b] : v->blob_files()) {
    s.blob_files++;
    s.blob_file_bytes += b->file_size;
    s.blob_garbage_bytes += b->garbage_bytes;
  }
  s.memtable_bytes = mem_ ? mem_->ApproximateMemoryUsage() : 0;  // null once closed
  s.immutable_memtable_bytes = imm_ ? imm_->ApproximateMemoryUsage() : 0;
  s.last_sequence = versions_->LastSequence();
  s.block_cache_hits = block_cache_->hits();
  s.block_cache_misses = block_cache_->misses();
  s.block_cache_usage = block_cache_->usage();
  s.block_cache_capacity = options_.block_cache_size;
  return s;
}

}  // namespace embodb::lsm
