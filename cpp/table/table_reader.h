// Reading rows of a table into columns: decoding them, and reading them by
// primary key. Scans with filters are in cpp/query/table_scan.h.
#pragma once

#include <string>
#include <vector>

#include "table/table_def.h"
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
// tells whether keys[i] existed. Keys are one column per key column (in key
// order): a view of any integer type for an integer column, of strings for
// a string column.
Status ReadRowsByKey(const TableDef& table, txn::Reader* reader, const std::vector<ColumnView>& keys,
                     const std::vector<size_t>& projection, ResultBatch* out, std::vector<uint8_t>* found);
// The same for a table whose primary key is one column.
Status ReadRowsByKey(const TableDef& table, txn::Reader* reader, const ColumnView& keys,
                     const std::vector<size_t>& projection, ResultBatch* out, std::vector<uint8_t>* found);
// The same for encoded primary keys (key_codec.h: row keys without their
// table prefix).
Status ReadRowsByEncodedKeys(const TableDef& table, txn::Reader* reader, const std::vector<std::string>& keys,
                             const std::vector<size_t>& projection, ResultBatch* out, std::vector<uint8_t>* found);

// Decodes rows (key and value) into the columns of a projection.
class RowDecoder {
 public:
  // out: a ResultBatch::ForProjection of the same projection; must outlive this.
  RowDecoder(const Schema& schema, const std::vector<size_t>& projection, ResultBatch* out);
  // key_tail: the row key after its table prefix (the encoded primary key).
  Status Decode(std::string_view key_tail, std::string_view value);

 private:
  const Schema& schema_;
  ResultBatch* out_;
  std::vector<ColumnBuffer*> outs_;  // by schema column; nullptr: not in the projection
  ColumnBuffer* key_out_ = nullptr;
};

}  // namespace embodb::table
