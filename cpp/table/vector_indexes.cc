#include "table/vector_indexes.h"

#include <cstring>

#include "env/env.h"
#include "table/key_codec.h"
#include "table/row_codec.h"
#include "txn/transaction.h"

namespace embodb::table {

namespace {

constexpr size_t kBuildChunk = 8192;  // rows added at a time: progress and Ctrl-C come between chunks
constexpr std::string_view kFilePrefix = "vector-";
constexpr std::string_view kFileSuffix = ".hnsw";

// The index id of a checkpoint file name, or 0.
uint32_t IndexIdOfFile(const std::string& name) {
  if (!name.starts_with(kFilePrefix) || !name.ends_with(kFileSuffix)) return 0;
  const std::string digits = name.substr(kFilePrefix.size(), name.size() - kFilePrefix.size() - kFileSuffix.size());
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
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

}  // namespace

VectorIndexes::VectorIndexes(Env* env, std::string dir, catalog::Catalog* catalog, txn::TxnManager* txns)
    : env_(env), dir_(std::move(dir)), catalog_(catalog), txns_(txns) {}

VectorIndexes::~VectorIndexes() { Close().PermitUncheckedError(); }

std::string VectorIndexes::PathOf(uint32_t index_id) const {
  return dir_ + "/" + std::string(kFilePrefix) + std::to_string(index_id) + std::string(kFileSuffix);
}

Status VectorIndexes::OpenAll(const Progress& progress) {
  for (const std::string& name : catalog_->Names()) {
    catalog::TableDefPtr def = catalog_->Find(name);
    if (!def) continue;
    for (const catalog::DerivedIndexDef& d : def->derived) {
      if (d.kind != kHnswKind) continue;
      std::shared_ptr<VectorIndex> ix;
      EMBODB_ASSIGN_OR_RETURN(ix, Open(*def, d, /*build=*/false, progress));
      std::lock_guard l(mu_);
      indexes_[d.id] = std::move(ix);
    }
  }
  DeleteStrayFiles();
  return Status::OK();
}

void VectorIndexes::DeleteStrayFiles() {
  std::vector<std::string> children;
  if (!env_->GetChildren(dir_, &children).ok()) return;
  std::lock_guard l(mu_);
  for (const std::string& child : children) {
    const uint32_t id = IndexIdOfFile(child);
    if (id != 0 && indexes_.count(id) == 0) env_->RemoveFile(dir_ + "/" + child).PermitUncheckedError();
    if (child.ends_with(std::string(kFileSuffix) + ".tmp")) env_->RemoveFile(dir_ + "/" + child).PermitUncheckedError();
  }
}

Result<std::shared_ptr<VectorIndex>> VectorIndexes::Open(const catalog::TableDef& table,
                                                         const catalog::DerivedIndexDef& def, bool build,
                                                         const Progress& progress) {
  VectorIndexOptions options;
  EMBODB_ASSIGN_OR_RETURN(options, VectorIndexOptions::Decode(def.options));
  const int column = table.schema.Find(def.column);
  if (column < 0 || table.schema.column(static_cast<size_t>(column)).type.id != TypeId::kVector) {
    return Status::Corruption("the catalog holds a vector index on '" + def.column + "', which is not a vector column");
  }
  const std::string path = PathOf(def.id);
  std::shared_ptr<VectorIndex> ix;
  uint64_t covered = 0;
  if (!build) {
    auto loaded = VectorIndex::Load(env_, path, table.id, def.id, def.column, table.schema,
                                    static_cast<size_t>(column), options);
    if (loaded.ok()) {
      ix = std::move(loaded).value();
      covered = ix->covered();
      if (ix->attributes_complete()) {
        ix->MarkSaved(covered);
      } else {
        EMBODB_RETURN_IF_ERROR(FillAttributes(table, ix.get()));  // and checkpointed below
      }
    } else if (!loaded.status().IsNotFound() && !loaded.status().IsCorruption() &&
               !loaded.status().IsNotSupported()) {
      return loaded.status();  // an I/O error: do not silently rebuild over it
    }
    // Missing (a crash during its build), damaged, or of a format version
    // this build does not read (a newer one, or a flipped version field,
    // which no checksum covers): rebuilt from the table below.
  }
  if (!ix) {
    ix = std::make_shared<VectorIndex>(table.id, def.id, def.column, table.schema, static_cast<size_t>(column),
                                       options);
    EMBODB_RETURN_IF_ERROR(Build(table, ix.get(), &covered, progress));
    ix->StartAt(covered);
  }
  EMBODB_RETURN_IF_ERROR(catalog_->feed()->Attach(table.id, ix.get(), covered));
  if (ix->saved() != ix->covered()) {
    Status s = Checkpoint(ix.get());
    if (!s.ok()) {
      catalog_->feed()->Detach(ix.get());
      return s;
    }
  }
  return ix;
}

Status VectorIndexes::Build(const catalog::TableDef& table, VectorIndex* index, uint64_t* covered,
                            const Progress& progress) {
  lsm::DB* db = txns_->db();
  std::unique_ptr<txn::HeldSnapshot> snapshot;
  {
    // The feed number and the snapshot together: changes after the number
    // are replayed at Attach (a change the snapshot holds too is harmless).
    auto exclusive = txns_->BeginExclusive();
    *covered = catalog_->feed()->LastNumber(table.id);
    snapshot = std::make_unique<txn::HeldSnapshot>(db);
  }
  const std::string prefix = RowKeyPrefix(table.id);
  size_t total = 0;
  if (progress) {
    auto it = db->NewIterator(ReadAt(*snapshot));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) total++;
    EMBODB_RETURN_IF_ERROR(it->status());
    if (!progress(0, total)) return Status::Aborted("the index build was interrupted");
  }
  const size_t dim = index->dim();
  RowChunk chunk;
  std::vector<float> vectors;
  size_t done = 0;
  auto flush = [&]() -> Status {
    EMBODB_RETURN_IF_ERROR(index->AddRows(chunk.Keys(), vectors.data(), chunk.Rows()));
    done += chunk.size();
    chunk.Clear();
    vectors.clear();
    if (progress && !progress(done, total)) return Status::Aborted("the index build was interrupted");
    return Status::OK();
  };
  auto it = db->NewIterator(ReadAt(*snapshot));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view field;
    EMBODB_RETURN_IF_ERROR(ReadField(table.schema, it->value(), index->column(), &field));
    if (field.empty()) continue;  // null: not indexed
    if (field.size() != dim * sizeof(float)) return Status::Corruption("bad vector field in a row");
    chunk.Add(it->key().substr(prefix.size()), it->value());
    const size_t at = vectors.size();
    vectors.resize(at + dim);
    std::memcpy(vectors.data() + at, field.data(), field.size());
    if (chunk.size() == kBuildChunk) EMBODB_RETURN_IF_ERROR(flush());
  }
  EMBODB_RETURN_IF_ERROR(it->status());
  EMBODB_RETURN_IF_ERROR(flush());
  index->Reorder();
  return Status::OK();
}

