#include "lsm/write_batch.h"

#include "lsm/memtable.h"

namespace embodb::lsm {

void WriteBatch::Clear() {
  rep_.assign(kHeaderSize, '\0');
  payload_bytes_ = 0;
}

void WriteBatch::Put(std::string_view key, std::string_view value) {
  SetCount(Count() + 1);
  rep_.push_back(static_cast<char>(kTypeValue));
  PutLengthPrefixed(&rep_, key);
  PutLengthPrefixed(&rep_, value);
  payload_bytes_ += key.size() + value.size();
}

void WriteBatch::Delete(std::string_view key) {
  SetCount(Count() + 1);
  rep_.push_back(static_cast<char>(kTypeDeletion));
  PutLengthPrefixed(&rep_, key);
  payload_bytes_ += key.size();
}

void WriteBatch::Append(const WriteBatch& other) {
  SetCount(Count() + other.Count());
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
  if (found != Count()) return Status::Corruption("write batch", "record count does not match");
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
}  // namespace

Status WriteBatch::InsertInto(MemTable* mem) const {
  MemTableInserter inserter(mem);
  return Iterate(&inserter);
}

}  // namespace embodb::lsm
