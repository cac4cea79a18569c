#include "lsm/version_set.h"

#include <algorithm>
#include <map>

#include "lsm/filename.h"
#include "wal/log_reader.h"

namespace embodb::lsm {

static constexpr uint64_t kMaxManifestSize = 16ull << 20;

// Applies a sequence of edits to a base version.
class VersionSet::Builder {
 public:
  explicit Builder(const Version& base) {
    for (int level = 0; level < kNumLevels; level++) {
      for (const auto& f : base.files(level)) files_[level][f->number] = f;
    }
    blobs_ = base.blob_files();
  }

  void Apply(const VersionEdit& edit) {
    for (const auto& [level, number] : edit.deleted_files()) files_[level].erase(number);
    for (const auto& [level, f] : edit.new_files()) {
      files_[level][f.number] = std::make_shared<const FileMetaData>(f);
    }
    for (const auto& b : edit.new_blob_files()) {
      auto state = std::make_shared<BlobFileState>();
      state->number = b.number;
      state->file_size = b.file_size;
      state->blob_count = b.blob_count;
      state->blob_bytes = b.blob_bytes;
      blobs_[b.number] = state;
    }
    for (const auto& g : edit.blob_garbage()) {
      auto it = blobs_.find(g.number);
      if (it == blobs_.end()) continue;
      auto state = std::make_shared<BlobFileState>(*it->second);
      state->garbage_count += g.blob_count;
      state->garbage_bytes += g.blob_bytes;
      it->second = state;
    }
    for (uint64_t number : edit.deleted_blob_files()) blobs_.erase(number);
  }

  void SaveTo(Version* v) const {
    for (int level = 0; level < kNumLevels; level++) {
      auto& out = v->files_[level];
      out.clear();
      for (const auto& [number, f] : files_[level]) out.push_back(f);
      if (level > 0) {
        std::sort(out.begin(), out.end(), [](const FileMetaPtr& a, const FileMetaPtr& b) {
          return CompareInternalKeys(a->smallest, b->smallest) < 0;
        });
      }  // L0 stays in file-number order (oldest first).
    }
    for (const auto& [number, b] : blobs_) {
      // A blob file whose every blob is garbage is no longer part of the version.
      if (b->garbage_count < b->blob_count) v->blob_files_[number] = b;
    }
  }

