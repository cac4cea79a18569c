#include "lsm/run_scan.h"

namespace embodb::lsm {

RunScan::RunScan(std::vector<std::unique_ptr<Iterator>> children, SequenceNumber sequence, BlobResolver resolve_blob,
                 std::string lower, std::string upper)
    : children_(std::move(children)), sequence_(sequence), resolve_blob_(std::move(resolve_blob)),
      upper_(std::move(upper)) {
  std::string seek;
  AppendInternalKey(&seek, lower, kMaxSequenceNumber, kValueTypeForSeek);
  for (auto& c : children_) c->Seek(seek);
}

RunScan::~RunScan() {
  children_.clear();
  for (auto& fn : cleanups_) fn();
}

int RunScan::Smallest() const {
  int best = -1;
  for (size_t i = 0; i < children_.size(); i++) {
    if (!children_[i]->Valid()) continue;
    if (best < 0 || CompareInternalKeys(children_[i]->key(), children_[best]->key()) < 0) best = static_cast<int>(i);
  }
  return best;
}

bool RunScan::BoundExcept(int except, std::string_view* bound) const {
  bool bounded = !upper_.empty();
  if (bounded) *bound = upper_;
  for (size_t i = 0; i < children_.size(); i++) {
    if (static_cast<int>(i) == except || !children_[i]->Valid()) continue;
    const std::string_view k = ExtractUserKey(children_[i]->key());
    if (!bounded || k < *bound) *bound = k;
    bounded = true;
  }
  return bounded;
}

bool RunScan::TryRun(int child, ScanPiece* piece) {
  Iterator* it = children_[child].get();
  std::shared_ptr<const sstable::Block> block;
  uint32_t begin = 0;
  if (!it->ColumnarPosition(&block, &begin)) return false;
  if (!block->distinct_values() || block->max_sequence() > sequence_) return false;
  // The run ends before the first key another source has, or upper_.
  std::string_view bound;
  const bool bounded = BoundExcept(child, &bound);
  uint32_t end = static_cast<uint32_t>(block->values()->size());
  bool in_block = false;
  if (bounded) {
    if (ExtractUserKey(it->key()) >= bound) return false;
    std::string seek;
    AppendInternalKey(&seek, bound, kMaxSequenceNumber, kValueTypeForSeek);
    it->Seek(seek);
    std::shared_ptr<const sstable::Block> next;
    uint32_t at = 0;
    in_block = it->ColumnarPosition(&next, &at) && next == block;
    if (in_block) end = at;
  }
  if (!in_block) {
    // The run takes the rest of the block: move to the entry after its last.
    sstable::BlockIter keys(block.get(), sstable::KeyOrder::kInternal);
    keys.SeekToLast();
    if (!keys.Valid()) return Fail(keys.status().ok() ? Status::Corruption("empty columnar block") : keys.status());
    const std::string last(keys.key());
    it->Seek(last);
    if (it->Valid() && CompareInternalKeys(it->key(), last) == 0) it->Next();
  }
  if (!it->status().ok()) return Fail(it->status());
  if (end <= begin) return Fail(Status::Corruption("columnar block entries out of order"));
  piece->kind = ScanPiece::Kind::kRun;
  piece->block = std::move(block);
  piece->begin = begin;
  piece->end = end;
  return true;
}

bool RunScan::StepRow(int child, ScanPiece* piece) {
  key_.assign(ExtractUserKey(children_[child]->key()));
  // The newest visible entry of key_: children are ordered by internal key,
  // so among the entries of key_ the one with the highest sequence <= the
  // read sequence, wherever it is.
  bool found = false;
  SequenceNumber best_seq = 0;
  ValueType best_type = kTypeDeletion;
  for (auto& c : children_) {
    while (c->Valid()) {
      ParsedInternalKey parsed;
      if (!ParseInternalKey(c->key(), &parsed)) return Fail(Status::Corruption("bad internal key"));
      if (parsed.user_key != key_) break;
      if (parsed.sequence <= sequence_ && (!found || parsed.sequence > best_seq)) {
        found = true;
        best_seq = parsed.sequence;
        best_type = parsed.type;
        if (parsed.type != kTypeDeletion) value_.assign(c->value());
      }
      c->Next();
    }
    if (!c->status().ok()) return Fail(c->status());
  }
  if (!found || best_type == kTypeDeletion) return false;
  if (best_type == kTypeBlobIndex) {
    const std::string index = value_;
    Status s = resolve_blob_(key_, index, &value_);
    if (!s.ok()) return Fail(s);
  }
  piece->kind = ScanPiece::Kind::kRow;
  piece->key = key_;
  piece->value = value_;
  piece->block.reset();
  return true;
}

bool RunScan::Next(ScanPiece* piece) {
  while (status_.ok()) {
    const int child = Smallest();
    if (child < 0) {
      for (auto& c : children_) {
        if (!c->status().ok()) return Fail(c->status());
      }
      return false;
    }
    if (!upper_.empty() && ExtractUserKey(children_[child]->key()) >= std::string_view(upper_)) return false;
    if (TryRun(child, piece)) return true;
    if (!status_.ok()) return false;
    if (StepRow(child, piece)) return true;
  }
  return false;
}

}  // namespace embodb::lsm
