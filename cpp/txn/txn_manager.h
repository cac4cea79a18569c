// TxnManager: snapshot isolation for table writes on top of the LSM.
//
// A transaction reads the database as of the sequence number at which it
// began, plus its own writes, and buffers its writes until commit. Commits
// are serialized by one commit lock. At commit, a transaction whose write set
// touches a key that another transaction committed after it began loses: it
// gets Conflict and writes nothing (first committer wins).
//
// To know what was committed after a transaction began, the manager keeps a
// fingerprint (64-bit hash) of every key committed while an older transaction
// is open, with the commit's sequence number, and forgets them once no open
// transaction is older. (A fingerprint collision can only cause a spurious
// conflict, with probability about 2^-64 per pair of keys.)
//
// An exclusive transaction (one table call outside an explicit transaction)
// holds the commit lock from start to commit: it reads the latest committed
// state, cannot conflict, and is atomic on its own.
//
// Thread safety: the manager is thread-safe; a Transaction is used by one
// thread at a time.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "lsm/db.h"
#include "txn/change_list.h"

namespace embodb::txn {

class Transaction;

// Sees every commit that writes something, under the commit lock (so one at a
// time, in commit order), with the changes its writers announced
// (change_list.h): BeforeWrite may append records to the batch, which then
// commit atomically with it; AfterWrite learns the outcome.
class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  virtual void BeforeWrite(const ChangeLists& announced, lsm::WriteBatch* batch) = 0;
  virtual void AfterWrite(const ChangeLists& announced, const Status& status) = 0;
};

class TxnManager {
 public:
  explicit TxnManager(lsm::DB* db) : db_(db) {}
  TxnManager(const TxnManager&) = delete;
  TxnManager& operator=(const TxnManager&) = delete;

  lsm::DB* db() const { return db_; }
  std::unique_ptr<Transaction> Begin();
  // Blocks until no other exclusive transaction or commit is running.
  std::unique_ptr<Transaction> BeginExclusive();

  // How many key fingerprints are remembered (for tests).
  size_t remembered_keys();

  // At most one; set before any transaction begins (nullptr: none).
  void SetCommitObserver(CommitObserver* observer) { observer_ = observer; }

 private:
  friend class Transaction;
  static uint64_t Fingerprint(std::string_view key);
  // REQUIRES: commit_mu_ held. Whether a key was committed after `snapshot`.
  bool HasConflict(const std::vector<uint64_t>& fingerprints, lsm::SequenceNumber snapshot);
  // REQUIRES: commit_mu_ held. Remembers a commit for the open transactions
  // older than it (other than the committer's own, `own_snapshot`).
  void RecordCommit(const std::vector<uint64_t>& fingerprints, lsm::SequenceNumber sequence,
                    std::optional<lsm::SequenceNumber> own_snapshot);
  void EndTransaction(lsm::SequenceNumber snapshot);

  lsm::DB* const db_;
  CommitObserver* observer_ = nullptr;
  std::mutex commit_mu_;  // serializes commits and exclusive transactions
  std::mutex mu_;         // guards open_ and recent_
  std::multiset<lsm::SequenceNumber> open_;  // snapshots of open explicit transactions
  std::unordered_map<uint64_t, lsm::SequenceNumber> recent_;
};

}  // namespace embodb::txn
