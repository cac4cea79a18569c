// The definition of a table: its name, id, schema, ordered (secondary)
// indexes and derived indexes (vector, spatial, text: kept in memory by
// their own code, index/derived_index.h). The catalog (catalog/catalog.h)
// persists them under kCatalog | 't' | name, in this encoding
// (docs/format/table.md), and hands them out immutable.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "table/schema.h"
#include "util/result.h"

namespace embodb::txn {
class Transaction;
}

namespace embodb::table {

struct IndexDef {
  std::string column;
  uint32_t id = 0;  // index entries live under kIndex | id
  // In memory only: the sequence its creation committed at (the last
  // sequence at open when loaded). Reads of older states must not use it.
  uint64_t created_at = 0;
};

// An index kept in memory by its own code (vector, spatial, text) and
// maintained through the change feed (catalog/change_feed.h).
struct DerivedIndexDef {
  std::string kind;  // "hnsw", ...
  std::string column;
  uint32_t id = 0;      // from the table and index id counter
  std::string options;  // the kind's parameters, encoded by the kind
};

// What makes a table a time series (timeseries/): samples stored as series
// chunks under kSeries, not as rows. Its schema's primary key is
// (tags..., time column).
struct SeriesDef {
  uint32_t time_column = 0;     // schema position of the timestamp column
  std::vector<uint32_t> tags;   // schema positions of the tag columns, in key order
  int64_t ttl_ns = 0;           // retention: samples older than this are dropped (0: kept)
  std::string options;          // reserved for later settings (rollups); empty

  bool IsTag(size_t column) const {
    for (uint32_t t : tags) {
      if (t == column) return true;
    }
    return false;
  }
};

struct TableDef {
  std::string name;
  uint32_t id = 0;
  Schema schema;
  std::vector<IndexDef> indexes;
  std::vector<DerivedIndexDef> derived;  // the table keeps a change feed while any exists
  std::optional<SeriesDef> series;       // set for a time series

  const IndexDef* FindIndex(std::string_view column) const;
  const DerivedIndexDef* FindDerived(std::string_view column, std::string_view kind) const;
  void EncodeTo(std::string* dst) const;
  static Result<TableDef> Decode(std::string_view name, std::string_view value);
};
using TableDefPtr = std::shared_ptr<const TableDef>;

// The catalog key of a table's definition. Explicit transactions that write
// a table guard it (Transaction::Guard), so that a definition changed
// meanwhile makes them conflict instead of writing under the old one.
std::string TableDefKey(std::string_view name);

// The current definitions of a database's tables by id, for code that meets
// a table's rows without its name: the columnar block codec, on the engine's
// background threads. The catalog keeps it up to date; it outlives both.
// Thread-safe.
class TableDefsById {
 public:
  void Set(TableDefPtr def);
  void Erase(uint32_t id);
  // nullptr when no table has the id (never created, or dropped).
  TableDefPtr Find(uint32_t id) const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<uint32_t, TableDefPtr> defs_;
};

// Hands out the ids of auto-id tables: the catalog does (catalog/catalog.h).
class IdSource {
 public:
  virtual ~IdSource() = default;
  // Reserves n increasing ids for an auto-id table and makes tx persist the
  // high-water mark when it commits. Ids of a rolled-back transaction are
  // skipped, never reused.
  virtual int64_t AllocateIds(const TableDef& table, size_t n, txn::Transaction* tx) = 0;
};

}  // namespace embodb::table
