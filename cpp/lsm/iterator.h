// Iterator over sorted (key, value) pairs: memtables, blocks, tables, merges and
// the user-facing DB iterator all implement it. key()/value() stay valid until
// the iterator moves. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace embodb::lsm {

namespace sstable {
class Block;
}

class Iterator {
 public:
  Iterator() = default;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  virtual ~Iterator();

  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the first entry with key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Positions at the last entry with key <= target.
  virtual void SeekForPrev(std::string_view target);
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual Status status() const = 0;

  // When the current entry lies in a columnar sstable block (block.h):
  // that block and the entry's ordinal in it; else false (the default).
  virtual bool ColumnarPosition(std::shared_ptr<const sstable::Block>* block, uint32_t* ordinal) const {
    return false;
  }

  // Runs `fn` when the iterator is destroyed (releases what it pins).
  void RegisterCleanup(std::function<void()> fn) { cleanups_.push_back(std::move(fn)); }

 private:
  std::vector<std::function<void()>> cleanups_;
};

std::unique_ptr<Iterator> NewEmptyIterator(Status status = Status::OK());

}  // namespace embodb::lsm
