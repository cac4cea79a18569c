#include "table/table_reader.h"

#include "table/conform.h"
#include "table/key_codec.h"
#include "table/row_codec.h"

namespace embodb::table {

ResultBatch ResultBatch::ForProjection(const Schema& schema, const std::vector<size_t>& projection) {
  ResultBatch b;
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

namespace {

// outs[schema column] for DecodeRow, and the output holding the key, if any.
std::vector<ColumnBuffer*> OutputsBySchemaColumn(const Schema& schema, const std::vector<size_t>& projection,
                                                 ResultBatch* out, ColumnBuffer** key_out) {
  std::vector<ColumnBuffer*> outs(schema.size(), nullptr);
  *key_out = nullptr;
  for (size_t j = 0; j < projection.size(); j++) {
    if (projection[j] == schema.primary_key()) {
      *key_out = &out->columns[j];
    } else {
      outs[projection[j]] = &out->columns[j];
    }
  }
  return outs;
}

Status DecodeOne(const Schema& schema, std::string_view key_tail, std::string_view value,
                 const std::vector<ColumnBuffer*>& outs, ColumnBuffer* key_out) {
  if (key_out != nullptr && !DecodeKeyInto(key_tail, key_out)) return Status::Corruption("bad row key");
  return DecodeRow(schema, value, outs.data());
}

}  // namespace

Status ReadRowsByKey(const catalog::TableDef& table, txn::Reader* reader, const ColumnView& keys,
                     const std::vector<size_t>& projection, ResultBatch* out, std::vector<uint8_t>* found) {
  const Schema& schema = table.schema;
  ConformedColumn conformed;
  EMBODB_ASSIGN_OR_RETURN(conformed, ConformColumn(keys, schema.primary_key_column()));
  const RowKeys row_keys = EncodeRowKeys(table.id, conformed.view);
  std::vector<std::string> values;
  std::vector<Status> statuses;
  reader->MultiGet(row_keys.keys, &values, &statuses);
  ColumnBuffer* key_out;
  auto outs = OutputsBySchemaColumn(schema, projection, out, &key_out);
  found->assign(keys.length, 0);
  for (size_t i = 0; i < keys.length; i++) {
    if (statuses[i].IsNotFound()) continue;
    EMBODB_RETURN_IF_ERROR(statuses[i]);
    EMBODB_RETURN_IF_ERROR(DecodeOne(schema, row_keys.keys[i].substr(row_keys.prefix_size), values[i], outs, key_out));
    (*found)[i] = 1;
    out->row_count++;
  }
  return Status::OK();
}

RowScanner::RowScanner(catalog::TableDefPtr table, txn::Reader* reader, std::vector<size_t> projection)
    : table_(std::move(table)),
      projection_(std::move(projection)),
      prefix_(RowKeyPrefix(table_->id)),
      limit_(PrefixSuccessor(prefix_)),
      iter_(reader->NewIterator(prefix_, limit_)) {}

bool RowScanner::Next(size_t max_rows, ResultBatch* out) {
  if (!status_.ok()) return false;
  if (!started_) {
    iter_->SeekToFirst();
    started_ = true;
  }
  ColumnBuffer* key_out;
  auto outs = OutputsBySchemaColumn(table_->schema, projection_, out, &key_out);
  size_t added = 0;
  for (; added < max_rows && iter_->Valid(); iter_->Next()) {
    const std::string_view key = iter_->key();
    if (!key.starts_with(prefix_)) break;
    status_ = DecodeOne(table_->schema, key.substr(prefix_.size()), iter_->value(), outs, key_out);
    if (!status_.ok()) return false;
    out->row_count++;
    added++;
  }
  if (status_.ok()) status_ = iter_->status();
  return added > 0 && status_.ok();
}

}  // namespace embodb::table
