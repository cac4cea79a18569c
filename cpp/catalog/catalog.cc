#include "catalog/catalog.h"

#include <algorithm>

#include "table/keyspace.h"
#include "table/index_codec.h"
#include "table/key_codec.h"
#include "txn/transaction.h"
#include "util/coding.h"

namespace embodb::catalog {

static std::string CatalogKey(char kind, std::string_view rest = {}) {
  std::string key(1, static_cast<char>(table::KeySpace::kCatalog));
  key.push_back(kind);
  key.append(rest);
  return key;
}

static std::string IdCounterKey(uint32_t table_id) {
  std::string id;
  PutFixed32(&id, table_id);
  return CatalogKey('a', id);
}

static lsm::WriteOptions SyncWrite() {
  lsm::WriteOptions wo;
  wo.durability = lsm::Durability::kSync;
  return wo;
}

Catalog::Catalog(txn::TxnManager* txns, FeedTrim* feed_trim, table::TableDefsById* by_id)
    : txns_(txns), feed_(std::make_unique<ChangeFeed>(txns, feed_trim)), by_id_(by_id) {
  txns_->SetCommitObserver(feed_.get());
}

Catalog::~Catalog() { txns_->SetCommitObserver(nullptr); }

Result<std::unique_ptr<Catalog>> Catalog::Load(txn::TxnManager* txns, FeedTrim* feed_trim,
                                               table::TableDefsById* by_id) {
  std::unique_ptr<Catalog> c(new Catalog(txns, feed_trim, by_id));
  EMBODB_RETURN_IF_ERROR(c->LoadTables());
  for (const auto& [name, def] : c->tables_) EMBODB_RETURN_IF_ERROR(c->feed_->OnTableDef(*def));
  if (c->next_table_id_ == 1) return c;  // no table ever existed: no rows to sweep
  // Cleanup only: a failure (say, a damaged block among other data) must not
  // keep the database from opening; reads of damaged data report it, and the
  // next open tries again.
  c->DeleteOrphans().PermitUncheckedError();
  return c;
}

Status Catalog::LoadTables() {
  txn::SnapshotReader reader(txns_->db(), std::nullopt);
  std::string value;
  Status s = reader.Get(CatalogKey('n'), &value);
  if (s.IsNotFound()) {
    // No table was ever created ('n' is written by every create and never
    // deleted): nothing to load, and no reason to read other data at open.
    return Status::OK();
  }
  EMBODB_RETURN_IF_ERROR(s);
  const uint64_t opened_at = txns_->db()->GetStats().last_sequence;
  if (value.size() != 4) return Status::Corruption("bad next table id in catalog");
  next_table_id_ = DecodeFixed32(value.data());
  const std::string prefix = CatalogKey('t');
  auto it = reader.NewIterator(prefix, table::PrefixSuccessor(prefix));
  for (it->SeekToFirst(); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string_view name = it->key().substr(prefix.size());
    EMBODB_ASSIGN_OR_RETURN(table::TableDef def, table::TableDef::Decode(name, it->value()));
    // When an index was created is not stored: reads of states older than
    // this open (history) do not use it, which is always right.
    for (table::IndexDef& ix : def.indexes) ix.created_at = opened_at;
    if (def.id >= next_table_id_) return Status::Corruption("table id beyond the catalog's next id", def.name);
    auto ptr = std::make_shared<const table::TableDef>(std::move(def));
    if (ptr->schema.auto_id()) EMBODB_RETURN_IF_ERROR(LoadIdCounter(*ptr));
    Publish(std::move(ptr));
  }
  return it->status();
}

void Catalog::Publish(table::TableDefPtr def) {
  if (by_id_ != nullptr) by_id_->Set(def);
  tables_[def->name] = std::move(def);
}

Status Catalog::LoadIdCounter(const table::TableDef& table) {
  // The next id is above both the persisted high-water mark and the last row
  // (belt and braces: the mark is written with every insert that takes ids).
  int64_t next = 1;
  txn::SnapshotReader reader(txns_->db(), std::nullopt);
  std::string value;
  Status s = reader.Get(IdCounterKey(table.id), &value);
  if (s.ok()) {
    if (value.size() != 8) return Status::Corruption("bad id counter in catalog", table.name);
    next = static_cast<int64_t>(DecodeFixed64(value.data()));
  } else if (!s.IsNotFound()) {
    return s;
  }
  const std::string prefix = table::RowKeyPrefix(table.id);
  auto it = txns_->db()->NewIterator(lsm::ReadOptions());
  it->SeekForPrev(table::PrefixSuccessor(prefix));
  if (it->Valid() && it->key().starts_with(prefix)) {
    table::Value last;
    EMBODB_ASSIGN_OR_RETURN(last, table::DecodeKeyValue(table.schema.column(table.schema.key_only_column()).type,
                                                        it->key().substr(prefix.size())));
    if (last.kind == table::Value::Kind::kInt && last.i >= next) next = last.i + 1;
  }
  EMBODB_RETURN_IF_ERROR(it->status());
  next_ids_[table.id] = std::make_shared<std::atomic<int64_t>>(next);
  return Status::OK();
}

Status Catalog::DeleteOrphans() {
  // Rows and index entries are grouped by table or index id: visit each group
  // once, and delete the groups no table owns (left by a crash during a drop).
  std::vector<uint32_t> live_tables, live_indexes;
  for (const auto& [name, def] : tables_) {
    live_tables.push_back(def->id);
    for (const auto& ix : def->indexes) live_indexes.push_back(ix.id);
  }
  std::vector<std::string> orphans;
  for (const table::KeySpace space :
       {table::KeySpace::kRows, table::KeySpace::kIndex, table::KeySpace::kFeed, table::KeySpace::kSeries}) {
    const std::string space_prefix(1, static_cast<char>(space));
    const auto& live = space == table::KeySpace::kIndex ? live_indexes : live_tables;
    auto it = txns_->db()->NewIterator(lsm::ReadOptions());
    it->Seek(space_prefix);
    while (it->Valid() && it->key().starts_with(space_prefix) && it->key().size() >= 5) {
      const uint32_t id = table::RowKeyTableId(it->key());  // the same BE32 after the space byte
      const std::string group(it->key().substr(0, 5));
      if (std::find(live.begin(), live.end(), id) == live.end()) orphans.push_back(group);
      const std::string next = table::PrefixSuccessor(group);
      if (next.empty()) break;
      it->Seek(next);
    }
    EMBODB_RETURN_IF_ERROR(it->status());
  }
  for (const std::string& prefix : orphans) EMBODB_RETURN_IF_ERROR(DeleteRange(prefix));
  return Status::OK();
}

Status Catalog::DeleteRange(const std::string& prefix, const std::string& extra) {
  // In batches, so that a huge table does not make one huge write. A crash
  // part-way leaves orphans that the next open deletes.
  auto it = txns_->db()->NewIterator(lsm::ReadOptions());
  lsm::WriteBatch batch;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    batch.Delete(it->key());
    if (batch.Count() >= 10000) {
      EMBODB_RETURN_IF_ERROR(txns_->db()->Write(lsm::WriteOptions(), &batch));
      batch.Clear();
    }
  }
  EMBODB_RETURN_IF_ERROR(it->status());
  if (!extra.empty()) batch.Delete(extra);
  return txns_->db()->Write(lsm::WriteOptions(), &batch);
}

