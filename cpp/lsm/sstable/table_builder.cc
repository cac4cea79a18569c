#include "lsm/sstable/table_builder.h"

#include <algorithm>
#include <cassert>

#include "lsm/dbformat.h"
#include "util/coding.h"

namespace embodb::lsm::sstable {

void TableProperties::EncodeTo(std::string* dst) const {
  for (uint64_t v : {num_entries, num_deletions, num_data_blocks, raw_key_bytes, raw_value_bytes,
                     smallest_seqno, largest_seqno}) {
    PutVarint64(dst, v);
  }
}

Status TableProperties::DecodeFrom(std::string_view input) {
  for (uint64_t* v : {&num_entries, &num_deletions, &num_data_blocks, &raw_key_bytes,
                      &raw_value_bytes, &smallest_seqno, &largest_seqno}) {
    if (!GetVarint64(&input, v)) return Status::Corruption("bad sstable properties block");
  }
  return Status::OK();
}

TableBuilder::TableBuilder(const TableOptions& options, WritableFile* file)
    : options_(options), file_(file), data_block_(options.restart_interval, options.restart_bytes), index_block_(1),
      filter_(options.bloom_bits_per_key > 0 ? options.bloom_bits_per_key : 1) {
  props_.smallest_seqno = kMaxSequenceNumber;
}

void TableBuilder::Add(std::string_view key, std::string_view value) {
  assert(!finished_);
  if (!status_.ok()) return;
  assert(props_.num_entries == 0 || CompareInternalKeys(key, last_key_) > 0);
  if (pending_index_entry_) {
    // Any key k with last_key_ <= k < key separates the two blocks.
    std::string separator(ExtractUserKey(last_key_));
    FindShortestSeparator(&separator, ExtractUserKey(key));
    if (separator.size() < ExtractUserKey(last_key_).size()) {
      AppendInternalKey(&separator, {}, kMaxSequenceNumber, kValueTypeForSeek);
    } else {
      separator = last_key_;
    }
    std::string handle;
    pending_handle_.EncodeTo(&handle);
    index_block_.Add(separator, handle);
    pending_index_entry_ = false;
  }
  const std::string_view user_key = ExtractUserKey(key);
  if (options_.bloom_bits_per_key > 0 && (!have_user_key_ || user_key != last_user_key_)) {
    filter_.AddKey(user_key);
    last_user_key_.assign(user_key);
    have_user_key_ = true;
  }
  const uint64_t tag = ExtractTag(key);
  const SequenceNumber seq = tag >> 8;
  props_.smallest_seqno = std::min(props_.smallest_seqno, seq);
  props_.largest_seqno = std::max(props_.largest_seqno, seq);
  if ((tag & 0xff) == kTypeDeletion) props_.num_deletions++;
  props_.num_entries++;
  props_.raw_key_bytes += key.size();
  props_.raw_value_bytes += value.size();
  last_key_.assign(key);
  data_block_.Add(key, value);
  if (data_block_.CurrentSizeEstimate() >= options_.block_size) FlushDataBlock();
}

void TableBuilder::FlushDataBlock() {
  if (data_block_.empty() || !status_.ok()) return;
  WriteBlock(data_block_.Finish(), &pending_handle_);
  data_block_.Reset();
  pending_index_entry_ = true;
  props_.num_data_blocks++;
}

bool TableBuilder::ShouldTryCompression() {
  if (failed_streak_ < kGiveUpStreak) return true;
  if (++blocks_since_try_ < kRetryInterval) return false;
  blocks_since_try_ = 0;
  return true;
}

void TableBuilder::WriteBlock(std::string_view raw, BlockHandle* handle) {
  if (options_.zstd_level > 0 && raw.size() >= options_.min_compress_size && ShouldTryCompression()) {
    if (CompressBlock(raw, options_.zstd_level, &compressed_)) {
      failed_streak_ = 0;
      WriteRawBlock(compressed_, kZstdCompression, handle);
      return;
    }
    failed_streak_++;
  }
  WriteRawBlock(raw, kNoCompression, handle);
}

void TableBuilder::WriteRawBlock(std::string_view contents, CompressionType type, BlockHandle* handle) {
  // After a failed append, a later one that succeeds must not hide it (the
  // table would look whole with a block missing).
  if (!status_.ok()) return;
  handle->offset = offset_;
  handle->size = contents.size();
  std::string trailer;
  AppendBlockTrailer(contents, type, &trailer);
  status_ = file_->Append(contents);
  if (status_.ok()) status_ = file_->Append(trailer);
  if (status_.ok()) offset_ += contents.size() + trailer.size();
}

Status TableBuilder::Finish() {
  FlushDataBlock();
  finished_ = true;
  if (!status_.ok()) return status_;
  Footer footer;
  std::string filter;
  if (options_.bloom_bits_per_key > 0) filter_.Finish(&filter);
  WriteRawBlock(filter, kNoCompression, &footer.filter);
  std::string props;
  props_.EncodeTo(&props);
  WriteRawBlock(props, kNoCompression, &footer.properties);
  if (pending_index_entry_) {
    std::string successor(ExtractUserKey(last_key_));
    FindShortSuccessor(&successor);
    if (successor.size() < ExtractUserKey(last_key_).size()) {
      AppendInternalKey(&successor, {}, kMaxSequenceNumber, kValueTypeForSeek);
    } else {
      successor = last_key_;
    }
    std::string handle;
    pending_handle_.EncodeTo(&handle);
    index_block_.Add(successor, handle);
    pending_index_entry_ = false;
  }
  WriteBlock(index_block_.Finish(), &footer.index);
  if (!status_.ok()) return status_;
  std::string encoded;
  footer.EncodeTo(&encoded);
  status_ = file_->Append(encoded);
  if (status_.ok()) offset_ += encoded.size();
  return status_;
}

}  // namespace embodb::lsm::sstable
