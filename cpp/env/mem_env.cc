// MemEnv: files are strings in a map, keyed by full path. Directories are
// implicit: a directory's children are the files whose path starts with it.
#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>

#include "env/env.h"

namespace embodb {
namespace {

struct MemFile {
  std::mutex mu;
  std::string data;
};
using MemFilePtr = std::shared_ptr<MemFile>;

class MemSequentialFile final : public SequentialFile {
 public:
  explicit MemSequentialFile(MemFilePtr file) : file_(std::move(file)) {}
  Status Read(size_t n, std::string_view* result, char* scratch) override {
    std::lock_guard lock(file_->mu);
    size_t avail = pos_ < file_->data.size() ? file_->data.size() - pos_ : 0;
    n = std::min(n, avail);
    std::copy_n(file_->data.data() + pos_, n, scratch);
    pos_ += n;
    *result = std::string_view(scratch, n);
    return Status::OK();
  }
  Status Skip(uint64_t n) override {
    pos_ += n;
    return Status::OK();
  }

 private:
  MemFilePtr file_;
  size_t pos_ = 0;
};

class MemRandomAccessFile final : public RandomAccessFile {
 public:
  explicit MemRandomAccessFile(MemFilePtr file) : file_(std::move(file)) {}
  Status Read(uint64_t offset, size_t n, std::string_view* result, char* scratch) const override {
    std::lock_guard lock(file_->mu);
    size_t avail = offset < file_->data.size() ? file_->data.size() - offset : 0;
    n = std::min<size_t>(n, avail);
    std::copy_n(file_->data.data() + offset, n, scratch);
    *result = std::string_view(scratch, n);
    return Status::OK();
  }

 private:
  MemFilePtr file_;
};

class MemWritableFile final : public WritableFile {
 public:
  explicit MemWritableFile(MemFilePtr file) : file_(std::move(file)) {}
  Status Append(std::string_view data) override {
    std::lock_guard lock(file_->mu);
    file_->data.append(data.data(), data.size());
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }

 private:
  MemFilePtr file_;
};

class MemFileLock final : public FileLock {
 public:
  MemFileLock(std::mutex* mu, std::set<std::string>* locks, std::string name)
      : mu_(mu), locks_(locks), name_(std::move(name)) {}
  ~MemFileLock() override {
    std::lock_guard lock(*mu_);
    locks_->erase(name_);
  }

 private:
  std::mutex* mu_;
  std::set<std::string>* locks_;
  std::string name_;
};

class MemEnv final : public Env {
 public:
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& fname) override {
    std::lock_guard lock(mu_);
    auto it = files_.find(fname);
    if (it == files_.end()) return Status::NotFound(fname, "no such file");
    return std::unique_ptr<SequentialFile>(new MemSequentialFile(it->second));
  }

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& fname) override {
    std::lock_guard lock(mu_);
    auto it = files_.find(fname);
    if (it == files_.end()) return Status::NotFound(fname, "no such file");
    return std::unique_ptr<RandomAccessFile>(new MemRandomAccessFile(it->second));
  }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& fname) override {
    std::lock_guard lock(mu_);
    auto file = std::make_shared<MemFile>();
    files_[fname] = file;
    return std::unique_ptr<WritableFile>(new MemWritableFile(file));
  }

  bool FileExists(const std::string& fname) override {
    std::lock_guard lock(mu_);
    return files_.count(fname) > 0 || dirs_.count(fname) > 0;
  }

  Status GetChildren(const std::string& dir, std::vector<std::string>* result) override {
    std::lock_guard lock(mu_);
    result->clear();
    const std::string prefix = dir + "/";
    for (const auto& [name, file] : files_) {
      if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
          name.find('/', prefix.size()) == std::string::npos) {
        result->push_back(name.substr(prefix.size()));
      }
    }
    return Status::OK();
  }

  Status RemoveFile(const std::string& fname) override {
    std::lock_guard lock(mu_);
    if (files_.erase(fname) == 0) return Status::NotFound(fname, "no such file");
    return Status::OK();
  }

  Status CreateDir(const std::string& dirname) override {
    std::lock_guard lock(mu_);
    dirs_.insert(dirname);
    return Status::OK();
  }

  Result<uint64_t> GetFileSize(const std::string& fname) override {
    std::lock_guard lock(mu_);
    auto it = files_.find(fname);
    if (it == files_.end()) return Status::NotFound(fname, "no such file");
    std::lock_guard file_lock(it->second->mu);
    return static_cast<uint64_t>(it->second->data.size());
  }

  Status RenameFile(const std::string& src, const std::string& target) override {
    std::lock_guard lock(mu_);
    auto it = files_.find(src);
    if (it == files_.end()) return Status::NotFound(src, "no such file");
    files_[target] = it->second;
    files_.erase(src);
    return Status::OK();
  }

  Status TruncateFile(const std::string& fname, uint64_t size) override {
    std::lock_guard lock(mu_);
    auto it = files_.find(fname);
    if (it == files_.end()) return Status::NotFound(fname, "no such file");
    std::lock_guard file_lock(it->second->mu);
    if (size < it->second->data.size()) it->second->data.resize(size);
    return Status::OK();
  }

  Status SyncDir(const std::string&) override { return Status::OK(); }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& fname) override {
    std::lock_guard lock(mu_);
    if (!locks_.insert(fname).second) {
      return Status::Locked("the database is open in another connection", fname);
    }
    if (!files_.count(fname)) files_[fname] = std::make_shared<MemFile>();
    return std::unique_ptr<FileLock>(new MemFileLock(&mu_, &locks_, fname));
  }

  uint64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

 private:
  std::mutex mu_;
  std::map<std::string, MemFilePtr> files_;
  std::set<std::string> dirs_;
  std::set<std::string> locks_;
};

}  // namespace

std::unique_ptr<Env> NewMemEnv() { return std::make_unique<MemEnv>(); }

}  // namespace embodb
