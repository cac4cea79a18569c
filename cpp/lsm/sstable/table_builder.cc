#include "lsm/sstable/table_builder.h"

#include <algorithm>
#include <cassert>

#include "lsm/dbformat.h"
#include "lsm/sstable/block_values.h"
#include "util/coding.h"

namespace embodb::lsm::sstable {

void TableProperties::EncodeTo(std::string* dst) const {
  for (uint64_t v : {num_entries, num_deletions, num_data_blocks, raw_key_bytes, raw_value_bytes,
                     smallest_seqno, largest_seqno, num_columnar_blocks}) {
    PutVarint64(dst, v);
  }
}

Status TableProperties::DecodeFrom(std::string_view input) {
  for (uint64_t* v : {&num_entries, &num_deletions, &num_data_blocks, &raw_key_bytes,
                      &raw_value_bytes, &smallest_seqno, &largest_seqno}) {
    if (!GetVarint64(&input, v)) return Status::Corruption("bad sstable properties block");
  }
  num_columnar_blocks = 0;  // format 1 tables end here
  if (!input.empty() && (!GetVarint64(&input, &num_columnar_blocks) || num_columnar_blocks > num_data_blocks)) {
    return Status::Corruption("bad sstable properties block");
  }
  return Status::OK();
}

TableBuilder::TableBuilder(const TableOptions& options, WritableFile* file)
    : options_(options), file_(file), data_block_(options.restart_interval, options.restart_bytes),
      columnar_keys_(kColumnarRestartInterval), index_block_(1),
      filter_(options.bloom_bits_per_key > 0 ? options.bloom_bits_per_key : 1) {
  props_.smallest_seqno = kMaxSequenceNumber;
}

void TableBuilder::Add(std::string_view key, std::string_view value) {
  assert(!finished_);
  if (!status_.ok()) return;
  assert(props_.num_entries == 0 || CompareInternalKeys(key, last_key_) > 0);
  const std::string_view user_key = ExtractUserKey(key);
  const uint64_t group = options_.value_codec == nullptr ? 0 : options_.value_codec->GroupOf(user_key);
  if (group != group_) {  // a columnar block holds one group
    FlushDataBlock();
    group_ = group;
  }
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
  if (group_ == 0) {
    data_block_.Add(key, value);
    if (data_block_.CurrentSizeEstimate() >= options_.block_size) FlushDataBlock();
    return;
  }
  columnar_.keys.append(key);
  columnar_.key_ends.push_back(columnar_.keys.size());
  columnar_.values.append(value);
  columnar_.value_ends.push_back(columnar_.values.size());
  if (columnar_.key_ends.size() >= options_.columnar_block_rows ||
      columnar_.values.size() >= options_.columnar_block_bytes) {
    FlushDataBlock();
  }
}

void TableBuilder::FlushDataBlock() {
  if (!status_.ok()) return;
  if (!columnar_.key_ends.empty()) {
    FlushColumnarBlock();
    return;
  }
  if (data_block_.empty()) return;
  WriteBlock(data_block_.Finish(), &pending_handle_);
  data_block_.Reset();
  pending_index_entry_ = true;
  props_.num_data_blocks++;
}

void TableBuilder::FlushColumnarBlock() {
  const size_t n = columnar_.key_ends.size();
  std::vector<std::string_view> keys(n);
  std::vector<BlockEntry> entries(n);
  for (size_t i = 0; i < n; i++) {
    const size_t key_begin = i == 0 ? 0 : columnar_.key_ends[i - 1];
    const size_t value_begin = i == 0 ? 0 : columnar_.value_ends[i - 1];
    keys[i] = std::string_view(columnar_.keys).substr(key_begin, columnar_.key_ends[i] - key_begin);
    const uint64_t tag = ExtractTag(keys[i]);
    entries[i].user_key = ExtractUserKey(keys[i]);
    entries[i].sequence = tag >> 8;
    entries[i].type = static_cast<ValueType>(tag & 0xff);
    entries[i].value = std::string_view(columnar_.values).substr(value_begin, columnar_.value_ends[i] - value_begin);
  }
  std::string contents, side;
  if (options_.value_codec->Encode(group_, entries.data(), n, &contents, &side)) {
    // The side block goes first; the block's summary points back to it.
    BlockHandle side_handle;
    if (!side.empty()) WriteRawBlock(side, kNoCompression | kColumnarBlockFlag, &side_handle);
    // keys (each entry's value: its ordinal) | the codec's values | fixed32 size of the keys
    columnar_keys_.Reset();
    std::string ordinal;
    for (size_t i = 0; i < n; i++) {
      ordinal.clear();
      PutVarint32(&ordinal, static_cast<uint32_t>(i));
      columnar_keys_.Add(keys[i], ordinal);
    }
    const std::string_view key_part = columnar_keys_.Finish();
    SequenceNumber max_sequence = 0;
    bool distinct_values = true;
    for (size_t i = 0; i < n; i++) {
      max_sequence = std::max(max_sequence, entries[i].sequence);
      distinct_values = distinct_values && entries[i].type == kTypeValue &&
                        (i == 0 || entries[i].user_key != entries[i - 1].user_key);
    }
    std::string block;
    block.reserve(key_part.size() + contents.size() + 13);
    block.append(key_part);
    block.append(contents);
    if (!side.empty()) {
      PutFixed64(&block, side_handle.offset);
      PutFixed32(&block, static_cast<uint32_t>(side_handle.size));
    }
    PutFixed64(&block, max_sequence);
    block.push_back(static_cast<char>((distinct_values ? kColumnarDistinctValues : 0) |
                                      (side.empty() ? 0 : kColumnarHasSide)));
    PutFixed32(&block, static_cast<uint32_t>(key_part.size()));
    WriteRawBlock(block, kNoCompression | kColumnarBlockFlag, &pending_handle_);
    props_.num_columnar_blocks++;
  } else {
    // Row blocks of the usual size. Each but the last is indexed by its own
    // last key (any key from it up to the next block's first will do); the
    // last waits, as in Add, for the next key to shorten its separator.
    for (size_t i = 0; i < n; i++) {
      data_block_.Add(keys[i], entries[i].value);
      if (i + 1 < n && data_block_.CurrentSizeEstimate() >= options_.block_size) {
        BlockHandle handle;
        WriteBlock(data_block_.Finish(), &handle);
        data_block_.Reset();
        std::string encoded;
        handle.EncodeTo(&encoded);
        index_block_.Add(keys[i], encoded);
        props_.num_data_blocks++;
      }
    }
    WriteBlock(data_block_.Finish(), &pending_handle_);
    data_block_.Reset();
  }
  columnar_.Clear();
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

void TableBuilder::WriteRawBlock(std::string_view contents, uint8_t type, BlockHandle* handle) {
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
