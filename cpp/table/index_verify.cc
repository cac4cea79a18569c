#include "table/index_verify.h"

#include <algorithm>

#include "table/index_codec.h"
#include "table/index_entries.h"
#include "table/key_codec.h"

namespace embodb::table {

namespace {

constexpr size_t kChunk = 4096;  // rows decoded at a time

std::string Printable(std::string_view key) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key.substr(0, 48)) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return key.size() > 48 ? out + "..." : out;
}

}  // namespace

Status VerifyOrderedIndexes(const TableDef& table, lsm::DB* db, lsm::SequenceNumber snapshot) {
  if (table.indexes.empty()) return Status::OK();
  lsm::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.fill_cache = false;
  const IndexKeys index_keys(table);
  std::vector<std::vector<std::string>> expected(table.indexes.size());
  const std::string prefix = RowKeyPrefix(table.id);
  auto it = db->NewIterator(ro);
  it->Seek(prefix);
  while (it->Valid() && it->key().starts_with(prefix)) {
    StoredIndexedColumns columns(table, index_keys);
    std::vector<std::string> pk_tails;
    for (; pk_tails.size() < kChunk && it->Valid() && it->key().starts_with(prefix); it->Next()) {
      EMBODB_RETURN_IF_ERROR(columns.Add(it->value()));
      pk_tails.emplace_back(it->key().substr(prefix.size()));
    }
    const std::vector<ColumnView> views = columns.views();
    for (size_t i = 0; i < pk_tails.size(); i++) {
      std::vector<std::string> entries = index_keys.Of(views, i, pk_tails[i]);
      for (size_t k = 0; k < entries.size(); k++) expected[k].push_back(std::move(entries[k]));
    }
  }
  EMBODB_RETURN_IF_ERROR(it->status());
  for (size_t k = 0; k < table.indexes.size(); k++) {
    const IndexDef& index = table.indexes[k];
    std::vector<std::string>& want = expected[k];
    std::sort(want.begin(), want.end());
    const std::string index_prefix = IndexKeyPrefix(index.id);
    auto e = db->NewIterator(ro);
    e->Seek(index_prefix);
    size_t at = 0;
    auto differs = [&](const std::string& what, std::string_view key) {
      return Status::Corruption("the index on '" + index.column + "' of table '" + table.name + "' " + what +
                                " (entry " + Printable(key) + ")");
    };
    for (; e->Valid() && e->key().starts_with(index_prefix); e->Next(), at++) {
      if (at == want.size() || e->key() < want[at]) return differs("holds an entry no row calls for", e->key());
      if (e->key() > want[at]) return differs("misses the entry of a row", want[at]);
    }
    EMBODB_RETURN_IF_ERROR(e->status());
    if (at < want.size()) return differs("misses the entry of a row", want[at]);
  }
  return Status::OK();
}

}  // namespace embodb::table
