#include "lsm/sstable/table.h"

#include <algorithm>

#include "lsm/dbformat.h"
#include "lsm/two_level_iterator.h"
#include "util/bloom.h"
#include "util/coding.h"

namespace embodb::lsm::sstable {

Result<std::shared_ptr<Table>> Table::Open(std::unique_ptr<RandomAccessFile> file, std::string fname,
                                           uint64_t file_size, uint64_t cache_id, BlockCache* cache,
                                           std::unique_ptr<RandomAccessFile> stream_file,
                                           const BlockValueCodec* value_codec) {
  if (file_size < kFooterSize) return Status::Corruption(fname, "file is too short to be an sstable");
  const RandomAccessFile* meta_file = stream_file ? stream_file.get() : file.get();
  char footer_buf[kFooterSize];
  std::string_view footer_input;
  EMBODB_RETURN_IF_ERROR(meta_file->Read(file_size - kFooterSize, kFooterSize, &footer_input, footer_buf));
  Footer footer;
  EMBODB_RETURN_IF_ERROR(footer.DecodeFrom(footer_input, fname));
  for (const BlockHandle* h : {&footer.filter, &footer.properties, &footer.index}) {
    if (h->offset + h->size + kBlockTrailerSize > file_size - kFooterSize) {
      return Status::Corruption(fname, "block handle in footer points past the end of the data");
    }
  }

  std::shared_ptr<Table> table(new Table());
  std::string index_contents, props_contents;
  EMBODB_RETURN_IF_ERROR(ReadBlock(meta_file, fname, footer.index, &index_contents));
  EMBODB_RETURN_IF_ERROR(ReadBlock(meta_file, fname, footer.filter, &table->filter_));
  EMBODB_RETURN_IF_ERROR(ReadBlock(meta_file, fname, footer.properties, &props_contents));
  Status s = table->props_.DecodeFrom(props_contents);
  if (!s.ok()) return Status::Corruption(fname, s.message());
  table->index_block_ = std::make_shared<const Block>(std::move(index_contents));
  table->file_ = std::move(file);
  table->BuildTopIndex();
  table->stream_file_ = std::move(stream_file);
  table->fname_ = std::move(fname);
  table->cache_id_ = cache_id;
  table->cache_ = cache;
  table->value_codec_ = value_codec;
  return table;
}

void Table::BuildTopIndex() {
  // The index block has a restart point per entry, so entry i is restart i.
  // A mapped file's blocks are also known by offset (iterators find their
  // ordinal from it).
  const bool mapped = file_->ReturnsStableViews();
  BlockIter it(index_block_.get(), KeyOrder::kInternal);
  uint32_t i = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), i++) {
    if (mapped) {
      std::string_view v = it.value();
      auto handle = BlockHandle::Decode(&v);
      block_offsets_.push_back(handle.ok() ? handle->offset : UINT64_MAX);
    }
    if (i % kTopStride != 0) continue;
    top_offsets_.push_back(static_cast<uint32_t>(top_keys_.size()));
    top_keys_.append(it.key());
  }
  top_offsets_.push_back(static_cast<uint32_t>(top_keys_.size()));
  num_blocks_ = i;
  if (mapped) {
    block_flags_.reset(new std::atomic<uint8_t>[num_blocks_]());
    if (props_.num_columnar_blocks > 0) parsed_.reset(new std::shared_ptr<const Block>[num_blocks_]);
  }
}

std::atomic<size_t> Table::parsed_used_{0};

Table::~Table() { parsed_used_.fetch_sub(parsed_charge_.load()); }

std::shared_ptr<const Block> Table::ParsedInPlace(std::string_view contents, uint32_t ordinal,
                                                  const ColumnarLayout& layout) const {
  if (parsed_ == nullptr || ordinal >= num_blocks_) return nullptr;
  std::mutex& mu = parsed_mu_[ordinal % std::size(parsed_mu_)];
  {
    std::lock_guard lock(mu);
    if (parsed_[ordinal] != nullptr) return parsed_[ordinal];
  }
  ColumnarLayout kept = layout;
  kept.index_restarts = true;  // searched by every lookup that lands in it
  auto block = std::make_shared<const Block>(contents, nullptr, kept);
  const size_t charge = block->ParsedMemoryUsage();
  if (parsed_used_.fetch_add(charge) + charge > kParsedBudget) {
    parsed_used_.fetch_sub(charge);
    return nullptr;
  }
  std::lock_guard lock(mu);
  if (parsed_[ordinal] != nullptr) {  // another thread was first
    parsed_used_.fetch_sub(charge);
    return parsed_[ordinal];
  }
  parsed_charge_.fetch_add(charge);
  parsed_[ordinal] = block;
  return block;
}