table::TableDefPtr Catalog::Find(std::string_view name) const {
  std::lock_guard l(mu_);
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second;
}

std::vector<std::string> Catalog::Names() const {
  std::lock_guard l(mu_);
  std::vector<std::string> names;
  for (const auto& [name, def] : tables_) names.push_back(name);
  return names;
}

uint32_t Catalog::ReserveId(txn::Transaction* tx) {
  uint32_t id;
  {
    std::lock_guard l(mu_);
    id = next_table_id_;
  }
  std::string next_id;
  PutFixed32(&next_id, id + 1);
  tx->Put(CatalogKey('n'), next_id);
  return id;
}

Status Catalog::CommitDef(txn::Transaction* tx, const table::TableDef& def) {
  std::string value;
  def.EncodeTo(&value);
  tx->Put(table::TableDefKey(def.name), value);
  return tx->Commit(SyncWrite());
}

Result<table::TableDefPtr> Catalog::CreateTable(const std::string& name, table::Schema schema,
                                                 std::optional<table::SeriesDef> series) {
  EMBODB_RETURN_IF_ERROR(table::CheckName("table", name));
  auto tx = txns_->BeginExclusive();
  if (Find(name)) return Status::Schema("table '" + name + "' already exists");
  table::TableDef def;
  def.name = name;
  def.schema = std::move(schema);
  def.series = std::move(series);
  def.id = ReserveId(tx.get());
  EMBODB_RETURN_IF_ERROR(CommitDef(tx.get(), def));
  auto ptr = std::make_shared<const table::TableDef>(std::move(def));
  std::lock_guard l(mu_);
  next_table_id_ = ptr->id + 1;
  if (ptr->schema.auto_id()) next_ids_[ptr->id] = std::make_shared<std::atomic<int64_t>>(1);
  Publish(ptr);
  return ptr;
}