Status VectorIndexes::FillAttributes(const catalog::TableDef& table, VectorIndex* index) {
  // The latest rows: the feed replay that follows applies the same changes again.
  lsm::DB* db = txns_->db();
  const txn::HeldSnapshot snapshot(db);
  const std::string prefix = RowKeyPrefix(table.id);
  RowChunk chunk;
  auto it = db->NewIterator(ReadAt(snapshot));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    chunk.Add(it->key().substr(prefix.size()), it->value());
    if (chunk.size() < kBuildChunk) continue;
    EMBODB_RETURN_IF_ERROR(index->FillAttributes(chunk.Keys(), chunk.Rows()));
    chunk.Clear();
  }
  EMBODB_RETURN_IF_ERROR(it->status());
  return index->FillAttributes(chunk.Keys(), chunk.Rows());
}

Status VectorIndexes::Checkpoint(VectorIndex* index) {
  auto lock = index->ReadLock();  // no change is applied meanwhile
  EMBODB_RETURN_IF_ERROR(index->health());
  // Everything applied must be durable before a file says it is covered.
  EMBODB_RETURN_IF_ERROR(catalog_->feed()->SyncBeforeCheckpoint());
  const uint64_t covered = index->covered();
  EMBODB_RETURN_IF_ERROR(index->Save(env_, PathOf(index->index_id())));
  lock.unlock();
  catalog_->feed()->Checkpointed(index, covered);
  index->MarkSaved(covered);
  return Status::OK();
}

