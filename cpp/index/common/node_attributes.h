// NodeAttributes: a vector index's copy of its rows' values in the table's
// fixed-width scalar columns (booleans, integers, floats, timestamps; the
// primary key too when it is an integer) and its string columns, one value
// per node, laid out as columns indexed by node id. A filtered search
// evaluates its filter over these columns instead of scanning the table
// (query/vector_search.cc): a pass over a few bytes per row in memory, not
// a read of every row.
//
// A string column is held as codes: a uint32 per node standing for a word
// of the column's dictionary (its distinct values, in order of first
// appearance), which serves equality and IN (label = 'cup'). Integer
// columns and codes are stored narrow: in the fewest bytes (1, 2, 4, 8) that
// hold every value the column has held, widened in place when a larger value
// comes, so that an id below 2^31 takes 4 bytes and a category 1 (less
// memory, and less to read for every filter evaluated). A column with
// more distinct values than a dictionary takes (kMaxWords, kMaxWordBytes:
// names, paths, free text) is dropped from the copy for good, as are string
// primary keys (every value distinct).
//
// Filters naming other columns (bytes, arrays, dropped strings) still scan
// the table. A slot whose row is gone reads as NULL, so a filter never fails
// on a stale value; searches check that a node is live anyway.
//
// Thread safety: const methods may run concurrently; changes are exclusive
// (the index's lock).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/common/node_keys.h"
#include "table/column_data.h"
#include "table/schema.h"
#include "util/result.h"

namespace embodb::index {

// The table types these indexes read rows with.
using table::Column;
using table::ColumnBuffer;
using table::ColumnType;
using table::ColumnView;
using table::Schema;
using table::TypeId;
using table::Value;

class NodeAttributes {
 public:
  // Distinct strings a column's dictionary takes, and their bytes in all.
  static constexpr size_t kMaxWords = size_t{1} << 16;
  static constexpr size_t kMaxWordBytes = size_t{4} << 20;
  // The code a word absent from a dictionary would have: no node has it.
  static constexpr uint32_t kNoCode = UINT32_MAX;

  // Holds the fixed-width scalar and the string columns of schema.
  explicit NodeAttributes(const Schema& schema);

  // The schema positions held, ascending.
  const std::vector<size_t>& positions() const { return positions_; }
  // True when every one of these schema positions is held.
  bool Holds(const std::vector<size_t>& positions) const;
  // True when the column at this schema position is held as codes (its
  // views hold uint32 codes, not strings).
  bool Coded(size_t position) const;
  // The code of word in the dictionary of the coded column at position, or
  // kNoCode. REQUIRES: Coded(position).
  uint32_t CodeOf(size_t position, std::string_view word) const;
  // The type of the values of a held column's views: the schema's type, but
  // narrowed for integers (int64 held in 1 byte reads as int8) and an
  // unsigned integer of 1 or 2 bytes for codes.
  TypeId StoredType(size_t position) const;
  // Nodes [0, rows()) have values; those past it have never been set.
  size_t rows() const { return rows_; }

  // Sets the values of nodes[i] from the row with encoded primary key
  // keys[i] and encoded value rows[i] (row_codec.h), read with schema (the
  // one given at construction). Corruption for a row that does not decode;
  // nothing is changed then.
  Status Set(const Schema& schema, const std::vector<uint32_t>& nodes, const std::vector<std::string_view>& keys,
             const std::vector<std::string_view>& rows);
  // Set for the rows whose keys have a node in `nodes` (other rows are
  // skipped): how a loaded index fills copies its checkpoint lacked.
  Status SetByKey(const Schema& schema, const NodeKeys& nodes, const std::vector<std::string_view>& keys,
                  const std::vector<std::string_view>& rows);
  // Makes every value of node NULL (its row is gone).
  void Clear(uint32_t node);
  // Gives node n the values of old node m where new_of_old[m] == n
  // (HnswGraph::Reorder); new_of_old covers every node set.
  void Renumber(const std::vector<uint32_t>& new_of_old);

  // Appends the value of node in the held column at position to out (a
  // buffer of the schema's type), as the table holds it: widened back from
  // narrow storage, a code back to its string, NULL as NULL.
  // REQUIRES: Holds({position}); node < rows().
  void AppendValue(size_t position, uint32_t node, ColumnBuffer* out) const;

  // Sets views[position] for every held column, over nodes [begin, end),
  // of type StoredType(position).
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
  // Looks words up by string_view, without making a string of each.
  struct WordHash {
    using is_transparent = void;
    size_t operator()(std::string_view w) const { return std::hash<std::string_view>{}(w); }
  };
  struct Column {
    size_t position;
    ColumnType type;              // the schema's
    size_t width;                 // of a stored value (narrowed) or code
    bool narrow;                  // integers and codes: width grows to fit the values
    Value default_value;          // for rows that predate the column
    std::vector<uint8_t> values;  // rows_ * width
    std::vector<uint8_t> nulls;   // rows_ bytes (1 = null), or empty: none is null
    // A string column: its words by code, and the code of each word.
    std::vector<std::string> words;
    std::unordered_map<std::string, uint32_t, WordHash, std::equal_to<>> codes;
    size_t word_bytes = 0;
    bool dropped = false;  // too many distinct strings: not held

    bool coded() const { return type.id == TypeId::kString; }
    bool held() const { return !dropped; }
  };
  void GrowTo(size_t rows);
  // Stores c's values `width` bytes wide (more than now).
  void Widen(Column& c, size_t width);
  // Marks c's value of node NULL.
  void SetNull(Column& c, size_t node);
  // Gives every word of `strings` (a string column buffer) a code in c, or
  // drops c when its dictionary would outgrow its limits.
  void AddWords(Column& c, const ColumnView& strings);
  void Drop(Column& c);
  const Column* Find(size_t position) const;

  size_t primary_key_;
  std::vector<size_t> positions_;
  std::vector<Column> columns_;  // parallel to positions_
  size_t rows_ = 0;
};

}  // namespace embodb::index
