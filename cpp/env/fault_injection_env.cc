#include "env/fault_injection_env.h"

#include <cerrno>

namespace embodb {

class FaultInjectionWritableFile final : public WritableFile {
 public:
  FaultInjectionWritableFile(FaultInjectionEnv* env, std::string fname,
                             std::unique_ptr<WritableFile> base)
      : env_(env), fname_(std::move(fname)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    EMBODB_RETURN_IF_ERROR(env_->BeforeAppend());
    // The base file is unbuffered from our point of view: push through at once so
    // that the tracked size matches what a power loss would see.
    EMBODB_RETURN_IF_ERROR(base_->Append(data));
    EMBODB_RETURN_IF_ERROR(base_->Flush());
    env_->AfterAppend(fname_, data.size());
    return Status::OK();
  }
  Status Flush() override { return base_->Flush(); }
  Status Sync() override {
    EMBODB_RETURN_IF_ERROR(env_->BeforeSync());
    EMBODB_RETURN_IF_ERROR(base_->Sync());
    env_->AfterSync(fname_);
    return Status::OK();
  }
  Status Close() override { return base_->Close(); }

 private:
  FaultInjectionEnv* env_;
  std::string fname_;
  std::unique_ptr<WritableFile> base_;
};

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(const std::string& fname) {
  {
    std::lock_guard lock(mu_);
    if (!active_) return Status::IOError(fname, "filesystem is not active (simulated crash)");
  }
  auto base = base_->NewWritableFile(fname);
  if (!base.ok()) return base.status();
  std::lock_guard lock(mu_);
  files_[fname] = FileState{};
  created_since_dir_sync_.insert(fname);
  return std::unique_ptr<WritableFile>(
      new FaultInjectionWritableFile(this, fname, std::move(base).value()));
}

Status FaultInjectionEnv::RemoveFile(const std::string& fname) {
  {
    std::lock_guard lock(mu_);
    if (!active_) return Status::IOError(fname, "filesystem is not active (simulated crash)");
    files_.erase(fname);
    created_since_dir_sync_.erase(fname);
  }
  return base_->RemoveFile(fname);
}

Status FaultInjectionEnv::RenameFile(const std::string& src, const std::string& target) {
  std::lock_guard lock(mu_);
  if (!active_) return Status::IOError(src, "filesystem is not active (simulated crash)");
  EMBODB_RETURN_IF_ERROR(base_->RenameFile(src, target));
  auto it = files_.find(src);
  if (it != files_.end()) {
    files_[target] = it->second;
    files_.erase(it);
  }
  if (created_since_dir_sync_.erase(src)) created_since_dir_sync_.insert(target);
  return Status::OK();
}

Status FaultInjectionEnv::TruncateFile(const std::string& fname, uint64_t size) {
  std::lock_guard lock(mu_);
  if (!active_) return Status::IOError(fname, "filesystem is not active (simulated crash)");
  EMBODB_RETURN_IF_ERROR(base_->TruncateFile(fname, size));
  auto it = files_.find(fname);
  if (it != files_.end()) {
    it->second.size = std::min(it->second.size, size);
    it->second.synced_size = std::min(it->second.synced_size, size);
  }
  return Status::OK();
}

Status FaultInjectionEnv::SyncDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (!active_) return Status::IOError(dir, "filesystem is not active (simulated crash)");
  EMBODB_RETURN_IF_ERROR(base_->SyncDir(dir));
  for (auto it = created_since_dir_sync_.begin(); it != created_since_dir_sync_.end();) {
    if (DirName(*it) == dir) {
      it = created_since_dir_sync_.erase(it);
    } else {
      ++it;
    }
  }
  return Status::OK();
}

void FaultInjectionEnv::DropUnsyncedData() {
  std::lock_guard lock(mu_);
  for (const auto& fname : created_since_dir_sync_) {
    base_->RemoveFile(fname).PermitUncheckedError();
    files_.erase(fname);
  }
  created_since_dir_sync_.clear();
  for (auto& [fname, state] : files_) {
    if (state.size > state.synced_size) {
      base_->TruncateFile(fname, state.synced_size).PermitUncheckedError();
      state.size = state.synced_size;
    }
  }
}

void FaultInjectionEnv::FailNthWrite(int n) {
  std::lock_guard lock(mu_);
  fail_write_countdown_ = n;
}

void FaultInjectionEnv::FailNthSync(int n) {
  std::lock_guard lock(mu_);
  fail_sync_countdown_ = n;
}

void FaultInjectionEnv::SetDiskFull(bool full) {
  std::lock_guard lock(mu_);
  disk_full_ = full;
}

void FaultInjectionEnv::SetActive(bool active) {
  std::lock_guard lock(mu_);
  active_ = active;
}

int FaultInjectionEnv::sync_count() const {
  std::lock_guard lock(mu_);
  return sync_count_;
}

Status FaultInjectionEnv::BeforeAppend() {
  std::lock_guard lock(mu_);
  if (!active_) return Status::IOError("append", "filesystem is not active (simulated crash)");
  if (disk_full_) return Status::IOError("append", "No space left on device", ENOSPC);
  if (fail_write_countdown_ > 0 && --fail_write_countdown_ == 0) {
    return Status::IOError("append", "injected write failure", EIO);
  }
  return Status::OK();
}

void FaultInjectionEnv::AfterAppend(const std::string& fname, size_t n) {
  std::lock_guard lock(mu_);
  files_[fname].size += n;
}

Status FaultInjectionEnv::BeforeSync() {
  std::lock_guard lock(mu_);
  if (!active_) return Status::IOError("sync", "filesystem is not active (simulated crash)");
  if (fail_sync_countdown_ > 0 && --fail_sync_countdown_ == 0) {
    return Status::IOError("sync", "injected sync failure", EIO);
  }
  return Status::OK();
}

void FaultInjectionEnv::AfterSync(const std::string& fname) {
  std::lock_guard lock(mu_);
  auto& state = files_[fname];
  state.synced_size = state.size;
  sync_count_++;
}

}  // namespace embodb
