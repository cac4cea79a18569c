#include "bindings/errors.h"

namespace py = pybind11;

namespace embodb::bindings {

static py::object ErrorClass(const char* name) {
  return py::module_::import("embodb.errors").attr(name);
}

void ThrowClosed(const char* what) {
  throw StatusError(Status::Aborted(std::string(what) + " is closed"));
}

// A message as a str. Messages may quote bytes that are not UTF-8 (a damaged
// file's contents, a filter cut inside a character): they are replaced, so
// that the error raised is the one meant, never a UnicodeDecodeError.
static py::str MessageText(const std::string& message) {
  PyObject* text = PyUnicode_DecodeUTF8(message.data(), static_cast<Py_ssize_t>(message.size()), "replace");
  if (text == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(text);
}

static void RaiseStatus(const Status& s) {
  const char* cls = "Error";
  switch (s.code()) {
    case Status::Code::kNotFound: cls = "NotFoundError"; break;
    case Status::Code::kCorruption: cls = "CorruptionError"; break;
    case Status::Code::kNotSupported: cls = "CorruptionError"; break;  // e.g. a newer file format
    case Status::Code::kIOError: {
      // StorageError is an OSError: errno and strerror are set like the OS's own.
      py::object err = ErrorClass("StorageError")(s.sys_errno(), MessageText(s.message()));
      PyErr_SetObject(py::type::handle_of(err).ptr(), err.ptr());
      return;
    }
    case Status::Code::kInvalidArgument: cls = "InvalidInputError"; break;
    case Status::Code::kConflict: cls = "ConflictError"; break;
    case Status::Code::kSchema: cls = "SchemaError"; break;
    case Status::Code::kAlreadyExists: cls = "DuplicateKeyError"; break;
    case Status::Code::kLocked: cls = "DatabaseLockedError"; break;
    case Status::Code::kAborted: cls = "DatabaseClosedError"; break;
    default: break;
  }
  PyErr_SetObject(ErrorClass(cls).ptr(), MessageText(s.message()).ptr());
}

void RegisterErrorTranslator(py::module_& m) {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      RaiseStatus(e.status());
    }
  });
}

}  // namespace embodb::bindings
