// RowPuts: the rows of one table write as lsm::SortedPuts, so that a bulk
// insert encodes each row (row_codec.h) only when it commits, straight into
// the tables of an ingest, instead of into a write batch of the whole data.
#pragma once

#include <memory>
#include <vector>

#include "lsm/sorted_puts.h"
#include "table/column_data.h"
#include "table/conform.h"
#include "table/key_codec.h"
#include "table/schema.h"

namespace embodb::table {

// What the columns of a write are made of: conversions and generated ids.
// Held by RowPuts, so that its views stay valid until the commit.
struct ColumnStorage {
  std::vector<ConformedColumn> conformed;
  std::unique_ptr<ColumnBuffer> ids;
  std::shared_ptr<const void> input;  // the input columns' memory, when someone must keep it
};

class RowPuts final : public lsm::SortedPuts {
 public:
  // cols: one view per schema column, into `storage` or into memory that
  // outlives the commit. rows: the rows to put, in ascending order of
  // keys.keys (which must be distinct among them).
  RowPuts(Schema schema, ColumnStorage storage, std::vector<ColumnView> cols, RowKeys keys, std::vector<size_t> rows);

  size_t size() const override { return rows_.size(); }
  std::string_view key(size_t i) const override { return keys_.keys[rows_[i]]; }
  size_t value_size(size_t i) const override { return sizes_[i]; }
  void EncodeValue(size_t i, char* dst) const override;
  uint64_t bytes() const override { return bytes_; }

 private:
  const Schema schema_;
  const ColumnStorage storage_;
  const std::vector<ColumnView> cols_;
  const RowKeys keys_;
  const std::vector<size_t> rows_;
  std::vector<uint32_t> sizes_;
  uint64_t bytes_ = 0;
};

}  // namespace embodb::table
