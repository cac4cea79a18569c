#include "lsm/output_files.h"

#include "lsm/blob/blob_index.h"
#include "lsm/filename.h"

namespace embodb::lsm {

OutputFiles::OutputFiles(const Options& options, std::string dbname, uint64_t max_file_size,
                         NumberAllocator new_number)
    : options_(options), dbname_(std::move(dbname)), max_file_size_(max_file_size),
      new_number_(std::move(new_number)) {}

OutputFiles::~OutputFiles() = default;

Status OutputFiles::OpenTable() {
  meta_ = FileMetaData();
  meta_.number = new_number_();
  auto file = options_.env->NewWritableFile(TableFileName(dbname_, meta_.number));
  if (!file.ok()) return file.status();
  table_file_ = std::move(file).value();
  builder_ = std::make_unique<sstable::TableBuilder>(options_.table, table_file_.get());
  return Status::OK();
}

Status OutputFiles::FinishTable() {
  Status s = builder_->Finish();
  if (s.ok()) s = table_file_->Sync();
  if (s.ok()) s = table_file_->Close();
  if (s.ok()) {
    meta_.file_size = builder_->FileSize();
    meta_.num_entries = builder_->NumEntries();
    meta_.smallest_seqno = builder_->properties().smallest_seqno;
    meta_.largest_seqno = builder_->properties().largest_seqno;
    bytes_written_ += meta_.file_size;
    tables_.push_back(std::move(meta_));
  }
  builder_.reset();
  table_file_.reset();
  return s;
}

Status OutputFiles::Add(std::string_view user_key, SequenceNumber seq, ValueType type,
                        std::string_view value) {
  if (builder_ != nullptr && builder_->FileSize() >= max_file_size_ && user_key != last_user_key_) {
    EMBODB_RETURN_IF_ERROR(FinishTable());
  }
  if (builder_ == nullptr) EMBODB_RETURN_IF_ERROR(OpenTable());

  if (type == kTypeValue && options_.enable_blob_files && value.size() >= options_.min_blob_size &&
      value.size() >= options_.MinBlobSize(user_key)) {
    if (blob_writer_ == nullptr) {
      const uint64_t number = new_number_();
      auto w = blob::BlobFileWriter::Create(options_.env, BlobFileName(dbname_, number), number);
      if (!w.ok()) return w.status();
      blob_writer_ = std::move(w).value();
    }
    blob::BlobIndex index;
    EMBODB_RETURN_IF_ERROR(blob_writer_->Add(user_key, value, &index));
    blob_index_.clear();
    index.EncodeTo(&blob_index_);
    value = blob_index_;
    type = kTypeBlobIndex;
  }

  ikey_.clear();
  AppendInternalKey(&ikey_, user_key, seq, type);
  if (builder_->NumEntries() == 0) meta_.smallest = ikey_;
  meta_.largest = ikey_;
  builder_->Add(ikey_, value);
  last_user_key_.assign(user_key);
  return builder_->status();
}

Status OutputFiles::Finish() {
  if (builder_ != nullptr) EMBODB_RETURN_IF_ERROR(FinishTable());
  if (blob_writer_ != nullptr) {
    BlobFileAddition addition;
    EMBODB_RETURN_IF_ERROR(blob_writer_->Finish(&addition));
    bytes_written_ += addition.file_size;
    blob_files_.push_back(addition);
    blob_writer_.reset();
  }
  return Status::OK();
}

}  // namespace embodb::lsm
