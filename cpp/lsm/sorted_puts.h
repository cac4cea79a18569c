// SortedPuts: puts of distinct keys in ascending order whose values are
// encoded only when the batch holding them is written.
//
// A bulk insert of a million rows would otherwise encode every row into the
// write batch first: hundreds of megabytes of fresh memory, faulted in page by
// page, only to be copied into tables. Added to a WriteBatch, the puts are
// encoded a chunk at a time straight into the tables of an ingest (or, for a
// batch that goes through the WAL, into the batch just before it is written).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace embodb::lsm {

class SortedPuts {
 public:
  virtual ~SortedPuts() = default;
  virtual size_t size() const = 0;
  // REQUIRES: key(i) < key(i + 1).
  virtual std::string_view key(size_t i) const = 0;
  virtual size_t value_size(size_t i) const = 0;
  // Writes value i's value_size(i) bytes at dst. Called from several threads
  // at once for different i.
  virtual void EncodeValue(size_t i, char* dst) const = 0;
  // The sum of every key's and value's size.
  virtual uint64_t bytes() const = 0;
};

}  // namespace embodb::lsm
