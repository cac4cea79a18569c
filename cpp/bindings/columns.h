// Columns across the boundary. Input: the Python package hands over each
// column already normalized (a NumPy array, a sequence of str/bytes, Arrow
// buffers, or a list of point-cloud arrays); this turns them into views
// without copying arrays. Output: a ResultBatch shown to NumPy without
// copying, the arrays keeping the batch alive.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <vector>

#include "table/table_reader.h"
#include "table/table_writer.h"

namespace embodb::bindings {

// Needs the GIL to build; the views stay valid while the object lives.
class InputColumnsBuilder {
 public:
  // spec is one of
  //   ("array", name, ndarray, mask or None, as_timestamp)
  //   ("strings", name, sequence of str/bytes/None, want_bytes)
  //   ("arrow", name, offsets ndarray (int32/int64), data ndarray (uint8), mask or None, is_bytes)
  //   ("clouds", name, sequence of (n, channels) arrays or None, channels)
  void Add(const pybind11::tuple& spec);
  void SetRows(size_t rows) { input_.rows = rows; }
  const table::InputColumns& input() const { return input_; }

 private:
  const uint8_t* Mask(pybind11::handle mask, size_t n, const std::string& name);
  std::vector<pybind11::object> keep_;  // arrays the views point into
  std::vector<std::unique_ptr<table::ColumnBuffer>> owned_;
  table::InputColumns input_;
};

// A contiguous NumPy array of an integer/float/bool dtype as a view; the
// caller keeps `array` alive. SchemaError naming `name` for other dtypes.
table::ColumnView ArrayView(const pybind11::array& array, const std::string& name, bool as_timestamp);

// Row `row` of a column as a Python value, as Result.to_list() gives it:
// None for null; int, float, bool, str, bytes; numpy.datetime64 (ns) for a
// timestamp; a new float32 array for a vector (dim,), point3 (3,) or point
// cloud (n, channels).
pybind11::object CellObject(const table::ColumnView& column, size_t row);

// A new NumPy array of shape `shape` (as many cells as the column has rows,
// none null) holding a copy of the column: of its dtype for fixed-width
// scalars, of Python objects (as CellObject gives them) for str and bytes.
pybind11::array ColumnCopy(const table::ColumnView& column, std::vector<pybind11::ssize_t> shape);
// Encoded primary keys of the schema as an array of this shape: of the key
// column's type for a one-column key, of tuples (as get() takes them) for a
// composite key.
pybind11::array KeyArray(const table::Schema& schema, const std::vector<std::string>& keys,
                         std::vector<pybind11::ssize_t> shape);

// The columns of a batch as a dict of NumPy values, as Result.to_numpy
// documents them (python/embodb/result.py), viewing the batch's buffers:
// columns `positions` under `names`, or every column under its own name.
// A search's rows with their distances as a last "_distance" column: the
// batch, or (numpy) its columns as Result.to_numpy gives them.
pybind11::object RowsWithDistances(table::ResultBatch rows, const std::vector<float>& distances, bool numpy);
pybind11::dict BatchNumpy(const std::shared_ptr<table::ResultBatch>& batch,
                          const std::optional<std::vector<std::string>>& names,
                          const std::optional<std::vector<size_t>>& positions);

void RegisterResultBatch(pybind11::module_& m);

}  // namespace embodb::bindings
