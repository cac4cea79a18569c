// FaultInjectionEnv wraps another Env and can make it misbehave the way disks
// and power supplies do:
//   - DropUnsyncedData(): simulated power loss. Every file is cut back to the
//     length it had at its last Sync, and files created since their directory
//     was last synced disappear.
//   - FailNthWrite(n) / FailNthSync(n): the n-th following Append / Sync fails
//     with an IOError (n = 1 is the next one).
//   - SetDiskFull(true): every Append fails with ENOSPC.
//   - SetActive(false): the machine is "off"; every write, sync, rename and
//     removal fails, so a crashed database cannot tidy up after itself.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "env/env.h"

namespace embodb {

class FaultInjectionEnv final : public Env {
 public:
  explicit FaultInjectionEnv(Env* base) : base_(base) {}

  void DropUnsyncedData();
  void FailNthWrite(int n);
  void FailNthSync(int n);
  void SetDiskFull(bool full);
  void SetActive(bool active);
  int sync_count() const;
  // Moves this Env's wall clock forward (tests of time-based behaviour).
  void AdvanceClock(uint64_t micros) { clock_offset_ += micros; }

  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& f) override {
    return base_->NewSequentialFile(f);
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& f) override {
    return base_->NewRandomAccessFile(f);
  }
  Result<std::unique_ptr<RandomAccessFile>> NewMappedFile(const std::string& f) override {
    return base_->NewMappedFile(f);
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& fname) override;
  bool FileExists(const std::string& f) override { return base_->FileExists(f); }
  Status GetChildren(const std::string& dir, std::vector<std::string>* r) override {
    return base_->GetChildren(dir, r);
  }
  Status RemoveFile(const std::string& fname) override;
  Status CreateDir(const std::string& d) override { return base_->CreateDir(d); }
  Result<uint64_t> GetFileSize(const std::string& f) override { return base_->GetFileSize(f); }
  Status RenameFile(const std::string& src, const std::string& target) override;
  Status TruncateFile(const std::string& fname, uint64_t size) override;
  Status SyncDir(const std::string& dir) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& f) override {
    return base_->LockFile(f);
  }
  uint64_t NowMicros() override { return base_->NowMicros() + clock_offset_.load(); }

 private:
  friend class FaultInjectionWritableFile;
  struct FileState {
    uint64_t size = 0;
    uint64_t synced_size = 0;
  };

  // Called by the file wrappers.
  Status BeforeAppend();
  void AfterAppend(const std::string& fname, size_t n);
  Status BeforeSync();
  void AfterSync(const std::string& fname);

  Env* base_;
  std::atomic<uint64_t> clock_offset_{0};
  mutable std::mutex mu_;
  bool active_ = true;
  bool disk_full_ = false;
  int fail_write_countdown_ = 0;
  int fail_sync_countdown_ = 0;
  int sync_count_ = 0;
  std::map<std::string, FileState> files_;
  std::set<std::string> created_since_dir_sync_;
};

}  // namespace embodb
