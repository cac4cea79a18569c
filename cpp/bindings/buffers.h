// Borrowing bytes from Python objects without copying: anything with the
// buffer protocol and contiguous memory (bytes, bytearray, memoryview, NumPy).
// Everything here needs the GIL; the views stay valid while the objects live.
#pragma once

#include <pybind11/pybind11.h>

#include <string_view>
#include <vector>

namespace embodb::bindings {

// A contiguous byte view of a Python object; TypeError naming `what` otherwise.
class ByteView {
 public:
  ByteView(pybind11::handle obj, const char* what);
  ~ByteView();
  ByteView(ByteView&& other) noexcept;
  ByteView(const ByteView&) = delete;
  ByteView& operator=(const ByteView&) = delete;
  ByteView& operator=(ByteView&&) = delete;
  std::string_view view() const {
    return std::string_view(static_cast<const char*>(buf_.buf), static_cast<size_t>(buf_.len));
  }

 private:
  Py_buffer buf_{};
  bool held_ = false;
};

// Byte strings from a sequence of bytes-like objects, a NumPy array of fixed-width
// bytes (dtype 'S': trailing NULs are stripped, as NumPy does; dtype 'V': exact),
// or a 2-D uint8 array (one row per item).
class ByteSequence {
 public:
  ByteSequence(pybind11::handle obj, const char* what);
  size_t size() const { return views_.size(); }
  const std::vector<std::string_view>& views() const { return views_; }

 private:
  std::vector<ByteView> owners_;
  pybind11::object array_;  // keeps a NumPy array alive
  std::vector<std::string_view> views_;
};

}  // namespace embodb::bindings
