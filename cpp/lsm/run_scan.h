// RunScan: the values of the user keys in a range as of a sequence number,
// in key order, like DB::NewIterator, but where the entries of a columnar
// block (sstable/block.h) are all visible and no other source (memtable,
// another table) has a key among them, it hands out the run of that block's
// entries instead of one row at a time, so that the reader can decode the
// block's values column by column (the table layer's columnar scans). After a
// compaction that is nearly every row.
//
// Not thread-safe; pins what it reads (memtables, version) while it lives.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/db_iter.h"
#include "lsm/dbformat.h"
#include "lsm/iterator.h"
#include "lsm/sstable/block.h"

namespace embodb::lsm {

struct ScanPiece {
  // kRow: one key and its value. kRun: the entries [begin, end) of a
  // columnar block, every one the visible value of its key.
  enum class Kind { kRow, kRun };
  Kind kind = Kind::kRow;
  std::string_view key, value;  // kRow; valid until the next call
  std::shared_ptr<const sstable::Block> block;  // kRun
  uint32_t begin = 0, end = 0;
};

class RunScan {
 public:
  // children: iterators over internal keys, newest source first where they
  // hold the same key (memtables, then L0 tables, then levels), as for a
  // merging iterator. [lower, upper): user keys (upper empty: no bound).
  RunScan(std::vector<std::unique_ptr<Iterator>> children, SequenceNumber sequence, BlobResolver resolve_blob,
          std::string lower, std::string upper);
  ~RunScan();

  // The next piece; false at the end or on an error (status()).
  bool Next(ScanPiece* piece);
  Status status() const { return status_; }
  // Runs fn when the scan is destroyed (releases what it pins).
  void RegisterCleanup(std::function<void()> fn) { cleanups_.push_back(std::move(fn)); }

 private:
  // The child with the smallest current internal key; -1 when all are done.
  int Smallest() const;
  // The smallest current user key among the children other than `except`,
  // bounded by upper_; empty `*bound` with *unbounded: none.
  bool BoundExcept(int except, std::string_view* bound) const;
  bool TryRun(int child, ScanPiece* piece);
  // One user key the slow way: the newest visible entry among the children.
  // Returns true and fills piece when it is a value; false when it is
  // deleted or invisible (then moves on) or on error.
  bool StepRow(int child, ScanPiece* piece);
  bool Fail(const Status& s) {
    if (status_.ok()) status_ = s;
    return false;
  }

  std::vector<std::unique_ptr<Iterator>> children_;
  const SequenceNumber sequence_;
  BlobResolver resolve_blob_;
  const std::string upper_;
  std::string key_, value_;  // the current row's, owned
  Status status_;
  std::vector<std::function<void()>> cleanups_;
};

}  // namespace embodb::lsm
