#include "index/registry.h"

#include <deque>
#include <mutex>

#include "index/spatial/spatial_index.h"
#include "index/vector/vector_index.h"

namespace embodb::index {

namespace {

struct Registry {
  std::mutex mu;
  std::deque<IndexKind> kinds;  // a deque: pointers to kinds stay valid as more are added
};

Registry& TheRegistry() {
  static Registry* const registry = [] {
    auto* r = new Registry;  // never destroyed: kinds may be looked up during exit
    // The built-in kinds. A new kind adds its registration here.
    r->kinds.push_back(HnswKind());
    r->kinds.push_back(SpatialKind());
    return r;
  }();
  return *registry;
}

}  // namespace

Status RegisterKind(IndexKind kind) {
  Registry& r = TheRegistry();
  std::lock_guard l(r.mu);
  for (const IndexKind& k : r.kinds) {
    if (k.name == kind.name) return Status::InvalidArgument("an index kind '" + kind.name + "' exists already");
  }
  r.kinds.push_back(std::move(kind));
  return Status::OK();
}

const IndexKind* FindKind(std::string_view name) {
  Registry& r = TheRegistry();
  std::lock_guard l(r.mu);
  for (const IndexKind& k : r.kinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::vector<std::string> KindNames() {
  Registry& r = TheRegistry();
  std::lock_guard l(r.mu);
  std::vector<std::string> names;
  for (const IndexKind& k : r.kinds) names.push_back(k.name);
  return names;
}

Status CheckRows(const table::TableDef& table, const std::vector<table::ColumnView>& cols, size_t n) {
  for (const table::DerivedIndexDef& def : table.derived) {
    const IndexKind* kind = FindKind(def.kind);
    if (kind != nullptr && kind->check_rows) EMBODB_RETURN_IF_ERROR(kind->check_rows(table, def, cols, n));
  }
  return Status::OK();
}

}  // namespace embodb::index
