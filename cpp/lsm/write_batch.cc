#include "lsm/write_batch.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "lsm/memtable.h"
#include "util/huge_pages.h"

namespace embodb::lsm {

void WriteBatch::Clear() {
  rep_.assign(kHeaderSize, '\0');
  payload_bytes_ = 0;
  sorted_puts_.clear();
  sorted_count_ = 0;
  sorted_bytes_ = 0;
}

void WriteBatch::AddSortedPuts(std::shared_ptr<const SortedPuts> puts) {
  if (puts->size() == 0) return;
  sorted_count_ += static_cast<uint32_t>(puts->size());
  sorted_bytes_ += puts->bytes();
  payload_bytes_ += puts->bytes();
  sorted_puts_.push_back(std::move(puts));
}

void WriteBatch::MaterializeSortedPuts() {
  std::vector<std::shared_ptr<const SortedPuts>> all;
  all.swap(sorted_puts_);
  payload_bytes_ -= sorted_bytes_;
  sorted_count_ = 0;
  sorted_bytes_ = 0;
  for (const auto& puts : all) {
    EncodeSortedPuts(*puts, [this](const auto& keys, const auto& sizes, auto* values) {
      AppendPutsInPlace(keys, sizes, values);
    });
  }
}

void WriteBatch::Grow(size_t bytes) {
  const size_t before = rep_.capacity();
  rep_.reserve(rep_.size() + bytes);
  // A fresh large buffer: advised before it is first touched, it faults in
  // huge pages (see util/huge_pages.h).
  if (rep_.capacity() != before && bytes >= kHugePageSize) AdviseHugePages(rep_.data(), rep_.capacity());
  rep_.resize(rep_.size() + bytes);
}

void WriteBatch::Put(std::string_view key, std::string_view value) {
  SetCount(RecordCount() + 1);
  rep_.push_back(static_cast<char>(kTypeValue));
  PutLengthPrefixed(&rep_, key);
  PutLengthPrefixed(&rep_, value);
  payload_bytes_ += key.size() + value.size();
}

void WriteBatch::AppendPutsInPlace(const std::vector<std::string_view>& keys,
                                   const std::vector<size_t>& value_sizes, std::vector<char*>* values) {
  size_t total = 0;
  for (size_t i = 0; i < keys.size(); i++) {
    total += 1 + VarintLength(keys[i].size()) + keys[i].size() + VarintLength(value_sizes[i]) + value_sizes[i];
    payload_bytes_ += keys[i].size() + value_sizes[i];
  }
  const size_t at = rep_.size();
  Grow(total);
  values->resize(keys.size());
  char* p = rep_.data() + at;
  for (size_t i = 0; i < keys.size(); i++) {
    *p++ = static_cast<char>(kTypeValue);
    p = EncodeVarint32(p, static_cast<uint32_t>(keys[i].size()));
    std::memcpy(p, keys[i].data(), keys[i].size());
    p += keys[i].size();
    p = EncodeVarint32(p, static_cast<uint32_t>(value_sizes[i]));
    (*values)[i] = p;
    p += value_sizes[i];
  }
  SetCount(RecordCount() + static_cast<uint32_t>(keys.size()));
}

void WriteBatch::Delete(std::string_view key) {
  SetCount(RecordCount() + 1);
  rep_.push_back(static_cast<char>(kTypeDeletion));
  PutLengthPrefixed(&rep_, key);
  payload_bytes_ += key.size();
}

void WriteBatch::Append(const WriteBatch& other) {
  SetCount(RecordCount() + other.RecordCount());
  rep_.append(other.rep_.data() + kHeaderSize, other.rep_.size() - kHeaderSize);
  payload_bytes_ += other.payload_bytes_;
}

Status WriteBatch::SetContents(std::string_view contents) {
  if (contents.size() < kHeaderSize) return Status::Corruption("write batch", "shorter than its header");
  rep_.assign(contents.data(), contents.size());
  payload_bytes_ = rep_.size() - kHeaderSize;
  return Status::OK();
}

Status WriteBatch::Iterate(Handler* handler) const {
  std::string_view input(rep_);
  input.remove_prefix(kHeaderSize);
  SequenceNumber seq = Sequence();
  uint32_t found = 0;
  while (!input.empty()) {
    const auto tag = static_cast<uint8_t>(input[0]);
    input.remove_prefix(1);
    std::string_view key, value;
    switch (tag) {
      case kTypeValue:
        if (!GetLengthPrefixed(&input, &key) || !GetLengthPrefixed(&input, &value)) {
          return Status::Corruption("write batch", "bad put record");
        }
        if (handler) handler->Put(seq, key, value);
        break;
      case kTypeDeletion:
        if (!GetLengthPrefixed(&input, &key)) return Status::Corruption("write batch", "bad delete record");
        if (handler) handler->Delete(seq, key);
        break;
      default:
        return Status::Corruption("write batch", "unknown record tag " + std::to_string(tag));
    }
    seq++;
    found++;
  }
  if (found != RecordCount()) return Status::Corruption("write batch", "record count does not match");
  return Status::OK();
}

Status WriteBatch::Validate() const { return Iterate(nullptr); }

namespace {
class MemTableInserter final : public WriteBatch::Handler {
 public:
  explicit MemTableInserter(MemTable* mem) : mem_(mem) {}
  void Put(SequenceNumber seq, std::string_view key, std::string_view value) override {
    mem_->Add(seq, kTypeValue, key, value);
  }
  void Delete(SequenceNumber seq, std::string_view key) override {
    mem_->Add(seq, kTypeDeletion, key, {});
  }

 private:
  MemTable* mem_;
};
// Collects a batch's records so that they can be inserted in key order.
class RecordCollector final : public WriteBatch::Handler {
 public:
  struct Record {
    std::string_view key, value;
    SequenceNumber seq;
    ValueType type;
  };
  void Put(SequenceNumber seq, std::string_view key, std::string_view value) override {
    records.push_back(Record{key, value, seq, kTypeValue});
  }
  void Delete(SequenceNumber seq, std::string_view key) override {
    records.push_back(Record{key, {}, seq, kTypeDeletion});
  }
  std::vector<Record> records;
};

}  // namespace

Status WriteBatch::InsertInto(MemTable* mem) const {
  if (!sorted_puts_.empty()) return Status::InvalidArgument("write batch: sorted puts not encoded");
  // Small batches go in as they come. Large ones are sorted by internal key
  // (user key ascending, sequence descending) and inserted with a hint, so each
  // insert searches near the previous one instead of from the top.
  constexpr uint32_t kSortThreshold = 16;
  if (RecordCount() < kSortThreshold) {
    MemTableInserter inserter(mem);
    return Iterate(&inserter);
  }
  RecordCollector collector;
  collector.records.reserve(RecordCount());
  EMBODB_RETURN_IF_ERROR(Iterate(&collector));
  auto& recs = collector.records;
  std::sort(recs.begin(), recs.end(), [](const auto& a, const auto& b) {
    const int c = a.key.compare(b.key);
    return c != 0 ? c < 0 : a.seq > b.seq;
  });
  MemTable::InsertHint hint;
  for (const auto& r : recs) mem->Add(r.seq, r.type, r.key, r.value, &hint);
  return Status::OK();
}

}  // namespace embodb::lsm
