#include "index/derived_indexes.h"

#include <chrono>
#include <future>

#include "env/env.h"
#include "table/key_codec.h"
#include "txn/reader.h"
#include "txn/transaction.h"

namespace embodb::index {

namespace {

constexpr size_t kBuildChunk = 8192;  // rows handed over at a time: progress and Ctrl-C come between chunks

// The index id of a checkpoint file name of the kind, or 0.
uint32_t IndexIdOfFile(const IndexKind& kind, const std::string& name) {
  if (!name.starts_with(kind.file_prefix) || !name.ends_with(kind.file_suffix)) return 0;
  if (name.size() <= kind.file_prefix.size() + kind.file_suffix.size()) return 0;
  const std::string digits =
      name.substr(kind.file_prefix.size(), name.size() - kind.file_prefix.size() - kind.file_suffix.size());
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
  return static_cast<uint32_t>(std::stoul(digits));
}

// Keys and rows of the table, copied off an iterator a chunk at a time.
class RowChunk {
 public:
  void Add(std::string_view key, std::string_view row) {
    data_.append(key);
    ends_.push_back(data_.size());
    data_.append(row);
    ends_.push_back(data_.size());
  }
  size_t size() const { return ends_.size() / 2; }
  std::vector<std::string_view> Keys() const { return Parts(0); }
  std::vector<std::string_view> Rows() const { return Parts(1); }
  void Clear() {
    data_.clear();
    ends_.clear();
  }

