#include "txn/txn_manager.h"

#include <functional>

#include "txn/transaction.h"

namespace embodb::txn {

std::unique_ptr<Transaction> TxnManager::Begin() {
  std::lock_guard l(mu_);
  // Registered under mu_ together with taking the snapshot, so that a commit
  // that RecordCommit does not see as having an older open transaction
  // finished before this snapshot was taken.
  const lsm::SequenceNumber snapshot = db_->GetSnapshot();
  open_.insert(snapshot);
  return std::unique_ptr<Transaction>(new Transaction(this, snapshot, {}));
}

std::unique_ptr<Transaction> TxnManager::BeginExclusive() {
  std::unique_lock lock(commit_mu_);
  return std::unique_ptr<Transaction>(new Transaction(this, std::nullopt, std::move(lock)));
}

size_t TxnManager::remembered_keys() {
  std::lock_guard l(mu_);
  return recent_.size();
}

uint64_t TxnManager::Fingerprint(std::string_view key) { return std::hash<std::string_view>{}(key); }

bool TxnManager::HasConflict(const std::vector<uint64_t>& fingerprints, lsm::SequenceNumber snapshot) {
  std::lock_guard l(mu_);
  if (recent_.empty()) return false;
  for (uint64_t fp : fingerprints) {
    auto it = recent_.find(fp);
    if (it != recent_.end() && it->second > snapshot) return true;
  }
  return false;
}

void TxnManager::RecordCommit(const std::vector<uint64_t>& fingerprints, lsm::SequenceNumber sequence,
                              std::optional<lsm::SequenceNumber> own_snapshot) {
  std::lock_guard l(mu_);
  auto oldest = open_.begin();
  if (own_snapshot && oldest != open_.end() && *oldest == *own_snapshot) ++oldest;
  if (oldest == open_.end() || *oldest >= sequence) return;  // nobody can conflict with it
  for (uint64_t fp : fingerprints) recent_[fp] = sequence;
}

void TxnManager::EndTransaction(lsm::SequenceNumber snapshot) {
  {
    std::lock_guard l(mu_);
    open_.erase(open_.find(snapshot));
    if (open_.empty()) {
      recent_.clear();
    } else if (recent_.size() > 1024) {
      // Commits at or before the oldest open snapshot can no longer conflict.
      const lsm::SequenceNumber oldest = *open_.begin();
      std::erase_if(recent_, [oldest](const auto& e) { return e.second <= oldest; });
    }
  }
  db_->ReleaseSnapshot(snapshot);
}

}  // namespace embodb::txn
