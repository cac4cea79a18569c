// The one translator from core Status to the exceptions of embodb.errors.
#pragma once

#include <pybind11/pybind11.h>

#include <stdexcept>

#include "util/result.h"
#include "util/status.h"

namespace embodb::bindings {

// Carries a non-OK Status out of the binding code to the translator.
class StatusError : public std::exception {
 public:
  explicit StatusError(Status s) : status_(std::move(s)), what_(status_.ToString()) {}
  const Status& status() const { return status_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  Status status_;
  std::string what_;
};

inline void ThrowIfError(const Status& s) {
  if (!s.ok()) throw StatusError(s);
}

// The value of r, or its error raised.
template <typename T>
T ValueOrThrow(Result<T> r) {
  ThrowIfError(r.status());
  return std::move(r).value();
}

// Runs fn, which returns a Status and touches no Python object, with the GIL
// released; then raises its error, if any.
template <typename Fn>
void RunWithoutGil(Fn&& fn) {
  Status s;
  {
    pybind11::gil_scoped_release release;
    s = fn();
  }
  ThrowIfError(s);
}

// Raised for calls on a closed database or snapshot.
[[noreturn]] void ThrowClosed(const char* what);

void RegisterErrorTranslator(pybind11::module_& m);

}  // namespace embodb::bindings
