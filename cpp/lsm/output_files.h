// OutputFiles: writes a sorted stream of internal entries into new SSTables,
// moving large values into a new blob file. Flushes and compactions both write
// through it. Tables are cut at max_file_size, but only between user keys, so
// one user key never spans two files of a level.
//
// Not thread-safe; each subcompaction has its own.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lsm/blob/blob_file.h"
#include "lsm/options.h"
#include "lsm/sstable/table_builder.h"
#include "lsm/version_edit.h"

namespace embodb::lsm {

class OutputFiles {
 public:
  using NumberAllocator = std::function<uint64_t()>;

  OutputFiles(const Options& options, std::string dbname, uint64_t max_file_size, NumberAllocator new_number);
  ~OutputFiles();

  // REQUIRES: internal keys in increasing order. A kTypeValue value of at least
  // Options::MinBlobSize goes to the blob file; a kTypeBlobIndex value is kept as is.
  Status Add(std::string_view user_key, SequenceNumber seq, ValueType type, std::string_view value);
  // Finishes, syncs and closes every open file.
  Status Finish();

  const std::vector<FileMetaData>& tables() const { return tables_; }
  const std::vector<BlobFileAddition>& blob_files() const { return blob_files_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  Status OpenTable();
  Status FinishTable();

  const Options& options_;
  const std::string dbname_;
  const uint64_t max_file_size_;
  NumberAllocator new_number_;

  std::unique_ptr<WritableFile> table_file_;
  std::unique_ptr<sstable::TableBuilder> builder_;
  FileMetaData meta_;
  std::string last_user_key_;
  std::string ikey_;
  std::string blob_index_;
  std::unique_ptr<blob::BlobFileWriter> blob_writer_;

  std::vector<FileMetaData> tables_;
  std::vector<BlobFileAddition> blob_files_;
  uint64_t bytes_written_ = 0;
};

}  // namespace embodb::lsm
