// Columnar data blocks: the values of a run of entries stored by a codec that
// the layer above supplies (the table layer stores rows column by column),
// while their keys stay in the LSM's own block format. Lookups, iterators,
// merges and snapshots therefore see the same entries as in a row block; only
// the values are laid out differently, and a reader that knows the codec can
// read them column by column. Format in docs/format/sstable.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lsm/dbformat.h"
#include "util/result.h"

namespace embodb::lsm::sstable {

// One entry handed to a codec.
struct BlockEntry {
  std::string_view user_key;
  SequenceNumber sequence = 0;
  ValueType type = kTypeValue;
  std::string_view value;
};

// The values of one columnar block, parsed. Thread-safe (const).
class BlockValues {
 public:
  virtual ~BlockValues() = default;
  virtual size_t size() const = 0;
  // Entry i's value exactly as it was added: a view of the block's bytes or
  // of *scratch. Corruption when the stored values do not decode.
  virtual Status Value(size_t i, std::string* scratch, std::string_view* out) const = 0;
  // Hints to the CPU that entry i's value will be read soon.
  virtual void Prefetch(size_t i) const {}
  // Bytes this object holds beyond the block's (an estimate, for budgets).
  virtual size_t MemoryUsage() const { return 256; }
};

// The bytes a columnar block keeps apart from it, in a block of their own
// (wide values: a scan of the other columns never reads them). Read, and
// checked, the first time they are asked for. Thread-safe.
class SidePart {
 public:
  virtual ~SidePart() = default;
  // Corruption when they cannot be read or fail their checksum.
  virtual Result<std::string_view> Bytes() const = 0;
};

// Supplied by the layer above through TableOptions::value_codec, to the
// writer and to every reader of the database's tables. Thread-safe.
class BlockValueCodec {
 public:
  virtual ~BlockValueCodec() = default;
  // Entries whose user keys have the same nonzero group may share a
  // columnar block; 0: the key's entries go in row blocks.
  virtual uint64_t GroupOf(std::string_view user_key) const = 0;
  // Appends to *out the values of n entries of one group, in order (at
  // least 1), and to *side what is to be kept apart (SidePart; may stay
  // empty); false when they are better stored as a row block (then *out
  // and *side are unchanged).
  virtual bool Encode(uint64_t group, const BlockEntry* entries, size_t n, std::string* out,
                      std::string* side) const = 0;
  // Parses what Encode wrote to *out; `side` gives what it wrote to *side
  // (nullptr when that was empty). Both outlive the result. Corruption when
  // they are malformed.
  virtual Result<std::unique_ptr<const BlockValues>> Open(std::string_view encoded, const SidePart* side) const = 0;
};

}  // namespace embodb::lsm::sstable
