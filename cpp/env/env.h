// Env: every file operation of the engine goes through this interface, so tests
// can run on an in-memory file system or inject faults (power loss, failed
// writes and syncs, a full disk). Implementations: PosixEnv (Env::Posix()),
// MemEnv (NewMemEnv), FaultInjectionEnv (fault_injection_env.h).
//
// Thread safety: Env methods may be called from any thread. A file object is
// used by one thread at a time, except RandomAccessFile, which is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/status.h"

namespace embodb {

class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes; *result may point into scratch (which must hold n bytes).
  // A short read (even empty) at end of file is OK.
  virtual Status Read(size_t n, std::string_view* result, char* scratch) = 0;
  virtual Status Skip(uint64_t n) = 0;
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset; *result may point into scratch.
  virtual Status Read(uint64_t offset, size_t n, std::string_view* result,
                      char* scratch) const = 0;
  // True when every *result points into memory that stays valid and
  // unchanged while the file is open (a mapping), never into scratch.
  virtual bool ReturnsStableViews() const { return false; }
  // For a mapping: maps into the process the file's pages that the OS
  // already caches, so that reads of them take no page fault. It never reads
  // from disk. A hint; no effect on other files.
  virtual void MapCachedPages() const {}
};

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Pushes buffered data to the operating system (survives a process crash).
  virtual Status Flush() = 0;
  // Makes the data durable (survives power loss).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

// An exclusive lock on a file, released by Env::UnlockFile.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX environment. Never deleted.
  static Env* Posix();

  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& fname) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& fname) = 0;
  // Like NewRandomAccessFile, for a file that will never change again: the
  // Env may memory-map it. Reads may return views into the mapping.
  virtual Result<std::unique_ptr<RandomAccessFile>> NewMappedFile(const std::string& fname) {
    return NewRandomAccessFile(fname);
  }
  // Creates or truncates.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& fname) = 0;

  virtual bool FileExists(const std::string& fname) = 0;
  // Names (not paths) of the entries of dir.
  virtual Status GetChildren(const std::string& dir, std::vector<std::string>* result) = 0;
  virtual Status RemoveFile(const std::string& fname) = 0;
  // OK when the directory already exists.
  virtual Status CreateDir(const std::string& dirname) = 0;
  virtual Result<uint64_t> GetFileSize(const std::string& fname) = 0;
  // Atomically replaces target if it exists.
  virtual Status RenameFile(const std::string& src, const std::string& target) = 0;
  virtual Status TruncateFile(const std::string& fname, uint64_t size) = 0;
  // Makes creations, renames and removals in dir durable.
  virtual Status SyncDir(const std::string& dir) = 0;

  // Locked() when another holder (process or open database) has the lock.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& fname) = 0;

  virtual uint64_t NowMicros() = 0;
};

// An Env whose files live in memory; the base for unit tests.
std::unique_ptr<Env> NewMemEnv();

// Helpers on top of any Env.
Status WriteStringToFile(Env* env, std::string_view data, const std::string& fname, bool sync);
Status ReadFileToString(Env* env, const std::string& fname, std::string* data);
std::string DirName(const std::string& path);
// Creates dirname and any missing parents (like mkdir -p).
Status CreateDirRecursive(Env* env, const std::string& dirname);

}  // namespace embodb