 private:
  std::vector<std::string_view> Parts(size_t which) const {
    std::vector<std::string_view> out;
    for (size_t i = which; i < ends_.size(); i += 2) {
      const size_t start = i == 0 ? 0 : ends_[i - 1];
      out.emplace_back(data_.data() + start, ends_[i] - start);
    }
    return out;
  }
  std::string data_;
  std::vector<size_t> ends_;  // key end, row end, key end, ...
};

lsm::ReadOptions ReadAt(const txn::HeldSnapshot& snapshot) {
  lsm::ReadOptions ro;
  ro.snapshot = snapshot.sequence();
  return ro;
}

// Calls each(chunk) over the table's rows at snapshot, a chunk of keys and
// rows at a time, on a second thread while the iterator fills the next
// chunk (reading and indexing overlap). `between` runs on the calling
// thread after each chunk is done (progress, Ctrl-C); a failure of either
// stops the loop.
template <typename Each, typename Between>
Status ForEachRowChunk(lsm::DB* db, const txn::HeldSnapshot& snapshot, uint32_t table_id, Each&& each,
                       Between&& between) {
  const std::string prefix = table::RowKeyPrefix(table_id);
  RowChunk chunks[2];
  int filling = 0;
  std::future<Status> pending;
  size_t pending_rows = 0;
  auto finish_pending = [&]() -> Status {
    if (!pending.valid()) return Status::OK();
    EMBODB_RETURN_IF_ERROR(pending.get());
    return between(pending_rows);
  };
  auto hand_over = [&]() -> Status {
    EMBODB_RETURN_IF_ERROR(finish_pending());
    RowChunk* chunk = &chunks[filling];
    pending_rows = chunk->size();
    pending = std::async(std::launch::async, [&each, chunk] { return each(*chunk); });
    filling = 1 - filling;
    chunks[filling].Clear();
    return Status::OK();
  };
  lsm::ReadOptions ro = ReadAt(snapshot);
  ro.fill_cache = false;
  auto it = db->NewIterator(ro);
  Status s;
  for (it->Seek(prefix); s.ok() && it->Valid() && it->key().starts_with(prefix); it->Next()) {
    chunks[filling].Add(it->key().substr(prefix.size()), it->value());
    if (chunks[filling].size() >= kBuildChunk) s = hand_over();
  }
  if (s.ok()) s = it->status();
  if (s.ok() && chunks[filling].size() > 0) s = hand_over();
  const Status last = finish_pending();  // never leave the task running
  return s.ok() ? last : s;
}

template <typename Each>
Status ForEachRowChunk(lsm::DB* db, const txn::HeldSnapshot& snapshot, uint32_t table_id, Each&& each) {
  return ForEachRowChunk(db, snapshot, table_id, each, [](size_t) { return Status::OK(); });
}

}  // namespace

DerivedIndexes::DerivedIndexes(Env* env, std::string dir, catalog::Catalog* catalog, txn::TxnManager* txns,
                               uint64_t checkpoint_after)
    : env_(env), dir_(std::move(dir)), catalog_(catalog), txns_(txns), checkpoint_after_(checkpoint_after) {}

DerivedIndexes::~DerivedIndexes() { Close().PermitUncheckedError(); }

std::string DerivedIndexes::PathOf(const table::DerivedIndexDef& def) const {
  const IndexKind* kind = FindKind(def.kind);
  const std::string prefix = kind != nullptr ? kind->file_prefix : def.kind + "-";
  const std::string suffix = kind != nullptr ? kind->file_suffix : ".index";
  return dir_ + "/" + prefix + std::to_string(def.id) + suffix;
}

Status DerivedIndexes::OpenAll(const Progress& progress) {
  for (const std::string& name : catalog_->Names()) {
    table::TableDefPtr def = catalog_->Find(name);
    if (!def) continue;
    for (const table::DerivedIndexDef& d : def->derived) {
      if (FindKind(d.kind) == nullptr) {
        return Status::NotSupported("table '" + name + "' has an index of kind '" + d.kind +
                                    "', which this version of embodb does not know");
      }
      std::shared_ptr<DerivedIndex> ix;
      EMBODB_ASSIGN_OR_RETURN(ix, Open(*def, d, /*build=*/false, progress));
      std::lock_guard l(mu_);
      indexes_[d.id] = std::move(ix);
    }
  }
  DeleteStrayFiles();
  if (!checkpointer_.joinable()) checkpointer_ = std::thread([this] { CheckpointThread(); });
  return Status::OK();
}

void DerivedIndexes::CheckpointThread() {
  std::unique_lock l(thread_mu_);
  while (!stopping_) {
    thread_cv_.wait_for(l, std::chrono::milliseconds(kPollMillis));
    if (stopping_) break;
    l.unlock();
    // A failed save is retried at the next poll; close reports it.
    CheckpointIfBehind(checkpoint_after_).PermitUncheckedError();
    l.lock();
  }
}

Status DerivedIndexes::CheckpointIfBehind(uint64_t after) {
  std::lock_guard create(create_mu_);  // not while an index is created or dropped
  if (closed_) return Status::OK();
  std::vector<std::shared_ptr<DerivedIndex>> all;
  {
    std::lock_guard l(mu_);
    for (const auto& [id, ix] : indexes_) all.push_back(ix);
  }
  Status result;
  for (const auto& ix : all) {
    const uint64_t saved = ix->saved(), covered = ix->covered();
    if (saved != UINT64_MAX && covered < saved + after) continue;
    Status s = Checkpoint(ix.get());
    if (result.ok()) result = s;
  }
  return result;
}

void DerivedIndexes::DeleteStrayFiles() {
  std::vector<std::string> children;
  if (!env_->GetChildren(dir_, &children).ok()) return;
  std::vector<const IndexKind*> kinds;
  for (const std::string& name : KindNames()) kinds.push_back(FindKind(name));
  std::lock_guard l(mu_);
  for (const std::string& child : children) {
    for (const IndexKind* kind : kinds) {
      const uint32_t id = IndexIdOfFile(*kind, child);
      const bool stray = (id != 0 && indexes_.count(id) == 0) || child.ends_with(kind->file_suffix + ".tmp");
      if (stray) env_->RemoveFile(dir_ + "/" + child).PermitUncheckedError();
    }
  }
}

Result<std::shared_ptr<DerivedIndex>> DerivedIndexes::Open(const table::TableDef& table,
                                                           const table::DerivedIndexDef& def, bool build,
                                                           const Progress& progress, bool count_total) {
  const IndexKind* kind = FindKind(def.kind);
  if (kind == nullptr) return Status::NotSupported("unknown index kind '" + def.kind + "'");
  const std::string path = PathOf(def);
  std::shared_ptr<DerivedIndex> ix;
  uint64_t covered = 0;
  if (!build) {
    auto loaded = kind->load(env_, path, table, def);
    if (loaded.ok()) {
      ix = std::move(loaded).value();
      covered = ix->covered();
      if (ix->NeedsRows()) {
        EMBODB_RETURN_IF_ERROR(FillFromRows(table, ix.get()));  // and checkpointed below
      } else {
        ix->MarkSaved(covered);
      }
    } else if (!loaded.status().IsNotFound() && !loaded.status().IsCorruption() &&
               !loaded.status().IsNotSupported()) {
      return loaded.status();  // an I/O error: do not silently rebuild over it
    }
    // Missing (a crash during its build), damaged, or of a format version
    // this build does not read (a newer one, or a flipped version field,
    // which no checksum covers): rebuilt from the table below.
  }
  bool built = false;
  if (!ix) {
    EMBODB_ASSIGN_OR_RETURN(ix, kind->create(table, def));
    EMBODB_RETURN_IF_ERROR(Build(table, ix.get(), &covered, progress, count_total));
    ix->StartAt(covered);
    built = true;
  }
  EMBODB_RETURN_IF_ERROR(catalog_->feed()->Attach(table.id, ix.get(), covered));
  // A fresh build is saved by the background thread at its next poll (it
  // has never been saved), not here: the caller has its index a save
  // sooner, and a crash before the save rebuilds it from the table.
  if (!built && ix->saved() != ix->covered()) {
    Status s = Checkpoint(ix.get());
    if (!s.ok()) {
      catalog_->feed()->Detach(ix.get());
      return s;
    }
  }
  return ix;
}

Status DerivedIndexes::Build(const table::TableDef& table, DerivedIndex* index, uint64_t* covered,
                             const Progress& progress, bool count_total) {
  lsm::DB* db = txns_->db();
  std::unique_ptr<txn::HeldSnapshot> snapshot;
  {
    // The feed number and the snapshot together: changes after the number
    // are replayed at Attach (a change the snapshot holds too is harmless).
    auto exclusive = txns_->BeginExclusive();
    *covered = catalog_->feed()->LastNumber(table.id);
    snapshot = std::make_unique<txn::HeldSnapshot>(db);
  }
  size_t total = 0;
  if (progress && count_total) {
    const std::string prefix = table::RowKeyPrefix(table.id);
    auto it = db->NewIterator(ReadAt(*snapshot));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) total++;
    EMBODB_RETURN_IF_ERROR(it->status());
    if (!progress(0, total)) return Status::Aborted("the index build was interrupted");
  }
  size_t done = 0;
  EMBODB_RETURN_IF_ERROR(ForEachRowChunk(
      db, *snapshot, table.id, [&](const RowChunk& chunk) { return index->AddRows(chunk.Keys(), chunk.Rows()); },
      [&](size_t rows) -> Status {
        done += rows;
        if (progress && !progress(done, total)) return Status::Aborted("the index build was interrupted");
        return Status::OK();
      }));
  index->FinishBuild();
  return Status::OK();
}

