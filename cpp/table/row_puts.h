// RowPuts: the rows of one table write as lsm::SortedPuts, so that a bulk
// insert encodes each row (row_codec.h) only when it commits, straight into
// the tables of an ingest, instead of into a write batch of the whole data.
//
// A write of a table with derived indexes encodes its rows at once instead
// (EncodeAll): the same bytes then go to the batch and, as row events, to
// the change feed.
#pragma once

#include <memory>
#include <string_view>
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

  // Encodes every row now, in parallel, into memory of its own; EncodeValue
  // then copies. REQUIRES: not shared yet.
  void EncodeAll();
  // REQUIRES: EncodeAll ran. The encoded value of put i.
  std::string_view encoded(size_t i) const { return {encoded_.get() + offsets_[i], sizes_[i]}; }

 private:
  const Schema schema_;
  const ColumnStorage storage_;
  const std::vector<ColumnView> cols_;
  const RowKeys keys_;
  const std::vector<size_t> rows_;
  std::vector<uint32_t> sizes_;
  uint64_t bytes_ = 0;
  // After EncodeAll: every value, back to back, and where each starts.
  std::unique_ptr<char[]> encoded_;
  std::vector<uint64_t> offsets_;
};

}  // namespace embodb::table
