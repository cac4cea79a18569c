// MemTable: recent writes, sorted by internal key, held in memory until flushed
// to an L0 SSTable. Each entry is encoded in the arena as
//   varint32 internal_key_len | internal_key | varint32 value_len | value.
//
// Thread safety: Add() needs external serialization (the write leader); Get()
// and iterators may run concurrently with Add(). Shared by shared_ptr so that
// readers keep a flushed memtable alive.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "lsm/dbformat.h"
#include "lsm/iterator.h"
#include "lsm/skiplist.h"
#include "util/arena.h"

namespace embodb::lsm {

class MemTable {
 public:
  MemTable();
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  struct KeyComparator {
    int operator()(const char* a, const char* b) const;
  };
  using Table = SkipList<KeyComparator>;
  using InsertHint = Table::Hint;

  // `hint` speeds up a run of Adds in increasing key order (may be null).
  void Add(SequenceNumber seq, ValueType type, std::string_view key, std::string_view value,
           InsertHint* hint = nullptr);

  enum class LookupResult { kNotPresent, kFound, kDeleted };
  // The newest entry of key with sequence <= key.sequence. On kFound, *value and
  // *type (kTypeValue or kTypeBlobIndex) are set.
  LookupResult Get(const LookupKey& key, std::string* value, ValueType* type) const;

  // An iterator over internal keys. The memtable must outlive it (hold a shared_ptr).
  std::unique_ptr<Iterator> NewIterator() const;

  size_t ApproximateMemoryUsage() const { return arena_.MemoryUsage(); }
  uint64_t num_entries() const { return num_entries_.load(std::memory_order_relaxed); }
  uint64_t data_bytes() const { return data_bytes_.load(std::memory_order_relaxed); }
  bool empty() const { return num_entries() == 0; }

 private:
  class MemTableIterator;

  Arena arena_;
  Table table_;
  std::atomic<uint64_t> num_entries_{0};
  std::atomic<uint64_t> data_bytes_{0};
};

}  // namespace embodb::lsm
