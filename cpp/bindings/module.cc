// The native module embodb._core. Only cpp/bindings/ includes pybind11; the
// Python package (python/embodb) wraps these functions in its public API.
#include <pybind11/pybind11.h>

#include "bindings/columns.h"
#include "bindings/database.h"
#include "bindings/errors.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "embodb native core (private: use the embodb package)";
  embodb::bindings::RegisterErrorTranslator(m);
  embodb::bindings::RegisterDatabase(m);
  embodb::bindings::RegisterKv(m);
  embodb::bindings::RegisterResultBatch(m);
  embodb::bindings::RegisterTables(m);
  embodb::bindings::RegisterVectors(m);
  embodb::bindings::RegisterSpatial(m);
  embodb::bindings::RegisterIndexes(m);
  embodb::bindings::RegisterCodecs(m);
  embodb::bindings::RegisterTimeSeries(m);
}
