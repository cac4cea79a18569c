#include "table/table_reader.h"

#include "table/conform.h"
#include "table/key_codec.h"
#include "table/row_codec.h"

namespace embodb::table {

ResultBatch ResultBatch::ForProjection(const Schema& schema, const std::vector<size_t>& projection) {
  ResultBatch b;
  b.names.reserve(projection.size());
  b.columns.reserve(projection.size());
  for (size_t c : projection) {
    b.names.push_back(schema.column(c).name);
    b.columns.emplace_back(schema.column(c).type);
  }
  return b;
}

ResultBatch TakeRows(const ResultBatch& batch, const std::vector<uint64_t>& indices) {
  ResultBatch out;
  out.names = batch.names;
  for (const ColumnBuffer& col : batch.columns) {
    const ColumnView view = col.view();
    ColumnBuffer taken(col.type());
    taken.Reserve(indices.size(), 0);
    for (uint64_t i : indices) taken.AppendFrom(view, i);
    out.columns.push_back(std::move(taken));
  }
  out.row_count = indices.size();
  return out;
}

std::vector<size_t> AllColumns(const Schema& schema) {
  std::vector<size_t> all(schema.size());
  for (size_t i = 0; i < all.size(); i++) all[i] = i;
  return all;
}

RowDecoder::RowDecoder(const Schema& schema, const std::vector<size_t>& projection, ResultBatch* out)
    : schema_(schema), out_(out), outs_(schema.size(), nullptr) {
  for (size_t j = 0; j < projection.size(); j++) {
    if (projection[j] == schema.key_only_column()) {
      key_out_ = &out->columns[j];
    } else {
      outs_[projection[j]] = &out->columns[j];
    }
  }
}

Status RowDecoder::Decode(std::string_view key_tail, std::string_view value) {
  if (key_out_ != nullptr) EMBODB_RETURN_IF_ERROR(DecodeKeyInto(key_tail, key_out_));
  EMBODB_RETURN_IF_ERROR(DecodeRow(schema_, value, outs_.data()));
  out_->row_count++;
  return Status::OK();
}

// Reads the rows of row keys (prefix_size bytes of table prefix first).
static Status ReadRows(const TableDef& table, txn::Reader* reader, const std::vector<std::string_view>& row_keys,
                       size_t prefix_size, const std::vector<size_t>& projection, ResultBatch* out,
                       std::vector<uint8_t>* found) {
  std::vector<std::string> values;
  std::vector<Status> statuses;
  reader->MultiGet(row_keys, &values, &statuses);
  // Room for every row found, so that no column grows (and copies) as rows come.
  size_t rows = 0;
  for (const Status& s : statuses) rows += s.ok() ? 1 : 0;
  for (ColumnBuffer& col : out->columns) col.Reserve(rows, 0);
  RowDecoder decoder(table.schema, projection, out);
  found->assign(row_keys.size(), 0);
  for (size_t i = 0; i < row_keys.size(); i++) {
    if (statuses[i].IsNotFound()) continue;
    EMBODB_RETURN_IF_ERROR(statuses[i]);
    EMBODB_RETURN_IF_ERROR(decoder.Decode(row_keys[i].substr(prefix_size), values[i]));
    (*found)[i] = 1;
  }
  return Status::OK();
}

Status ReadRowsByKey(const TableDef& table, txn::Reader* reader, const std::vector<ColumnView>& keys,
                     const std::vector<size_t>& projection, ResultBatch* out, std::vector<uint8_t>* found) {
  RowKeys row_keys;
  EMBODB_ASSIGN_OR_RETURN(row_keys, ConformKeys(table.id, table.schema, keys));
  return ReadRows(table, reader, row_keys.keys, row_keys.prefix_size, projection, out, found);
}

Status ReadRowsByKey(const TableDef& table, txn::Reader* reader, const ColumnView& keys,
                     const std::vector<size_t>& projection, ResultBatch* out, std::vector<uint8_t>* found) {
  return ReadRowsByKey(table, reader, std::vector{keys}, projection, out, found);
}

Status ReadRowsByEncodedKeys(const TableDef& table, txn::Reader* reader, const std::vector<std::string>& keys,
                             const std::vector<size_t>& projection, ResultBatch* out, std::vector<uint8_t>* found) {
  const std::string prefix = RowKeyPrefix(table.id);
  std::vector<std::string> full;
  full.reserve(keys.size());
  for (const std::string& k : keys) full.push_back(prefix + k);
  const std::vector<std::string_view> views(full.begin(), full.end());
  return ReadRows(table, reader, views, prefix.size(), projection, out, found);
}

}  // namespace embodb::table
