#include "lsm/db_iter.h"

#include <string>

namespace embodb::lsm {
namespace {

// Moving forward, the internal iterator sits on the entry that yields the
// current user key. Moving backward, it sits just before every entry of the
// current key, whose key and value are then kept in saved_key_/saved_value_.
class DBIter final : public Iterator {
 public:
  DBIter(std::unique_ptr<Iterator> iter, SequenceNumber sequence, BlobResolver resolve)
      : iter_(std::move(iter)), sequence_(sequence), resolve_(std::move(resolve)) {}

  bool Valid() const override { return valid_; }
  std::string_view key() const override {
    return direction_ == kForward ? ExtractUserKey(iter_->key()) : std::string_view(saved_key_);
  }
  std::string_view value() const override {
    const bool forward = direction_ == kForward;
    const std::string_view raw = forward ? iter_->value() : std::string_view(saved_value_);
    const ValueType type = forward ? static_cast<ValueType>(ExtractTag(iter_->key()) & 0xff) : saved_type_;
    if (type != kTypeBlobIndex) return raw;
    if (!blob_resolved_) {
      Status s = resolve_(key(), raw, &blob_value_);
      if (!s.ok()) {
        status_ = s;
        blob_value_.clear();
      }
      blob_resolved_ = true;
    }
    return blob_value_;
  }
  Status status() const override {
    if (!status_.ok()) return status_;
    return iter_->status();
  }

  void Next() override {
    blob_resolved_ = false;
    if (direction_ == kReverse) {
      direction_ = kForward;
      // iter_ is before the entries of saved_key_: step into them, then past.
      if (!iter_->Valid()) {
        iter_->SeekToFirst();
      } else {
        iter_->Next();
      }
      if (!iter_->Valid()) {
        valid_ = false;
        saved_key_.clear();
        return;
      }
    } else {
      saved_key_.assign(ExtractUserKey(iter_->key()));
      iter_->Next();
      if (!iter_->Valid()) {
        valid_ = false;
        saved_key_.clear();
        return;
      }
    }
    FindNextUserEntry(true);
  }

  void Prev() override {
    blob_resolved_ = false;
    if (direction_ == kForward) {
      // iter_ is at the current entry: back up past every entry of its key.
      saved_key_.assign(ExtractUserKey(iter_->key()));
      while (true) {
        iter_->Prev();
        if (!iter_->Valid()) {
          valid_ = false;
          saved_key_.clear();
          ClearSavedValue();
          return;
        }
        if (CompareUserKeys(ExtractUserKey(iter_->key()), saved_key_) < 0) break;
      }
      direction_ = kReverse;
    }
    FindPrevUserEntry();
  }

  void Seek(std::string_view target) override {
    blob_resolved_ = false;
    direction_ = kForward;
    ClearSavedValue();
    saved_key_.clear();
    std::string ikey;
    AppendInternalKey(&ikey, target, sequence_, kValueTypeForSeek);
    iter_->Seek(ikey);
    if (iter_->Valid()) {
      FindNextUserEntry(false);
    } else {
      valid_ = false;
    }
  }

  void SeekToFirst() override {
    blob_resolved_ = false;
    direction_ = kForward;
    ClearSavedValue();
    saved_key_.clear();
    iter_->SeekToFirst();
    if (iter_->Valid()) {
      FindNextUserEntry(false);
    } else {
      valid_ = false;
    }
  }

  void SeekToLast() override {
    blob_resolved_ = false;
    direction_ = kReverse;
    ClearSavedValue();
    iter_->SeekToLast();
    FindPrevUserEntry();
  }

 private:
  enum Direction { kForward, kReverse };

  bool ParseKey(ParsedInternalKey* ikey) {
    if (!ParseInternalKey(iter_->key(), ikey)) {
      status_ = Status::Corruption("iterator", "unparsable internal key");
      return false;
    }
    return true;
  }

  void ClearSavedValue() {
    saved_value_.clear();
    saved_type_ = kTypeValue;
  }

  // Forward to the first visible, undeleted entry; with `skipping`, entries of
  // user keys <= saved_key_ are hidden.
  void FindNextUserEntry(bool skipping) {
    do {
      ParsedInternalKey ikey;
      if (!ParseKey(&ikey)) {
        valid_ = false;
        return;
      }
      if (ikey.sequence <= sequence_) {
        if (ikey.type == kTypeDeletion) {
          saved_key_.assign(ikey.user_key);
          skipping = true;
        } else if (!(skipping && CompareUserKeys(ikey.user_key, saved_key_) <= 0)) {
          valid_ = true;
          saved_key_.clear();
          return;
        }
      }
      iter_->Next();
    } while (iter_->Valid());
    saved_key_.clear();
    valid_ = false;
  }

  void FindPrevUserEntry() {
    ValueType value_type = kTypeDeletion;
    while (iter_->Valid()) {
      ParsedInternalKey ikey;
      if (!ParseKey(&ikey)) {
        valid_ = false;
        return;
      }
      if (ikey.sequence <= sequence_) {
        if (value_type != kTypeDeletion && CompareUserKeys(ikey.user_key, saved_key_) < 0) {
          break;  // the newest visible entry of saved_key_ has been seen
        }
        value_type = ikey.type;
        if (value_type == kTypeDeletion) {
          saved_key_.clear();
          ClearSavedValue();
        } else {
          saved_key_.assign(ikey.user_key);
          saved_value_.assign(iter_->value());
          saved_type_ = ikey.type;
        }
      }
      iter_->Prev();
    }
    if (value_type == kTypeDeletion) {
      valid_ = false;
      saved_key_.clear();
      ClearSavedValue();
      direction_ = kForward;
    } else {
      valid_ = true;
    }
  }

  std::unique_ptr<Iterator> iter_;
  const SequenceNumber sequence_;
  BlobResolver resolve_;
  Direction direction_ = kForward;
  bool valid_ = false;
  std::string saved_key_;
  std::string saved_value_;
  ValueType saved_type_ = kTypeValue;
  mutable std::string blob_value_;
  mutable bool blob_resolved_ = false;
  mutable Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<Iterator> internal, SequenceNumber sequence,
                                        BlobResolver resolve_blob) {
  return std::make_unique<DBIter>(std::move(internal), sequence, std::move(resolve_blob));
}

}  // namespace embodb::lsm
