// Order-preserving keys for table data in the LSM (docs/format/table.md):
//   row:   kRows  | table id (BE32) | primary key
//   index: kIndex | index id (BE32) | indexed value (self-delimiting) | primary key
// Integer keys are 8 bytes big-endian (signed ones with the sign bit flipped),
// so byte order is numeric order; a string key is its UTF-8 bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "table/keyspace.h"
#include "table/column_data.h"
#include "table/value.h"
#include "util/result.h"

namespace embodb::table {

// kRows | table id: the prefix every row key of the table starts with.
std::string RowKeyPrefix(uint32_t table_id);
// The table id of a row key (REQUIRES: key starts with a row key prefix).
uint32_t RowKeyTableId(std::string_view key);

// The row keys of many rows in one buffer.
struct RowKeys {
  std::string data;  // never in the short-string buffer: moving keeps the views valid
  std::vector<std::string_view> keys;  // views into data, one per row
  size_t prefix_size = 0;              // bytes before the encoded primary key
};
// The row keys of table_id for every value of pk (no nulls).
RowKeys EncodeRowKeys(uint32_t table_id, const ColumnView& pk);

// The first key after every key starting with prefix (prefix must not be all 0xff).
std::string PrefixSuccessor(std::string prefix);

// Appends the encoded primary key of row i (not null).
void AppendKeyOf(const ColumnView& pk, size_t i, std::string* dst);
// Appends a key given as a Value; SchemaError when it does not fit the type.
Status AppendKeyValue(ColumnType pk_type, const Value& key, std::string* dst);
// Decodes an encoded key (the part after the prefix) into out; Corruption
// when it is malformed.
Status DecodeKeyInto(std::string_view encoded, ColumnBuffer* out);
// The key as a Value; Corruption when it is malformed.
Result<Value> DecodeKeyValue(ColumnType pk_type, std::string_view encoded);
// The key as text, for messages (a malformed one says so).
std::string KeyText(ColumnType pk_type, std::string_view encoded);

}  // namespace embodb::table
