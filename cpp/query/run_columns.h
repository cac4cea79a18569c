// The columns of a run of a table's rows in a columnar block (lsm/run_scan.h,
// columnar/row_block_codec.h): each column a scan asks for is decoded from
// its chunk once, for the run's rows only; the primary key from the block's
// keys; a column the block predates (add_column) as its default.
#pragma once

#include <map>
#include <memory>
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
  // Column c (schema position) of the run's rows; valid while this lives.
  Result<table::ColumnView> Column(size_t c);

 private:
  Status Decode(size_t c, table::ColumnBuffer* out);

  const table::Schema& schema_;
  const lsm::sstable::Block& block_;
  const columnar::RowBlockValues& values_;
  const uint32_t begin_, end_;
  std::map<size_t, std::unique_ptr<table::ColumnBuffer>> decoded_;
};

}  // namespace embodb::query
