#include "table/index_entries.h"

#include "table/index_codec.h"
#include "table/key_codec.h"
#include "table/row_codec.h"

namespace embodb::table {

std::vector<std::string> IndexEntriesOf(const catalog::TableDef& table, const std::vector<ColumnView>& cols, size_t i,
                                        std::string_view pk_tail) {
  std::vector<std::string> out;
  out.reserve(table.indexes.size());
  for (const catalog::IndexDef& ix : table.indexes) {
    std::string key = IndexKeyPrefix(ix.id);
    AppendIndexValue(cols[table.schema.Find(ix.column)], i, &key);
    key.append(pk_tail);
    out.push_back(std::move(key));
  }
  return out;
}

StoredIndexedColumns::StoredIndexedColumns(const catalog::TableDef& table)
    : table_(table), outs_(table.schema.size(), nullptr) {
  buffers_.reserve(table.indexes.size());
  for (const catalog::IndexDef& ix : table.indexes) {
    const int c = table.schema.Find(ix.column);
    buffers_.emplace_back(table.schema.column(c).type);
    outs_[c] = &buffers_.back();
  }
}

Status StoredIndexedColumns::Add(std::string_view stored_value) {
  return DecodeRow(table_.schema, stored_value, outs_.data());
}

std::vector<ColumnView> StoredIndexedColumns::views() const {
  std::vector<ColumnView> views(table_.schema.size());
  for (size_t k = 0; k < table_.indexes.size(); k++) {
    views[table_.schema.Find(table_.indexes[k].column)] = buffers_[k].view();
  }
  return views;
}

void UpdateIndexEntries(const std::vector<std::string>& old_entries, const std::vector<std::string>& new_entries,
                        txn::Transaction* tx) {
  for (size_t k = 0; k < std::max(old_entries.size(), new_entries.size()); k++) {
    const bool has_old = k < old_entries.size(), has_new = k < new_entries.size();
    if (has_old && has_new && old_entries[k] == new_entries[k]) continue;
    if (has_old) tx->Delete(old_entries[k]);
    if (has_new) tx->Put(new_entries[k], {});
  }
}

Status BackfillIndex(const catalog::TableDef& def, const catalog::IndexDef& index, txn::Transaction* tx) {
  const int c = def.schema.Find(index.column);
  const std::string prefix = RowKeyPrefix(def.id);
  const std::string index_prefix = IndexKeyPrefix(index.id);
  std::vector<ColumnBuffer*> outs(def.schema.size(), nullptr);
  auto it = tx->NewIterator(prefix, PrefixSuccessor(prefix));
  it->SeekToFirst();
  while (it->Valid() && it->key().starts_with(prefix)) {
    // A chunk of rows at a time: decode the column, then write the entries.
    ColumnBuffer column(def.schema.column(c).type);
    outs[c] = &column;
    std::vector<std::string> pk_tails;
    for (; pk_tails.size() < 4096 && it->Valid() && it->key().starts_with(prefix); it->Next()) {
      EMBODB_RETURN_IF_ERROR(DecodeRow(def.schema, it->value(), outs.data()));
      pk_tails.emplace_back(it->key().substr(prefix.size()));
    }
    const ColumnView view = column.view();
    for (size_t i = 0; i < pk_tails.size(); i++) {
      std::string key = index_prefix;
      AppendIndexValue(view, i, &key);
      key.append(pk_tails[i]);
      tx->Put(key, {});
    }
  }
  return it->status();
}

}  // namespace embodb::table
