// Block: a parsed, immutable data or index block (see block_builder.h for the
// layout). Shared by shared_ptr between the block cache and iterators.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lsm/iterator.h"
#include "lsm/sstable/block_values.h"
#include "util/coding.h"

namespace embodb::lsm::sstable {

// How keys inside a block are ordered.
enum class KeyOrder { kInternal, kBytewise };

// A columnar data block (block_values.h) is its keys as a row block whose
// values are the entries' ordinals, then the codec's values, then a summary
// (the largest sequence number, fixed64, and flags, 1 byte), then the
// fixed32 size of the keys part: `codec` parses the values.
// With kColumnarHasSide, the summary starts with the side block's handle.
class SideSource;
struct ColumnarLayout {
  bool columnar = false;
  const BlockValueCodec* codec = nullptr;
  // Reads the block's side block (needed when it has one). `side_lazy`:
  // the source outlives the Block, which reads the side block when first
  // asked for it; else it is read while the Block is made.
  const SideSource* side_source = nullptr;
  bool side_lazy = false;
  uint32_t ordinal = UINT32_MAX;  // the block's place in its table's index, when known
  // The block is kept and searched many times (a table's parsed block, a
  // cached one): index its restart keys (Block::NarrowSeek).
  bool index_restarts = false;
};

// Where a block's side block comes from: its table.
class SideSource {
 public:
  virtual ~SideSource() = default;
  // The side block at (offset, size) of the block with this index ordinal
  // (UINT32_MAX: unknown), checked: a view into *owned or into memory that
  // lives as long as the source.
  virtual Status ReadSide(uint64_t offset, uint64_t size, uint32_t ordinal, std::string* owned,
                          std::string_view* view) const = 0;
};

class Block {
 public:
  // Takes the decompressed block contents. A malformed trailer makes every
  // iterator report Corruption (NotSupported for a columnar block without
  // a codec).
  explicit Block(std::string contents, ColumnarLayout layout = {});
  // Views contents that `keepalive` keeps valid (a block of a mapped table).
  Block(std::string_view contents, std::shared_ptr<const void> keepalive, ColumnarLayout layout = {});
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  size_t size() const { return size_; }
  // Memory held besides the contents: the parsed values of a columnar block.
  size_t ParsedMemoryUsage() const {
    return sizeof(*this) + (values_ ? values_->MemoryUsage() : 0) + restart_heads_.size() * sizeof(uint64_t) +
           head_prefix_.size();
  }
  // Narrows a seek for the internal key `target` to restarts [*left,
  // *right] by the indexed restart keys (ColumnarLayout::index_restarts):
  // the 8 bytes of each user key after the prefix all of them share, as an
  // integer, so that a lookup reads one small array instead of a binary
  // search's worth of keys spread over the block. No change without them.
  void NarrowSeek(std::string_view target, uint32_t* left, uint32_t* right) const;
  // The parsed values of a columnar block; nullptr for a row block.
  const BlockValues* values() const { return values_.get(); }
  // Of a columnar block: the largest sequence number of its entries, and
  // whether every entry is a value (kTypeValue) of a user key no other
  // entry of the block has. Such a block's entries are all visible to a
  // read at or after that sequence, unless a newer source shadows them.
  SequenceNumber max_sequence() const { return max_sequence_; }
  bool distinct_values() const { return distinct_values_; }
  uint32_t num_restarts() const { return malformed_ ? 0 : num_restarts_; }
  // Hints to the CPU that a seek between restarts `left` and `right` is
  // coming, so that its memory is fetched while other work goes on: the
  // offsets of those restarts, or (once those are at hand) their entries.
  // Point lookups interleave these across keys (Table::MultiGet).
  void PrefetchRestartOffsets(uint32_t left, uint32_t right) const;
  void PrefetchRestartEntries(uint32_t left, uint32_t right) const;
  // Entries spanning at most this many bytes are fetched line by line.
  static constexpr uint32_t kContiguousPrefetchBytes = 2048;
  // `self` must be this block; the iterator keeps it alive.
  static std::unique_ptr<Iterator> NewIterator(std::shared_ptr<const Block> self, KeyOrder order);

