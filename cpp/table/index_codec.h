// Keys of secondary index entries (docs/format/table.md):
//   kIndex | index id (BE32) | indexed value | primary key   -> empty value
// The indexed value is self-delimiting and order-preserving, so that byte
// order of entries is (value, primary key) order and the primary key is the
// rest of the key:
//   null:        0x00
//   integers, bool, timestamp: 0x01 | 8 bytes big-endian (signed types with
//                the sign bit flipped)
//   floats:      0x01 | the float64 bits big-endian, negative numbers with
//                every bit flipped, others with the sign bit flipped (-0.0 is
//                stored as 0.0)
//   strings, bytes: 0x01 | the bytes with 0x00 written as 0x00 0xff | 0x00 0x01
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "table/column_data.h"
#include "table/value.h"
#include "util/status.h"

namespace embodb::table {

// kIndex | index id: the prefix of every entry of the index.
std::string IndexKeyPrefix(uint32_t index_id);

// The entry key of row i of col (an indexed column) in index index_id:
// prefix | encoded value | pk_tail (the row's encoded primary key).
std::string IndexEntryKey(uint32_t index_id, const ColumnView& col, size_t i, std::string_view pk_tail);

// Whether a column of this type can be indexed (scalars).
bool IsIndexable(ColumnType t);

// Appends the encoded value of row i of col (null or not).
void AppendIndexValue(const ColumnView& col, size_t i, std::string* dst);

// Appends the encoding a value would have in an index of type t: false (and
// nothing appended) when no value of the column can equal it, such as 2.5 for
// an integer column or 300 for uint8.
bool AppendIndexLiteral(ColumnType t, const Value& v, std::string* dst);

// The encoded value that begins the first `after_prefix` bytes, removed from
// *in; false when malformed. What remains is the encoded primary key.
bool SkipIndexValue(ColumnType t, std::string_view* in);

}  // namespace embodb::table
