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
#include <functional>
#include <string_view>
#include <vector>

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

// Given the keys and value sizes, reserves room for each value and says
// where it is (*values)[i].
using PlacePuts = std::function<void(const std::vector<std::string_view>& keys,
                                     const std::vector<size_t>& value_sizes, std::vector<char*>* values)>;
// Encodes every value of puts, in parallel, where `place` puts it.
void EncodeSortedPuts(const SortedPuts& puts, const PlacePuts& place);

}  // namespace embodb::lsm
