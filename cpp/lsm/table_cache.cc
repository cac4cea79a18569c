#include "lsm/table_cache.h"

#include "lsm/filename.h"
#include "util/coding.h"

namespace embodb::lsm {

TableCache::TableCache(std::string dbname, Env* env, int max_open_files,
                       sstable::BlockCache* block_cache, const sstable::BlockValueCodec* value_codec)
    : dbname_(std::move(dbname)), env_(env), block_cache_(block_cache), value_codec_(value_codec),
      tables_(static_cast<size_t>(max_open_files)), blob_files_(static_cast<size_t>(max_open_files)) {}

Result<std::shared_ptr<sstable::Table>> TableCache::FindTable(const FileMetaData& meta, bool for_lookups) {
  const uint64_t key = meta.number;
  if (auto table = tables_.Lookup(key)) return table;
  const std::string fname = TableFileName(dbname_, meta.number);
  auto file = env_->NewMappedFile(fname);
  if (!file.ok()) {
    if (file.status().IsNotFound()) {
      return Status::Corruption(fname, "a table the manifest lists is missing");
    }
    return file.status();
  }
  auto stream_file = env_->NewRandomAccessFile(fname);
  if (!stream_file.ok()) return stream_file.status();
  auto table = sstable::Table::Open(std::move(file).value(), fname, meta.file_size, meta.number,
                                    block_cache_, std::move(stream_file).value(), value_codec_);
  if (!table.ok()) return table.status();
  tables_.Insert(key, *table, 1);
  if (for_lookups) warmer_.Add(*table);  // point lookups soon stop paying a page fault each
  return table;
}

std::unique_ptr<Iterator> TableCache::NewIterator(const FileMetaData& meta, bool fill_cache) {
  auto table = FindTable(meta, fill_cache);
  if (!table.ok()) return NewEmptyIterator(table.status());
  return (*table)->NewIterator(fill_cache);
}

Result<std::shared_ptr<blob::BlobFileReader>> TableCache::FindBlobFile(uint64_t number) {
  const uint64_t key = number;
  if (auto reader = blob_files_.Lookup(key)) return reader;
  const std::string fname = BlobFileName(dbname_, number);
  auto reader = blob::BlobFileReader::Open(env_, fname);
  if (!reader.ok()) {
    if (reader.status().IsNotFound()) return Status::Corruption(fname, "a blob file the manifest lists is missing");
    return reader.status();
  }
  blob_files_.Insert(key, *reader, 1);
  return reader;
}

void TableCache::Evict(uint64_t number) {
  const uint64_t key = number;
  tables_.Erase(key);
  blob_files_.Erase(key);
}

Result<const sstable::Table*> TablePins::Find(const FileMetaData& file) {
  for (const auto& [number, table] : pinned_) {
    if (number == file.number) return table.get();
  }
  auto table = cache_->FindTable(file);
  if (!table.ok()) return table.status();
  if (pinned_.size() == kMaxPinned) pinned_.erase(pinned_.begin());
  pinned_.emplace_back(file.number, *table);
  return pinned_.back().second.get();
}

}  // namespace embodb::lsm
