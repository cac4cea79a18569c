// db.kv: puts, gets, deletes, batches and scans of the key-value space.
#include <pybind11/stl.h>

#include "bindings/buffers.h"
#include "bindings/database.h"
#include "bindings/errors.h"

namespace py = pybind11;

namespace embodb::bindings {
namespace {

py::bytes ToBytes(const std::string& s) { return py::bytes(s.data(), s.size()); }

// A batch collected in Python and committed with kv_write.
struct PyWriteBatch {
  lsm::WriteBatch batch;
  void Put(py::handle key, py::handle value) {
    ByteView k(key, "key"), v(value, "value");
    catalog::KvSpace::AddPut(&batch, k.view(), v.view());
  }
  void Delete(py::handle key) {
    ByteView k(key, "key");
    catalog::KvSpace::AddDelete(&batch, k.view());
  }
};

// Iterates a scan, fetching entries in chunks with the GIL released.
class PyScan {
 public:
  PyScan(HandlePtr h, std::unique_ptr<catalog::KvScan> scan) : h_(std::move(h)), scan_(std::move(scan)) {}

  py::tuple Next() {
    if (pos_ == keys_.size()) Fill();
    if (pos_ == keys_.size()) throw py::stop_iteration();
    py::tuple t = py::make_tuple(ToBytes(keys_[pos_]), ToBytes(values_[pos_]));
    pos_++;
    return t;
  }

 private:
  static constexpr size_t kChunk = 256;
  static constexpr size_t kChunkBytes = 4 << 20;

  void Fill() {
    keys_.clear();
    values_.clear();
    pos_ = 0;
    if (done_) return;
    h_->Db();  // DatabaseClosedError if the database was closed meanwhile
    Status s;
    {
      py::gil_scoped_release release;
      size_t bytes = 0;
      std::string_view k, v;
      while (keys_.size() < kChunk && bytes < kChunkBytes) {
        if (!scan_->Next(&k, &v)) {
          done_ = true;
          break;
        }
        keys_.emplace_back(k);
        values_.emplace_back(v);
        bytes += k.size() + v.size();
      }
      s = scan_->status();
    }
    ThrowIfError(s);
  }