Status DerivedIndexes::FillFromRows(const table::TableDef& table, DerivedIndex* index) {
  // The latest rows: the feed replay that follows applies the same changes again.
  const txn::HeldSnapshot snapshot(txns_->db());
  return ForEachRowChunk(txns_->db(), snapshot, table.id,
                         [&](const RowChunk& chunk) { return index->FillFromRows(chunk.Keys(), chunk.Rows()); });
}

Status DerivedIndexes::Checkpoint(DerivedIndex* index) {
  auto lock = index->ReadLock();  // no change is applied meanwhile
  EMBODB_RETURN_IF_ERROR(index->health());
  // Everything applied must be durable before a file says it is covered.
  EMBODB_RETURN_IF_ERROR(catalog_->feed()->SyncBeforeCheckpoint());
  const uint64_t covered = index->covered();
  EMBODB_RETURN_IF_ERROR(index->Save(env_, PathOf(index->def())));
  lock.unlock();
  catalog_->feed()->Checkpointed(index, covered);
  index->MarkSaved(covered);
  return Status::OK();
}

Result<std::shared_ptr<DerivedIndex>> DerivedIndexes::Create(const std::string& table, const std::string& column,
                                                             const std::string& kind_name, const Params& params,
                                                             const Progress& progress, bool count_total) {
  const IndexKind* kind = FindKind(kind_name);
  if (kind == nullptr) {
    std::string known;
    for (const std::string& k : KindNames()) known += ", '" + k + "'";
    return Status::InvalidArgument("index kind must be 'ordered'" + known + ", not '" + kind_name + "'");
  }
  std::string options;
  EMBODB_ASSIGN_OR_RETURN(options, kind->encode_options(params));
  std::lock_guard create(create_mu_);
  table::TableDefPtr def = catalog_->Find(table);
  if (!def) return Status::NotFound("no table '" + table + "'");
  const int c = def->schema.Find(column);
  if (c < 0) return Status::Schema("table '" + table + "' has no column '" + column + "'");
  EMBODB_RETURN_IF_ERROR(kind->check_column(def->schema.column(static_cast<size_t>(c))));
  table::DerivedIndexDef d;
  d.kind = kind_name;
  d.column = column;
  d.options = std::move(options);
  EMBODB_ASSIGN_OR_RETURN(def, catalog_->CreateDerivedIndex(table, d));
  const table::DerivedIndexDef* declared = def->FindDerived(column, kind_name);
  auto ix = Open(*def, *declared, /*build=*/true, progress, count_total);
  if (!ix.ok()) {
    // Nothing stays of a failed build: not the declaration, not a file.
    catalog_->DropDerivedIndex(table, column, kind_name).PermitUncheckedError();
    env_->RemoveFile(PathOf(*declared)).PermitUncheckedError();
    return ix.status();
  }
  std::lock_guard l(mu_);
  indexes_[declared->id] = *ix;
  return ix;
}

