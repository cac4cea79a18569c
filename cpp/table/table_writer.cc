#include "table/table_writer.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <numeric>

#include "table/conform.h"
#include "table/index_entries.h"
#include "table/key_codec.h"
#include "table/row_codec.h"
#include "table/row_puts.h"

namespace embodb::table {

namespace {

// Rows sorted by key; AlreadyExists on the first repeated key.
Status CheckUniqueInBatch(const RowKeys& row_keys, const Schema& schema, std::vector<size_t>* order) {
  const auto& keys = row_keys.keys;
  order->resize(keys.size());
  std::iota(order->begin(), order->end(), size_t{0});
  std::sort(order->begin(), order->end(), [&](size_t a, size_t b) {
    const auto ka = keys[a], kb = keys[b];
    return ka < kb || (ka == kb && a < b);
  });
  for (size_t j = 1; j < order->size(); j++) {
    const size_t a = (*order)[j - 1], b = (*order)[j];
    if (keys[a] == keys[b]) {
      return Status::AlreadyExists("duplicate primary key " + KeyText(schema, keys[a].substr(row_keys.prefix_size)) +
                                   " in rows " + std::to_string(a) + " and " + std::to_string(b));
    }
  }
  return Status::OK();
}

// AlreadyExists when a key is in the table. One seek settles the common case
// of new keys beyond every existing one; otherwise each key is looked up.
Status CheckNotInTable(const RowKeys& row_keys, const std::vector<size_t>& order, const std::string& table_prefix,
                       const Schema& schema, txn::Transaction* tx) {
  const auto& keys = row_keys.keys;
  if (keys.empty()) return Status::OK();
  const std::string_view lowest = keys[order.front()];
  const std::string_view highest = keys[order.back()];
  {
    auto it = tx->NewIterator(std::string(lowest), PrefixSuccessor(table_prefix));
    it->SeekToFirst();
    EMBODB_RETURN_IF_ERROR(it->status());
    if (!it->Valid() || !it->key().starts_with(table_prefix) || it->key() > highest) return Status::OK();
  }
  std::vector<std::string> values;
  std::vector<Status> statuses;
  tx->MultiGet(keys, &values, &statuses);
  for (size_t i = 0; i < keys.size(); i++) {
    if (statuses[i].ok()) {
      return Status::AlreadyExists("primary key " + KeyText(schema, keys[i].substr(row_keys.prefix_size)) +
                                   " (row " + std::to_string(i) + ") is already in the table");
    }
    if (!statuses[i].IsNotFound()) return statuses[i];
  }
  return Status::OK();
}

// For an upsert: the rows to put in ascending key order, the last of the rows
// of each key only (the last one wins).
std::vector<size_t> LastRowOfEachKey(const RowKeys& row_keys) {
  const auto& keys = row_keys.keys;
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  std::vector<size_t> rows;
  rows.reserve(order.size());
  for (size_t j = 0; j < order.size(); j++) {
    if (j + 1 == order.size() || keys[order[j]] != keys[order[j + 1]]) rows.push_back(order[j]);
  }
  return rows;
}

// Puts the index entries of the rows being written and, for an upsert,
// deletes those of the rows they replace.
Status MaintainIndexes(const TableDef& table, const std::vector<ColumnView>& cols, const RowKeys& keys,
                       WriteMode mode, const std::vector<uint8_t>& superseded, txn::Transaction* tx) {
  const size_t n = keys.keys.size();
  const IndexKeys index_keys(table);
  std::vector<uint8_t> existed(n, 0);
  StoredIndexedColumns old_columns(table, index_keys);
  std::vector<size_t> old_row(n, 0);
  if (mode == WriteMode::kUpsert) {
    std::vector<std::string> values;
    std::vector<Status> statuses;
    tx->MultiGet(keys.keys, &values, &statuses);
    size_t stored = 0;
    for (size_t i = 0; i < n; i++) {
      if (superseded[i] || statuses[i].IsNotFound()) continue;
      EMBODB_RETURN_IF_ERROR(statuses[i]);
      EMBODB_RETURN_IF_ERROR(old_columns.Add(values[i]));
      existed[i] = 1;
      old_row[i] = stored++;
    }
  }
  const std::vector<ColumnView> old_views = old_columns.views();
  for (size_t i = 0; i < n; i++) {
    if (superseded[i]) continue;
    const std::string_view pk_tail = keys.keys[i].substr(keys.prefix_size);
    std::vector<std::string> old_entries;
    if (existed[i]) old_entries = index_keys.Of(old_views, old_row[i], pk_tail);
    UpdateIndexEntries(old_entries, index_keys.Of(cols, i, pk_tail), tx);
  }
  return Status::OK();
}

}  // namespace

Status ConformInput(const TableDef& table, const InputColumns& input, size_t skip_column,
                    std::vector<ConformedColumn>* conformed, std::vector<ColumnView>* cols) {
  const Schema& schema = table.schema;
  const size_t n = input.rows;
  for (size_t i = 0; i < input.names.size(); i++) {
    if (schema.Find(input.names[i]) < 0) {
      return Status::Schema("table '" + table.name + "' has no column '" + input.names[i] + "'");
    }
    if (input.columns[i].length != n) {
      return Status::Schema("column '" + input.names[i] + "' has " + std::to_string(input.columns[i].length) +
                            " values, other columns have " + std::to_string(n));
    }
    for (size_t j = 0; j < i; j++) {
      if (input.names[j] == input.names[i]) return Status::Schema("column '" + input.names[i] + "' given twice");
    }
  }
  conformed->resize(schema.size());
  cols->assign(schema.size(), ColumnView());
  for (size_t c = 0; c < schema.size(); c++) {
    const Column& col = schema.column(c);
    auto given = std::find(input.names.begin(), input.names.end(), col.name);
    if (c == skip_column) {
      if (given != input.names.end()) {
        return Status::Schema("table '" + table.name + "' assigns its own ids: do not give column '_id'");
      }
      continue;
    }
    if (given == input.names.end()) {
      EMBODB_ASSIGN_OR_RETURN((*conformed)[c], DefaultColumn(col, n));
    } else {
      EMBODB_ASSIGN_OR_RETURN((*conformed)[c], ConformColumn(input.columns[given - input.names.begin()], col));
    }
    (*cols)[c] = (*conformed)[c].view;
  }
  return Status::OK();
}

Status WriteRows(const TableDef& table, const InputColumns& input, WriteMode mode, const RowCheck& check,
                 IdSource* id_source, txn::Transaction* tx, std::vector<int64_t>* ids,
                 std::shared_ptr<const void> input_owner) {
  const Schema& schema = table.schema;
  const size_t n = input.rows;
  ColumnStorage storage;
  storage.input = std::move(input_owner);
  std::vector<ColumnView> cols;
  const bool assign_ids = schema.auto_id() && mode != WriteMode::kRewrite;
  if (mode == WriteMode::kRewrite) mode = WriteMode::kUpsert;
  EMBODB_RETURN_IF_ERROR(
      ConformInput(table, input, assign_ids ? schema.key_only_column() : kNoColumn, &storage.conformed, &cols));
  if (n == 0) return Status::OK();
  if (check) EMBODB_RETURN_IF_ERROR(check(table, cols, n));
  tx->Guard(TableDefKey(table.name));

  const std::string prefix = RowKeyPrefix(table.id);
  if (assign_ids) {
    const int64_t first = id_source->AllocateIds(table, n, tx);
    storage.ids = std::make_unique<ColumnBuffer>(schema.column(schema.key_only_column()).type);
    storage.ids->Reserve(n, 0);
    ids->resize(n);
    for (size_t i = 0; i < n; i++) {
      const int64_t id = first + static_cast<int64_t>(i);
      (*ids)[i] = id;
      storage.ids->AppendFixed(&id);
    }
    cols[schema.key_only_column()] = storage.ids->view();
  }
  std::vector<ColumnView> key_values;
  for (size_t k : schema.key_columns()) key_values.push_back(cols[k]);
  RowKeys keys = EncodeRowKeys(table.id, key_values);
  std::vector<size_t> rows;  // the rows to put, in ascending key order
  std::vector<uint8_t> superseded;  // rows of an upsert that a later row of their key replaces
  if (assign_ids) {
    rows.resize(n);
    std::iota(rows.begin(), rows.end(), size_t{0});  // the ids ascend
  } else if (mode == WriteMode::kInsert) {
    EMBODB_RETURN_IF_ERROR(CheckUniqueInBatch(keys, schema, &rows));
    EMBODB_RETURN_IF_ERROR(CheckNotInTable(keys, rows, prefix, schema, tx));
  } else {
    rows = LastRowOfEachKey(keys);
    if (rows.size() < n) {
      superseded.assign(n, 1);
      for (size_t i : rows) superseded[i] = 0;
    }
  }
  if (!table.indexes.empty()) {
    if (superseded.empty()) superseded.assign(n, 0);
    EMBODB_RETURN_IF_ERROR(MaintainIndexes(table, cols, keys, mode, superseded, tx));
  }
  auto puts = std::make_shared<RowPuts>(schema, std::move(storage), std::move(cols), std::move(keys), std::move(rows));
  if (!table.derived.empty()) {
    // Encoded once, for the batch and the change feed alike.
    puts->EncodeAll();
    auto changes = std::make_shared<txn::ChangeList>();
    changes->owner = table.id;
    changes->changes.reserve(puts->size());
    for (size_t i = 0; i < puts->size(); i++) {
      changes->changes.push_back({false, puts->key(i).substr(prefix.size()), puts->encoded(i)});
    }
    changes->storage = puts;
    tx->Announce(std::move(changes));
  }
  tx->PutSorted(std::move(puts));
  return Status::OK();
}

Status DeleteRowsByKey(const TableDef& table, const ColumnView& keys, txn::Transaction* tx,
                       size_t* deleted) {
  return DeleteRowsByKey(table, std::vector{keys}, tx, deleted);
}

Status DeleteRowsByKey(const TableDef& table, const std::vector<ColumnView>& keys, txn::Transaction* tx,
                       size_t* deleted) {
  *deleted = 0;
  RowKeys encoded;
  EMBODB_ASSIGN_OR_RETURN(encoded, ConformKeys(table.id, table.schema, keys));
  std::vector<std::string> values;
  std::vector<Status> statuses;
  tx->MultiGet(encoded.keys, &values, &statuses);
  std::vector<size_t> existing;  // rows whose key is in the table
  for (size_t i = 0; i < encoded.keys.size(); i++) {
    if (statuses[i].ok()) {
      existing.push_back(i);
    } else if (!statuses[i].IsNotFound()) {
      return statuses[i];
    }
  }
  // A key given twice is deleted (and counted) once.
  auto key_of = [&](size_t i) { return encoded.keys[i]; };
  std::sort(existing.begin(), existing.end(), [&](size_t a, size_t b) { return key_of(a) < key_of(b); });
  existing.erase(std::unique(existing.begin(), existing.end(), [&](size_t a, size_t b) { return key_of(a) == key_of(b); }),
                 existing.end());
  const IndexKeys index_keys(table);
  StoredIndexedColumns old_columns(table, index_keys);
  std::vector<std::string_view> row_keys;
  for (size_t i : existing) {
    if (!index_keys.empty()) EMBODB_RETURN_IF_ERROR(old_columns.Add(values[i]));
    row_keys.push_back(key_of(i));
  }
  *deleted = row_keys.size();
  DeleteStoredRows(table, row_keys, encoded.prefix_size, old_columns.views(), tx);
  return Status::OK();
}

void DeleteStoredRows(const TableDef& table, const std::vector<std::string_view>& row_keys,
                      size_t prefix_size, const std::vector<ColumnView>& indexed, txn::Transaction* tx) {
  if (row_keys.empty()) return;
  tx->Guard(TableDefKey(table.name));
  const IndexKeys index_keys(table);
  for (size_t j = 0; !index_keys.empty() && j < row_keys.size(); j++) {
    UpdateIndexEntries(index_keys.Of(indexed, j, row_keys[j].substr(prefix_size)), {}, tx);
  }
  for (std::string_view key : row_keys) tx->Delete(key);
  if (table.derived.empty()) return;
  auto keys = std::make_shared<std::vector<std::string>>();
  keys->reserve(row_keys.size());
  auto changes = std::make_shared<txn::ChangeList>();
  changes->owner = table.id;
  for (std::string_view key : row_keys) {
    keys->emplace_back(key.substr(prefix_size));
    changes->changes.push_back({true, keys->back(), {}});
  }
  changes->storage = std::move(keys);
  tx->Announce(std::move(changes));
}

}  // namespace embodb::table