  HandlePtr h_;
  std::unique_ptr<catalog::KvScan> scan_;
  std::vector<std::string> keys_, values_;
  size_t pos_ = 0;
  bool done_ = false;
};

std::optional<std::string> OptionalBytes(py::handle obj, const char* what) {
  if (obj.is_none()) return std::nullopt;
  ByteView v(obj, what);
  return std::string(v.view());
}

}  // namespace

void RegisterKv(py::module_& m) {
  py::class_<PyWriteBatch>(m, "WriteBatch")
      .def(py::init<>())
      .def("put", &PyWriteBatch::Put, py::arg("key"), py::arg("value"))
      .def("delete", &PyWriteBatch::Delete, py::arg("key"))
      .def("clear", [](PyWriteBatch& b) { b.batch.Clear(); })
      .def("__len__", [](const PyWriteBatch& b) { return b.batch.Count(); });

  py::class_<PyScan>(m, "KvScan")
      .def("__iter__", [](PyScan& s) -> PyScan& { return s; })
      .def("__next__", &PyScan::Next);

  m.def("kv_put", [](const HandlePtr& h, py::handle key, py::handle value, std::optional<std::string> durability) {
    ByteView k(key, "key"), v(value, "value");
    auto wo = MakeWriteOptions(durability);
    h->Db();
    RunWithoutGil([&] { return h->kv->Put(wo, k.view(), v.view()); });
  }, py::arg("h"), py::arg("key"), py::arg("value"), py::arg("durability") = py::none());

  m.def("kv_get", [](const HandlePtr& h, py::handle key, std::optional<uint64_t> snapshot) -> py::object {
    ByteView k(key, "key");
    h->Db();
    std::string value;
    Status s;
    {
      py::gil_scoped_release release;
      s = h->kv->Get(MakeReadOptions(snapshot), k.view(), &value);
    }
    if (s.IsNotFound()) return py::none();
    ThrowIfError(s);
    return ToBytes(value);
  }, py::arg("h"), py::arg("key"), py::arg("snapshot") = py::none());

  m.def("kv_delete", [](const HandlePtr& h, py::handle key, std::optional<std::string> durability) {
    ByteView k(key, "key");
    auto wo = MakeWriteOptions(durability);
    h->Db();
    RunWithoutGil([&] { return h->kv->Delete(wo, k.view()); });
  }, py::arg("h"), py::arg("key"), py::arg("durability") = py::none());

  m.def("kv_put_many", [](const HandlePtr& h, py::handle keys, py::handle values, std::optional<std::string> durability) {
    ByteSequence ks(keys, "keys"), vs(values, "values");
    if (ks.size() != vs.size()) {
      throw StatusError(Status::InvalidArgument("keys and values differ in length",
                                                std::to_string(ks.size()) + " keys, " + std::to_string(vs.size()) + " values"));
    }
    auto wo = MakeWriteOptions(durability);
    h->Db();
    RunWithoutGil([&] {
      lsm::WriteBatch batch;
      for (size_t i = 0; i < ks.size(); i++) catalog::KvSpace::AddPut(&batch, ks.views()[i], vs.views()[i]);
      return h->db->Write(wo, &batch);
    });
  }, py::arg("h"), py::arg("keys"), py::arg("values"), py::arg("durability") = py::none());

  m.def("kv_get_many", [](const HandlePtr& h, py::handle keys, std::optional<uint64_t> snapshot) {
    ByteSequence ks(keys, "keys");
    h->Db();
    std::vector<std::string> values;
    std::vector<Status> statuses;
    {
      py::gil_scoped_release release;
      h->kv->MultiGet(MakeReadOptions(snapshot), ks.views(), &values, &statuses);
    }
    for (const Status& s : statuses) {
      if (!s.ok() && !s.IsNotFound()) ThrowIfError(s);
    }
    py::list out(ks.size());
    for (size_t i = 0; i < ks.size(); i++) {
      PyObject* item;
      if (statuses[i].IsNotFound()) {
        item = Py_NewRef(Py_None);
      } else {
        item = PyBytes_FromStringAndSize(values[i].data(), static_cast<Py_ssize_t>(values[i].size()));
        if (item == nullptr) throw py::error_already_set();
      }
      PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), item);  // steals the reference
    }
    return out;
  }, py::arg("h"), py::arg("keys"), py::arg("snapshot") = py::none());

  m.def("kv_write", [](const HandlePtr& h, PyWriteBatch& batch, std::optional<std::string> durability) {
    auto wo = MakeWriteOptions(durability);
    h->Db();
    RunWithoutGil([&] { return h->db->Write(wo, &batch.batch); });
  }, py::arg("h"), py::arg("batch"), py::arg("durability") = py::none());

  m.def("kv_scan", [](const HandlePtr& h, py::handle start, py::handle end, py::handle prefix, bool reverse,
                      std::optional<uint64_t> snapshot) {
    catalog::ScanRange range;
    range.start = OptionalBytes(start, "start");
    range.end = OptionalBytes(end, "end");
    range.prefix = OptionalBytes(prefix, "prefix");
    range.reverse = reverse;
    h->Db();
    std::unique_ptr<catalog::KvScan> scan;
    {
      py::gil_scoped_release release;
      scan = h->kv->NewScan(MakeReadOptions(snapshot), range);
    }
    return PyScan(h, std::move(scan));
  }, py::arg("h"), py::arg("start") = py::none(), py::arg("end") = py::none(), py::arg("prefix") = py::none(),
     py::arg("reverse") = false, py::arg("snapshot") = py::none());
}

}  // namespace embodb::bindings
