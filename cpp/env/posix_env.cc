// PosixEnv: the Env of real files. Random reads use pread (thread-safe); writes
// go through a user-space buffer flushed with write(2); Sync is fdatasync.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "env/env.h"

namespace embodb {
namespace {

Status PosixError(const std::string& context, int err) {
  if (err == ENOENT) return Status::NotFound(context, std::strerror(err));
  return Status::IOError(context, std::strerror(err), err);
}

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string fname, int fd) : fname_(std::move(fname)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  Status Read(size_t n, std::string_view* result, char* scratch) override {
    while (true) {
      ssize_t r = ::read(fd_, scratch, n);
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(fname_, errno);
      }
      *result = std::string_view(scratch, static_cast<size_t>(r));
      return Status::OK();
    }
  }

  Status Skip(uint64_t n) override {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) == static_cast<off_t>(-1)) {
      return PosixError(fname_, errno);
    }
    return Status::OK();
  }

 private:
  std::string fname_;
  int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string fname, int fd) : fname_(std::move(fname)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Status Read(uint64_t offset, size_t n, std::string_view* result, char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(fname_, errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *result = std::string_view(scratch, done);
    return Status::OK();
  }

 private:
  std::string fname_;
  int fd_;
};

// Reads from a read-only mapping of the whole file: no system call and no copy
// per read. Only for immutable files (tables, blob files, which are never
// changed after they are written).
class PosixMmapReadableFile final : public RandomAccessFile {
 public:
  PosixMmapReadableFile(std::string fname, const char* base, size_t length)
      : fname_(std::move(fname)), base_(base), length_(length) {}
  ~PosixMmapReadableFile() override { ::munmap(const_cast<char*>(base_), length_); }

  Status Read(uint64_t offset, size_t n, std::string_view* result, char*) const override {
    if (offset > length_) {
      *result = {};
      return Status::OK();
    }
    *result = std::string_view(base_ + offset, std::min<uint64_t>(n, length_ - offset));
    return Status::OK();
  }
  bool ReturnsStableViews() const override { return true; }
  void MapCachedPages() const override;

 private:
  std::string fname_;
  const char* base_;
  size_t length_;
};

void PosixMmapReadableFile::MapCachedPages() const {
#ifndef MADV_POPULATE_READ
  constexpr int MADV_POPULATE_READ = 22;  // Linux 5.14; older kernels refuse it (EINVAL)
#endif
  // A first touch of a page costs a minor fault even when the page is cached
  // (several microseconds on a virtual machine); a random point lookup pays
  // one on most pages. mincore tells which pages are cached; each run of
  // them is mapped in one call.
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t pages = (length_ + page - 1) / page;
  std::vector<unsigned char> cached(pages);
  void* base = const_cast<char*>(base_);
  if (pages == 0 || ::mincore(base, length_, cached.data()) != 0) return;
  size_t i = 0;
  while (i < pages) {
    if ((cached[i] & 1) == 0) {
      i++;
      continue;
    }
    // At most a few MiB per call: the call holds the process's mapping lock,
    // which an mmap or munmap elsewhere (a large allocation) waits for.
    constexpr size_t kPagesPerCall = 512;
    size_t end = i;
    while (end < pages && end - i < kPagesPerCall && (cached[end] & 1) != 0) end++;
    const size_t bytes = std::min(end * page, length_) - i * page;
    if (::madvise(const_cast<char*>(base_) + i * page, bytes, MADV_POPULATE_READ) != 0 && errno == EINVAL) return;
    i = end;
  }
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string fname, int fd) : fname_(std::move(fname)), fd_(fd) {
    buf_.reserve(kBufferSize);
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) Close().PermitUncheckedError();
  }

  Status Append(std::string_view data) override {
    if (buf_.size() + data.size() <= kBufferSize) {
      buf_.append(data.data(), data.size());
      return Status::OK();
    }
    EMBODB_RETURN_IF_ERROR(FlushBuffer());
    if (data.size() <= kBufferSize) {
      buf_.append(data.data(), data.size());
      return Status::OK();
    }
    return WriteRaw(data.data(), data.size());
  }

  Status Flush() override { return FlushBuffer(); }

  Status Sync() override {
    EMBODB_RETURN_IF_ERROR(FlushBuffer());
    if (::fdatasync(fd_) != 0) return PosixError(fname_ + ": fdatasync", errno);
    return Status::OK();
  }

  Status Close() override {
    Status s = FlushBuffer();
    if (fd_ >= 0 && ::close(fd_) != 0 && s.ok()) s = PosixError(fname_, errno);
    fd_ = -1;
    return s;
  }

 private:
  static constexpr size_t kBufferSize = 64 * 1024;

  Status FlushBuffer() {
    Status s = WriteRaw(buf_.data(), buf_.size());
    buf_.clear();
    return s;
  }

  Status WriteRaw(const char* p, size_t n) {
    while (n > 0) {
      ssize_t r = ::write(fd_, p, n);
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(fname_ + ": write", errno);
      }
      p += r;
      n -= static_cast<size_t>(r);
    }
    return Status::OK();
  }

  std::string fname_;
  int fd_;
  std::string buf_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& fname) override {
    int fd = ::open(fname.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(fname, errno);
    return std::unique_ptr<SequentialFile>(new PosixSequentialFile(fname, fd));
  }

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& fname) override {
    int fd = ::open(fname.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(fname, errno);
    return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(fname, fd));
  }

  Result<std::unique_ptr<RandomAccessFile>> NewMappedFile(const std::string& fname) override {
    int fd = ::open(fname.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(fname, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return PosixError(fname, err);
    }
    if (st.st_size == 0) return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(fname, fd));
    void* base = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
      // Out of address space or mappings: fall back to pread.
      return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(fname, fd));
    }
    ::close(fd);  // the mapping stays valid
    return std::unique_ptr<RandomAccessFile>(
        new PosixMmapReadableFile(fname, static_cast<const char*>(base), static_cast<size_t>(st.st_size)));
  }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& fname) override {
    int fd = ::open(fname.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(fname, errno);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(fname, fd));
  }

  bool FileExists(const std::string& fname) override { return ::access(fname.c_str(), F_OK) == 0; }

  Status GetChildren(const std::string& dir, std::vector<std::string>* result) override {
    result->clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError(dir, errno);
    while (struct dirent* entry = ::readdir(d)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") result->push_back(std::move(name));
    }
    ::closedir(d);
    return Status::OK();
  }

  Status RemoveFile(const std::string& fname) override {
    if (::unlink(fname.c_str()) != 0) return PosixError(fname, errno);
    return Status::OK();
  }

  Status CreateDir(const std::string& dirname) override {
    if (::mkdir(dirname.c_str(), 0755) != 0 && errno != EEXIST) return PosixError(dirname, errno);
    struct stat st;
    if (::stat(dirname.c_str(), &st) != 0) return PosixError(dirname, errno);
    if (!S_ISDIR(st.st_mode)) return Status::IOError(dirname, "exists and is not a directory");
    return Status::OK();
  }

  Result<uint64_t> GetFileSize(const std::string& fname) override {
    struct stat st;
    if (::stat(fname.c_str(), &st) != 0) return PosixError(fname, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Status RenameFile(const std::string& src, const std::string& target) override {
    if (::rename(src.c_str(), target.c_str()) != 0) return PosixError(src, errno);
    return Status::OK();
  }

  Status TruncateFile(const std::string& fname, uint64_t size) override {
    int fd = ::open(fname.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(fname, errno);
    Status s;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0 || ::fdatasync(fd) != 0) {
      s = PosixError(fname + ": truncate", errno);
    }
    ::close(fd);
    return s;
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError(dir, errno);
    Status s;
    if (::fsync(fd) != 0) s = PosixError(dir + ": fsync", errno);
    ::close(fd);
    return s;
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& fname) override {
    int fd = ::open(fname.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(fname, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return Status::Locked("the database is open in another process or connection", fname);
      }
      return PosixError(fname + ": flock", err);
    }
    return std::unique_ptr<FileLock>(new PosixFileLock(fd));
  }

  uint64_t NowMicros() override {
    struct timeval tv;
    ::gettimeofday(&tv, nullptr);
    return static_cast<uint64_t>(tv.tv_sec) * 1000000 + tv.tv_usec;
  }
};

}  // namespace

Env* Env::Posix() {
  static PosixEnv* env = new PosixEnv();
  return env;
}

}  // namespace embodb
