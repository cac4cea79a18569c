// The column codecs (cpp/codec/), reached from Python for their tests
// (tests/test_codecs.py: hypothesis round trips). Not part of the API.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings/database.h"
#include "bindings/errors.h"
#include "codec/float_codec.h"
#include "codec/int_codec.h"
#include "codec/string_codec.h"

namespace py = pybind11;

namespace embodb::bindings {

namespace {

template <typename T, typename Encode, typename Decode>
py::tuple RoundTrip(const py::array_t<T, py::array::c_style | py::array::forcecast>& values, Encode encode,
                    Decode decode) {
  const auto n = static_cast<size_t>(values.size());
  std::string encoded;
  encode(values.data(), n, &encoded);
  std::string_view in = encoded;
  py::array_t<T> back(static_cast<py::ssize_t>(n));
  ThrowIfError(decode(&in, n, back.mutable_data()));
  if (!in.empty()) ThrowIfError(Status::Corruption("bytes left over after a chunk"));
  return py::make_tuple(back, encoded.size());
}

// (the values encoded and decoded again, the encoded size in bytes).
// sequential: the layout of chunks decoded whole (codec::IntLayout).
py::tuple CodecRoundTrip(const std::string& kind, py::handle values, bool sequential) {
  const auto layout = sequential ? codec::IntLayout::kSequential : codec::IntLayout::kRandomAccess;
  auto with_layout = [layout](auto encode) {
    return [encode, layout](const auto* v, size_t n, std::string* out) { encode(v, n, out, layout); };
  };
  if (kind == "int64") {
    return RoundTrip<int64_t>(py::cast<py::array>(values), with_layout(codec::EncodeInts), codec::DecodeInts);
  }
  if (kind == "float64") {
    return RoundTrip<double>(py::cast<py::array>(values), with_layout(codec::EncodeDoubles), codec::DecodeDoubles);
  }
  if (kind == "float32") {
    return RoundTrip<float>(py::cast<py::array>(values), with_layout(codec::EncodeFloats), codec::DecodeFloats);
  }
  if (kind == "bytes") {
    const auto strings = values.cast<std::vector<std::string>>();
    std::vector<std::string_view> views(strings.begin(), strings.end());
    std::string encoded;
    codec::EncodeStrings(views.data(), views.size(), &encoded);
    std::string_view in = encoded;
    std::string data;
    std::vector<int64_t> offsets;
    ThrowIfError(codec::DecodeStrings(&in, views.size(), &data, &offsets));
    py::list back;
    for (size_t i = 0; i < views.size(); i++) {
      back.append(py::bytes(data.data() + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i])));
    }
    return py::make_tuple(back, encoded.size());
  }
  throw StatusError(Status::InvalidArgument("no codec '" + kind + "'"));
}

}  // namespace

void RegisterCodecs(py::module_& m) {
  m.def("codec_roundtrip", &CodecRoundTrip, py::arg("kind"), py::arg("values"), py::arg("sequential") = false);
}

}  // namespace embodb::bindings