Status DerivedIndexes::Drop(const std::string& table, const std::string& column, const std::string& kind) {
  std::lock_guard create(create_mu_);
  table::TableDefPtr def = catalog_->Find(table);
  if (!def) return Status::NotFound("no table '" + table + "'");
  const table::DerivedIndexDef* d = def->FindDerived(column, kind);
  if (d == nullptr) return Status::NotFound("table '" + table + "' has no " + kind + " index on '" + column + "'");
  const table::DerivedIndexDef dropped = *d;
  EMBODB_RETURN_IF_ERROR(catalog_->DropDerivedIndex(table, column, kind));
  std::shared_ptr<DerivedIndex> ix;
  {
    std::lock_guard l(mu_);
    auto it = indexes_.find(dropped.id);
    if (it != indexes_.end()) {
      ix = std::move(it->second);
      indexes_.erase(it);
    }
  }
  if (ix) catalog_->feed()->Detach(ix.get());
  env_->RemoveFile(PathOf(dropped)).PermitUncheckedError();
  return Status::OK();
}

void DerivedIndexes::ForgetTable(uint32_t table_id) {
  std::vector<std::shared_ptr<DerivedIndex>> gone;
  {
    std::lock_guard l(mu_);
    for (auto it = indexes_.begin(); it != indexes_.end();) {
      if (it->second->table_id() == table_id) {
        gone.push_back(std::move(it->second));
        it = indexes_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& ix : gone) {
    catalog_->feed()->Detach(ix.get());
    env_->RemoveFile(PathOf(ix->def())).PermitUncheckedError();
  }
}

std::shared_ptr<DerivedIndex> DerivedIndexes::Find(uint32_t table_id, std::string_view column,
                                                   std::string_view kind) const {
  std::lock_guard l(mu_);
  for (const auto& [id, ix] : indexes_) {
    if (ix->table_id() == table_id && ix->column_name() == column && ix->kind() == kind) return ix;
  }
  return nullptr;
}

Status DerivedIndexes::Verify(const table::TableDef& table) {
  for (const table::DerivedIndexDef& d : table.derived) {
    std::shared_ptr<DerivedIndex> ix = Find(table.id, d.column, d.kind);
    if (!ix) return Status::Corruption("the " + d.kind + " index on '" + d.column + "' is declared but not open");
    auto lock = ix->ReadLock();  // no commit of the table is applied meanwhile, or made visible
    EMBODB_RETURN_IF_ERROR(ix->health());
    const txn::HeldSnapshot snapshot(txns_->db());
    std::unique_ptr<RowVerifier> verifier = ix->StartVerify();
    EMBODB_RETURN_IF_ERROR(ForEachRowChunk(txns_->db(), snapshot, table.id, [&](const RowChunk& chunk) -> Status {
      const auto keys = chunk.Keys(), rows = chunk.Rows();
      for (size_t i = 0; i < keys.size(); i++) EMBODB_RETURN_IF_ERROR(verifier->Row(keys[i], rows[i]));
      return Status::OK();
    }));
    EMBODB_RETURN_IF_ERROR(verifier->Finish());
  }
  return Status::OK();
}

Status DerivedIndexes::CheckpointAll() {
  std::vector<std::shared_ptr<DerivedIndex>> all;
  {
    std::lock_guard l(mu_);
    for (const auto& [id, ix] : indexes_) all.push_back(ix);
  }
  Status result;
  for (const auto& ix : all) {
    if (ix->saved() == ix->covered()) continue;  // nothing changed since its last checkpoint
    Status s = Checkpoint(ix.get());
    if (result.ok()) result = s;
  }
  return result;
}

Status DerivedIndexes::Close(bool checkpoint) {
  {
    std::lock_guard l(thread_mu_);
    stopping_ = true;
  }
  thread_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
  {
    std::lock_guard create(create_mu_);
    if (closed_) return Status::OK();
    closed_ = true;
  }
  Status s = checkpoint ? CheckpointAll() : Status::OK();
  std::map<uint32_t, std::shared_ptr<DerivedIndex>> all;
  {
    std::lock_guard l(mu_);
    all.swap(indexes_);
  }
  for (const auto& [id, ix] : all) catalog_->feed()->Detach(ix.get());
  return s;
}

}  // namespace embodb::index
