#include "bindings/buffers.h"

#include <string>

namespace py = pybind11;

namespace embodb::bindings {

ByteView::ByteView(py::handle obj, const char* what) {
  if (PyUnicode_Check(obj.ptr())) {
    throw py::type_error(std::string(what) + " must be bytes-like, not str (encode it first)");
  }
  if (PyObject_GetBuffer(obj.ptr(), &buf_, PyBUF_C_CONTIGUOUS) != 0) {
    PyErr_Clear();
    throw py::type_error(std::string(what) + " must be a bytes-like object with contiguous memory, not " +
                         std::string(py::str(py::type::handle_of(obj).attr("__name__"))));
  }
  held_ = true;
}

ByteView::ByteView(ByteView&& other) noexcept : buf_(other.buf_), held_(other.held_) {
  other.held_ = false;
}

ByteView::~ByteView() {
  if (held_) PyBuffer_Release(&buf_);
}

ByteSequence::ByteSequence(py::handle obj, const char* what) {
  if (PyObject_CheckBuffer(obj.ptr()) && !PyBytes_Check(obj.ptr()) && !PyByteArray_Check(obj.ptr())) {
    // An array: one item per row.
    Py_buffer b;
    if (PyObject_GetBuffer(obj.ptr(), &b, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_ND) != 0) {
      PyErr_Clear();
      throw py::type_error(std::string(what) + " must be a sequence of bytes-like objects or a contiguous array");
    }
    const std::string format = b.format ? b.format : "B";
    const int ndim = b.ndim;
    const Py_ssize_t rows = ndim >= 1 ? b.shape[0] : 0;
    const Py_ssize_t itemsize = b.itemsize;
    const Py_ssize_t width = ndim == 2 ? b.shape[1] * itemsize : itemsize;
    const bool fixed_bytes = ndim == 1 && !format.empty() && (format.back() == 's' || format.front() == 'V' ||
                                                             format.find('s') != std::string::npos);
    const bool byte_matrix = ndim == 2 && (format == "B" || format == "b" || format == "c");
    if (!fixed_bytes && !byte_matrix) {
      PyBuffer_Release(&b);
      throw py::type_error(std::string(what) +
                           " as an array must have a fixed-width bytes dtype ('S' or 'V') or be a 2-D uint8 array");
    }
    const bool strip_nuls = fixed_bytes && format.find('s') != std::string::npos;
    const char* base = static_cast<const char*>(b.buf);
    views_.reserve(static_cast<size_t>(rows));
    for (Py_ssize_t i = 0; i < rows; i++) {
      std::string_view v(base + i * width, static_cast<size_t>(width));
      if (strip_nuls) {
        while (!v.empty() && v.back() == '\0') v.remove_suffix(1);
      }
      views_.push_back(v);
    }
    PyBuffer_Release(&b);
    array_ = py::reinterpret_borrow<py::object>(obj);  // the array's memory outlives the views
    return;
  }
  if (PyUnicode_Check(obj.ptr()) || PyBytes_Check(obj.ptr()) || PyByteArray_Check(obj.ptr())) {
    throw py::type_error(std::string(what) + " must be a sequence of bytes-like objects, not a single " +
                         std::string(py::str(py::type::handle_of(obj).attr("__name__"))));
  }
  // Any iterable is accepted; non-sequences are materialized once.
  py::sequence seq = PySequence_Check(obj.ptr()) ? py::reinterpret_borrow<py::sequence>(obj)
                                                 : py::sequence(py::list(py::reinterpret_borrow<py::object>(obj)));
  const size_t n = py::len(seq);
  owners_.reserve(n);
  views_.reserve(n);
  for (size_t i = 0; i < n; i++) {
    std::string label = std::string(what) + "[" + std::to_string(i) + "]";
    owners_.emplace_back(seq[i], label.c_str());
    views_.push_back(owners_.back().view());
  }
}

}  // namespace embodb::bindings
