// Status: the outcome of an operation in the core. The core never throws; every
// fallible function returns a Status or a Result<T>. The Python bindings turn a
// non-OK Status into one exception of embodb.errors (see cpp/bindings/errors.cc).
//
// Thread safety: a Status is a value; distinct objects may be used concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace embodb {

class [[nodiscard]] Status {
 public:
  enum class Code : uint8_t {
    kOk = 0,
    kNotFound,
    kCorruption,
    kIOError,
    kInvalidArgument,
    kNotSupported,
    kConflict,
    kLocked,
    kBusy,
    kAborted,
    kSchema,  // data that does not fit a table's schema (SchemaError)
    kAlreadyExists,  // a duplicate primary key (DuplicateKeyError)
  };

  Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg, std::string_view detail = {}) {
    return Status(Code::kNotFound, msg, detail);
  }
  static Status Corruption(std::string_view msg, std::string_view detail = {}) {
    return Status(Code::kCorruption, msg, detail);
  }
  // `sys_errno` is the errno of the failed system call (0 when there is none);
  // ENOSPC marks a full disk.
  static Status IOError(std::string_view msg, std::string_view detail = {}, int sys_errno = 0) {
    Status s(Code::kIOError, msg, detail);
    s.sys_errno_ = sys_errno;
    return s;
  }
  static Status InvalidArgument(std::string_view msg, std::string_view detail = {}) {
    return Status(Code::kInvalidArgument, msg, detail);
  }
  static Status NotSupported(std::string_view msg, std::string_view detail = {}) {
    return Status(Code::kNotSupported, msg, detail);
  }
  static Status Conflict(std::string_view msg, std::string_view detail = {}) {
    return Status(Code::kConflict, msg, detail);
  }
  static Status Locked(std::string_view msg, std::string_view detail = {}) {
    return Status(Code::kLocked, msg, detail);
  }
  static Status Busy(std::string_view msg, std::string_view detail = {}) {
    return Status(Code::kBusy, msg, detail);
  }
  static Status Aborted(std::string_view msg, std::string_view detail = {}) {
    return Status(Code::kAborted, msg, detail);
  }
  static Status Schema(std::string_view msg, std::string_view detail = {}) {
    return Status(Code::kSchema, msg, detail);
  }
  static Status AlreadyExists(std::string_view msg, std::string_view detail = {}) {
    return Status(Code::kAlreadyExists, msg, detail);
  }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }
  bool IsConflict() const { return code_ == Code::kConflict; }
  bool IsLocked() const { return code_ == Code::kLocked; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsAborted() const { return code_ == Code::kAborted; }
  bool IsSchema() const { return code_ == Code::kSchema; }
  bool IsAlreadyExists() const { return code_ == Code::kAlreadyExists; }

  Code code() const { return code_; }
  int sys_errno() const { return sys_errno_; }
  const std::string& message() const { return message_; }
  // "Corruption: <message>", or "OK".
  std::string ToString() const;

  // Explicitly discards a status whose failure does not matter (cleanup paths).
  void PermitUncheckedError() const {}

 private:
  Status(Code code, std::string_view msg, std::string_view detail);

  Code code_ = Code::kOk;
  int sys_errno_ = 0;
  std::string message_;
};

#define EMBODB_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::embodb::Status _embodb_s = (expr);      \
    if (!_embodb_s.ok()) return _embodb_s;    \
  } while (0)

}  // namespace embodb
