// Result<T>: a value or the Status that explains why there is none.
//
// Decoders of stored bytes follow one convention (written out for users in
// python/embodb/errors.py): `static Result<T> Decode(...)` makes a value,
// `Status DecodeFrom(...)` fills an object that exists already; each returns
// Corruption naming what was bad. Only the field readers of util/coding.h
// return bool, and their callers name the field in the Corruption.
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "util/status.h"

namespace embodb {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok());
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok()
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

#define EMBODB_CONCAT_INNER(a, b) a##b
#define EMBODB_CONCAT(a, b) EMBODB_CONCAT_INNER(a, b)
// EMBODB_ASSIGN_OR_RETURN(auto x, Fn()): x = value, or return the status.
#define EMBODB_ASSIGN_OR_RETURN(lhs, expr) \
  EMBODB_ASSIGN_OR_RETURN_IMPL(EMBODB_CONCAT(_embodb_r, __LINE__), lhs, expr)
#define EMBODB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

}  // namespace embodb
