#include "lsm/two_level_iterator.h"

#include <string>

namespace embodb::lsm {
namespace {

class TwoLevelIterator final : public Iterator {
 public:
  TwoLevelIterator(std::unique_ptr<Iterator> index, BlockOpener opener)
      : index_(std::move(index)), opener_(std::move(opener)) {}

  bool Valid() const override { return data_ != nullptr && data_->Valid(); }
  std::string_view key() const override { return data_->key(); }
  std::string_view value() const override { return data_->value(); }
  bool ColumnarPosition(std::shared_ptr<const sstable::Block>* block, uint32_t* ordinal) const override {
    return Valid() && data_->ColumnarPosition(block, ordinal);
  }
  Status status() const override {
    if (!index_->status().ok()) return index_->status();
    if (data_ != nullptr && !data_->status().ok()) return data_->status();
    return status_;
  }

  void Seek(std::string_view target) override {
    index_->Seek(target);
    InitDataBlock();
    if (data_) data_->Seek(target);
    SkipEmptyDataBlocksForward();
  }
  void SeekToFirst() override {
    index_->SeekToFirst();
    InitDataBlock();
    if (data_) data_->SeekToFirst();
    SkipEmptyDataBlocksForward();
  }
  void SeekToLast() override {
    index_->SeekToLast();
    InitDataBlock();
    if (data_) data_->SeekToLast();
    SkipEmptyDataBlocksBackward();
  }
  void Next() override {
    data_->Next();
    SkipEmptyDataBlocksForward();
  }
  void Prev() override {
    data_->Prev();
    SkipEmptyDataBlocksBackward();
  }

 private:
  void SaveError(const Status& s) {
    if (status_.ok() && !s.ok()) status_ = s;
  }
  void SetData(std::unique_ptr<Iterator> it) {
    if (data_) SaveError(data_->status());
    data_ = std::move(it);
  }
  void InitDataBlock() {
    if (!index_->Valid()) {
      SetData(nullptr);
      return;
    }
    std::string_view handle = index_->value();
    if (data_ != nullptr && handle == data_handle_) return;  // already open
    data_handle_.assign(handle.data(), handle.size());
    SetData(opener_(handle));
  }
  // Moves past exhausted (or empty) data blocks in the given direction until a
  // block has an entry or the index runs out. A damaged block ends the
  // iteration with its error.
  void SkipEmptyDataBlocks(bool forward) {
    while (data_ == nullptr || !data_->Valid()) {
      if (data_ && !data_->status().ok()) {
        SaveError(data_->status());
        SetData(nullptr);
        return;
      }
      if (!index_->Valid()) {
        SetData(nullptr);
        return;
      }
      if (forward) {
        index_->Next();
      } else {
        index_->Prev();
      }
      InitDataBlock();
      if (data_ == nullptr) continue;
      if (forward) {
        data_->SeekToFirst();
      } else {
        data_->SeekToLast();
      }
    }
  }
  void SkipEmptyDataBlocksForward() { SkipEmptyDataBlocks(true); }
  void SkipEmptyDataBlocksBackward() { SkipEmptyDataBlocks(false); }

  std::unique_ptr<Iterator> index_;
  BlockOpener opener_;
  std::unique_ptr<Iterator> data_;
  std::string data_handle_;
  Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewTwoLevelIterator(std::unique_ptr<Iterator> index, BlockOpener opener) {
  return std::make_unique<TwoLevelIterator>(std::move(index), std::move(opener));
}

}  // namespace embodb::lsm
