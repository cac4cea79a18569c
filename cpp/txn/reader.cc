#include "txn/reader.h"

namespace embodb::txn {

namespace {

// Starts the database iterator at `lower` on SeekToFirst.
class LowerBoundIterator final : public lsm::Iterator {
 public:
  LowerBoundIterator(std::unique_ptr<lsm::Iterator> base, std::string lower)
      : base_(std::move(base)), lower_(std::move(lower)) {}
  bool Valid() const override { return base_->Valid(); }
  void SeekToFirst() override { base_->Seek(lower_); }
  void SeekToLast() override { base_->SeekToLast(); }
  void Seek(std::string_view target) override { base_->Seek(target < lower_ ? std::string_view(lower_) : target); }
  void Next() override { base_->Next(); }
  void Prev() override { base_->Prev(); }
  std::string_view key() const override { return base_->key(); }
  std::string_view value() const override { return base_->value(); }
  Status status() const override { return base_->status(); }

 private:
  std::unique_ptr<lsm::Iterator> base_;
  const std::string lower_;
};

}  // namespace

std::unique_ptr<lsm::Iterator> SnapshotReader::NewIterator(std::string lower, std::string upper) {
  return std::make_unique<LowerBoundIterator>(db_->NewIterator(options_), std::move(lower));
}

}  // namespace embodb::txn
