// Order-preserving keys for table data in the LSM (docs/format/table.md):
//   row:   kRows  | table id (BE32) | primary key
//   index: kIndex | index id (BE32) | indexed value (self-delimiting) | primary key
// A primary key of one column: an integer key is 8 bytes big-endian (signed
// ones with the sign bit flipped), so byte order is numeric order; a string
// key is its UTF-8 bytes. A composite key is each column's value encoded as
// in an index (index_codec.h: self-delimiting and order-preserving), one
// after the other, so byte order is tuple order and the keys that share
// leading values are one range.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "table/keyspace.h"
#include "table/column_data.h"
#include "table/value.h"

namespace embodb::table {
class Schema;
}
#include "util/result.h"

namespace embodb::table {

// kRows | table id: the prefix every row key of the table starts with.
std::string RowKeyPrefix(uint32_t table_id);
// kSeries | table id: the prefix of every key of a time series (timeseries/series_keys.h).
std::string SeriesKeyPrefix(uint32_t table_id);
// The table id of a row key (REQUIRES: key starts with a row key prefix).
uint32_t RowKeyTableId(std::string_view key);

// The row keys of many rows in one buffer.
struct RowKeys {
  std::string data;  // never in the short-string buffer: moving keeps the views valid
  std::vector<std::string_view> keys;  // views into data, one per row
  size_t prefix_size = 0;              // bytes before the encoded primary key
};
// The row keys of table_id for the values of a key's columns (views in key
// order, all of the same length, no nulls): one view is a one-column key,
// more a composite one.
RowKeys EncodeRowKeys(uint32_t table_id, const std::vector<ColumnView>& key);
// The views of a batch's first schema.key_columns().size() columns: a
// projection that starts with key_columns().
std::vector<ColumnView> KeyViews(const Schema& schema, const std::vector<ColumnBuffer>& columns);

// The first key after every key starting with prefix (prefix must not be all 0xff).
std::string PrefixSuccessor(std::string prefix);

// Appends the encoded primary key of row i (not null).
void AppendKeyOf(const ColumnView& pk, size_t i, std::string* dst);
void AppendKeyOf(const std::vector<ColumnView>& key, size_t i, std::string* dst);
// Appends a key given as a Value; SchemaError when it does not fit the type.
Status AppendKeyValue(ColumnType pk_type, const Value& key, std::string* dst);
// Appends a key of the schema given as one value per key column (in key
// order); SchemaError when their number or a value does not fit.
Status AppendKeyValues(const Schema& schema, const std::vector<Value>& key, std::string* dst);
// The values of an encoded key of the schema, one per key column;
// Corruption when it is malformed.
Result<std::vector<Value>> DecodeKeyValues(const Schema& schema, std::string_view encoded);
// Decodes an encoded key (the part after the prefix) into out; Corruption
// when it is malformed.
Status DecodeKeyInto(std::string_view encoded, ColumnBuffer* out);
// The key as a Value; Corruption when it is malformed.
Result<Value> DecodeKeyValue(ColumnType pk_type, std::string_view encoded);
// The key as text, for messages (a malformed one says so): 5, 'a' or
// ('a', 5) for a composite key.
std::string KeyText(const Schema& schema, std::string_view encoded);

}  // namespace embodb::table
