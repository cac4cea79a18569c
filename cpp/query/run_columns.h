// The columns of a run of a table's rows in a columnar block (lsm/run_scan.h,
// columnar/row_block_codec.h): each column a scan asks for is decoded from
// its chunk once, for the run's rows only; the primary key from the block's
// keys; a column the block predates (add_column) as its default.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "columnar/row_block_codec.h"
#include "lsm/run_scan.h"
#include "table/column_data.h"
#include "table/schema.h"

namespace embodb::query {

class RunColumns {
 public:
  // The run's rows must be rows of the columnar block codec
  // (Decodable(run)); schema is the table's.
  RunColumns(const table::Schema& schema, const lsm::ScanPiece& run);

  // Whether the run's entries can be read column by column: a block of the
  // row codec with no raw entry among them (else read them as rows).
  static bool Decodable(const lsm::ScanPiece& run);

  size_t rows() const { return end_ - begin_; }
  // Whether the run is every entry of its block (then the block's chunk
  // statistics describe exactly its rows).
  bool whole_block() const { return begin_ == 0 && end_ == values_.size(); }
  // The statistics of column c's chunk (of the whole block) when they
  // describe the run's values: nullptr for the key, a column the block
  // predates, one with a default (older rows read it), or a bad header.
  const columnar::ChunkStats* Stats(size_t c);
  // Column c (schema position) of the run's rows; valid while this lives.
  Result<table::ColumnView> Column(size_t c);
  // Appends column c of the run's rows `rows` (ascending, relative to the
  // run; nullptr: every row) to out: a few rows are read one by one from
  // the chunk, many by decoding it (late materialisation).
  Status AppendTo(size_t c, const std::vector<uint32_t>* rows, table::ColumnBuffer* out);
  // Column chunks read so far (by Column, AppendTo).
  size_t chunks_read() const { return chunks_read_.size(); }
  // Whether column c has a chunk in this block (not the key, not a column
  // the block predates).
  bool HasChunk(size_t c) const { return c != schema_.key_only_column() && c < values_.columns(); }

 private:
  Status Decode(size_t c, table::ColumnBuffer* out);
  // Appends the primary keys of the run's rows `rows` (ascending).
  Status AppendKeys(const std::vector<uint32_t>& rows, table::ColumnBuffer* out);
  // Whether rows of column c read as their stored values (not a default,
  // not the key): then single rows can come from the chunk.
  bool StoredValues(size_t c);

  const table::Schema& schema_;
  const lsm::sstable::Block& block_;
  const columnar::RowBlockValues& values_;
  const uint32_t begin_, end_;
  std::map<size_t, std::unique_ptr<table::ColumnBuffer>> decoded_;
  std::map<size_t, std::optional<columnar::ChunkStats>> stats_;
  std::set<size_t> chunks_read_;
};

}  // namespace embodb::query