 private:
  std::map<uint64_t, FileMetaPtr> files_[kNumLevels];
  std::map<uint64_t, BlobFilePtr> blobs_;
};

VersionSet::VersionSet(std::string dbname, const Options* options, TableCache* tables)
    : dbname_(std::move(dbname)), options_(options), tables_(tables) {
  auto v = std::make_shared<Version>();
  Finalize(v.get());
  Install(std::move(v));
}

VersionSet::~VersionSet() { CloseManifest().PermitUncheckedError(); }

Status VersionSet::CloseManifest() {
  manifest_log_.reset();
  if (!manifest_file_) return Status::OK();
  Status s = manifest_file_->Close();
  manifest_file_.reset();
  return s;
}

void VersionSet::MarkFileNumberUsed(uint64_t n) {
  uint64_t cur = next_file_number_.load();
  while (cur <= n && !next_file_number_.compare_exchange_weak(cur, n + 1)) {
  }
}

uint64_t VersionSet::MaxBytesForLevel(int level) const {
  uint64_t result = options_->max_bytes_for_level_base;
  for (int l = 1; l < level; l++) result *= static_cast<uint64_t>(options_->level_size_multiplier);
  return result;
}

void VersionSet::Finalize(Version* v) const {
  int best_level = -1;
  double best_score = -1;
  for (int level = 0; level < kNumLevels - 1; level++) {
    double score;
    if (level == 0) {
      score = v->NumFiles(0) / static_cast<double>(options_->l0_compaction_trigger);
    } else {
      score = static_cast<double>(v->LevelBytes(level)) / static_cast<double>(MaxBytesForLevel(level));
    }
    if (score > best_score) {
      best_score = score;
      best_level = level;
    }
  }
  v->compaction_score_ = best_score;
  v->compaction_level_ = best_level;
}

void VersionSet::Install(std::shared_ptr<Version> v) {
  all_versions_.remove_if([](const std::weak_ptr<const Version>& w) { return w.expired(); });
  all_versions_.push_back(v);
  current_ = std::move(v);
}

void VersionSet::AddLiveFiles(std::set<uint64_t>* live) {
  all_versions_.remove_if([](const std::weak_ptr<const Version>& w) { return w.expired(); });
  for (const auto& w : all_versions_) {
    auto v = w.lock();
    if (!v) continue;
    for (int level = 0; level < kNumLevels; level++) {
      for (const auto& f : v->files(level)) live->insert(f->number);
    }
    for (const auto& [number, b] : v->blob_files()) live->insert(number);
  }
}

void VersionSet::ApplyWals(const VersionEdit& edit) {
  for (uint64_t n : edit.added_wals()) wals_.try_emplace(n);
  for (const auto& [n, size] : edit.closed_wals()) wals_[n] = size;
  wals_.erase(wals_.begin(), wals_.lower_bound(log_number_));
}

Status VersionSet::WriteSnapshot(log::Writer* log) {
  VersionEdit edit;
  for (const auto& [n, size] : wals_) {
    if (size) {
      edit.CloseWal(n, *size);
    } else {
      edit.AddWal(n);
    }
  }
  for (int level = 0; level < kNumLevels; level++) {
    if (!compact_pointer_[level].empty()) edit.SetCompactPointer(level, compact_pointer_[level]);
    for (const auto& f : current_->files(level)) edit.AddFile(level, *f);
  }
  for (const auto& [number, b] : current_->blob_files()) {
    edit.AddBlobFile(BlobFileAddition{b->number, b->file_size, b->blob_count, b->blob_bytes});
    if (b->garbage_count > 0) edit.AddBlobGarbage(BlobGarbage{b->number, b->garbage_count, b->garbage_bytes});
  }
  std::string record;
  edit.EncodeTo(&record);
  return log->AddRecord(record);
}

Status VersionSet::CreateNew() {
  log_number_ = 0;
  return Status::OK();  // the first LogAndApply writes the manifest and CURRENT
}

Status VersionSet::LogAndApply(VersionEdit* edit) {
  if (edit->log_number()) {
    log_number_ = *edit->log_number();
  } else {
    edit->SetLogNumber(log_number_);
  }
  for (const auto& [level, key] : edit->compact_pointers()) compact_pointer_[level] = key;
  ApplyWals(*edit);

  auto v = std::make_shared<Version>();
  Builder builder(*current_);
  builder.Apply(*edit);
  builder.SaveTo(v.get());
  Finalize(v.get());

  Status s;
  bool new_manifest = false;
  if (manifest_log_ == nullptr || manifest_log_->size() > kMaxManifestSize) {
    // Start a new manifest with a snapshot of the current state.
    new_manifest = true;
    manifest_log_.reset();
    if (manifest_file_) manifest_file_->Close().PermitUncheckedError();
    manifest_file_number_ = NewFileNumber();
    auto file = options_->env->NewWritableFile(ManifestFileName(dbname_, manifest_file_number_));
    if (!file.ok()) return file.status();
    manifest_file_ = std::move(file).value();
    manifest_log_ = std::make_unique<log::Writer>(manifest_file_.get());
    s = WriteSnapshot(manifest_log_.get());
  }
  edit->SetNextFileNumber(next_file_number_.load());
  edit->SetLastSequence(LastSequence());
  if (s.ok()) {
    std::string record;
    edit->EncodeTo(&record);
    s = manifest_log_->AddRecord(record);
  }
  if (s.ok()) s = manifest_log_->Sync();
  if (s.ok() && new_manifest) s = SetCurrentFile(options_->env, dbname_, manifest_file_number_);
  if (!s.ok()) {
    // The manifest's state is unknown: the next call starts a fresh one.
    manifest_log_.reset();
    manifest_file_.reset();
    return s;
  }
  Install(std::move(v));
  return Status::OK();
}

Status VersionSet::Recover() {
  std::string current;
  EMBODB_RETURN_IF_ERROR(ReadFileToString(options_->env, CurrentFileName(dbname_), &current));
  if (current.empty() || current.back() != '\n') {
    return Status::Corruption(CurrentFileName(dbname_), "CURRENT does not end with a newline");
  }
  current.pop_back();
  uint64_t current_number;
  FileType manifest_type;
  if (!ParseFileName(current, &current_number, &manifest_type) || manifest_type != FileType::kManifest) {
    return Status::Corruption(CurrentFileName(dbname_), "CURRENT does not name a manifest file (it is damaged)");
  }
  const std::string manifest_name = dbname_ + "/" + current;
  auto file = options_->env->NewSequentialFile(manifest_name);
  if (!file.ok()) {
    if (file.status().IsNotFound()) {
      return Status::Corruption(manifest_name, "CURRENT names a manifest that does not exist");
    }
    return file.status();
  }
  log::Reader reader(file->get(), manifest_name);
  Version empty;
  Builder builder(empty);
  std::optional<uint64_t> next_file, log_number;
  std::optional<SequenceNumber> last_sequence;
  std::string scratch;
  std::string_view record;
  while (reader.ReadRecord(&record, &scratch)) {
    VersionEdit edit;
    Status s = edit.DecodeFrom(record);
    if (!s.ok()) return Status(s.IsNotSupported() ? s : Status::Corruption(manifest_name, s.message()));
    builder.Apply(edit);
    for (const auto& [level, key] : edit.compact_pointers()) compact_pointer_[level] = key;
    if (edit.next_file_number()) next_file = edit.next_file_number();
    if (edit.log_number()) log_number = edit.log_number();
    if (edit.last_sequence()) last_sequence = edit.last_sequence();
    if (log_number) log_number_ = *log_number;
    ApplyWals(edit);
  }
  if (!reader.status().ok()) return reader.status();
  // A torn tail is an edit whose LogAndApply never returned: ignoring it is right.
  if (!next_file || !log_number || !last_sequence) {
    return Status::Corruption(manifest_name, "manifest lacks the file number, log number or sequence");
  }
  auto v = std::make_shared<Version>();
  builder.SaveTo(v.get());
  Finalize(v.get());
  Install(std::move(v));
  next_file_number_.store(*next_file);
  uint64_t manifest_number;
  FileType type;
  if (ParseFileName(current, &manifest_number, &type)) MarkFileNumberUsed(manifest_number);
  log_number_ = *log_number;
  SetLastSequence(*last_sequence);
  return Status::OK();
}

std::unique_ptr<Compaction> VersionSet::PickCompaction() {
  if (!NeedsCompaction()) return nullptr;
  const int level = current_->compaction_level();
  auto c = std::make_unique<Compaction>(current_, level + 1, options_->target_file_size);
  c->blob_gc_ratio = options_->blob_gc_garbage_ratio;
  c->blob_merge_size = options_->blob_file_merge_size;
  CompactionInputs base{level, {}};
  if (level == 0) {
    base.files = current_->files(0);
  } else {
    // Round robin through the level, starting after the last compacted key.
    for (const auto& f : current_->files(level)) {
      if (compact_pointer_[level].empty() || CompareInternalKeys(f->largest, compact_pointer_[level]) > 0) {
        base.files.push_back(f);
        break;
      }
    }
    if (base.files.empty()) base.files.push_back(current_->files(level).front());
    compact_pointer_[level] = base.files[0]->largest;
  }
  std::string smallest(ExtractUserKey(base.files[0]->smallest));
  std::string largest(ExtractUserKey(base.files[0]->largest));
  for (const auto& f : base.files) {
    if (CompareUserKeys(ExtractUserKey(f->smallest), smallest) < 0) smallest = ExtractUserKey(f->smallest);
    if (CompareUserKeys(ExtractUserKey(f->largest), largest) > 0) largest = ExtractUserKey(f->largest);
  }
  c->inputs().push_back(std::move(base));
  auto next = current_->GetOverlappingInputs(level + 1, &smallest, &largest);
  if (!next.empty()) c->inputs().push_back(CompactionInputs{level + 1, std::move(next)});
  return c;
}

std::unique_ptr<Compaction> VersionSet::PickFullCompaction() {
  uint64_t total = 0;
  int deepest = 0;
  for (int level = 0; level < kNumLevels; level++) {
    if (current_->NumFiles(level) > 0) deepest = level;
    total += current_->LevelBytes(level);
  }
  if (total == 0) return nullptr;
  // The shallowest level that can hold everything, but never above existing data.
  int output = 1;
  while (output < kNumLevels - 1 && MaxBytesForLevel(output) < total) output++;
  output = std::max(output, deepest);
  auto c = std::make_unique<Compaction>(current_, output, options_->target_file_size);
  c->manual = true;
  c->blob_gc_ratio = options_->blob_gc_garbage_ratio;
  c->blob_merge_size = options_->blob_file_merge_size;
  for (int level = 0; level < kNumLevels; level++) {
    if (current_->NumFiles(level) > 0) c->inputs().push_back(CompactionInputs{level, current_->files(level)});
  }
  return c;
}

}  // namespace embodb::lsm
