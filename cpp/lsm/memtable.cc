#include "lsm/memtable.h"

namespace embodb::lsm {

static std::string_view GetLengthPrefixedSlice(const char* data) {
  uint32_t len;
  const char* p = DecodeVarint32(data, data + 5, &len);
  return std::string_view(p, len);
}

int MemTable::KeyComparator::operator()(const char* a, const char* b) const {
  return CompareInternalKeys(GetLengthPrefixedSlice(a), GetLengthPrefixedSlice(b));
}

MemTable::MemTable() : table_(KeyComparator{}, &arena_) {}

void MemTable::Add(SequenceNumber seq, ValueType type, std::string_view key,
                   std::string_view value, InsertHint* hint) {
  const size_t internal_key_size = key.size() + 8;
  const size_t encoded_len = VarintLength(internal_key_size) + internal_key_size +
                             VarintLength(value.size()) + value.size();
  char* buf = table_.AllocateKey(encoded_len);
  char* p = EncodeVarint32(buf, static_cast<uint32_t>(internal_key_size));
  if (!key.empty()) std::memcpy(p, key.data(), key.size());  // data() may be null when empty
  p += key.size();
  EncodeFixed64(p, PackSequenceAndType(seq, type));
  p += 8;
  p = EncodeVarint32(p, static_cast<uint32_t>(value.size()));
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  table_.Insert(buf, hint);
  num_entries_.fetch_add(1, std::memory_order_relaxed);
  data_bytes_.fetch_add(key.size() + value.size(), std::memory_order_relaxed);
}

MemTable::LookupResult MemTable::Get(const LookupKey& key, std::string* value,
                                     ValueType* type) const {
  Table::Iterator iter(&table_);
  iter.Seek(key.memtable_key().data());
  if (!iter.Valid()) return LookupResult::kNotPresent;
  // The first entry at or after the lookup key: the newest visible version if
  // its user key matches.
  const char* entry = iter.key();
  std::string_view ikey = GetLengthPrefixedSlice(entry);
  if (ExtractUserKey(ikey) != key.user_key()) return LookupResult::kNotPresent;
  const auto t = static_cast<ValueType>(ExtractTag(ikey) & 0xff);
  if (t == kTypeDeletion) return LookupResult::kDeleted;
  std::string_view v = GetLengthPrefixedSlice(ikey.data() + ikey.size());
  value->assign(v.data(), v.size());
  *type = t;
  return LookupResult::kFound;
}

class MemTable::MemTableIterator final : public Iterator {
 public:
  explicit MemTableIterator(const Table* table) : iter_(table) {}
  bool Valid() const override { return iter_.Valid(); }
  void Seek(std::string_view k) override {
    tmp_.clear();
    PutVarint32(&tmp_, static_cast<uint32_t>(k.size()));
    tmp_.append(k.data(), k.size());
    iter_.Seek(tmp_.data());
  }
  void SeekToFirst() override { iter_.SeekToFirst(); }
  void SeekToLast() override { iter_.SeekToLast(); }
  void Next() override { iter_.Next(); }
  void Prev() override { iter_.Prev(); }
  std::string_view key() const override { return GetLengthPrefixedSlice(iter_.key()); }
  std::string_view value() const override {
    std::string_view k = key();
    return GetLengthPrefixedSlice(k.data() + k.size());
  }
  Status status() const override { return Status::OK(); }

 private:
  Table::Iterator iter_;
  std::string tmp_;
};

std::unique_ptr<Iterator> MemTable::NewIterator() const {
  return std::make_unique<MemTableIterator>(&table_);
}

}  // namespace embodb::lsm