Result<std::shared_ptr<VectorIndex>> VectorIndexes::Create(const std::string& table, const std::string& column,
                                                           const VectorIndexOptions& options,
                                                           const Progress& progress) {
  EMBODB_RETURN_IF_ERROR(options.Check());
  std::lock_guard create(create_mu_);
  catalog::TableDefPtr def = catalog_->Find(table);
  if (!def) return Status::NotFound("no table '" + table + "'");
  const int c = def->schema.Find(column);
  if (c < 0) return Status::Schema("table '" + table + "' has no column '" + column + "'");
  const ColumnType& type = def->schema.column(static_cast<size_t>(c)).type;
  if (type.id != TypeId::kVector) {
    return Status::Schema("an hnsw index needs a vector column; '" + column + "' is " + type.Name());
  }
  catalog::DerivedIndexDef d;
  d.kind = std::string(kHnswKind);
  d.column = column;
  d.options = options.Encode();
  EMBODB_ASSIGN_OR_RETURN(def, catalog_->CreateDerivedIndex(table, d));
  const catalog::DerivedIndexDef* declared = def->FindDerived(column, kHnswKind);
  auto ix = Open(*def, *declared, /*build=*/true, progress);
  if (!ix.ok()) {
    // Nothing stays of a failed build: not the declaration, not a file.
    catalog_->DropDerivedIndex(table, column, std::string(kHnswKind)).PermitUncheckedError();
    env_->RemoveFile(PathOf(declared->id)).PermitUncheckedError();
    return ix.status();
  }
  std::lock_guard l(mu_);
  indexes_[declared->id] = *ix;
  return ix;
}

Status VectorIndexes::Drop(const std::string& table, const std::string& column) {
  std::lock_guard create(create_mu_);
  catalog::TableDefPtr def = catalog_->Find(table);
  if (!def) return Status::NotFound("no table '" + table + "'");
  const catalog::DerivedIndexDef* d = def->FindDerived(column, kHnswKind);
  if (d == nullptr) return Status::NotFound("table '" + table + "' has no vector index on '" + column + "'");
  const uint32_t id = d->id;
  EMBODB_RETURN_IF_ERROR(catalog_->DropDerivedIndex(table, column, std::string(kHnswKind)));
  std::shared_ptr<VectorIndex> ix;
  {
    std::lock_guard l(mu_);
    auto it = indexes_.find(id);
    if (it != indexes_.end()) {
      ix = std::move(it->second);
      indexes_.erase(it);
    }
  }
  if (ix) catalog_->feed()->Detach(ix.get());
  env_->RemoveFile(PathOf(id)).PermitUncheckedError();
  return Status::OK();
}

void VectorIndexes::ForgetTable(uint32_t table_id) {
  std::vector<std::shared_ptr<VectorIndex>> gone;
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
    env_->RemoveFile(PathOf(ix->index_id())).PermitUncheckedError();
  }
}

std::shared_ptr<VectorIndex> VectorIndexes::Find(uint32_t table_id, std::string_view column) const {
  std::lock_guard l(mu_);
  for (const auto& [id, ix] : indexes_) {
    if (ix->table_id() == table_id && ix->column_name() == column) return ix;
  }
  return nullptr;
}

Status VectorIndexes::Verify(const catalog::TableDef& table) {
  for (const catalog::DerivedIndexDef& d : table.derived) {
    if (d.kind != kHnswKind) continue;
    std::shared_ptr<VectorIndex> ix = Find(table.id, d.column);
    if (!ix) return Status::Corruption("the vector index on '" + d.column + "' is declared but not open");
    auto lock = ix->ReadLock();  // no commit of the table is applied meanwhile, or made visible
    EMBODB_RETURN_IF_ERROR(ix->health());
    const txn::HeldSnapshot snapshot(txns_->db());
    lsm::ReadOptions ro = ReadAt(snapshot);
    ro.fill_cache = false;
    const std::string prefix = RowKeyPrefix(table.id);
    index::NodeSet seen(ix->graph().slots());  // the nodes of the rows with a vector (keys are distinct)
    auto it = txns_->db()->NewIterator(ro);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      EMBODB_RETURN_IF_ERROR(ix->VerifyRow(it->key().substr(prefix.size()), it->value(), &seen));
    }
    EMBODB_RETURN_IF_ERROR(it->status());
    EMBODB_RETURN_IF_ERROR(ix->VerifyNoStrays(seen, seen.Count()));
  }
  return Status::OK();
}

Status VectorIndexes::CheckpointAll() {
  std::vector<std::shared_ptr<VectorIndex>> all;
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

Status VectorIndexes::Close(bool checkpoint) {
  {
    std::lock_guard create(create_mu_);
    if (closed_) return Status::OK();
    closed_ = true;
  }
  Status s = checkpoint ? CheckpointAll() : Status::OK();
  std::map<uint32_t, std::shared_ptr<VectorIndex>> all;
  {
    std::lock_guard l(mu_);
    all.swap(indexes_);
  }
  for (const auto& [id, ix] : all) catalog_->feed()->Detach(ix.get());
  return s;
}

}  // namespace embodb::table
