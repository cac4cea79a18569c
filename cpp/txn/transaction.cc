#include "txn/transaction.h"

#include "txn/txn_manager.h"

namespace embodb::txn {

namespace {

// Merges a transaction's pending writes in [lower, upper) with a database
// iterator over the same range; pending deletes hide keys.
class OverlayIterator final : public lsm::Iterator {
 public:
  using Writes = std::map<std::string, std::optional<std::string>, std::less<>>;
  OverlayIterator(std::unique_ptr<lsm::Iterator> base, const Writes* writes, std::string lower, std::string upper)
      : base_(std::move(base)), writes_(writes), lower_(std::move(lower)), upper_(std::move(upper)) {}

  bool Valid() const override { return current_ != kNone; }
  void SeekToFirst() override { Seek(lower_); }
  void SeekToLast() override { status_ = Status::NotSupported("reverse iteration in a transaction"); }
  void Seek(std::string_view target) override {
    if (target < lower_) target = lower_;
    base_->Seek(target);
    own_ = writes_->lower_bound(target);
    Settle();
  }
  void Next() override {
    if (current_ == kBase || current_ == kBoth) base_->Next();
    if (current_ == kOwn || current_ == kBoth) ++own_;
    Settle();
  }
  void Prev() override { status_ = Status::NotSupported("reverse iteration in a transaction"); }
  std::string_view key() const override { return current_ == kBase ? base_->key() : std::string_view(own_->first); }
  std::string_view value() const override {
    return current_ == kBase ? base_->value() : std::string_view(*own_->second);
  }
  Status status() const override { return status_.ok() ? base_->status() : status_; }

 private:
  enum Source { kNone, kBase, kOwn, kBoth };
  bool InRange(std::string_view k) const { return upper_.empty() || k < upper_; }
  // Moves to the next visible entry: the smaller key of the two sources; on a
  // tie the pending write wins; a pending delete skips the key.
  void Settle() {
    while (true) {
      const bool base_ok = base_->Valid() && InRange(base_->key());
      const bool own_ok = own_ != writes_->end() && InRange(own_->first);
      if (!base_ok && !own_ok) {
        current_ = kNone;
        return;
      }
      if (own_ok && (!base_ok || own_->first <= base_->key())) {
        current_ = base_ok && own_->first == base_->key() ? kBoth : kOwn;
        if (own_->second.has_value()) return;
        // Deleted in this transaction: skip it in both sources.
        if (current_ == kBoth) base_->Next();
        ++own_;
        continue;
      }
      current_ = kBase;
      return;
    }
  }

