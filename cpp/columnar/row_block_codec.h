// Columnar blocks of table rows: the codec (lsm/sstable/block_values.h) that
// stores a block of one table's row entries column by column, each column a
// chunk (column_chunk.h) with its statistics. A point read decodes one row
// from the chunks (each reads a single value in constant time) back into the
// row codec's bytes; a scan can decode only the chunks of the columns it
// reads, and skip a block by their statistics. Entries that are not rows
// this codec takes (deletions, blob references, rows of a newer schema) are
// kept as they are. Format in docs/format/table.md ("Columnar blocks").
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/column_chunk.h"
#include "lsm/sstable/block_values.h"
#include "table/table_def.h"

namespace embodb::columnar {

// The parsed values of one columnar block of rows.
class RowBlockValues final : public lsm::sstable::BlockValues {
 public:
  // side: the block's side part (wide columns' chunks), nullptr if none.
  static Result<std::unique_ptr<const RowBlockValues>> Parse(std::string_view encoded,
                                                             const lsm::sstable::SidePart* side);

  size_t size() const override { return entries_; }
  Status Value(size_t i, std::string* scratch, std::string_view* out) const override;
  void Prefetch(size_t i) const override;
  size_t MemoryUsage() const override {
    return sizeof(*this) + chunks_.size() * (sizeof(std::string_view) + sizeof(ChunkReader) + 9);
  }

  // Columns of the schema the block was written under (the primary key's
  // chunk is empty: the key holds it).
  size_t columns() const { return chunks_.size(); }
  // The column only the keys hold; columns() for a composite key (whose
  // columns have chunks like the others).
  size_t primary_key() const { return primary_key_; }
  // Entry i is kept as it was (not a row in the chunks).
  bool IsRaw(size_t i) const { return raw_ != nullptr && ((raw_[i / 8] >> (i % 8)) & 1) != 0; }
  size_t raw_count() const { return raw_count_; }
  // The columns entry i's row was written with (0 for a raw entry).
  int64_t column_count(size_t i) const { return counts_.At(i); }
  // Whether column c's chunk is kept apart, in the side block (vectors,
  // point clouds, bytes): it is read only when asked for (Load).
  bool apart(size_t c) const { return apart_[c] != 0; }
  // Makes column c's chunk readable: reads the side block when c is apart
  // (once; an error stays). Call before chunk(c) and reader(c).
  Status Load(size_t c) const;
  // Column c's chunk (every entry a row of it; a raw entry, or a row
  // written before the column existed, is null there) and its reader.
  std::string_view chunk(size_t c) const { return chunks_[c]; }
  const ChunkReader& reader(size_t c) const { return readers_[c]; }

 private:
  size_t entries_ = 0;
  size_t primary_key_ = 0;
  size_t raw_count_ = 0;
  const uint8_t* raw_ = nullptr;  // bitmap, 1 = raw; nullptr when none is
  codec::IntReader counts_;       // each row's column count
  std::vector<std::string_view> chunks_;
  std::vector<ChunkReader> readers_;
  std::vector<uint8_t> apart_;
  std::vector<std::pair<uint32_t, uint32_t>> side_ranges_;  // an apart column's chunk in the side part
  const lsm::sstable::SidePart* side_ = nullptr;
  mutable std::once_flag side_once_;
  mutable Status side_status_;
  Status LoadSide() const;
  codec::IntReader raw_ends_;
  std::string_view raw_bytes_;
};

class RowBlockCodec final : public lsm::sstable::BlockValueCodec {
 public:
  // defs: the tables' definitions, which the catalog keeps up to date
  // (rows of a table missing there go in row blocks); must outlive the codec.
  explicit RowBlockCodec(const table::TableDefsById* defs) : defs_(defs) {}

  // A table row's group is its table id + 1.
  uint64_t GroupOf(std::string_view user_key) const override;
  bool Encode(uint64_t group, const lsm::sstable::BlockEntry* entries, size_t n, std::string* out,
              std::string* side) const override;
  Result<std::unique_ptr<const lsm::sstable::BlockValues>> Open(std::string_view encoded,
                                                                const lsm::sstable::SidePart* side) const override;

 private:
  const table::TableDefsById* const defs_;
};

}  // namespace embodb::columnar