Status Catalog::DropTable(const std::string& name) {
  table::TableDefPtr def;
  {
    auto tx = txns_->BeginExclusive();
    def = Find(name);
    if (!def) return Status::NotFound("no table '" + name + "'");
    tx->Delete(table::TableDefKey(name));
    EMBODB_RETURN_IF_ERROR(tx->Commit(SyncWrite()));
    feed_->OnTableDropped(def->id);
    std::lock_guard l(mu_);
    tables_.erase(name);
    if (by_id_ != nullptr) by_id_->Erase(def->id);
    next_ids_.erase(def->id);
  }
  for (const table::IndexDef& ix : def->indexes) EMBODB_RETURN_IF_ERROR(DeleteRange(table::IndexKeyPrefix(ix.id)));
  if (!def->derived.empty()) EMBODB_RETURN_IF_ERROR(DeleteRange(FeedPrefix(def->id)));
  if (def->series) EMBODB_RETURN_IF_ERROR(DeleteRange(table::SeriesKeyPrefix(def->id)));
  return DeleteRange(table::RowKeyPrefix(def->id), IdCounterKey(def->id));
}

Result<table::TableDefPtr> Catalog::SetSeriesTtl(const std::string& name, int64_t ttl_ns) {
  if (ttl_ns < 0) return Status::InvalidArgument("ttl must not be negative");
  auto tx = txns_->BeginExclusive();
  table::TableDefPtr old = Find(name);
  if (!old) return Status::NotFound("no table '" + name + "'");
  if (!old->series) return Status::InvalidArgument("'" + name + "' is a table, not a time series");
  table::TableDef def = *old;
  def.series->ttl_ns = ttl_ns;
  EMBODB_RETURN_IF_ERROR(CommitDef(tx.get(), def));
  auto ptr = std::make_shared<const table::TableDef>(std::move(def));
  std::lock_guard l(mu_);
  Publish(ptr);
  return ptr;
}

Result<table::TableDefPtr> Catalog::AddColumn(const std::string& name, table::Column column) {
  auto tx = txns_->BeginExclusive();
  table::TableDefPtr old = Find(name);
  if (!old) return Status::NotFound("no table '" + name + "'");
  table::TableDef def = *old;
  EMBODB_RETURN_IF_ERROR(def.schema.AddColumn(std::move(column)));
  EMBODB_RETURN_IF_ERROR(CommitDef(tx.get(), def));
  auto ptr = std::make_shared<const table::TableDef>(std::move(def));
  std::lock_guard l(mu_);
  Publish(ptr);
  return ptr;
}

Result<table::TableDefPtr> Catalog::CreateIndex(const std::string& name, const std::string& column,
                                         const Backfill& backfill) {
  auto tx = txns_->BeginExclusive();
  table::TableDefPtr old = Find(name);
  if (!old) return Status::NotFound("no table '" + name + "'");
  const int c = old->schema.Find(column);
  if (c < 0) return Status::Schema("table '" + name + "' has no column '" + column + "'");
  const table::Column& col = old->schema.column(c);
  if (static_cast<size_t>(c) == old->schema.key_columns()[0]) {
    return Status::Schema("column '" + column + "' is the primary key" +
                          (old->schema.composite_key() ? "'s first column" : "") + ", which rows are ordered by");
  }
  if (!table::IsIndexable(col.type)) {
    return Status::Schema("cannot index " + col.type.Name() + " column '" + column +
                          "': ordered indexes take scalar columns");
  }
  if (old->FindIndex(column)) return Status::Schema("table '" + name + "' already has an index on '" + column + "'");
  table::TableDef def = *old;
  table::IndexDef ix;
  ix.column = column;
  ix.id = ReserveId(tx.get());
  def.indexes.push_back(ix);
  EMBODB_RETURN_IF_ERROR(backfill(def, ix, tx.get()));
  EMBODB_RETURN_IF_ERROR(CommitDef(tx.get(), def));
  def.indexes.back().created_at = tx->commit_sequence();
  auto ptr = std::make_shared<const table::TableDef>(std::move(def));
  std::lock_guard l(mu_);
  next_table_id_ = ix.id + 1;
  Publish(ptr);
  return ptr;
}

