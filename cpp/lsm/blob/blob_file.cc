#include "lsm/blob/blob_file.h"

#include "lsm/blob/blob_format.h"
#include "util/coding.h"
#include "util/crc32c.h"

namespace embodb::lsm::blob {

Result<std::unique_ptr<BlobFileWriter>> BlobFileWriter::Create(Env* env, const std::string& fname,
                                                               uint64_t file_number) {
  auto file = env->NewWritableFile(fname);
  if (!file.ok()) return file.status();
  std::unique_ptr<BlobFileWriter> w(new BlobFileWriter(std::move(file).value(), file_number));
  std::string header;
  PutFixed64(&header, kBlobMagic);
  PutFixed32(&header, kBlobFormatVersion);
  EMBODB_RETURN_IF_ERROR(w->file_->Append(header));
  w->offset_ = header.size();
  return w;
}

Status BlobFileWriter::Add(std::string_view key, std::string_view value, BlobIndex* index) {
  buf_.assign(4, '\0');
  PutVarint32(&buf_, static_cast<uint32_t>(key.size()));
  PutVarint64(&buf_, value.size());
  buf_.append(key.data(), key.size());
  uint32_t crc = crc32c::Value(buf_.data() + 4, buf_.size() - 4);
  crc = crc32c::Extend(crc, value.data(), value.size());
  EncodeFixed32(buf_.data(), crc32c::Mask(crc));
  EMBODB_RETURN_IF_ERROR(file_->Append(buf_));
  EMBODB_RETURN_IF_ERROR(file_->Append(value));
  index->file_number = number_;
  index->offset = offset_;
  index->record_size = buf_.size() + value.size();
  index->value_size = value.size();
  offset_ += index->record_size;
  record_bytes_ += index->record_size;
  count_++;
  return Status::OK();
}

Status BlobFileWriter::Finish(BlobFileAddition* addition) {
  std::string footer;
  PutFixed64(&footer, count_);
  PutFixed64(&footer, record_bytes_);
  PutFixed32(&footer, crc32c::Mask(crc32c::Value(footer.data(), footer.size())));
  PutFixed64(&footer, kBlobMagic);
  EMBODB_RETURN_IF_ERROR(file_->Append(footer));
  offset_ += footer.size();
  EMBODB_RETURN_IF_ERROR(file_->Sync());
  EMBODB_RETURN_IF_ERROR(file_->Close());
  addition->number = number_;
  addition->file_size = offset_;
  addition->blob_count = count_;
  addition->blob_bytes = record_bytes_;
  return Status::OK();
}

Result<std::shared_ptr<BlobFileReader>> BlobFileReader::Open(Env* env, const std::string& fname) {
  auto size = env->GetFileSize(fname);
  if (!size.ok()) return size.status();
  auto file = env->NewMappedFile(fname);
  if (!file.ok()) return file.status();
  if (*size < kHeaderSize + kFooterSize) return Status::Corruption(fname, "blob file is too short");
  char buf[kFooterSize];
  std::string_view got;
  EMBODB_RETURN_IF_ERROR((*file)->Read(0, kHeaderSize, &got, buf));
  if (got.size() != kHeaderSize || DecodeFixed64(got.data()) != kBlobMagic) {
    return Status::Corruption(fname, "not a blob file (bad magic number)");
  }
  if (DecodeFixed32(got.data() + 8) != kBlobFormatVersion) {
    return Status::NotSupported(fname, "blob format version is not supported by this embodb");
  }
  EMBODB_RETURN_IF_ERROR((*file)->Read(*size - kFooterSize, kFooterSize, &got, buf));
  if (got.size() != kFooterSize || DecodeFixed64(got.data() + 20) != kBlobMagic ||
      crc32c::Unmask(DecodeFixed32(got.data() + 16)) != crc32c::Value(got.data(), 16)) {
    return Status::Corruption(fname, "bad blob file footer");
  }
  return std::shared_ptr<BlobFileReader>(new BlobFileReader(std::move(file).value(), fname, *size));
}

Status BlobFileReader::Get(const BlobIndex& index, std::string_view key, std::string* value) const {
  if (index.record_size > kMaxRecordSize || index.offset < kHeaderSize ||
      index.offset + index.record_size > file_size_ - kFooterSize) {
    return Status::Corruption(fname_, "blob reference points outside the file");
  }
  // A mapped file returns a view; otherwise the record lands in this scratch.
  thread_local std::string scratch;
  if (scratch.size() < index.record_size) scratch.resize(index.record_size);
  std::string_view got;
  EMBODB_RETURN_IF_ERROR(file_->Read(index.offset, index.record_size, &got, scratch.data()));
  if (got.size() != index.record_size) return Status::Corruption(fname_, "blob record is truncated");
  const uint32_t expected = crc32c::Unmask(DecodeFixed32(got.data()));
  if (expected != crc32c::Value(got.data() + 4, got.size() - 4)) {
    return Status::Corruption(fname_, "blob checksum mismatch at offset " + std::to_string(index.offset));
  }
  std::string_view rest = got.substr(4);
  uint32_t key_len;
  uint64_t value_len;
  if (!GetVarint32(&rest, &key_len) || !GetVarint64(&rest, &value_len) ||
      rest.size() != key_len + value_len || value_len != index.value_size) {
    return Status::Corruption(fname_, "bad blob record lengths");
  }
  if (rest.substr(0, key_len) != key) {
    return Status::Corruption(fname_, "blob record belongs to another key");
  }
  rest.remove_prefix(key_len);
  value->assign(rest.data(), rest.size());
  return Status::OK();
}

}  // namespace embodb::lsm::blob
