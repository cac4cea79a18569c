// FilterMatchCache: the nodes that recent filters matched in an in-memory
// index whose nodes stand for rows (vector, spatial, text), kept current as
// the index changes, so that a filtered search that repeats a filter (or a
// part of one) does not evaluate it again over every row.
//
// A match is found by the search (query/node_match.h) under the index's
// read lock and cached here. The index keeps the cached ones current when
// it applies a change (Update, under its write lock): it drops the nodes it
// removes and tests the nodes it adds with the entry's NodeTest. Builds,
// renumbering and reclaiming forget them all (Clear).
//
// Thread safety: Find, Add, ListOf and NotePart may run concurrently (under
// the index's read lock); Update and Clear need its write lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "index/common/node_attributes.h"
#include "index/common/node_set.h"

namespace embodb::index {

struct FilterMatch {
  NodeSet nodes;  // the live nodes that pass
  size_t count = 0;
  // The same nodes ascending, once ListOf made it (while few pass: at most
  // one node in kListedShare of the set's capacity), for a search that
  // visits only them. Update keeps it.
  bool listed = false;
  std::vector<uint32_t> list;
};

class FilterMatchCache {
 public:
  // A new filter is tested at the nodes of a cached part passed by at most
  // one node in this many, not over every node's copies: at 1M rows a part
  // of 1% took 10% less time than the pass, one of 3% 35% more (a node
  // visited costs about 8 ns, a pass 0.25 ns a row).
  static constexpr size_t kListedShare = 64;
  // Nodes added at once past which a list is made anew, not inserted into.
  static constexpr size_t kRelistAfter = 64;
  // Matches kept, and part keys remembered (NotePart).
  static constexpr size_t kCachedMatches = 8;
  static constexpr size_t kPartsNoted = 64;

  // Appends to *passing the nodes that pass the filter, read from the
  // attributes as they are now (a string's code may be new). False when it
  // cannot tell (an error a search must report, a column no longer held):
  // the entry is dropped.
  using NodeTest = std::function<bool(const NodeAttributes& attributes, const std::vector<uint32_t>& nodes,
                                      std::vector<uint32_t>* passing)>;

  // The cached match of a filter (by its key: query/conjuncts.h ExprKey),
  // or null.
  std::shared_ptr<const FilterMatch> Find(const std::string& filter) const;
  void Add(const std::string& filter, std::shared_ptr<FilterMatch> match, NodeTest test) const;
  // Notes that a search's filter had a part with this key and tells whether
  // a recent search's filter had it too: a part that recurs is worth caching
  // alone.
  bool NotePart(const std::string& key) const;
  // The nodes of a cached match, ascending (FilterMatch::list, made on the
  // first call), or null when many pass or it is no longer cached. Valid
  // while the index's read lock is held.
  const std::vector<uint32_t>* ListOf(const FilterMatch& match) const;

  // REQUIRES: the index's write lock. Forgets every match.
  void Clear();
  // REQUIRES: the index's write lock. Brings the matches up to date with
  // nodes removed and then nodes added (same numbering), whose values
  // `attributes` now holds.
  void Update(const NodeAttributes& attributes, const std::vector<uint32_t>& removed,
              const std::vector<uint32_t>& added);

 private:
  struct Entry {
    std::string text;
    std::shared_ptr<FilterMatch> match;  // changed in place by Update, when no search holds the read lock
    NodeTest test;
  };
  mutable std::mutex mu_;
  mutable std::vector<Entry> entries_;  // newest first
  mutable std::deque<std::string> parts_noted_;  // oldest first
};

}  // namespace embodb::index