 private:
  friend class BlockIter;
  void Parse(ColumnarLayout layout);

  // The side block of a columnar block, read on first use.
  class Side final : public SidePart {
   public:
    Result<std::string_view> Bytes() const override;
    uint64_t offset = 0, size = 0;
    uint32_t ordinal = UINT32_MAX;
    const SideSource* source = nullptr;
   private:
    mutable std::once_flag once_;
    mutable std::string owned_;
    mutable std::string_view view_;
    mutable Status status_;
  };

  std::string owned_;
  std::string_view data_;  // owned_, or the viewed contents; a columnar block's keys part
  size_t size_ = 0;        // of all the contents
  std::unique_ptr<Side> side_;  // before values_, which views it
  std::unique_ptr<const BlockValues> values_;
  SequenceNumber max_sequence_ = 0;
  bool distinct_values_ = false;
  Status error_;  // why the block is malformed, when it is not plain corruption
  std::shared_ptr<const void> keepalive_;
  uint32_t restart_offset_ = 0;
  uint32_t num_restarts_ = 0;
  bool malformed_ = false;
  // With index_restarts: per restart, the 8 user-key bytes after head_prefix_
  // (big-endian, 0-padded); the prefix every restart's user key starts with.
  std::vector<uint64_t> restart_heads_;
  std::string head_prefix_;
  void IndexRestarts();
};

// An iterator over one block. It may live on the stack (point lookups) when
// the caller keeps the block alive; `owner`, when set, keeps it alive instead.
class BlockIter final : public Iterator {
 public:
  BlockIter(const Block* block, KeyOrder order, std::shared_ptr<const Block> owner = nullptr);

  bool Valid() const override { return current_ < restarts_; }
  Status status() const override { return status_.ok() ? value_status_ : status_; }
  std::string_view key() const override { return key_; }
  // In a columnar block the value is decoded when asked for; an error then
  // shows in status().
  std::string_view value() const override { return values_ == nullptr ? value_ : ColumnarValue(); }
  void Next() override { ParseNextKey(); }
  void Prev() override;
  void Seek(std::string_view target) override;
  // In a columnar block: positions at the entry with this ordinal (invalid
  // when there is none).
  void SeekToOrdinal(uint32_t ordinal);
  bool ColumnarPosition(std::shared_ptr<const Block>* block, uint32_t* ordinal) const override;
  // In a columnar block: the current entry's ordinal (false when invalid).
  bool ColumnarOrdinal(uint32_t* ordinal) const;
  // Seek when the answer is known to lie at or after restart point `left` and
  // at or before restart point `right`.
  void SeekBetweenRestarts(std::string_view target, uint32_t left, uint32_t right);
  uint32_t num_restarts() const { return num_restarts_; }
  // The restart point at or before the current entry, after a Seek (not kept
  // up to date by Next). In a block with a restart per entry, the entry's ordinal.
  uint32_t restart_index() const { return restart_index_; }
  void SeekToFirst() override;
  void SeekToLast() override;

 private:
  int Compare(std::string_view a, std::string_view b) const;
  uint32_t NextEntryOffset() const {
    return static_cast<uint32_t>((value_.data() + value_.size()) - data_);
  }
  uint32_t GetRestartPoint(uint32_t index) const { return DecodeFixed32(data_ + restarts_ + index * 4); }
  void SeekToRestartPoint(uint32_t index);
  void CorruptionError();
  bool ParseNextKey();

  std::string_view ColumnarValue() const;

  std::shared_ptr<const Block> owner_;
  const Block* const block_;
  const BlockValues* const values_;  // a columnar block's; nullptr for a row block
  mutable std::string scratch_;      // a columnar value decoded
  mutable Status value_status_;
  const KeyOrder order_;
  const char* const data_;
  const uint32_t restarts_;      // offset of the restart array; 0 when malformed
  const uint32_t num_restarts_;
  uint32_t current_;             // offset of the current entry; >= restarts_ when invalid
  uint32_t restart_index_;       // restart block holding current_
  std::string key_;
  std::string_view value_;  // the stored value: in a columnar block, the entry's ordinal
  Status status_;
};

}  // namespace embodb::lsm::sstable