Status Table::DecodeHandle(std::string_view index_value, BlockHandle* handle) const {
  auto decoded = BlockHandle::Decode(&index_value);
  if (!decoded.ok()) return Status::Corruption(fname_, "bad block handle in index");
  *handle = *decoded;
  return Status::OK();
}

std::atomic<uint8_t>* Table::BlockFlags(const RandomAccessFile* file, uint32_t ordinal) const {
  return file == file_.get() && block_flags_ && ordinal < num_blocks_ ? &block_flags_[ordinal] : nullptr;
}

Result<std::shared_ptr<const Block>> Table::ReadDataBlock(const BlockHandle& handle, bool fill_cache,
                                                          uint32_t ordinal) const {
  const BlockCacheKey cache_key{cache_id_, handle.offset};
  if (cache_ != nullptr) {
    if (auto cached = cache_->Lookup(cache_key)) return cached;
  }
  std::string contents;
  std::string_view view;
  const RandomAccessFile* file = FileFor(fill_cache);
  if (ordinal == kUnknownBlock && file == file_.get()) {  // an iterator's block: find its ordinal
    auto at = std::lower_bound(block_offsets_.begin(), block_offsets_.end(), handle.offset);
    if (at != block_offsets_.end() && *at == handle.offset) ordinal = static_cast<uint32_t>(at - block_offsets_.begin());
  }
  std::atomic<uint8_t>* flags = BlockFlags(file, ordinal);
  ColumnarLayout layout{false, value_codec_, file == file_.get() ? &cached_side_ : &stream_side_, false, ordinal};
  EMBODB_RETURN_IF_ERROR(ReadBlock(file, fname_, handle, &contents, &view,
                                   flags != nullptr && (flags->load(std::memory_order_relaxed) & kVerified) != 0,
                                   &layout.columnar));
  if (contents.empty()) {
    if (flags != nullptr) flags->fetch_or(kVerified | (layout.columnar ? kColumnar : 0), std::memory_order_relaxed);
    // An uncompressed block of a mapped table: viewed in place, and not
    // cached, since the OS page cache holds it already. It keeps the table
    // alive, so its side block is read when first needed.
    layout.side_lazy = true;
    if (layout.columnar && ordinal != kUnknownBlock) {
      // Parsed once and kept by the table; the caller's pointer keeps the table alive.
      std::shared_ptr<const Block> parsed = ParsedInPlace(view, ordinal, layout);
      if (parsed != nullptr) return std::shared_ptr<const Block>(shared_from_this(), parsed.get());
    }
    return std::make_shared<const Block>(view, shared_from_this(), layout);
  }
  layout.index_restarts = cache_ != nullptr && fill_cache;
  auto block = std::make_shared<const Block>(std::move(contents), layout);
  if (cache_ != nullptr && fill_cache) cache_->Insert(cache_key, block, block->size() + block->ParsedMemoryUsage());
  return block;
}

Status Table::SideReader::ReadSide(uint64_t offset, uint64_t size, uint32_t ordinal, std::string* owned,
                                   std::string_view* view) const {
  const RandomAccessFile* file = table_->FileFor(!stream_);
  std::atomic<uint8_t>* flags = table_->BlockFlags(file, ordinal);
  bool columnar = false;
  EMBODB_RETURN_IF_ERROR(ReadBlock(file, table_->fname_, BlockHandle{offset, size}, owned, view,
                                   flags != nullptr && (flags->load(std::memory_order_relaxed) & kSideVerified) != 0,
                                   &columnar));
  if (!columnar) return Status::Corruption(table_->fname_, "a side block is not marked as one");
  if (flags != nullptr && owned->empty()) flags->fetch_or(kSideVerified, std::memory_order_relaxed);
  return Status::OK();
}

std::unique_ptr<Iterator> Table::NewIterator(bool fill_cache) const {
  auto self = shared_from_this();
  auto index_iter = Block::NewIterator(index_block_, KeyOrder::kInternal);
  return NewTwoLevelIterator(std::move(index_iter), [self, fill_cache](std::string_view handle) {
    BlockHandle decoded;
    Status s = self->DecodeHandle(handle, &decoded);
    if (!s.ok()) return NewEmptyIterator(s);
    auto block = self->ReadDataBlock(decoded, fill_cache);
    if (!block.ok()) return NewEmptyIterator(block.status());
    return Block::NewIterator(std::move(block).value(), KeyOrder::kInternal);
  });
}

std::vector<std::string> Table::IndexUserKeys() const {
  std::vector<std::string> keys;
  auto it = Block::NewIterator(index_block_, KeyOrder::kInternal);
  for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(ExtractUserKey(it->key()));
  return keys;
}

}  // namespace embodb::lsm::sstable
