#include "catalog/change_feed.h"

#include <algorithm>

#include "catalog/catalog.h"
#include "table/keyspace.h"
#include "table/key_codec.h"
#include "txn/transaction.h"
#include "util/coding.h"

namespace embodb::catalog {

namespace {

constexpr char kOpPut = 0;     // on disk: never renumber
constexpr char kOpDelete = 1;  // on disk: never renumber
constexpr size_t kFeedKeySize = 1 + 4 + 8;
constexpr size_t kTablePrefixSize = 1 + 4;  // key space byte, table id: rows and feed records alike
constexpr size_t kReplayChunk = 1024;

uint64_t FeedNumber(std::string_view feed_key) { return GetBigEndian64(feed_key.data() + kTablePrefixSize); }

}  // namespace

std::string FeedPrefix(uint32_t table_id) {
  std::string key(1, static_cast<char>(table::KeySpace::kFeed));
  PutBigEndian32(&key, table_id);
  return key;
}

std::string FeedKey(uint32_t table_id, uint64_t number) {
  std::string key = FeedPrefix(table_id);
  PutBigEndian64(&key, number);
  return key;
}

void FeedTrim::Set(uint32_t table_id, uint64_t covered) {
  std::lock_guard l(mu_);
  uint64_t& c = covered_[table_id];
  c = std::max(c, covered);
}

void FeedTrim::Forget(uint32_t table_id) {
  std::lock_guard l(mu_);
  covered_.erase(table_id);
}

bool FeedTrim::Drop(std::string_view key) const {
  if (key.size() != kFeedKeySize || key[0] != static_cast<char>(table::KeySpace::kFeed)) return false;
  std::lock_guard l(mu_);
  auto it = covered_.find(table::RowKeyTableId(key));  // the same BE32 after the space byte
  return it != covered_.end() && FeedNumber(key) <= it->second;
}

uint64_t ChangeFeed::LastNumber(uint32_t table_id) {
  std::lock_guard l(mu_);
  auto it = tables_.find(table_id);
  return it == tables_.end() ? 0 : it->second.next - 1;
}

Status ChangeFeed::OnTableDef(const table::TableDef& def) {
  std::lock_guard l(mu_);
  auto it = tables_.find(def.id);
  if (def.derived.empty()) {
    if (it != tables_.end()) {
      tables_.erase(it);
      if (trim_ != nullptr) trim_->Set(def.id, UINT64_MAX);  // nobody reads its records any more
    }
    return Status::OK();
  }
  if (it == tables_.end()) {
    // Numbers continue after the last one ever used: the high-water mark
    // (records may all have been dropped) or a record, whichever is later.
    TableFeed f;
    std::string mark;
    Status s = txns_->db()->Get(lsm::ReadOptions(), FeedPrefix(def.id), &mark);
    if (s.ok()) {
      if (mark.size() != 8) return Status::Corruption("bad change feed high-water mark");
      f.next = DecodeFixed64(mark.data()) + 1;
    } else if (!s.IsNotFound()) {
      return s;
    }
    auto iter = txns_->db()->NewIterator(lsm::ReadOptions());
    iter->SeekForPrev(FeedKey(def.id, UINT64_MAX));
    if (iter->Valid() && iter->key().size() == kFeedKeySize && iter->key().starts_with(FeedPrefix(def.id))) {
      f.next = std::max(f.next, FeedNumber(iter->key()) + 1);
    }
    EMBODB_RETURN_IF_ERROR(iter->status());
    it = tables_.emplace(def.id, std::move(f)).first;
    // The table had no feed; when its last index was dropped, every record
    // was given up (UINT64_MAX). The new index needs the records from now
    // on, so compaction keeps them all again until every index attached.
    if (trim_ != nullptr) trim_->Forget(def.id);
  }
  it->second.declared = def.derived.size();
  UpdateTrim(def.id, it->second);
  return Status::OK();
}

void ChangeFeed::OnTableDropped(uint32_t table_id) {
  std::lock_guard l(mu_);
  tables_.erase(table_id);
  if (trim_ != nullptr) trim_->Forget(table_id);
}

void ChangeFeed::UpdateTrim(uint32_t table_id, const TableFeed& f) {
  // A consumer not attached yet may need any record after its checkpoint,
  // which this process does not know: drop nothing more until all attach.
  // (A consumer created later starts after the last record, so the trim
  // point never has to move back.)
  if (trim_ == nullptr || f.consumers.size() < f.declared || f.consumers.empty()) return;
  uint64_t covered = UINT64_MAX;
  for (const auto& [c, n] : f.consumers) covered = std::min(covered, n);
  trim_->Set(table_id, covered);
}

Status ChangeFeed::Attach(uint32_t table_id, FeedConsumer* c, uint64_t covered) {
  auto exclusive = txns_->BeginExclusive();  // no commit runs meanwhile
  {
    std::lock_guard l(mu_);
    auto it = tables_.find(table_id);
    if (it == tables_.end()) return Status::InvalidArgument("the table has no derived index, so no change feed");
    if (covered >= it->second.next) covered = it->second.next - 1;
  }
  EMBODB_RETURN_IF_ERROR(Replay(table_id, c, covered));
  std::lock_guard l(mu_);
  auto it = tables_.find(table_id);
  if (it == tables_.end()) return Status::InvalidArgument("the table was dropped");
  it->second.consumers[c] = covered;
  UpdateTrim(table_id, it->second);
  return Status::OK();
}

Status ChangeFeed::Replay(uint32_t table_id, FeedConsumer* c, uint64_t covered) {
  lsm::DB* db = txns_->db();
  const std::string prefix = FeedPrefix(table_id);
  const std::string row_prefix = table::RowKeyPrefix(table_id);
  auto it = db->NewIterator(lsm::ReadOptions());
  it->Seek(FeedKey(table_id, covered + 1));
  while (it->Valid() && it->key().starts_with(prefix)) {
    std::vector<uint64_t> numbers;
    std::vector<std::string> row_keys;
    for (; it->Valid() && it->key().starts_with(prefix) && numbers.size() < kReplayChunk; it->Next()) {
      const std::string_view value = it->value();
      if (it->key().size() != kFeedKeySize || value.empty() || (value[0] != kOpPut && value[0] != kOpDelete)) {
        return Status::Corruption("bad change feed record");
      }
      numbers.push_back(FeedNumber(it->key()));
      row_keys.push_back(row_prefix + std::string(value.substr(1)));
    }
    EMBODB_RETURN_IF_ERROR(it->status());
    std::vector<std::string_view> views(row_keys.begin(), row_keys.end());
    std::vector<std::string> rows;
    std::vector<Status> statuses;
    db->MultiGet(lsm::ReadOptions(), views, &rows, &statuses);
    std::vector<FeedEvent> events(numbers.size());
    for (size_t i = 0; i < numbers.size(); i++) {
      if (!statuses[i].ok() && !statuses[i].IsNotFound()) return statuses[i];
      events[i].number = numbers[i];
      events[i].deleted = statuses[i].IsNotFound();
      events[i].key = views[i].substr(row_prefix.size());
      if (!events[i].deleted) events[i].row = rows[i];
    }
    c->BeginCommit();
    c->Apply(events);
    c->EndCommit();
  }
  return it->status();
}

void ChangeFeed::Detach(FeedConsumer* c) {
  auto exclusive = txns_->BeginExclusive();  // no Apply is running
  std::lock_guard l(mu_);
  for (auto& [id, f] : tables_) f.consumers.erase(c);
}

void ChangeFeed::Checkpointed(FeedConsumer* c, uint64_t covered) {
  std::lock_guard l(mu_);
  for (auto& [id, f] : tables_) {
    auto it = f.consumers.find(c);
    if (it == f.consumers.end()) continue;
    it->second = std::max(it->second, covered);
    UpdateTrim(id, f);
  }
}

void ChangeFeed::BeforeWrite(const txn::ChangeLists& announced, lsm::WriteBatch* batch) {
  {
    std::lock_guard l(mu_);
    AppendRecords(announced, batch);
    begun_.clear();
    for (const auto& [id, f] : tables_) {
      if (f.first_of_commit == 0) continue;
      for (const auto& [c, n] : f.consumers) begun_.push_back(c);
    }
  }
  for (FeedConsumer* c : begun_) c->BeginCommit();  // outside mu_: it may wait for the consumer's readers
}

void ChangeFeed::AppendRecords(const txn::ChangeLists& announced, lsm::WriteBatch* batch) {
  if (tables_.empty()) return;
  for (auto& [id, f] : tables_) f.first_of_commit = 0;
  lsm::WriteBatch feed;
  std::string value;
  for (const auto& list : announced) {
    auto it = tables_.find(list->owner);
    if (it == tables_.end()) continue;
    TableFeed& f = it->second;
    for (const txn::Change& change : list->changes) {
      const uint64_t number = f.next++;
      if (f.first_of_commit == 0) f.first_of_commit = number;
      value.assign(1, change.deleted ? kOpDelete : kOpPut);
      value.append(change.key);
      feed.Put(FeedKey(list->owner, number), value);
    }
  }
  if (feed.Count() == 0) return;
  for (const auto& [id, f] : tables_) {
    if (f.first_of_commit == 0) continue;
    std::string mark;
    PutFixed64(&mark, f.next - 1);
    feed.Put(FeedPrefix(id), mark);  // never dropped by FeedTrim: it matches no record
  }
  batch->Append(feed);
}

void ChangeFeed::AfterWrite(const txn::ChangeLists& announced, const Status& status) {
  if (status.ok()) SendChanges(announced);  // else the numbers it took stay unused: gaps are harmless
  for (FeedConsumer* c : begun_) c->EndCommit();
  begun_.clear();
}

void ChangeFeed::SendChanges(const txn::ChangeLists& announced) {
  std::map<uint32_t, std::pair<uint64_t, std::vector<FeedConsumer*>>> targets;  // next number, consumers
  {
    std::lock_guard l(mu_);
    for (const auto& [id, f] : tables_) {
      if (f.first_of_commit == 0 || f.consumers.empty()) continue;
      auto& t = targets[id];
      t.first = f.first_of_commit;
      for (const auto& [c, n] : f.consumers) t.second.push_back(c);
    }
  }
  // The events of each table, numbered as AppendRecords numbered them (the
  // same lists in the same order), in one call per table and commit. Without
  // mu_: a consumer may call Checkpointed from Apply.
  std::map<uint32_t, std::vector<FeedEvent>> events;
  for (const auto& list : announced) {
    auto it = targets.find(list->owner);
    if (it == targets.end()) continue;
    uint64_t& next = it->second.first;
    std::vector<FeedEvent>& e = events[list->owner];
    for (const txn::Change& change : list->changes) e.push_back({next++, change.deleted, change.key, change.value});
  }
  for (const auto& [id, e] : events) {
    for (FeedConsumer* c : targets[id].second) c->Apply(e);
  }
}

}  // namespace embodb::catalog
