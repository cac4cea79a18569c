#include "query/table_update.h"

#include "index/registry.h"
#include "query/table_scan.h"
#include "table/conform.h"
#include "table/index_entries.h"
#include "table/key_codec.h"

namespace embodb::query {

namespace {

constexpr size_t kBatchRows = 65536;

// Every row matching filter, with the columns of projection.
Status ReadMatching(const table::TableDefPtr& def, const FilterPtr& filter, txn::Transaction* tx,
                    const std::vector<size_t>& projection, table::ResultBatch* out) {
  TableScan scan(def, tx, projection, filter);
  while (scan.Next(kBatchRows, out)) {
  }
  return scan.status();
}

}  // namespace

Status DeleteWhere(const table::TableDefPtr& def, const FilterPtr& filter, txn::Transaction* tx, size_t* deleted) {
  const table::TableDef& table = *def;
  // One read: the key and the indexed columns, whose entries go too.
  const table::IndexKeys index_keys(table);
  std::vector<size_t> projection = table.schema.key_columns();
  for (size_t c : index_keys.columns()) {
    if (!table.schema.IsKeyColumn(c)) projection.push_back(c);  // a key column is read once
  }
  table::ResultBatch rows = table::ResultBatch::ForProjection(table.schema, projection);
  EMBODB_RETURN_IF_ERROR(ReadMatching(def, filter, tx, projection, &rows));
  std::vector<table::ColumnView> indexed(table.schema.size());
  for (size_t j = 0; j < projection.size(); j++) indexed[projection[j]] = rows.columns[j].view();
  const table::RowKeys keys = table::EncodeRowKeys(table.id, table::KeyViews(table.schema, rows.columns));
  table::DeleteStoredRows(table, keys.keys, keys.prefix_size, indexed, tx);
  *deleted = keys.keys.size();
  return Status::OK();
}

Status UpdateWhere(const table::TableDefPtr& def, const FilterPtr& filter, const table::InputColumns& values,
                   txn::Transaction* tx, size_t* updated) {
  const table::TableDef& table = *def;
  *updated = 0;
  const table::Schema& schema = table.schema;
  if (values.names.empty()) return Status::InvalidArgument("update needs at least one column to set");
  if (values.rows != 1) return Status::InvalidArgument("update takes one value per column");
  // Check every new value before reading anything.
  std::vector<table::ConformedColumn> conformed(schema.size());
  std::vector<bool> is_set(schema.size(), false);
  for (size_t i = 0; i < values.names.size(); i++) {
    const int c = schema.Find(values.names[i]);
    if (c < 0) return Status::Schema("table '" + table.name + "' has no column '" + values.names[i] + "'");
    if (schema.IsKeyColumn(static_cast<size_t>(c))) {
      return Status::Schema("cannot update the primary key column '" + values.names[i] +
                            "'; delete the rows and insert them with new keys");
    }
    if (is_set[c]) return Status::InvalidArgument("column '" + values.names[i] + "' is set twice");
    if (values.columns[i].length != 1) {
      return Status::InvalidArgument("update takes one value for column '" + values.names[i] + "', not " +
                                     std::to_string(values.columns[i].length));
    }
    EMBODB_ASSIGN_OR_RETURN(conformed[c], table::ConformColumn(values.columns[i], schema.column(c)));
    is_set[c] = true;
  }
  std::vector<size_t> kept;  // the columns that keep their values
  for (size_t c = 0; c < schema.size(); c++) {
    if (!is_set[c]) kept.push_back(c);
  }
  // The new rows, kept until the write commits: kept columns as read, set
  // columns as n copies of the value.
  struct NewRows {
    table::ResultBatch read;
    std::vector<table::ColumnBuffer> repeated;
  };
  auto new_rows = std::make_shared<NewRows>(NewRows{table::ResultBatch::ForProjection(schema, kept), {}});
  table::ResultBatch& rows = new_rows->read;
  EMBODB_RETURN_IF_ERROR(ReadMatching(def, filter, tx, kept, &rows));
  const size_t n = rows.rows();
  if (n == 0) return Status::OK();
  table::InputColumns input;
  input.rows = n;
  std::vector<table::ColumnBuffer>& repeated = new_rows->repeated;
  repeated.reserve(values.names.size());
  for (size_t c = 0; c < schema.size(); c++) {
    if (!is_set[c]) continue;
    table::ColumnBuffer buffer(schema.column(c).type);
    buffer.Reserve(n, 0);
    for (size_t r = 0; r < n; r++) buffer.AppendFrom(conformed[c].view, 0);
    repeated.push_back(std::move(buffer));
    input.names.push_back(schema.column(c).name);
    input.columns.push_back(repeated.back().view());
  }
  for (size_t j = 0; j < kept.size(); j++) {
    input.names.push_back(rows.names[j]);
    input.columns.push_back(rows.columns[j].view());
  }
  std::vector<int64_t> ids;
  EMBODB_RETURN_IF_ERROR(table::WriteRows(table, input, table::WriteMode::kRewrite, index::CheckRows, nullptr, tx, &ids, new_rows));
  *updated = n;
  return Status::OK();
}

}  // namespace embodb::query