Result<table::TableDefPtr> Catalog::CreateDerivedIndex(const std::string& name, table::DerivedIndexDef index) {
  auto tx = txns_->BeginExclusive();
  table::TableDefPtr old = Find(name);
  if (!old) return Status::NotFound("no table '" + name + "'");
  if (old->schema.Find(index.column) < 0) {
    return Status::Schema("table '" + name + "' has no column '" + index.column + "'");
  }
  if (old->FindDerived(index.column, index.kind)) {
    return Status::Schema("table '" + name + "' already has a " + index.kind + " index on '" + index.column + "'");
  }
  table::TableDef def = *old;
  index.id = ReserveId(tx.get());
  def.derived.push_back(index);
  EMBODB_RETURN_IF_ERROR(CommitDef(tx.get(), def));
  auto ptr = std::make_shared<const table::TableDef>(std::move(def));
  EMBODB_RETURN_IF_ERROR(feed_->OnTableDef(*ptr));
  std::lock_guard l(mu_);
  next_table_id_ = index.id + 1;
  Publish(ptr);
  return ptr;
}

Status Catalog::DropDerivedIndex(const std::string& name, const std::string& column, const std::string& kind) {
  auto tx = txns_->BeginExclusive();
  table::TableDefPtr old = Find(name);
  if (!old) return Status::NotFound("no table '" + name + "'");
  const table::DerivedIndexDef* ix = old->FindDerived(column, kind);
  if (!ix) return Status::NotFound("table '" + name + "' has no " + kind + " index on '" + column + "'");
  table::TableDef def = *old;
  def.derived.erase(def.derived.begin() + (ix - old->derived.data()));
  EMBODB_RETURN_IF_ERROR(CommitDef(tx.get(), def));
  auto ptr = std::make_shared<const table::TableDef>(std::move(def));
  EMBODB_RETURN_IF_ERROR(feed_->OnTableDef(*ptr));
  std::lock_guard l(mu_);
  Publish(ptr);
  return Status::OK();
}

Status Catalog::DropIndex(const std::string& name, const std::string& column) {
  uint32_t index_id;
  {
    auto tx = txns_->BeginExclusive();
    table::TableDefPtr old = Find(name);
    if (!old) return Status::NotFound("no table '" + name + "'");
    const table::IndexDef* ix = old->FindIndex(column);
    if (!ix) return Status::NotFound("table '" + name + "' has no index on '" + column + "'");
    index_id = ix->id;
    table::TableDef def = *old;
    def.indexes.erase(def.indexes.begin() + (ix - old->indexes.data()));
    EMBODB_RETURN_IF_ERROR(CommitDef(tx.get(), def));
    std::lock_guard l(mu_);
    Publish(std::make_shared<const table::TableDef>(std::move(def)));
  }
  return DeleteRange(table::IndexKeyPrefix(index_id));
}

int64_t Catalog::AllocateIds(const table::TableDef& table, size_t n, txn::Transaction* tx) {
  std::shared_ptr<std::atomic<int64_t>> counter;
  {
    std::lock_guard l(mu_);
    auto it = next_ids_.find(table.id);
    if (it == next_ids_.end()) it = next_ids_.emplace(table.id, std::make_shared<std::atomic<int64_t>>(1)).first;
    counter = it->second;
  }
  const int64_t first = counter->fetch_add(static_cast<int64_t>(n));
  const std::string key = IdCounterKey(table.id);
  // The mark written is the counter at commit time: commits are serialized,
  // so the persisted mark never goes backwards.
  tx->AddCommitHook([counter, key](lsm::WriteBatch* batch) {
    std::string value;
    PutFixed64(&value, static_cast<uint64_t>(counter->load()));
    batch->Put(key, value);
  });
  return first;
}

}  // namespace embodb::catalog
