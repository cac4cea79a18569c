// Compaction: a chosen set of input files and the level their merge goes to.
// Picked by VersionSet (cheap, under the DB mutex); executed by CompactionJob.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lsm/version.h"

namespace embodb::lsm {

struct CompactionInputs {
  int level = 0;
  std::vector<FileMetaPtr> files;
};

class Compaction {
 public:
  Compaction(std::shared_ptr<const Version> input_version, int output_level, uint64_t max_output_file_size)
      : input_version_(std::move(input_version)), output_level_(output_level),
        max_output_file_size_(max_output_file_size) {}

  std::vector<CompactionInputs>& inputs() { return inputs_; }
  const std::vector<CompactionInputs>& inputs() const { return inputs_; }
  int output_level() const { return output_level_; }
  uint64_t max_output_file_size() const { return max_output_file_size_; }
  const Version& input_version() const { return *input_version_; }
  int num_input_files() const;
  uint64_t InputBytes() const;

  // One file moving down a level with nothing to merge: a manifest change only.
  bool IsTrivialMove() const;
  // True when no level below the output holds user_key, so a deletion marker
  // for it can be dropped.
  bool IsBaseLevelForKey(std::string_view user_key) const;
  // Adds the removal of every input file to edit.
  void AddInputDeletions(VersionEdit* edit) const;

  bool manual = false;
  // Rewrite blobs from files whose garbage ratio reaches this (> 1 disables),
  // and from files smaller than blob_merge_size (0 disables).
  double blob_gc_ratio = 2.0;
  uint64_t blob_merge_size = 0;

 private:
  std::shared_ptr<const Version> input_version_;
  int output_level_;
  uint64_t max_output_file_size_;
  std::vector<CompactionInputs> inputs_;
};

}  // namespace embodb::lsm
