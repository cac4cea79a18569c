// WriteBatch: a group of puts and deletes applied atomically. Its encoding is
// also the payload of a WAL record (docs/format/wal.md):
//   sequence (fixed64) | count (fixed32) | records
//   record := kTypeValue varstring(key) varstring(value) | kTypeDeletion varstring(key)
// Each record gets its own sequence number, starting at the batch's.
//
// A batch may also carry SortedPuts (sorted_puts.h), encoded only when the
// batch is written. They follow the records in sequence order: the puts of the
// k-th SortedPuts start at Sequence() + RecordCount() + the sizes of those
// before it. Contents, Iterate and InsertInto cover the records only; the
// database encodes the puts (MaterializeSortedPuts) before it logs a batch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/dbformat.h"
#include "lsm/sorted_puts.h"
#include "util/status.h"

namespace embodb::lsm {

class MemTable;

class WriteBatch {
 public:
  static constexpr size_t kHeaderSize = 12;

  WriteBatch() { Clear(); }

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // Appends puts of `keys` whose values (of value_sizes bytes) are left for
  // the caller to write, at (*values)[i], before the batch is used or changed.
  // Lets a large batch be encoded in place, in parallel, without a copy.
  void AppendPutsInPlace(const std::vector<std::string_view>& keys, const std::vector<size_t>& value_sizes,
                         std::vector<char*>* values);
  // Adds puts encoded when the batch is written (see above).
  void AddSortedPuts(std::shared_ptr<const SortedPuts> puts);
  const std::vector<std::shared_ptr<const SortedPuts>>& sorted_puts() const { return sorted_puts_; }
  // Encodes the sorted puts as records (in parallel) and lets them go.
  void MaterializeSortedPuts();
  void Clear();
  // Appends the records of `other` (used to group concurrent writers' batches).
  // REQUIRES: other has no sorted puts.
  void Append(const WriteBatch& other);

  // Records and sorted puts: the sequence numbers the batch takes.
  uint32_t Count() const { return RecordCount() + sorted_count_; }
  uint32_t RecordCount() const { return DecodeFixed32(rep_.data() + 8); }
  SequenceNumber Sequence() const { return DecodeFixed64(rep_.data()); }
  void SetSequence(SequenceNumber seq) { EncodeFixed64(rep_.data(), seq); }
  size_t ApproximateSize() const { return rep_.size() + sorted_bytes_; }
  // Bytes of keys and values (for write-amplification accounting).
  uint64_t payload_bytes() const { return payload_bytes_; }
  std::string_view Contents() const { return rep_; }
  // REQUIRES: contents is a well-formed batch (checked later by Iterate).
  Status SetContents(std::string_view contents);

  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void Put(SequenceNumber seq, std::string_view key, std::string_view value) = 0;
    virtual void Delete(SequenceNumber seq, std::string_view key) = 0;
  };
  // Calls the handler for every record (not the sorted puts); Corruption when
  // the encoding is bad.
  Status Iterate(Handler* handler) const;
  // Checks the encoding without applying anything.
  Status Validate() const;
  Status InsertInto(MemTable* mem) const;

 private:
  void SetCount(uint32_t n) { EncodeFixed32(rep_.data() + 8, n); }
  // Grows rep_ by `bytes` (zero-filled), asking for huge pages when large.
  void Grow(size_t bytes);
  std::string rep_;
  uint64_t payload_bytes_ = 0;
  std::vector<std::shared_ptr<const SortedPuts>> sorted_puts_;
  uint32_t sorted_count_ = 0;
  uint64_t sorted_bytes_ = 0;
};

}  // namespace embodb::lsm
