// Writing and reading blob files: append-only files of (key, value) records for
// values too large to rewrite in every compaction.
//
// BlobFileWriter is used by one thread. BlobFileReader is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "env/env.h"
#include "lsm/blob/blob_index.h"
#include "lsm/version_edit.h"

namespace embodb::lsm::blob {

class BlobFileWriter {
 public:
  static Result<std::unique_ptr<BlobFileWriter>> Create(Env* env, const std::string& fname,
                                                        uint64_t file_number);
  // Appends a record and fills *index with its location.
  Status Add(std::string_view key, std::string_view value, BlobIndex* index);
  // Writes the footer, syncs and closes. Sets *addition for the manifest.
  Status Finish(BlobFileAddition* addition);
  uint64_t file_size() const { return offset_; }
  uint64_t blob_count() const { return count_; }

 private:
  BlobFileWriter(std::unique_ptr<WritableFile> file, uint64_t number)
      : file_(std::move(file)), number_(number) {}
  std::unique_ptr<WritableFile> file_;
  uint64_t number_;
  uint64_t offset_ = 0;
  uint64_t count_ = 0;
  uint64_t record_bytes_ = 0;
  std::string buf_;
};

class BlobFileReader {
 public:
  static Result<std::shared_ptr<BlobFileReader>> Open(Env* env, const std::string& fname);
  // Reads the blob at index, checks its checksum and that it belongs to `key`.
  Status Get(const BlobIndex& index, std::string_view key, std::string* value) const;

 private:
  BlobFileReader(std::unique_ptr<RandomAccessFile> file, std::string fname, uint64_t size)
      : file_(std::move(file)), fname_(std::move(fname)), file_size_(size) {}
  std::unique_ptr<RandomAccessFile> file_;
  std::string fname_;
  uint64_t file_size_;
};

}  // namespace embodb::lsm::blob
