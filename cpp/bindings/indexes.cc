// Indexes of every kind for the Python package: Table.create_index,
// drop_index and indexes call these with a kind name and options by name;
// neither Python nor this file names a derived kind. "ordered" is the
// secondary index whose entries live in the LSM (catalog.h); every other
// kind is a derived index kept in memory, looked up in the registry
// (index/registry.h) and managed by index::DerivedIndexes. A column's
// default kind is the first registered kind that claims its type, else
// "ordered".
#include <pybind11/stl.h>

#include <optional>
#include <utility>

#include "bindings/database.h"
#include "bindings/errors.h"
#include "bindings/table_access.h"
#include "index/registry.h"
#include "table/index_entries.h"

namespace py = pybind11;

namespace embodb::bindings {

namespace {

constexpr std::string_view kOrderedKind = "ordered";

using index::Params;

// Options given by name, as Values.
Params ParamsOf(const py::dict& options) {
  Params params;
  for (auto item : options) {
    const std::string name = py::str(item.first);
    params.emplace_back(name, ToValue(item.second, "option " + name));
  }
  return params;
}

// The kind an index on this column gets when none is named.
std::string DefaultKind(const table::ColumnType& type) {
  for (const std::string& name : index::KindNames()) {
    const index::IndexKind* kind = index::FindKind(name);
    if (kind != nullptr && kind->default_for && kind->default_for(type)) return name;
  }
  return std::string(kOrderedKind);
}

// A build's progress callback: reports to `progress` (a callable taking
// done and total, or None) and stops on Ctrl-C or an exception it raises.
struct BuildProgress {
  py::object progress;
  std::optional<py::error_already_set> error;

  bool operator()(size_t done, size_t total) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      error.emplace();
      return false;
    }
    if (progress.is_none()) return true;
    try {
      progress(done, total);
    } catch (py::error_already_set& e) {
      error.emplace(std::move(e));
      return false;
    }
    return true;
  }
};

void CreateIndex(const HandlePtr& h, const std::string& table, const std::string& column,
                 const std::optional<std::string>& kind_arg, const py::dict& options, py::object progress) {
  auto def = FindTable(h, table);
  const int c = def->schema.Find(column);
  if (c < 0) throw StatusError(Status::Schema("table '" + table + "' has no column '" + column + "'"));
  const std::string kind = kind_arg ? *kind_arg : DefaultKind(def->schema.column(static_cast<size_t>(c)).type);
  const Params params = ParamsOf(options);
  if (kind == kOrderedKind) {
    if (!params.empty()) {
      throw StatusError(Status::InvalidArgument("an ordered index takes no options, not '" + params[0].first + "'"));
    }
    catalog::Catalog& catalog = h->Catalog();
    RunWithoutGil([&] { return catalog.CreateIndex(table, column, &table::BackfillIndex).status(); });
    return;
  }
  index::DerivedIndexes& indexes = h->Indexes();
  // Without a bar only Ctrl-C is checked between chunks: no pass to count the rows.
  const bool count_total = !progress.is_none();
  BuildProgress report{std::move(progress), std::nullopt};
  Status s;
  {
    py::gil_scoped_release release;
    s = indexes.Create(table, column, kind, params, std::ref(report), count_total).status();
  }
  if (report.error) throw *report.error;  // Ctrl-C (KeyboardInterrupt) or the callback's own exception
  ThrowIfError(s);
}

// The kinds of the indexes on a column.
std::vector<std::string> KindsOn(const table::TableDef& def, const std::string& column) {
  std::vector<std::string> kinds;
  if (def.FindIndex(column) != nullptr) kinds.emplace_back(kOrderedKind);
  for (const table::DerivedIndexDef& d : def.derived) {
    if (d.column == column) kinds.push_back(d.kind);
  }
  return kinds;
}

void DropIndex(const HandlePtr& h, const std::string& table, const std::string& column,
               const std::optional<std::string>& kind_arg) {
  auto def = FindTable(h, table);
  const std::vector<std::string> kinds = KindsOn(*def, column);
  std::string kind;
  if (kind_arg) {
    kind = *kind_arg;
  } else if (kinds.size() == 1) {
    kind = kinds[0];
  } else if (kinds.empty()) {
    throw StatusError(Status::NotFound("table '" + table + "' has no index on '" + column + "'"));
  } else {
    std::string all;
    for (const auto& k : kinds) all += (all.empty() ? "" : ", ") + k;
    throw StatusError(Status::InvalidArgument("column '" + column + "' has several indexes (" + all +
                                              "): name the kind to drop"));
  }
  if (kind == kOrderedKind) {
    catalog::Catalog& catalog = h->Catalog();
    RunWithoutGil([&] { return catalog.DropIndex(table, column); });
  } else {
    index::DerivedIndexes& indexes = h->Indexes();
    RunWithoutGil([&] { return indexes.Drop(table, column, kind); });
  }
}

// Every index of a table: ordered ones, then derived ones with their
// parameters, rows and memory.
py::list IndexList(const HandlePtr& h, const std::string& table) {
  auto def = FindTable(h, table);
  py::list out;
  for (const table::IndexDef& ix : def->indexes) {
    py::dict info;
    info["column"] = ix.column;
    info["kind"] = std::string(kOrderedKind);
    info["params"] = py::dict();
    info["rows"] = py::none();
    info["memory_bytes"] = py::none();
    out.append(info);
  }
  index::DerivedIndexes& indexes = h->Indexes();
  for (const table::DerivedIndexDef& d : def->derived) {
    auto ix = indexes.Find(def->id, d.column, d.kind);
    if (!ix) continue;
    size_t rows, bytes;
    index::Params shown;
    {
      auto lock = ix->ReadLock();
      rows = ix->rows();
      bytes = ix->MemoryBytes();
      shown = ix->Info();
    }
    py::dict params;
    for (const auto& [name, value] : shown) {
      params[py::str(name)] = FromValue(value, table::ColumnType{table::TypeId::kString, 0});
    }
    py::dict info;
    info["column"] = d.column;
    info["kind"] = d.kind;
    info["params"] = params;
    info["rows"] = rows;
    info["memory_bytes"] = bytes;
    out.append(info);
  }
  return out;
}

}  // namespace

void RegisterIndexes(py::module_& m) {
  m.def("create_index", &CreateIndex, py::arg("db"), py::arg("table"), py::arg("column"), py::arg("kind"),
        py::arg("options"), py::arg("progress"));
  m.def("drop_index", &DropIndex, py::arg("db"), py::arg("table"), py::arg("column"), py::arg("kind") = py::none());
  m.def("indexes", &IndexList, py::arg("db"), py::arg("table"));
}

}  // namespace embodb::bindings
