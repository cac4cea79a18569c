// NodeMatch: the nodes of an in-memory index (index/common/node_rows.h)
// whose rows pass a filter, for a filtered search of any kind (vector,
// spatial, text).
//
// Found, in order of preference:
// - the index's cached match of the same filter (filter_match_cache.h);
// - over the index's copies of the columns, when they hold every column the
//   filter reads: at the nodes of a cached part of the filter when few pass
//   it (`cat = 7` cached and `cat = 7 AND t > x` new), else in one parallel
//   pass over every node; the result is cached with the index;
// - by scanning the table with the filter and mapping each row's key to its
//   node (not cached: the index cannot keep it current).
//
// REQUIRES: the index's read lock, from Match until the match is no longer
// used.
#pragma once

#include <memory>
#include <string>

#include "index/common/node_rows.h"
#include "query/filter.h"
#include "catalog/catalog.h"
#include "txn/reader.h"

namespace embodb::query {

class MaskFilter;

class NodeMatch {
 public:
  // reader: the state the table scan reads (the index agrees with it).
  NodeMatch(const index::NodeRows& index, txn::Reader* reader, const table::TableDefPtr& table,
            const FilterPtr& filter)
      : index_(index), reader_(reader), table_(table), filter_(filter) {}

  Status Find();
  // After Find: the live nodes that pass.
  const index::FilterMatch& match() const { return *match_; }
  // How Find found them, for explain().
  std::string Describe() const;

 private:
  using FilterMatch = index::FilterMatch;
  // How the index tests the nodes it adds against the filter (or one of its
  // parts), to keep a cached match current.
  index::FilterMatchCache::NodeTest FilterTest() const;
  index::FilterMatchCache::NodeTest PartTest(const Expr* part) const;
  // mask: the filter compiled, or null (EvaluateFilter then).
  Result<std::shared_ptr<FilterMatch>> MatchAttributes(const MaskFilter* mask) const;
  Result<std::shared_ptr<FilterMatch>> MatchThroughCachedPart();
  Result<std::shared_ptr<const FilterMatch>> MatchByScan() const;

  const index::NodeRows& index_;
  txn::Reader* const reader_;
  const table::TableDefPtr table_;
  const FilterPtr filter_;
  enum class Source { kScan, kAttributes, kCache, kCachedPart };
  Source source_ = Source::kScan;
  std::shared_ptr<const FilterMatch> match_;
  // kCachedPart: the part's rows and text.
  size_t part_rows_ = 0;
  std::string part_text_;
};

}  // namespace embodb::query
