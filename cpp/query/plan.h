// Query plans: which rows of a table a filtered read visits. The filter is
// always evaluated on every visited row, so a plan only has to visit a
// superset of the matching rows; it never decides on its own that a row
// matches.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "query/filter.h"

namespace embodb::query {

struct Plan {
  enum class Kind {
    kFullScan,      // every row, in primary-key order
    kKeyRange,      // rows whose encoded primary key is in one of key_ranges
    kKeys,          // the rows of these primary keys (point lookups)
    kIndexRanges,   // the rows that entries of a secondary index point to
    kEmpty,         // no row can match
  };
  Kind kind = Kind::kFullScan;
  // kKeyRange: [lower, upper) ranges of encoded primary keys (empty upper:
  // unbounded), ascending and disjoint; more than one for a composite key
  // whose leading columns are each one of a few values.
  std::vector<std::pair<std::string, std::string>> key_ranges;
  std::vector<std::string> keys;  // kKeys: encoded primary keys, ascending, unique
  // kIndexRanges: the index and [lower, upper) ranges of encoded values
  // (index_codec.h), ascending and disjoint.
  const table::IndexDef* index = nullptr;
  std::vector<std::pair<std::string, std::string>> index_ranges;
  std::string range_text;  // the conditions used, for explain
  // kKeys (or kEmpty) from a derived index (spatial_plan.h): which, for
  // explain ("the spatial index on 'position'").
  std::string found_by;

  // The steps, one per line: how rows are found, then the filter.
  std::vector<std::string> Explain(const table::TableDef& table, const Filter* filter) const;
};

// The cheapest plan that visits every row the filter (nullptr: none) can
// match, from the conditions joined by the top-level ANDs: point lookups for
// pk = x and pk IN (...); index lookups for the same on an indexed column
// (and IS NULL); a key range for <, <=, >, >=, BETWEEN and LIKE 'prefix%' on
// the key; an index range for those on an indexed column; else a full scan.
// Indexes created after read_sequence (the reader's snapshot) are not used.
Plan PlanScan(const table::TableDef& table, const Filter* filter,
              std::optional<uint64_t> read_sequence = std::nullopt);

}  // namespace embodb::query
