#include "lsm/sstable/block.h"

#include "lsm/dbformat.h"
#include "util/coding.h"

namespace embodb::lsm::sstable {

Block::Block(std::string contents) : data_(std::move(contents)) {
  if (data_.size() < 4) {
    malformed_ = true;
    return;
  }
  num_restarts_ = DecodeFixed32(data_.data() + data_.size() - 4);
  const uint64_t max_restarts = (data_.size() - 4) / 4;
  if (num_restarts_ == 0 || num_restarts_ > max_restarts) {
    malformed_ = true;
    return;
  }
  restart_offset_ = static_cast<uint32_t>(data_.size() - (1 + num_restarts_) * 4);
}

// Decodes the entry header at p; nullptr when it does not fit before limit.
static const char* DecodeEntry(const char* p, const char* limit, uint32_t* shared,
                               uint32_t* non_shared, uint32_t* value_len) {
  if ((p = DecodeVarint32(p, limit, shared)) == nullptr) return nullptr;
  if ((p = DecodeVarint32(p, limit, non_shared)) == nullptr) return nullptr;
  if ((p = DecodeVarint32(p, limit, value_len)) == nullptr) return nullptr;
  if (static_cast<uint64_t>(limit - p) < static_cast<uint64_t>(*non_shared) + *value_len) return nullptr;
  return p;
}

class Block::Iter final : public Iterator {
 public:
  Iter(std::shared_ptr<const Block> block, KeyOrder order)
      : block_(std::move(block)), order_(order), data_(block_->data_.data()),
        restarts_(block_->restart_offset_), num_restarts_(block_->num_restarts_),
        current_(restarts_), restart_index_(num_restarts_) {}

  bool Valid() const override { return current_ < restarts_; }
  Status status() const override { return status_; }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }

  void Next() override { ParseNextKey(); }

  void Prev() override {
    // Back up to the restart point before current_, then scan forward.
    const uint32_t original = current_;
    while (GetRestartPoint(restart_index_) >= original) {
      if (restart_index_ == 0) {
        current_ = restarts_;
        restart_index_ = num_restarts_;
        return;
      }
      restart_index_--;
    }
    SeekToRestartPoint(restart_index_);
    do {
      if (!ParseNextKey()) return;
    } while (NextEntryOffset() < original);
  }

  void Seek(std::string_view target) override {
    // Binary search over restart points for the last one with key < target.
    uint32_t left = 0, right = num_restarts_ - 1;
    while (left < right) {
      const uint32_t mid = (left + right + 1) / 2;
      const uint32_t offset = GetRestartPoint(mid);
      uint32_t shared, non_shared, value_len;
      const char* p = DecodeEntry(data_ + offset, data_ + restarts_, &shared, &non_shared, &value_len);
      if (p == nullptr || shared != 0) {
        CorruptionError();
        return;
      }
      if (Compare(std::string_view(p, non_shared), target) < 0) {
        left = mid;
      } else {
        right = mid - 1;
      }
    }
    SeekToRestartPoint(left);
    while (ParseNextKey()) {
      if (Compare(key_, target) >= 0) return;
    }
  }

  void SeekToFirst() override {
    SeekToRestartPoint(0);
    ParseNextKey();
  }

  void SeekToLast() override {
    SeekToRestartPoint(num_restarts_ - 1);
    while (ParseNextKey() && NextEntryOffset() < restarts_) {
    }
  }

 private:
  int Compare(std::string_view a, std::string_view b) const {
    return order_ == KeyOrder::kInternal ? CompareInternalKeys(a, b) : a.compare(b);
  }
  uint32_t NextEntryOffset() const {
    return static_cast<uint32_t>((value_.data() + value_.size()) - data_);
  }
  uint32_t GetRestartPoint(uint32_t index) const {
    return DecodeFixed32(data_ + restarts_ + index * 4);
  }
  void SeekToRestartPoint(uint32_t index) {
    key_.clear();
    restart_index_ = index;
    // ParseNextKey starts at the end of value_.
    value_ = std::string_view(data_ + GetRestartPoint(index), 0);
  }
  void CorruptionError() {
    current_ = restarts_;
    restart_index_ = num_restarts_;
    status_ = Status::Corruption("bad entry in sstable block");
    key_.clear();
    value_ = {};
  }
  bool ParseNextKey() {
    current_ = NextEntryOffset();
    const char* p = data_ + current_;
    const char* limit = data_ + restarts_;
    if (p >= limit) {
      current_ = restarts_;
      restart_index_ = num_restarts_;
      return false;
    }
    uint32_t shared, non_shared, value_len;
    p = DecodeEntry(p, limit, &shared, &non_shared, &value_len);
    if (p == nullptr || key_.size() < shared) {
      CorruptionError();
      return false;
    }
    key_.resize(shared);
    key_.append(p, non_shared);
    value_ = std::string_view(p + non_shared, value_len);
    while (restart_index_ + 1 < num_restarts_ && GetRestartPoint(restart_index_ + 1) < current_) {
      restart_index_++;
    }
    return true;
  }

  std::shared_ptr<const Block> block_;
  const KeyOrder order_;
  const char* const data_;
  const uint32_t restarts_;      // offset of the restart array
  const uint32_t num_restarts_;
  uint32_t current_;             // offset of the current entry; >= restarts_ when invalid
  uint32_t restart_index_;       // restart block holding current_
  std::string key_;
  std::string_view value_;
  Status status_;
};

std::unique_ptr<Iterator> Block::NewIterator(std::shared_ptr<const Block> self, KeyOrder order) {
  if (self->malformed_) return NewEmptyIterator(Status::Corruption("malformed sstable block"));
  return std::make_unique<Iter>(std::move(self), order);
}

}  // namespace embodb::lsm::sstable
