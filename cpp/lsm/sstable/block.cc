#include "lsm/sstable/block.h"

#include <algorithm>

#include "lsm/dbformat.h"
#include "lsm/sstable/sstable_format.h"
#include "util/coding.h"

namespace embodb::lsm::sstable {

Block::Block(std::string contents, ColumnarLayout layout) : owned_(std::move(contents)), data_(owned_) {
  Parse(layout);
}

Block::Block(std::string_view contents, std::shared_ptr<const void> keepalive, ColumnarLayout layout)
    : data_(contents), keepalive_(std::move(keepalive)) {
  Parse(layout);
}

void Block::Parse(ColumnarLayout layout) {
  size_ = data_.size();
  if (layout.columnar) {
    if (layout.codec == nullptr) {
      malformed_ = true;
      error_ = Status::NotSupported("a columnar sstable block, but the database was opened without its codec");
      return;
    }
    constexpr size_t kTail = 8 + 1 + 4;  // summary and keys size
    constexpr size_t kSideHandle = 8 + 4;
    if (data_.size() < kTail || DecodeFixed32(data_.data() + data_.size() - 4) > data_.size() - kTail) {
      malformed_ = true;
      return;
    }
    const uint32_t keys_size = DecodeFixed32(data_.data() + data_.size() - 4);
    max_sequence_ = DecodeFixed64(data_.data() + data_.size() - kTail);
    const auto flags = static_cast<uint8_t>(data_[data_.size() - 5]);
    if ((flags & ~(kColumnarDistinctValues | kColumnarHasSide)) != 0) {
      malformed_ = true;
      return;
    }
    distinct_values_ = (flags & kColumnarDistinctValues) != 0;
    size_t values_end = data_.size() - kTail;
    if ((flags & kColumnarHasSide) != 0) {
      if (values_end - keys_size < kSideHandle) {
        malformed_ = true;
        return;
      }
      values_end -= kSideHandle;
      side_ = std::make_unique<Side>();
      side_->offset = DecodeFixed64(data_.data() + values_end);
      side_->size = DecodeFixed32(data_.data() + values_end + 8);
      side_->ordinal = layout.ordinal;
      side_->source = layout.side_source;
      if (layout.side_source == nullptr) {
        malformed_ = true;
        error_ = Status::NotSupported("a columnar block's side block cannot be read here");
        return;
      }
      if (!layout.side_lazy) {
        (void)side_->Bytes();  // read now (an error shows when the values are read)
        side_->source = nullptr;
      }
    }
    auto values = layout.codec->Open(data_.substr(keys_size, values_end - keys_size), side_.get());
    if (!values.ok()) {
      malformed_ = true;
      error_ = values.status();
      return;
    }
    values_ = std::move(values).value();
    data_ = data_.substr(0, keys_size);
  }
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
  if (layout.index_restarts && values_ != nullptr) IndexRestarts();
}

// Decodes the entry header at p; nullptr when it does not fit before limit.
static inline const char* DecodeEntry(const char* p, const char* limit, uint32_t* shared,
                                      uint32_t* non_shared, uint32_t* value_len);

// The 8 bytes of key after `skip`, big-endian, 0-padded.
static uint64_t HeadOf(std::string_view key, size_t skip) {
  uint64_t head = 0;
  for (size_t b = 0; b < 8; b++) head = (head << 8) | (skip + b < key.size() ? static_cast<uint8_t>(key[skip + b]) : 0);
  return head;
}

void Block::IndexRestarts() {
  std::vector<std::string_view> user_keys(num_restarts_);
  for (uint32_t r = 0; r < num_restarts_; r++) {
    const uint32_t offset = DecodeFixed32(data_.data() + restart_offset_ + r * 4);
    uint32_t shared, non_shared, value_len;
    const char* p = offset < restart_offset_ ? DecodeEntry(data_.data() + offset, data_.data() + restart_offset_,
                                                             &shared, &non_shared, &value_len)
                                               : nullptr;
    if (p == nullptr || shared != 0 || non_shared < 8 ||
        non_shared > static_cast<uint32_t>(data_.data() + restart_offset_ - p)) {
      return;  // left to the plain search, which reports the damage
    }
    user_keys[r] = std::string_view(p, non_shared - 8);  // without the sequence and type
  }
  const std::string_view first = user_keys.front(), last = user_keys.back();
  size_t common = 0;
  while (common < first.size() && common < last.size() && first[common] == last[common]) common++;
  head_prefix_.assign(first.substr(0, common));
  restart_heads_.resize(num_restarts_);
  for (uint32_t r = 0; r < num_restarts_; r++) restart_heads_[r] = HeadOf(user_keys[r], common);
}

void Block::NarrowSeek(std::string_view target, uint32_t* left, uint32_t* right) const {
  if (restart_heads_.empty() || target.size() < 8) return;
  const std::string_view user = target.substr(0, target.size() - 8);
  const size_t common = head_prefix_.size();
  // Sorted keys between two that start with the prefix start with it too.
  const int c = user.substr(0, common).compare(head_prefix_);
  if (c != 0) {
    *left = *right = c < 0 ? 0 : num_restarts_ - 1;  // before every restart key, or after
    return;
  }
  const uint64_t head = HeadOf(user, common);
  // Restarts with a smaller head hold smaller keys, those with a larger head
  // larger ones; among equal heads the search decides.
  const auto lo = std::lower_bound(restart_heads_.begin(), restart_heads_.end(), head) - restart_heads_.begin();
  const auto hi = std::upper_bound(restart_heads_.begin(), restart_heads_.end(), head) - restart_heads_.begin();
  *left = lo == 0 ? 0 : static_cast<uint32_t>(lo - 1);
  *right = hi == 0 ? 0 : static_cast<uint32_t>(hi - 1);
}

Result<std::string_view> Block::Side::Bytes() const {
  std::call_once(once_, [&] { status_ = source->ReadSide(offset, size, ordinal, &owned_, &view_); });
  if (!status_.ok()) return status_;
  return view_;
}

void Block::PrefetchRestartOffsets(uint32_t left, uint32_t right) const {
  if (malformed_) return;
  right = std::min(right, num_restarts_ - 1);
  const char* first = data_.data() + restart_offset_ + std::min(left, right) * 4;
  const char* last = data_.data() + restart_offset_ + right * 4;
  for (const char* p = first; p <= last; p += 64) __builtin_prefetch(p);
  __builtin_prefetch(last);
}

void Block::PrefetchRestartEntries(uint32_t left, uint32_t right) const {
  if (malformed_) return;
  right = std::min(right, num_restarts_ - 1);
  left = std::min(left, right);
  const char* restarts = data_.data() + restart_offset_;
  // Entries close together (an index block's, a restart each): every line
  // from the first to the last, fetched at once, so that the binary search
  // over them waits for none.
  const uint32_t first = DecodeFixed32(restarts + left * 4), last = DecodeFixed32(restarts + right * 4);
  if (first <= last && last < restart_offset_ && last - first <= kContiguousPrefetchBytes) {
    for (uint32_t at = first; at <= last + 63 && at < restart_offset_; at += 64) __builtin_prefetch(data_.data() + at);
    return;
  }
  // A block of many restarts (columnar keys) would fetch far more than a
  // search reads: the search's own misses cost less.
  if (right - left > 16) return;
  for (uint32_t i = left; i <= right; i++) {
    const uint32_t offset = DecodeFixed32(restarts + i * 4);
    if (offset < restart_offset_) __builtin_prefetch(data_.data() + offset);
  }
}

// Decodes the entry header at p; nullptr when it does not fit before limit.
static inline const char* DecodeEntry(const char* p, const char* limit, uint32_t* shared,
                                      uint32_t* non_shared, uint32_t* value_len) {
  if (limit - p < 3) return nullptr;
  *shared = static_cast<uint8_t>(p[0]);
  *non_shared = static_cast<uint8_t>(p[1]);
  *value_len = static_cast<uint8_t>(p[2]);
  if ((*shared | *non_shared | *value_len) < 128) {
    p += 3;  // fast path: all three fit in one byte
  } else {
    if ((p = DecodeVarint32(p, limit, shared)) == nullptr) return nullptr;
    if ((p = DecodeVarint32(p, limit, non_shared)) == nullptr) return nullptr;
    if ((p = DecodeVarint32(p, limit, value_len)) == nullptr) return nullptr;
  }
  if (static_cast<uint64_t>(limit - p) < static_cast<uint64_t>(*non_shared) + *value_len) return nullptr;
  return p;
}

BlockIter::BlockIter(const Block* block, KeyOrder order, std::shared_ptr<const Block> owner)
    : owner_(std::move(owner)), block_(block), values_(block->values_.get()), order_(order), data_(block->data_.data()),
      restarts_(block->malformed_ ? 0 : block->restart_offset_),
      num_restarts_(block->malformed_ ? 0 : block->num_restarts_), current_(restarts_),
      restart_index_(num_restarts_) {
  if (block->malformed_) status_ = block->error_.ok() ? Status::Corruption("malformed sstable block") : block->error_;
}

bool BlockIter::ColumnarPosition(std::shared_ptr<const Block>* block, uint32_t* ordinal) const {
  if (owner_ == nullptr || !ColumnarOrdinal(ordinal)) return false;
  *block = owner_;
  return true;
}

void BlockIter::SeekToOrdinal(uint32_t ordinal) {
  if (num_restarts_ == 0 || values_ == nullptr) {
    current_ = restarts_;
    return;
  }
  // The last restart whose entry's ordinal is <= ordinal (ordinals ascend).
  uint32_t left = 0, right = num_restarts_ - 1;
  while (left < right) {
    const uint32_t mid = (left + right + 1) / 2;
    uint32_t shared, non_shared, value_len, at = 0;
    const char* p = DecodeEntry(data_ + GetRestartPoint(mid), data_ + restarts_, &shared, &non_shared, &value_len);
    if (p == nullptr || shared != 0 || DecodeVarint32(p + non_shared, p + non_shared + value_len, &at) == nullptr) {
      CorruptionError();
      return;
    }
    if (at <= ordinal) {
      left = mid;
    } else {
      right = mid - 1;
    }
  }
  SeekToRestartPoint(left);
  while (ParseNextKey()) {
    std::string_view stored = value_;
    uint32_t at = 0;
    if (!GetVarint32(&stored, &at)) {
      CorruptionError();
      return;
    }
    if (at >= ordinal) {
      if (at != ordinal) CorruptionError();
      return;
    }
  }
}

bool BlockIter::ColumnarOrdinal(uint32_t* ordinal) const {
  if (values_ == nullptr || !Valid()) return false;
  std::string_view stored = value_;
  return GetVarint32(&stored, ordinal) && *ordinal < values_->size();
}

std::string_view BlockIter::ColumnarValue() const {
  std::string_view out;
  uint32_t ordinal = 0;
  Status s;
  if (!ColumnarOrdinal(&ordinal)) {
    s = Status::Corruption("bad entry in columnar sstable block");
  } else {
    s = values_->Value(ordinal, &scratch_, &out);
  }
  if (!s.ok()) {
    value_status_ = s;
    return {};
  }
  return out;
}

int BlockIter::Compare(std::string_view a, std::string_view b) const {
  return order_ == KeyOrder::kInternal ? CompareInternalKeys(a, b) : a.compare(b);
}

void BlockIter::SeekToRestartPoint(uint32_t index) {
  key_.clear();
  restart_index_ = index;
  // ParseNextKey starts at the end of value_.
  value_ = std::string_view(data_ + GetRestartPoint(index), 0);
}

void BlockIter::CorruptionError() {
  current_ = restarts_;
  restart_index_ = num_restarts_;
  status_ = Status::Corruption("bad entry in sstable block");
  key_.clear();
  value_ = {};
}

bool BlockIter::ParseNextKey() {
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
  return true;  // restart_index_ is brought up to date by Prev(), which alone needs it
}

void BlockIter::Prev() {
  // Find the restart block holding current_, back up to the restart point
  // before current_, then scan forward.
  const uint32_t original = current_;
  uint32_t lo = 0, hi = num_restarts_ - 1;
  while (lo < hi) {
    const uint32_t mid = (lo + hi + 1) / 2;
    if (GetRestartPoint(mid) <= original) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  restart_index_ = lo;
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

void BlockIter::Seek(std::string_view target) {
  if (num_restarts_ == 0) return;
  uint32_t left = 0, right = num_restarts_ - 1;
  if (order_ == KeyOrder::kInternal) block_->NarrowSeek(target, &left, &right);
  SeekBetweenRestarts(target, left, right);
}

void BlockIter::SeekBetweenRestarts(std::string_view target, uint32_t left, uint32_t right) {
  if (num_restarts_ == 0) return;
  right = std::min(right, num_restarts_ - 1);
  left = std::min(left, right);
  // Binary search over restart points for the last one with key < target.
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
    if (Compare(key_, target) >= 0) break;
  }
  // The scan crossed at most into the next restart block.
  while (Valid() && restart_index_ + 1 < num_restarts_ && GetRestartPoint(restart_index_ + 1) <= current_) {
    restart_index_++;
  }
}

void BlockIter::SeekToFirst() {
  if (num_restarts_ == 0) return;
  SeekToRestartPoint(0);
  ParseNextKey();
}

void BlockIter::SeekToLast() {
  if (num_restarts_ == 0) return;
  SeekToRestartPoint(num_restarts_ - 1);
  while (ParseNextKey() && NextEntryOffset() < restarts_) {
  }
}

std::unique_ptr<Iterator> Block::NewIterator(std::shared_ptr<const Block> self, KeyOrder order) {
  const Block* block = self.get();
  return std::make_unique<BlockIter>(block, order, std::move(self));
}

}  // namespace embodb::lsm::sstable
