// Reading rows of a table into columns: by primary key, or by scanning the
// table in key order, in batches of bounded size.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "table/column_data.h"
#include "txn/reader.h"

namespace embodb::table {

// Columns of a result, owned here. Shared with Python, which views the
// buffers without copying them.
struct ResultBatch {
  std::vector<std::string> names;
  std::vector<ColumnBuffer> columns;

  // Empty columns named and typed after the projection (schema positions).
  static ResultBatch ForProjection(const Schema& schema, const std::vector<size_t>& projection);
  size_t rows() const { return columns.empty() ? row_count : columns[0].length(); }
  size_t row_count = 0;  // rows when there are no columns (a count)
};

// The rows at `indices` (each < batch.rows()), in that order.
ResultBatch TakeRows(const ResultBatch& batch, const std::vector<uint64_t>& indices);

// Every column of the schema, in order.
std::vector<size_t> AllColumns(const Schema& schema);

// Appends the rows of the keys that exist, in the order of keys; found[i]
// tells whether keys[i] existed. Keys are a view of any integer type for an
// integer key, or of strings for a string key.
Status ReadRowsByKey(const catalog::TableDef& table, txn::Reader* reader, const ColumnView& keys,
                     const std::vector<size_t>& projection, ResultBatch* out, std::vector<uint8_t>* found);

class RowScanner {
 public:
  RowScanner(catalog::TableDefPtr table, txn::Reader* reader, std::vector<size_t> projection);
  // Appends up to max_rows rows to *out; false once no row was left.
  bool Next(size_t max_rows, ResultBatch* out);
  Status status() const { return status_; }

 private:
  const catalog::TableDefPtr table_;
  const std::vector<size_t> projection_;
  const std::string prefix_, limit_;
  std::unique_ptr<lsm::Iterator> iter_;
  bool started_ = false;
  Status status_;
};

}  // namespace embodb::table
