// Reads the rows of a table that match a filter, in primary-key order, in
// batches of bounded size: the plan (plan.h) says which rows to visit; the
// filter columns of a chunk of visited rows are decoded and evaluated
// together, and only the matching rows are decoded into the projection.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "query/filter.h"
#include "query/plan.h"
#include "table/table_reader.h"
#include "txn/reader.h"

namespace embodb::query {

// What a scan read: runs of columnar blocks read or skipped by their chunk
// statistics, column chunks decoded or left alone, rows read whole.
struct ScanStats {
  uint64_t runs_read = 0;
  uint64_t runs_skipped = 0;     // the filter cannot match any row of the block
  uint64_t chunks_read = 0;      // column chunks decoded (whole or some rows)
  uint64_t chunks_skipped = 0;   // chunks the scan needed in principle, not read
  uint64_t rows_read_whole = 0;  // rows decoded as rows (memtable, row blocks)
};

class RunColumns;  // run_columns.h

class TableScan {
 public:
  // Consulted for each run of a columnar block the filter may match: false
  // skips it (counted as skipped by statistics).
  using RunGate = std::function<bool(RunColumns& run)>;

  // filter: nullptr reads every row. The reader must outlive the scan.
  TableScan(table::TableDefPtr table, txn::Reader* reader, std::vector<size_t> projection, FilterPtr filter);
  ~TableScan();

  // Appends up to max_rows matching rows to *out (a ResultBatch::ForProjection
  // of the projection); false once no row was added (the end, or an error).
  bool Next(size_t max_rows, table::ResultBatch* out);
  Status status() const { return status_; }
  const Plan& plan() const { return plan_; }
  const FilterPtr& filter() const { return filter_; }
  const ScanStats& stats() const { return stats_; }
  void set_run_gate(RunGate gate) { gate_ = std::move(gate); }

 private:
  class Source;
  // Visits up to max rows of the plan; returns how many (0 at the end). Rows
  // are decoded into out, or staged for the filter; a run of a columnar
  // block is filtered and read into out column by column (ReadRun).
  Result<size_t> Visit(size_t max, table::RowDecoder* decoder, table::ResultBatch* out, bool stage);
  Status ReadRun(const lsm::ScanPiece& piece, table::ResultBatch* out);
  Status FilterStaged(table::RowDecoder* decoder);

  const table::TableDefPtr table_;
  txn::Reader* const reader_;
  const std::vector<size_t> projection_;
  const FilterPtr filter_;
  const Plan plan_;
  std::unique_ptr<Source> source_;
  Status status_;
  ScanStats stats_;
  RunGate gate_;
  std::vector<size_t> needed_columns_;  // filter's and projection's, sorted, distinct

  // Rows visited but not yet filtered: keys and values in one buffer.
  std::string staged_;
  std::vector<size_t> staged_ends_;  // per row: end of its key, end of its value
};

}  // namespace embodb::query
