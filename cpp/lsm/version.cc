#include "lsm/version.h"

#include <algorithm>

#include "lsm/two_level_iterator.h"

namespace embodb::lsm {

uint64_t Version::LevelBytes(int level) const {
  uint64_t sum = 0;
  for (const auto& f : files_[level]) sum += f->file_size;
  return sum;
}

static bool UserKeyInFile(std::string_view user_key, const FileMetaData& f) {
  return CompareUserKeys(user_key, ExtractUserKey(f.smallest)) >= 0 &&
         CompareUserKeys(user_key, ExtractUserKey(f.largest)) <= 0;
}

// Index of the first file whose largest key >= ikey.
static size_t FindFile(const std::vector<FileMetaPtr>& files, std::string_view ikey) {
  auto it = std::lower_bound(files.begin(), files.end(), ikey, [](const FileMetaPtr& f, std::string_view k) {
    return CompareInternalKeys(f->largest, k) < 0;
  });
  return static_cast<size_t>(it - files.begin());
}

Status Version::Get(const LookupKey& key, TablePins* tables, std::string* value, ValueType* type,
                    GetResult* result) const {
  Lookup lookup;
  lookup.ikey = key.internal_key();
  lookup.value = value;
  MultiGet(tables, &lookup, 1);
  *result = lookup.result;
  if (lookup.result == GetResult::kFound) *type = lookup.type;
  return lookup.status;
}

// Looks the keys up in one table; each key the table answers (found, deleted
// or failed) is done.
static void SearchFile(TablePins* tables, const FileMetaData& file, Version::Lookup* const* keys, size_t n,
                       std::vector<sstable::TableLookup>* batch) {
  auto table = tables->Find(file);
  if (!table.ok()) {
    for (size_t i = 0; i < n; i++) keys[i]->status = table.status();
    return;
  }
  batch->assign(n, sstable::TableLookup());
  for (size_t i = 0; i < n; i++) {
    (*batch)[i].ikey = keys[i]->ikey;
    (*batch)[i].value = keys[i]->value;
  }
  (*table)->MultiGet(batch->data(), n);
  for (size_t i = 0; i < n; i++) {
    const sstable::TableLookup& t = (*batch)[i];
    Version::Lookup& l = *keys[i];
    if (!t.status.ok()) {
      l.status = t.status;
    } else if (t.found && t.type == kTypeDeletion) {
      l.result = Version::GetResult::kDeleted;
    } else if (t.found) {
      l.result = Version::GetResult::kFound;
      l.type = t.type;
    }
  }
}

void Version::MultiGet(TablePins* tables, Lookup* lookups, size_t n) const {
  std::vector<Lookup*> pending(n);
  for (size_t i = 0; i < n; i++) {
    lookups[i].result = GetResult::kNotPresent;
    lookups[i].status = Status::OK();
    pending[i] = &lookups[i];
  }
  auto drop_done = [&pending] {
    std::erase_if(pending, [](const Lookup* l) { return !l->status.ok() || l->result != GetResult::kNotPresent; });
  };
  std::vector<Lookup*> run;
  std::vector<sstable::TableLookup> batch;
  // L0 files may overlap: newest (highest number) first, each with every
  // pending key in its range.
  const auto& l0 = files_[0];
  for (auto it = l0.rbegin(); it != l0.rend() && !pending.empty(); ++it) {
    run.clear();
    for (Lookup* l : pending) {
      if (UserKeyInFile(ExtractUserKey(l->ikey), **it)) run.push_back(l);
    }
    if (run.empty()) continue;
    SearchFile(tables, **it, run.data(), run.size(), &batch);
    drop_done();
  }
  // Deeper levels: the files are disjoint, so the sorted pending keys fall in
  // runs, one per file.
  for (int level = 1; level < kNumLevels && !pending.empty(); level++) {
    const auto& files = files_[level];
    if (files.empty()) continue;
    size_t i = 0;
    while (i < pending.size()) {
      const size_t f = FindFile(files, pending[i]->ikey);
      if (f >= files.size()) break;  // past the level's last key, as are the keys after it
      const FileMetaData& file = *files[f];
      run.clear();
      for (; i < pending.size() && CompareInternalKeys(pending[i]->ikey, file.largest) <= 0; i++) {
        if (CompareUserKeys(ExtractUserKey(pending[i]->ikey), ExtractUserKey(file.smallest)) >= 0) {
          run.push_back(pending[i]);
        }
      }
      if (!run.empty()) SearchFile(tables, file, run.data(), run.size(), &batch);
    }
    drop_done();
  }
}

namespace {

// Keys: each file's largest key; values: the file's index (fixed64).
class LevelFileIterator final : public Iterator {
 public:
  explicit LevelFileIterator(const std::vector<FileMetaPtr>* files)
      : files_(files), index_(files->size()) {}
  bool Valid() const override { return index_ < files_->size(); }
  void Seek(std::string_view target) override { index_ = FindFile(*files_, target); }
  void SeekToFirst() override { index_ = 0; }
  void SeekToLast() override { index_ = files_->empty() ? 0 : files_->size() - 1; }
  void Next() override { index_++; }
  void Prev() override { index_ = index_ == 0 ? files_->size() : index_ - 1; }
  std::string_view key() const override { return (*files_)[index_]->largest; }
  std::string_view value() const override {
    EncodeFixed64(value_buf_, index_);
    return std::string_view(value_buf_, 8);
  }
  Status status() const override { return Status::OK(); }

 private:
  const std::vector<FileMetaPtr>* files_;
  size_t index_;
  mutable char value_buf_[8];
};

}  // namespace

std::unique_ptr<Iterator> NewLevelIterator(std::vector<FileMetaPtr> files, TableCache* tables,
                                           bool fill_cache) {
  auto owned = std::make_shared<std::vector<FileMetaPtr>>(std::move(files));
  auto index = std::make_unique<LevelFileIterator>(owned.get());
  return NewTwoLevelIterator(std::move(index), [owned, tables, fill_cache](std::string_view v) {
    return tables->NewIterator(*(*owned)[DecodeFixed64(v.data())], fill_cache);
  });
}

void Version::AddIterators(TableCache* tables, bool fill_cache,
                           std::vector<std::unique_ptr<Iterator>>* iters) const {
  for (const auto& f : files_[0]) iters->push_back(tables->NewIterator(*f, fill_cache));
  for (int level = 1; level < kNumLevels; level++) {
    if (!files_[level].empty()) iters->push_back(NewLevelIterator(files_[level], tables, fill_cache));
  }
}

std::vector<FileMetaPtr> Version::GetOverlappingInputs(int level, const std::string* begin,
                                                       const std::string* end) const {
  std::vector<FileMetaPtr> out;
  for (const auto& f : files_[level]) {
    if (begin != nullptr && CompareUserKeys(ExtractUserKey(f->largest), *begin) < 0) continue;
    if (end != nullptr && CompareUserKeys(ExtractUserKey(f->smallest), *end) > 0) continue;
    out.push_back(f);
  }
  return out;
}

bool Version::OverlapInLevel(int level, std::string_view smallest_user, std::string_view largest_user) const {
  for (const auto& f : files_[level]) {
    if (CompareUserKeys(ExtractUserKey(f->largest), smallest_user) < 0) continue;
    if (CompareUserKeys(ExtractUserKey(f->smallest), largest_user) > 0) continue;
    return true;
  }
  return false;
}

}  // namespace embodb::lsm
