#include "table/index_entries.h"

#include "table/index_codec.h"
#include "table/key_codec.h"
#include "table/row_codec.h"

namespace embodb::table {

IndexKeys::IndexKeys(const TableDef& table) {
  for (const IndexDef& ix : table.indexes) {
    ids_.push_back(ix.id);
    columns_.push_back(static_cast<size_t>(table.schema.Find(ix.column)));
  }
}

std::vector<std::string> IndexKeys::Of(const std::vector<ColumnView>& cols, size_t i, std::string_view pk_tail) const {
  std::vector<std::string> out;
  out.reserve(ids_.size());
  for (size_t k = 0; k < ids_.size(); k++) out.push_back(IndexEntryKey(ids_[k], cols[columns_[k]], i, pk_tail));
  return out;
}

StoredIndexedColumns::StoredIndexedColumns(const TableDef& table, const IndexKeys& keys)
    : schema_(table.schema), keys_(keys), outs_(table.schema.size(), nullptr) {
  buffers_.reserve(keys.columns().size());
  for (size_t c : keys.columns()) {
    buffers_.emplace_back(schema_.column(c).type);
    outs_[c] = &buffers_.back();
  }
}

Status StoredIndexedColumns::Add(std::string_view stored_value) {
  return DecodeRow(schema_, stored_value, outs_.data());
}

std::vector<ColumnView> StoredIndexedColumns::views() const {
  std::vector<ColumnView> views(schema_.size());
  for (size_t k = 0; k < buffers_.size(); k++) views[keys_.columns()[k]] = buffers_[k].view();
  return views;
}

Status BackfillIndex(const TableDef& def, const IndexDef& index, txn::Transaction* tx) {
  const int c = def.schema.Find(index.column);
  const std::string prefix = RowKeyPrefix(def.id);
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
    for (size_t i = 0; i < pk_tails.size(); i++) tx->Put(IndexEntryKey(index.id, view, i, pk_tails[i]), {});
  }
  return it->status();
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

}  // namespace embodb::table
