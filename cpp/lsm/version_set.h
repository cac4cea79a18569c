// VersionSet: the current Version, the manifest that makes it durable, the file
// number and sequence counters, and compaction picking.
//
// Thread safety: callers hold the DB mutex for every method except
// NewFileNumber() (atomic). LogAndApply writes and syncs the manifest while the
// mutex is held, so version changes are totally ordered.
#pragma once

#include <atomic>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "lsm/compaction.h"
#include "lsm/options.h"
#include "lsm/version.h"
#include "wal/log_writer.h"

namespace embodb::lsm {

class VersionSet {
 public:
  VersionSet(std::string dbname, const Options* options, TableCache* tables);
  ~VersionSet();

  // Writes the first manifest and CURRENT of a new database.
  Status CreateNew();
  // Rebuilds the state from CURRENT and its manifest.
  Status Recover();
  // Applies edit to the current version, makes it durable in the manifest and
  // installs the result. On the first call after open a new manifest holding a
  // full snapshot is started.
  Status LogAndApply(VersionEdit* edit);
  // Closes the manifest file (at DB::Close: a closed database holds no file
  // open). REQUIRES: no LogAndApply afterwards.
  Status CloseManifest();

  std::shared_ptr<const Version> current() const { return current_; }
  uint64_t NewFileNumber() { return next_file_number_.fetch_add(1); }
  void MarkFileNumberUsed(uint64_t n);
  SequenceNumber LastSequence() const { return last_sequence_.load(std::memory_order_acquire); }
  void SetLastSequence(SequenceNumber s) { last_sequence_.store(s, std::memory_order_release); }
  uint64_t LogNumber() const { return log_number_; }
  // The WALs the manifest tracks (numbers at least LogNumber()): for each, its
  // size when it was closed (synced whole), or none while it is the live one.
  const std::map<uint64_t, std::optional<uint64_t>>& wals() const { return wals_; }
  uint64_t ManifestFileNumber() const { return manifest_file_number_; }

  // Numbers of the tables and blob files of every version still referenced.
  void AddLiveFiles(std::set<uint64_t>* live);

  bool NeedsCompaction() const { return current_->compaction_score() >= 1.0; }
  // The most urgent compaction, or nullptr.
  std::unique_ptr<Compaction> PickCompaction();
  // Everything into one sorted run, or nullptr when there are no tables.
  std::unique_ptr<Compaction> PickFullCompaction();
  uint64_t MaxBytesForLevel(int level) const;

 private:
  // Applies an edit's WAL records, then forgets WALs below the log number.
  void ApplyWals(const VersionEdit& edit);
  class Builder;
  void Finalize(Version* v) const;
  void Install(std::shared_ptr<Version> v);
  Status WriteSnapshot(log::Writer* log);

  const std::string dbname_;
  const Options* const options_;
  TableCache* const tables_;

  std::atomic<uint64_t> next_file_number_{2};
  std::atomic<SequenceNumber> last_sequence_{0};
  uint64_t log_number_ = 0;
  std::map<uint64_t, std::optional<uint64_t>> wals_;
  uint64_t manifest_file_number_ = 0;
  std::unique_ptr<WritableFile> manifest_file_;
  std::unique_ptr<log::Writer> manifest_log_;

  std::shared_ptr<const Version> current_;
  std::list<std::weak_ptr<const Version>> all_versions_;
  std::string compact_pointer_[kNumLevels];
};

}  // namespace embodb::lsm