  std::unique_ptr<lsm::Iterator> base_;
  const Writes* writes_;
  Writes::const_iterator own_;
  const std::string lower_, upper_;
  Source current_ = kNone;
  Status status_;
};

}  // namespace

Transaction::Transaction(TxnManager* manager, std::optional<lsm::SequenceNumber> snapshot,
                         std::unique_lock<std::mutex> exclusive_lock)
    : manager_(manager),
      snapshot_(snapshot),
      exclusive_(exclusive_lock.owns_lock()),
      exclusive_lock_(std::move(exclusive_lock)) {}

Transaction::~Transaction() {
  if (active()) Rollback();
}

lsm::ReadOptions Transaction::ReadOpts() const {
  lsm::ReadOptions ro;
  ro.snapshot = snapshot_;
  return ro;
}

Status Transaction::Get(std::string_view key, std::string* value) {
  if (!exclusive_) {
    auto it = writes_.find(key);
    if (it != writes_.end()) {
      if (!it->second) return Status::NotFound("key");
      *value = *it->second;
      return Status::OK();
    }
  }
  return manager_->db()->Get(ReadOpts(), key, value);
}

void Transaction::MultiGet(const std::vector<std::string_view>& keys, std::vector<std::string>* values,
                           std::vector<Status>* statuses) {
  manager_->db()->MultiGet(ReadOpts(), keys, values, statuses);
  if (exclusive_ || writes_.empty()) return;
  for (size_t i = 0; i < keys.size(); i++) {
    auto it = writes_.find(keys[i]);
    if (it == writes_.end()) continue;
    if (it->second) {
      (*values)[i] = *it->second;
      (*statuses)[i] = Status::OK();
    } else {
      (*values)[i].clear();
      (*statuses)[i] = Status::NotFound("key");
    }
  }
}

std::unique_ptr<lsm::Iterator> Transaction::NewIterator(std::string lower, std::string upper) {
  return std::make_unique<OverlayIterator>(manager_->db()->NewIterator(ReadOpts()), &writes_, std::move(lower),
                                           std::move(upper));
}

void Transaction::Put(std::string_view key, std::string_view value) {
  if (exclusive_) {
    batch_.Put(key, value);
    fingerprints_.push_back(TxnManager::Fingerprint(key));
  } else {
    writes_.insert_or_assign(std::string(key), std::string(value));
  }
}

void Transaction::PutInPlace(const std::vector<std::string_view>& keys, const std::vector<size_t>& value_sizes,
                             std::vector<char*>* values) {
  if (exclusive_) {
    batch_.AppendPutsInPlace(keys, value_sizes, values);
    fingerprints_.reserve(fingerprints_.size() + keys.size());
    for (std::string_view key : keys) fingerprints_.push_back(TxnManager::Fingerprint(key));
    return;
  }
  values->resize(keys.size());
  for (size_t i = 0; i < keys.size(); i++) {
    auto [it, inserted] = writes_.insert_or_assign(std::string(keys[i]), std::string(value_sizes[i], '\0'));
    (*values)[i] = it->second->data();
  }
}

void Transaction::PutSorted(std::shared_ptr<const lsm::SortedPuts> puts) {
  const size_t n = puts->size();
  if (exclusive_) {
    fingerprints_.reserve(fingerprints_.size() + n);
    for (size_t i = 0; i < n; i++) fingerprints_.push_back(TxnManager::Fingerprint(puts->key(i)));
    batch_.AddSortedPuts(std::move(puts));
    return;
  }
  EncodeSortedPuts(*puts, [this](const auto& keys, const auto& sizes, auto* values) { PutInPlace(keys, sizes, values); });
}

void Transaction::Guard(std::string_view key) {
  if (!exclusive_) guards_.push_back(TxnManager::Fingerprint(key));
}

void Transaction::Delete(std::string_view key) {
  if (exclusive_) {
    batch_.Delete(key);
    fingerprints_.push_back(TxnManager::Fingerprint(key));
  } else {
    writes_.insert_or_assign(std::string(key), std::nullopt);
  }
}

Status Transaction::Commit(const lsm::WriteOptions& options) {
  if (!active()) return Status::InvalidArgument("the transaction is already finished");
  std::unique_lock<std::mutex> lock;
  if (!exclusive_) {
    lock = std::unique_lock(manager_->commit_mu_);
    fingerprints_.reserve(writes_.size());
    for (const auto& [key, value] : writes_) {
      fingerprints_.push_back(TxnManager::Fingerprint(key));
      if (value) {
        batch_.Put(key, *value);
      } else {
        batch_.Delete(key);
      }
    }
    if (manager_->HasConflict(fingerprints_, *snapshot_)) {
      End(State::kRolledBack);
      return Status::Conflict("write-write conflict: another transaction changed the same row first");
    }
    if (!guards_.empty() && manager_->HasConflict(guards_, *snapshot_)) {
      End(State::kRolledBack);
      return Status::Conflict("a table this transaction writes was changed (an index or column added, or the "
                              "table dropped) after the transaction began; retry it");
    }
  }
  for (auto& hook : commit_hooks_) hook(&batch_);
  Status s;
  if (batch_.Count() > 0) {
    CommitObserver* observer = manager_->observer_;
    if (observer != nullptr) observer->BeforeWrite(announced_, &batch_);
    s = manager_->db()->Write(options, &batch_);
    if (s.ok()) {
      commit_sequence_ = batch_.Sequence() + batch_.Count() - 1;
      manager_->RecordCommit(fingerprints_, commit_sequence_, snapshot_);
    }
    if (observer != nullptr) observer->AfterWrite(announced_, s);
  }
  End(s.ok() ? State::kCommitted : State::kRolledBack);
  return s;
}

void Transaction::Rollback() {
  if (active()) End(State::kRolledBack);
}

void Transaction::End(State state) {
  state_ = state;
  writes_.clear();
  batch_.Clear();
  fingerprints_.clear();
  guards_.clear();
  commit_hooks_.clear();
  announced_.clear();
  if (snapshot_) manager_->EndTransaction(*snapshot_);
  if (exclusive_lock_.owns_lock()) exclusive_lock_.unlock();
}

}  // namespace embodb::txn
