#include "lsm/compaction.h"

namespace embodb::lsm {

int Compaction::num_input_files() const {
  int n = 0;
  for (const auto& in : inputs_) n += static_cast<int>(in.files.size());
  return n;
}

uint64_t Compaction::InputBytes() const {
  uint64_t n = 0;
  for (const auto& in : inputs_) {
    for (const auto& f : in.files) n += f->file_size;
  }
  return n;
}

bool Compaction::IsTrivialMove() const {
  if (manual || num_input_files() != 1 || inputs_[0].level == output_level_) return false;
  const FileMetaData& f = *inputs_[0].files[0];
  if (inputs_[0].level == 0 && input_version_->NumFiles(0) > 1) {
    // Another L0 file may hold older versions of the same keys; it must not be left above.
    for (const auto& other : input_version_->files(0)) {
      if (other->number != f.number &&
          CompareUserKeys(ExtractUserKey(other->largest), ExtractUserKey(f.smallest)) >= 0 &&
          CompareUserKeys(ExtractUserKey(other->smallest), ExtractUserKey(f.largest)) <= 0) {
        return false;
      }
    }
  }
  return !input_version_->OverlapInLevel(output_level_, ExtractUserKey(f.smallest), ExtractUserKey(f.largest));
}

bool Compaction::IsBaseLevelForKey(std::string_view user_key) const {
  for (int level = output_level_ + 1; level < kNumLevels; level++) {
    if (input_version_->OverlapInLevel(level, user_key, user_key)) return false;
  }
  return true;
}

void Compaction::AddInputDeletions(VersionEdit* edit) const {
  for (const auto& in : inputs_) {
    for (const auto& f : in.files) edit->RemoveFile(in.level, f->number);
  }
}

}  // namespace embodb::lsm
