#include "bindings/columns.h"

#include <pybind11/stl.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>

#include "bindings/errors.h"
#include "bindings/table_access.h"
#include "table/key_codec.h"

namespace py = pybind11;

namespace embodb::bindings {

using table::ColumnBuffer;
using table::ColumnType;
using table::ColumnView;
using table::TypeId;

static ColumnType NumericType(const py::dtype& dt, const std::string& name) {
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  if (kind == 'b' && size == 1) return {TypeId::kBool, 0};
  if (kind == 'i') {
    if (size == 1) return {TypeId::kInt8, 0};
    if (size == 2) return {TypeId::kInt16, 0};
    if (size == 4) return {TypeId::kInt32, 0};
    if (size == 8) return {TypeId::kInt64, 0};
  }
  if (kind == 'u') {
    if (size == 1) return {TypeId::kUInt8, 0};
    if (size == 2) return {TypeId::kUInt16, 0};
    if (size == 4) return {TypeId::kUInt32, 0};
    if (size == 8) return {TypeId::kUInt64, 0};
  }
  if (kind == 'f') {
    if (size == 4) return {TypeId::kFloat32, 0};
    if (size == 8) return {TypeId::kFloat64, 0};
  }
  if (kind == 'M' && size == 8) return {TypeId::kTimestamp, 0};
  throw StatusError(Status::Schema("column '" + name + "': values of dtype " +
                                   std::string(py::str(static_cast<const py::handle&>(dt))) + " are not supported"));
}

static bool IsNativeOrder(const py::dtype& dt) {
  constexpr char kNative = std::endian::native == std::endian::little ? '<' : '>';
  const char order = dt.byteorder();
  return order == '=' || order == '|' || order == kNative;
}

ColumnView ArrayView(const py::array& a, const std::string& name, bool as_timestamp) {
  if (!(a.flags() & py::array::c_style)) {
    throw StatusError(Status::InvalidArgument("column '" + name + "': array must be C-contiguous"));
  }
  if (!IsNativeOrder(a.dtype())) {
    throw StatusError(Status::InvalidArgument("column '" + name + "': array must be in the machine's byte order"));
  }
  ColumnView v;
  v.type = NumericType(a.dtype(), name);
  if (as_timestamp) {
    if (v.type.id != TypeId::kInt64 && v.type.id != TypeId::kTimestamp) {
      throw StatusError(Status::Schema("column '" + name + "': timestamps must be int64 nanoseconds"));
    }
    v.type = {TypeId::kTimestamp, 0};
  }
  if (a.ndim() == 2) {
    if (v.type.id != TypeId::kFloat32) {
      throw StatusError(Status::Schema("column '" + name + "': a 2-D array must be float32 vectors"));
    }
    v.type = {TypeId::kVector, static_cast<uint32_t>(a.shape(1))};
    if (a.shape(1) == 0) throw StatusError(Status::Schema("column '" + name + "': vectors of dimension 0"));
  } else if (a.ndim() != 1) {
    throw StatusError(Status::Schema("column '" + name + "': expected a 1-D array (or 2-D for vectors), got " +
                                     std::to_string(a.ndim()) + " dimensions"));
  }
  v.length = static_cast<size_t>(a.shape(0));
  v.values = static_cast<const uint8_t*>(a.data());
  return v;
}

const uint8_t* InputColumnsBuilder::Mask(py::handle mask, size_t n, const std::string& name) {
  if (mask.is_none()) return nullptr;
  auto m = py::array_t<bool, py::array::c_style | py::array::forcecast>::ensure(mask);
  if (!m || m.ndim() != 1 || static_cast<size_t>(m.shape(0)) != n) {
    throw StatusError(Status::InvalidArgument("column '" + name + "': bad null mask"));
  }
  keep_.push_back(m);
  return reinterpret_cast<const uint8_t*>(m.data());
}

static std::string RowWhere(const std::string& name, size_t row) {
  return "column '" + name + "', row " + std::to_string(row);
}

void InputColumnsBuilder::Add(const py::tuple& spec) {
  const std::string kind = spec[0].cast<std::string>();
  const std::string name = spec[1].cast<std::string>();
  ColumnView view;
  if (kind == "array") {
    py::array a = py::reinterpret_borrow<py::array>(spec[2]);
    if (!IsNativeOrder(a.dtype())) {
      // '>i8' on a little-endian machine: its values converted, never its bytes reinterpreted.
      a = a.attr("astype")(a.dtype().attr("newbyteorder")("="));
    }
    keep_.push_back(a);
    view = ArrayView(a, name, spec[4].cast<bool>());
    view.nulls = Mask(spec[3], view.length, name);
  } else if (kind == "strings") {
    const bool want_bytes = spec[3].cast<bool>();
    auto buf = std::make_unique<ColumnBuffer>(ColumnType{want_bytes ? TypeId::kBytes : TypeId::kString, 0});
    py::sequence seq = py::reinterpret_borrow<py::sequence>(spec[2]);
    const size_t n = py::len(seq);
    buf->Reserve(n, n * 16);
    for (size_t i = 0; i < n; i++) {
      py::object item = seq[i];
      if (item.is_none()) {
        buf->AppendNull();
      } else if (!want_bytes && PyUnicode_Check(item.ptr())) {
        Py_ssize_t len = 0;
        const char* p = PyUnicode_AsUTF8AndSize(item.ptr(), &len);
        if (p == nullptr) throw py::error_already_set();
        buf->AppendBytes(std::string_view(p, static_cast<size_t>(len)));
      } else if (want_bytes && (PyBytes_Check(item.ptr()) || PyByteArray_Check(item.ptr()) ||
                                PyMemoryView_Check(item.ptr()))) {
        py::buffer_info info = py::reinterpret_borrow<py::buffer>(item).request();
        buf->AppendBytes(std::string_view(static_cast<const char*>(info.ptr), static_cast<size_t>(info.size)));
      } else {
        throw StatusError(Status::Schema(RowWhere(name, i) + ": expected " + (want_bytes ? "bytes" : "str") +
                                         ", got " + std::string(py::str(py::type::handle_of(item).attr("__name__")))));
      }
    }
    view = buf->view();
    owned_.push_back(std::move(buf));
  } else if (kind == "arrow") {
    const bool is_bytes = spec[5].cast<bool>();
    auto offsets64 = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(spec[2]);
    auto data = py::array_t<uint8_t, py::array::c_style>::ensure(spec[3]);
    if (!offsets64 || !data || offsets64.ndim() != 1 || offsets64.shape(0) < 1) {
      throw StatusError(Status::InvalidArgument("column '" + name + "': bad Arrow string buffers"));
    }
    keep_.push_back(offsets64);
    keep_.push_back(data);
    view.type = ColumnType{is_bytes ? TypeId::kBytes : TypeId::kString, 0};
    view.length = static_cast<size_t>(offsets64.shape(0) - 1);
    view.offsets = offsets64.data();
    view.values = data.data();
    const int64_t first = view.offsets[0], last = view.offsets[view.length];
    if (first < 0 || last > data.shape(0) || first > last) {
      throw StatusError(Status::InvalidArgument("column '" + name + "': Arrow offsets out of range"));
    }
    view.nulls = Mask(spec[4], view.length, name);
  } else if (kind == "clouds") {
    const uint32_t channels = spec[3].cast<uint32_t>();
    auto buf = std::make_unique<ColumnBuffer>(ColumnType{TypeId::kPointCloud, channels});
    py::sequence seq = py::reinterpret_borrow<py::sequence>(spec[2]);
    const size_t n = py::len(seq);
    for (size_t i = 0; i < n; i++) {
      py::object item = seq[i];
      if (item.is_none()) {
        buf->AppendNull();
        continue;
      }
      auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(item);
      if (!a) {
        PyErr_Clear();
        throw StatusError(Status::Schema(RowWhere(name, i) + ": a point cloud must be a float array"));
      }
      if (a.size() == 0 && a.ndim() == 1) {  // [] is an empty cloud
        buf->AppendBytes({});
        continue;
      }
      if (a.ndim() != 2 || static_cast<uint32_t>(a.shape(1)) != channels) {
        std::string shape = "(";
        for (py::ssize_t d = 0; d < a.ndim(); d++) shape += (d ? ", " : "") + std::to_string(a.shape(d));
        if (a.ndim() == 1) shape += ",";
        throw StatusError(Status::Schema(RowWhere(name, i) + ": a point cloud must have shape (n, " +
                                         std::to_string(channels) + "), got " + shape + ")"));
      }
      buf->AppendBytes(std::string_view(reinterpret_cast<const char*>(a.data()), static_cast<size_t>(a.nbytes())));
    }
    view = buf->view();
    owned_.push_back(std::move(buf));
  } else {
    throw StatusError(Status::InvalidArgument("unknown column spec '" + kind + "'"));
  }
  input_.names.push_back(name);
  input_.columns.push_back(view);
}

// ---------------------------------------------------------------- output

using BatchPtr = std::shared_ptr<table::ResultBatch>;

static const table::ColumnBuffer& ColumnAt(const BatchPtr& b, size_t i) {
  if (i >= b->columns.size()) throw py::index_error("column index out of range");
  return b->columns[i];
}

// By type number (PyArray_DescrFromType), not by parsing a name: this runs
// for every column of every result, and parsing "int64" costs more than
// making the array.
static py::dtype DtypeOf(const ColumnType& t) {
  switch (t.id) {
    case TypeId::kBool: return py::dtype::of<bool>();
    case TypeId::kInt8: return py::dtype::of<int8_t>();
    case TypeId::kInt16: return py::dtype::of<int16_t>();
    case TypeId::kInt32: return py::dtype::of<int32_t>();
    case TypeId::kInt64: return py::dtype::of<int64_t>();
    case TypeId::kUInt8: return py::dtype::of<uint8_t>();
    case TypeId::kUInt16: return py::dtype::of<uint16_t>();
    case TypeId::kUInt32: return py::dtype::of<uint32_t>();
    case TypeId::kUInt64: return py::dtype::of<uint64_t>();
    case TypeId::kFloat64: return py::dtype::of<double>();
    case TypeId::kTimestamp: {
      static const py::dtype* const timestamp = new py::dtype("datetime64[ns]");  // kept to the end of the process
      return *timestamp;
    }
    default: return py::dtype::of<float>();  // float32, vector, point3
  }
}

// A read-only NumPy view of `data` whose base is the batch's Python object.
static py::array View(const py::dtype& dt, std::vector<py::ssize_t> shape, const void* data, py::handle owner) {
  py::array a(dt, std::move(shape), data, owner);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

static py::array FixedArray(const BatchPtr& b, size_t i) {
  const auto& col = ColumnAt(b, i);
  const ColumnType& t = col.type();
  if (t.IsVariable()) throw py::type_error("column has variable-width values");
  const auto n = static_cast<py::ssize_t>(col.length());
  const void* data = const_cast<ColumnBuffer&>(col).values().data();
  py::object owner = py::cast(b);
  if (t.id == TypeId::kVector || t.id == TypeId::kPoint3) {
    return View(DtypeOf(t), {n, static_cast<py::ssize_t>(t.FixedWidth() / 4)}, data, owner);
  }
  return View(DtypeOf(t), {n}, data, owner);
}

static py::object NullMask(const BatchPtr& b, size_t i) {
  const auto& col = ColumnAt(b, i);
  if (!col.has_nulls()) return py::none();
  auto& nulls = const_cast<ColumnBuffer&>(col).nulls();
  return View(py::dtype("bool"), {static_cast<py::ssize_t>(nulls.size())}, nulls.data(), py::cast(b));
}

// A str (invalid UTF-8 replaced) or bytes object of s.
static PyObject* NewTextOrBytes(std::string_view s, bool text) {
  PyObject* obj = text ? PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace")
                       : PyBytes_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
  if (obj == nullptr) throw py::error_already_set();
  return obj;
}

// The column as a NumPy value, as Result.to_numpy documents it (result.py):
// a view of a fixed-width column (a masked array when it has nulls), an
// object array of str or bytes (None for nulls), a list of (n_i, channels)
// views of a point-cloud column (None for nulls).
static py::object ColumnNumpy(const BatchPtr& b, size_t i, py::handle owner) {
  const ColumnBuffer& col = ColumnAt(b, i);
  const ColumnType& t = col.type();
  const ColumnView v = col.view();
  const auto n = static_cast<py::ssize_t>(col.length());
  if (t.id == TypeId::kString || t.id == TypeId::kBytes) {
    py::array out(py::dtype("O"), std::vector<py::ssize_t>{n});
    auto** cells = static_cast<PyObject**>(out.mutable_data());  // NumPy starts them as NULL
    // A value equal to the one before shares its object (tags of a time
    // series, labels of runs of rows): one str instead of millions.
    PyObject* last = nullptr;
    std::string_view last_bytes;
    for (size_t r = 0; r < v.length; r++) {
      if (v.IsNull(r)) {
        cells[r] = py::none().release().ptr();
        continue;
      }
      const std::string_view bytes = v.Bytes(r);
      if (last != nullptr && bytes == last_bytes) {
        Py_INCREF(last);
        cells[r] = last;
        continue;
      }
      cells[r] = last = NewTextOrBytes(bytes, t.id == TypeId::kString);
      last_bytes = bytes;
    }
    return out;
  }
  if (t.id == TypeId::kPointCloud) {
    const auto channels = static_cast<py::ssize_t>(t.param);
    const auto& offsets = const_cast<ColumnBuffer&>(col).offsets();
    const auto* data = reinterpret_cast<const char*>(const_cast<ColumnBuffer&>(col).values().data());
    py::list out(v.length);
    for (size_t r = 0; r < v.length; r++) {
      if (v.IsNull(r)) {
        out[r] = py::none();
        continue;
      }
      const auto points = static_cast<py::ssize_t>((offsets[r + 1] - offsets[r]) / sizeof(float)) / channels;
      out[r] = View(py::dtype::of<float>(), {points, channels}, data + offsets[r], owner);
    }
    return out;
  }
  const void* data = const_cast<ColumnBuffer&>(col).values().data();
  const bool rows_of_floats = t.id == TypeId::kVector || t.id == TypeId::kPoint3;
  const auto width = static_cast<py::ssize_t>(t.FixedWidth() / 4);
  py::array values = rows_of_floats ? View(DtypeOf(t), {n, width}, data, owner) : View(DtypeOf(t), {n}, data, owner);
  if (!col.has_nulls()) return values;
  const auto& nulls = const_cast<ColumnBuffer&>(col).nulls();
  py::array_t<bool> mask(rows_of_floats ? std::vector<py::ssize_t>{n, width} : std::vector<py::ssize_t>{n});
  bool* m = mask.mutable_data();
  const size_t per_row = rows_of_floats ? static_cast<size_t>(width) : 1;
  for (size_t r = 0; r < v.length; r++) std::fill(m + r * per_row, m + (r + 1) * per_row, nulls[r] != 0);
  static const py::handle masked_array =
      py::object(py::module_::import("numpy.ma").attr("masked_array")).release();  // kept to the end of the process
  return masked_array(values, py::arg("mask") = mask);
}

// The columns as a dict of NumPy values (ColumnNumpy): columns `positions`
// under `names`, or every column under its own name. One call for the
// whole result: a search's ten rows cost less than a call per column.
py::dict BatchNumpy(const BatchPtr& b, const std::optional<std::vector<std::string>>& names,
                           const std::optional<std::vector<size_t>>& positions) {
  py::object owner = py::cast(b);
  py::dict out;
  if (!names) {
    for (size_t i = 0; i < b->columns.size(); i++) out[py::str(b->names[i])] = ColumnNumpy(b, i, owner);
    return out;
  }
  if (!positions || positions->size() != names->size()) throw py::value_error("one position per name");
  for (size_t j = 0; j < names->size(); j++) out[py::str((*names)[j])] = ColumnNumpy(b, (*positions)[j], owner);
  return out;
}

static py::tuple VarBuffers(const BatchPtr& b, size_t i) {
  auto& col = const_cast<ColumnBuffer&>(ColumnAt(b, i));
  if (!col.type().IsVariable()) throw py::type_error("column has fixed-width values");
  py::object owner = py::cast(b);
  auto& values = col.values();
  auto& offsets = col.offsets();
  return py::make_tuple(View(py::dtype("uint8"), {static_cast<py::ssize_t>(values.size())}, values.data(), owner),
                        View(py::dtype("int64"), {static_cast<py::ssize_t>(offsets.size())}, offsets.data(), owner));
}

static py::list Strings(const BatchPtr& b, size_t i) {
  const auto& col = ColumnAt(b, i);
  const ColumnView v = col.view();
  const bool text = v.type.id == TypeId::kString;
  if (!text && v.type.id != TypeId::kBytes) throw py::type_error("column is not string or bytes");
  py::list out(v.length);
  for (size_t r = 0; r < v.length; r++) {
    if (v.IsNull(r)) {
      out[r] = py::none();
      continue;
    }
    PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(r), NewTextOrBytes(v.Bytes(r), text));
  }
  return out;
}

// A new float32 array of this shape, copied from data.
static py::array FloatArray(const char* data, std::vector<py::ssize_t> shape) {
  py::array_t<float> a(std::move(shape));
  std::memcpy(a.mutable_data(), data, static_cast<size_t>(a.size()) * sizeof(float));
  return a;
}

py::object CellObject(const ColumnView& v, size_t row) {
  if (v.IsNull(row)) return py::none();
  switch (v.type.id) {
    case TypeId::kBool: return py::bool_(v.Get<uint8_t>(row) != 0);
    case TypeId::kInt8: return py::int_(v.Get<int8_t>(row));
    case TypeId::kInt16: return py::int_(v.Get<int16_t>(row));
    case TypeId::kInt32: return py::int_(v.Get<int32_t>(row));
    case TypeId::kInt64: return py::int_(v.Get<int64_t>(row));
    case TypeId::kUInt8: return py::int_(v.Get<uint8_t>(row));
    case TypeId::kUInt16: return py::int_(v.Get<uint16_t>(row));
    case TypeId::kUInt32: return py::int_(v.Get<uint32_t>(row));
    case TypeId::kUInt64: return py::int_(v.Get<uint64_t>(row));
    case TypeId::kFloat32: return py::float_(v.Get<float>(row));
    case TypeId::kFloat64: return py::float_(v.Get<double>(row));
    case TypeId::kTimestamp: {
      // Like to_list(): a numpy.datetime64 in nanoseconds.
      static const py::handle datetime64 = py::object(py::module_::import("numpy").attr("datetime64")).release();
      return datetime64(v.Get<int64_t>(row), "ns");
    }
    case TypeId::kString:
    case TypeId::kBytes:
      return py::reinterpret_steal<py::object>(NewTextOrBytes(v.Bytes(row), v.type.id == TypeId::kString));
    case TypeId::kVector:
      return FloatArray(reinterpret_cast<const char*>(v.Fixed(row)), {static_cast<py::ssize_t>(v.type.param)});
    case TypeId::kPoint3: return FloatArray(reinterpret_cast<const char*>(v.Fixed(row)), {3});
    case TypeId::kPointCloud: {
      const std::string_view s = v.Bytes(row);
      const auto channels = static_cast<py::ssize_t>(v.type.param);
      const auto points = static_cast<py::ssize_t>(s.size() / sizeof(float)) / channels;
      return FloatArray(s.data(), {points, channels});
    }
  }
  return py::none();
}

py::array ColumnCopy(const ColumnView& v, std::vector<py::ssize_t> shape) {
  if (v.type.IsVariable()) {
    py::array out(py::dtype("O"), std::move(shape));
    auto** cells = static_cast<PyObject**>(out.mutable_data());  // NumPy starts them as NULL
    for (size_t r = 0; r < v.length; r++) cells[r] = CellObject(v, r).release().ptr();
    return out;
  }
  py::array out(DtypeOf(v.type), std::move(shape));
  if (v.length > 0) std::memcpy(out.mutable_data(), v.values, v.length * v.type.FixedWidth());
  return out;
}

py::object RowsWithDistances(table::ResultBatch rows, const std::vector<float>& distances, bool numpy) {
  auto batch = std::make_shared<table::ResultBatch>(std::move(rows));
  batch->names.push_back("_distance");
  batch->columns.emplace_back(table::ColumnType{table::TypeId::kFloat32, 0});
  batch->columns.back().Reserve(distances.size(), 0);
  for (float d : distances) batch->columns.back().AppendFixed(&d);
  return numpy ? py::object(BatchNumpy(batch, std::nullopt, std::nullopt)) : py::cast(batch);
}

py::array KeyArray(const table::Schema& schema, const std::vector<std::string>& keys,
                   std::vector<py::ssize_t> shape) {
  if (!schema.composite_key()) {
    table::ColumnBuffer column(schema.column(schema.key_only_column()).type);
    for (const std::string& key : keys) ThrowIfError(table::DecodeKeyInto(key, &column));
    return ColumnCopy(column.view(), std::move(shape));
  }
  py::array out(py::dtype("O"), std::move(shape));
  auto** cells = static_cast<PyObject**>(out.mutable_data());
  for (size_t i = 0; i < keys.size(); i++) {
    const std::vector<table::Value> values = ValueOrThrow(table::DecodeKeyValues(schema, keys[i]));
    py::tuple key(values.size());
    for (size_t k = 0; k < values.size(); k++) key[k] = FromValue(values[k], schema.column(schema.key_columns()[k]).type);
    Py_XDECREF(cells[i]);
    cells[i] = key.release().ptr();
  }
  return out;
}

void RegisterResultBatch(py::module_& m) {
  py::class_<table::ResultBatch, BatchPtr>(m, "ResultBatch")
      .def_property_readonly("num_rows", [](const BatchPtr& b) { return b->rows(); })
      .def_property_readonly("names", [](const BatchPtr& b) { return b->names; })
      .def("type_name", [](const BatchPtr& b, size_t i) { return ColumnAt(b, i).type().Name(); })
      .def_property_readonly("type_names", [](const BatchPtr& b) {
        std::vector<std::string> names;
        for (const auto& c : b->columns) names.push_back(c.type().Name());
        return names;
      })
      .def("array", &FixedArray, py::arg("i"))
      .def("nulls", &NullMask, py::arg("i"))
      .def("to_numpy", &BatchNumpy, py::arg("names") = py::none(), py::arg("positions") = py::none())
      .def("buffers", &VarBuffers, py::arg("i"))
      .def("strings", &Strings, py::arg("i"))
      .def("take", [](const BatchPtr& b, const py::array_t<int64_t, py::array::c_style | py::array::forcecast>& idx,
                      bool null_for_negative) {
        const size_t rows = b->rows();
        bool any_null = false;
        for (py::ssize_t k = 0; k < idx.size(); k++) {
          const int64_t i = idx.data()[k];
          if (i < 0 && null_for_negative) {
            any_null = true;
          } else if (i < 0 || static_cast<size_t>(i) >= rows) {
            throw py::index_error("row index out of range");
          }
        }
        BatchPtr out;
        py::gil_scoped_release release;
        if (!any_null) {
          std::vector<uint64_t> indices(idx.data(), idx.data() + idx.size());
          return std::make_shared<table::ResultBatch>(table::TakeRows(*b, indices));
        }
        out = std::make_shared<table::ResultBatch>();  // a null row for each negative index
        out->names = b->names;
        for (const table::ColumnBuffer& src : b->columns) {
          table::ColumnBuffer dst(src.type());
          const table::ColumnView v = src.view();
          for (py::ssize_t k = 0; k < idx.size(); k++) {
            const int64_t i = idx.data()[k];
            if (i < 0) {
              dst.AppendNull();
            } else {
              dst.AppendFrom(v, static_cast<size_t>(i));
            }
          }
          out->columns.push_back(std::move(dst));
        }
        return out;
      }, py::arg("indices"), py::arg("null_for_negative") = false);
  // parts: (batch, column positions) of equal column types, one after the
  // other (rows) and side by side (parts of the same rows): one batch of
  // `names`. Rows: concatenated when `stack` is "rows", else joined.
  m.def("batch_concat", [](const std::vector<std::pair<BatchPtr, std::vector<size_t>>>& parts,
                           const std::vector<std::string>& names, const std::string& stack) {
    auto out = std::make_shared<table::ResultBatch>();
    out->names = names;
    const bool rows = stack == "rows";
    for (const auto& [batch, positions] : parts) {
      for (size_t p : positions) {
        if (p >= batch->columns.size()) throw py::index_error("column position out of range");
      }
      if (!rows && !out->columns.empty() && batch->rows() != out->rows()) {
        throw StatusError(Status::InvalidArgument("batches joined side by side differ in rows"));
      }
    }
    py::gil_scoped_release release;
    for (const auto& [batch, positions] : parts) {
      for (size_t k = 0; k < positions.size(); k++) {
        const table::ColumnBuffer& src = batch->columns[positions[k]];
        if (!rows || out->columns.size() < positions.size()) {
          out->columns.emplace_back(src.type());
        }
        table::ColumnBuffer& dst = rows ? out->columns[k] : out->columns.back();
        if (dst.type().id != src.type().id || dst.type().param != src.type().param) {
          throw StatusError(Status::InvalidArgument("batches stacked by rows differ in column types"));
        }
        dst.AppendRange(src.view(), 0, src.length());
      }
    }
    if (out->columns.size() != names.size()) throw StatusError(Status::InvalidArgument("names do not match columns"));
    return out;
  }, py::arg("parts"), py::arg("names"), py::arg("stack"));
}

}  // namespace embodb::bindings
