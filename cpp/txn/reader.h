// Reader: a consistent read view of the database for the table layer, either
// a transaction (its snapshot plus its own writes) or a plain snapshot.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/db.h"

namespace embodb::txn {

class Reader {
 public:
  virtual ~Reader() = default;
  // NotFound when the key has no value.
  virtual Status Get(std::string_view key, std::string* value) = 0;
  virtual void MultiGet(const std::vector<std::string_view>& keys, std::vector<std::string>* values,
                        std::vector<Status>* statuses) = 0;
  // A forward iterator that starts at `lower` after SeekToFirst; it may run
  // past `upper` (empty: no bound), so callers check keys against it.
  virtual std::unique_ptr<lsm::Iterator> NewIterator(std::string lower, std::string upper) = 0;
  // The sequence number reads see (nullopt: the latest state).
  virtual std::optional<lsm::SequenceNumber> ReadSequence() const = 0;
  // The keys in [lower, upper) (upper empty: no bound) with runs of
  // columnar blocks (lsm/run_scan.h); nullptr when this reader has none
  // (a transaction's own writes are not in blocks): use NewIterator.
  virtual std::unique_ptr<lsm::RunScan> NewRunScan(std::string lower, std::string upper) { return nullptr; }
};

// Reads the database as of a sequence number (nullopt: the latest state at each call).
class SnapshotReader final : public Reader {
 public:
  SnapshotReader(lsm::DB* db, std::optional<lsm::SequenceNumber> snapshot) : db_(db) { options_.snapshot = snapshot; }
  Status Get(std::string_view key, std::string* value) override { return db_->Get(options_, key, value); }
  void MultiGet(const std::vector<std::string_view>& keys, std::vector<std::string>* values,
                std::vector<Status>* statuses) override {
    db_->MultiGet(options_, keys, values, statuses);
  }
  std::unique_ptr<lsm::Iterator> NewIterator(std::string lower, std::string upper) override;
  std::optional<lsm::SequenceNumber> ReadSequence() const override { return options_.snapshot; }
  std::unique_ptr<lsm::RunScan> NewRunScan(std::string lower, std::string upper) override {
    return db_->NewRunScan(options_, std::move(lower), std::move(upper));
  }

 private:
  lsm::DB* db_;
  lsm::ReadOptions options_;
};

// Takes a snapshot of the database and releases it when destroyed.
class HeldSnapshot {
 public:
  explicit HeldSnapshot(lsm::DB* db) : db_(db), sequence_(db->GetSnapshot()) {}
  ~HeldSnapshot() { db_->ReleaseSnapshot(sequence_); }
  HeldSnapshot(const HeldSnapshot&) = delete;
  HeldSnapshot& operator=(const HeldSnapshot&) = delete;
  lsm::SequenceNumber sequence() const { return sequence_; }

 private:
  lsm::DB* db_;
  lsm::SequenceNumber sequence_;
};

}  // namespace embodb::txn
