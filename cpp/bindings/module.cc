// The native module embodb._core. Only cpp/bindings/ includes pybind11.
#include <pybind11/pybind11.h>

namespace py = pybind11;

PYBIND11_MODULE(_core, m) { m.doc() = "embodb native core"; }
