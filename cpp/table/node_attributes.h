// NodeAttributes: a vector index's copy of its rows' values in the table's
// fixed-width scalar columns (booleans, integers, floats, timestamps; the
// primary key too when it is an integer), one value per node, laid out as
// columns indexed by node id. A filtered search evaluates its filter over
// these columns instead of scanning the table (query/vector_search.cc): a
// pass over a few bytes per row in memory, not a read of every row.
//
// Filters naming other columns (strings, bytes, arrays) still scan the
// table. A slot whose row is gone reads as NULL, so a filter never fails on
// a stale value; searches check that a node is live anyway.
//
// Thread safety: const methods may run concurrently; changes are exclusive
// (the index's lock).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "table/column_data.h"
#include "table/schema.h"
#include "util/result.h"

namespace embodb::table {

class NodeAttributes {
 public:
  // Holds the fixed-width scalar columns of schema.
  explicit NodeAttributes(const Schema& schema);

  // The schema positions held, ascending.
  const std::vector<size_t>& positions() const { return positions_; }
  // True when every one of these schema positions is held.
  bool Holds(const std::vector<size_t>& positions) const;
  // Nodes [0, rows()) have values; those past it have never been set.
  size_t rows() const { return rows_; }

  // Sets the values of nodes[i] from the row with encoded primary key
  // keys[i] and encoded value rows[i] (row_codec.h), read with schema (the
  // one given at construction). Corruption for a row that does not decode;
  // nothing is changed then.
  Status Set(const Schema& schema, const std::vector<uint32_t>& nodes, const std::vector<std::string_view>& keys,
             const std::vector<std::string_view>& rows);
  // Makes every value of node NULL (its row is gone).
  void Clear(uint32_t node);
  // Gives node n the values of old node m where new_of_old[m] == n
  // (HnswGraph::Reorder); new_of_old covers every node set.
  void Renumber(const std::vector<uint32_t>& new_of_old);

  // Sets views[position] for every held column, over nodes [begin, end).
  // REQUIRES: views has a slot per schema column; end <= rows().
  void Views(size_t begin, size_t end, std::vector<ColumnView>* views) const;
  size_t MemoryBytes() const;

  // Checkpoint encoding (docs/format/hnsw.md, "Owner section of a vector
  // index").
  void EncodeTo(std::string* dst) const;
  // Reads what EncodeTo wrote into *this (constructed for the current
  // schema). Corruption for damaged bytes; false in *fits when the stored
  // columns are not the ones this schema asks for (a column was added since:
  // the values must then be read from the table).
  Status DecodeFrom(std::string_view* input, bool* fits);

 private:
  struct Column {
    size_t position;
    ColumnType type;
    size_t width;
    Value default_value;          // for rows that predate the column
    std::vector<uint8_t> values;  // rows_ * width
    std::vector<uint8_t> nulls;   // rows_ bytes (1 = null), or empty: none is null
  };
  void GrowTo(size_t rows);
  // Marks c's value of node NULL.
  void SetNull(Column& c, size_t node);

  size_t primary_key_;
  std::vector<size_t> positions_;
  std::vector<Column> columns_;  // parallel to positions_
  size_t rows_ = 0;
};

}  // namespace embodb::table
