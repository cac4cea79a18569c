// Query plans: which rows of a table a filtered read visits. The filter is
// always evaluated on every visited row, so a plan only has to visit a
// superset of the matching rows; it never decides on its own that a row
// matches.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "query/filter.h"

namespace embodb::query {

struct Plan {
  enum class Kind {
    kFullScan,  // every row, in primary-key order
    kKeyRange,  // rows with lower <= encoded primary key < upper
    kKeys,      // the rows of these primary keys (point lookups)
    kEmpty,     // no row can match
  };
  Kind kind = Kind::kFullScan;
  std::string lower, upper;       // kKeyRange: encoded primary keys; empty = unbounded
  std::vector<std::string> keys;  // kKeys: encoded primary keys, ascending, unique
  std::string range_text;         // kKeyRange: the bounds as written, for explain

  // The steps, one per line: how rows are found, then the filter.
  std::vector<std::string> Explain(const catalog::TableDef& table, const Filter* filter) const;
};

// The cheapest plan that visits every row the filter (nullptr: none) can
// match: primary-key lookups for pk = x and pk IN (...), a key range for
// <, <=, >, >=, BETWEEN and LIKE 'prefix%' on the key, combined over the
// top-level ANDs; otherwise a full scan.
Plan PlanScan(const catalog::TableDef& table, const Filter* filter);

}  // namespace embodb::query
