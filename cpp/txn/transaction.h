// Transaction: one unit of snapshot-isolated work (see txn_manager.h).
//
// Reads see the snapshot plus the transaction's own writes; writes are
// buffered until Commit. Destroying an uncommitted transaction rolls it back.
// An exclusive transaction writes straight into its batch and its reads see
// the latest committed state only, not its own pending writes.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/db.h"
#include "lsm/write_batch.h"
#include "txn/change_list.h"
#include "txn/reader.h"

namespace embodb::txn {

class TxnManager;

class Transaction final : public Reader {
 public:
  ~Transaction() override;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  bool exclusive() const { return exclusive_; }
  bool active() const { return state_ == State::kActive; }
  // The snapshot reads are taken at (unset for exclusive transactions).
  std::optional<lsm::SequenceNumber> snapshot() const { return snapshot_; }

  // NotFound when the key has no value.
  Status Get(std::string_view key, std::string* value) override;
  void MultiGet(const std::vector<std::string_view>& keys, std::vector<std::string>* values,
                std::vector<Status>* statuses) override;
  // Forward iterator over [lower, upper) (upper empty: no bound); Seek,
  // SeekToFirst and Next only.
  std::unique_ptr<lsm::Iterator> NewIterator(std::string lower, std::string upper) override;
  std::optional<lsm::SequenceNumber> ReadSequence() const override { return snapshot_; }

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // Puts of `keys` (distinct) whose values the caller writes in place:
  // (*values)[i] has room for value_sizes[i] bytes and must be filled before
  // the transaction is used again. Spares a large write a copy of every value.
  void PutInPlace(const std::vector<std::string_view>& keys, const std::vector<size_t>& value_sizes,
                  std::vector<char*>* values);
  // Puts of the keys of `puts` (distinct, ascending). An exclusive transaction
  // encodes them only when it commits, straight into tables when the write is
  // large (lsm/sorted_puts.h): whatever they view must last until Commit
  // returns. Other transactions encode them now.
  void PutSorted(std::shared_ptr<const lsm::SortedPuts> puts);
  // Makes Commit fail with Conflict when another transaction committed `key`
  // after this one's snapshot, though this one does not write it: the
  // definition of a table it writes, say. No effect on exclusive transactions,
  // which see the latest state.
  void Guard(std::string_view key);
  // Runs at commit, under the commit lock, after the conflict check: adds
  // writes that must reflect state at commit time and take part in no
  // conflict check (such as the high-water mark of an id allocator).
  void AddCommitHook(std::function<void(lsm::WriteBatch*)> hook) { commit_hooks_.push_back(std::move(hook)); }
  // Tells the commit observer about changes made by this transaction's
  // writes (change_list.h), when it commits.
  void Announce(std::shared_ptr<const ChangeList> changes) { announced_.push_back(std::move(changes)); }
  size_t write_count() const { return exclusive_ ? batch_.Count() : writes_.size(); }

  // Conflict when another transaction committed one of our keys first; then
  // nothing is written. On success, commit_sequence() is our last sequence.
  Status Commit(const lsm::WriteOptions& options);
  void Rollback();
  lsm::SequenceNumber commit_sequence() const { return commit_sequence_; }

 private:
  friend class TxnManager;
  enum class State { kActive, kCommitted, kRolledBack };
  Transaction(TxnManager* manager, std::optional<lsm::SequenceNumber> snapshot,
              std::unique_lock<std::mutex> exclusive_lock);
  lsm::ReadOptions ReadOpts() const;
  void End(State state);

  TxnManager* const manager_;
  const std::optional<lsm::SequenceNumber> snapshot_;
  const bool exclusive_;
  std::unique_lock<std::mutex> exclusive_lock_;
  State state_ = State::kActive;
  lsm::SequenceNumber commit_sequence_ = 0;
  // Explicit: the write set (nullopt = delete). Exclusive: batch_ and keys_.
  std::map<std::string, std::optional<std::string>, std::less<>> writes_;
  lsm::WriteBatch batch_;
  std::vector<uint64_t> fingerprints_;
  std::vector<uint64_t> guards_;  // fingerprints of guarded keys
  std::vector<std::function<void(lsm::WriteBatch*)>> commit_hooks_;
  ChangeLists announced_;
};

}  // namespace embodb::txn
