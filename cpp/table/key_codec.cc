#include "table/key_codec.h"

#include <algorithm>

#include "table/index_codec.h"
#include "table/schema.h"
#include "util/coding.h"

namespace embodb::table {

static constexpr uint64_t kSignBit = uint64_t{1} << 63;

// Keys of these types are stored with the sign bit flipped (so that they
// sort as numbers): signed integers and timestamps.
static bool SignedKey(ColumnType t) { return t.IsSignedInteger() || t.id == TypeId::kTimestamp; }

std::string RowKeyPrefix(uint32_t table_id) {
  std::string key(1, static_cast<char>(KeySpace::kRows));
  PutBigEndian32(&key, table_id);
  return key;
}

std::string SeriesKeyPrefix(uint32_t table_id) {
  std::string key(1, static_cast<char>(KeySpace::kSeries));
  PutBigEndian32(&key, table_id);
  return key;
}

uint32_t RowKeyTableId(std::string_view key) {
  uint32_t id = 0;
  for (size_t i = 1; i <= 4; i++) id = (id << 8) | static_cast<uint8_t>(key[i]);
  return id;
}

RowKeys EncodeRowKeys(uint32_t table_id, const std::vector<ColumnView>& key) {
  const ColumnView& pk = key[0];
  RowKeys out;
  const std::string prefix = RowKeyPrefix(table_id);
  out.prefix_size = prefix.size();
  std::vector<size_t> ends(pk.length);
  out.data.reserve(std::max<size_t>(64, pk.length * (prefix.size() + 8)));
  for (size_t i = 0; i < pk.length; i++) {
    out.data.append(prefix);
    AppendKeyOf(key, i, &out.data);
    ends[i] = out.data.size();
  }
  // Views only once the buffer no longer moves.
  out.keys.resize(pk.length);
  for (size_t i = 0, start = 0; i < pk.length; start = ends[i], i++) {
    out.keys[i] = std::string_view(out.data).substr(start, ends[i] - start);
  }
  return out;
}

std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    if (static_cast<uint8_t>(prefix.back()) != 0xff) {
      prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

void AppendKeyOf(const ColumnView& pk, size_t i, std::string* dst) {
  switch (pk.type.id) {
    case TypeId::kInt8: PutBigEndian64(dst, static_cast<uint64_t>(int64_t{pk.Get<int8_t>(i)}) ^ kSignBit); break;
    case TypeId::kInt16: PutBigEndian64(dst, static_cast<uint64_t>(int64_t{pk.Get<int16_t>(i)}) ^ kSignBit); break;
    case TypeId::kInt32: PutBigEndian64(dst, static_cast<uint64_t>(int64_t{pk.Get<int32_t>(i)}) ^ kSignBit); break;
    case TypeId::kInt64:
    case TypeId::kTimestamp: PutBigEndian64(dst, static_cast<uint64_t>(pk.Get<int64_t>(i)) ^ kSignBit); break;
    case TypeId::kUInt8: PutBigEndian64(dst, pk.Get<uint8_t>(i)); break;
    case TypeId::kUInt16: PutBigEndian64(dst, pk.Get<uint16_t>(i)); break;
    case TypeId::kUInt32: PutBigEndian64(dst, pk.Get<uint32_t>(i)); break;
    case TypeId::kUInt64: PutBigEndian64(dst, pk.Get<uint64_t>(i)); break;
    default: dst->append(pk.Bytes(i)); break;  // string
  }
}

void AppendKeyOf(const std::vector<ColumnView>& key, size_t i, std::string* dst) {
  if (key.size() == 1) return AppendKeyOf(key[0], i, dst);
  for (const ColumnView& column : key) AppendIndexValue(column, i, dst);
}

std::vector<ColumnView> KeyViews(const Schema& schema, const std::vector<ColumnBuffer>& columns) {
  std::vector<ColumnView> views;
  for (size_t k = 0; k < schema.key_columns().size(); k++) views.push_back(columns[k].view());
  return views;
}

Status AppendKeyValues(const Schema& schema, const std::vector<Value>& key, std::string* dst) {
  const std::vector<size_t>& columns = schema.key_columns();
  if (key.size() != columns.size()) {
    return Status::Schema("a key of " + std::to_string(key.size()) + (key.size() == 1 ? " value" : " values") +
                          " for the primary key " + schema.KeyName() + " of " + std::to_string(columns.size()) +
                          (columns.size() == 1 ? " column" : " columns"));
  }
  if (columns.size() == 1) return AppendKeyValue(schema.column(columns[0]).type, key[0], dst);
  for (size_t k = 0; k < columns.size(); k++) {
    const Column& c = schema.column(columns[k]);
    if (key[k].is_null() || !ValueFitsType(key[k], c.type) || !AppendIndexLiteral(c.type, key[k], dst)) {
      return Status::Schema("key value " + key[k].ToString() + " does not fit primary key column '" + c.name +
                            "' of type " + c.type.Name());
    }
  }
  return Status::OK();
}

// One column's value of a composite key (index_codec.h), removed from *in.
static bool DecodeComponent(ColumnType t, std::string_view* in, Value* out) {
  std::string_view rest = *in;
  if (!SkipIndexValue(t, &rest) || in->empty() || (*in)[0] != '\x01') return false;
  const std::string_view encoded = in->substr(1, in->size() - rest.size() - 1);
  *in = rest;
  if (t.id != TypeId::kString) {
    const uint64_t v = GetBigEndian64(encoded.data());
    *out = SignedKey(t) ? Value::Int(static_cast<int64_t>(v ^ kSignBit)) : Value::UInt(v);
    return true;
  }
  const std::string_view body = encoded.substr(0, encoded.size() - 2);  // without the terminator 0x00 0x01
  std::string s;
  for (size_t i = 0; i < body.size(); i++) {
    s.push_back(body[i]);
    if (body[i] == '\0') i++;  // 0x00 0xff: an escaped 0x00
  }
  *out = Value::String(s);
  return true;
}

Result<std::vector<Value>> DecodeKeyValues(const Schema& schema, std::string_view encoded) {
  const std::vector<size_t>& columns = schema.key_columns();
  std::vector<Value> values(columns.size());
  if (columns.size() == 1) {
    EMBODB_ASSIGN_OR_RETURN(values[0], DecodeKeyValue(schema.column(columns[0]).type, encoded));
    return values;
  }
  for (size_t k = 0; k < columns.size(); k++) {
    if (!DecodeComponent(schema.column(columns[k]).type, &encoded, &values[k])) {
      return Status::Corruption("bad primary key", "column " + std::to_string(k + 1) + " of " + schema.KeyName());
    }
  }
  if (!encoded.empty()) return Status::Corruption("bad primary key", "bytes after its last column");
  return values;
}

Status AppendKeyValue(ColumnType t, const Value& key, std::string* dst) {
  if (key.is_null() || !ValueFitsType(key, t)) {
    return Status::Schema("key " + key.ToString() + " does not fit the primary key type " + t.Name());
  }
  if (t.id == TypeId::kString) {
    dst->append(key.s);
  } else if (SignedKey(t)) {
    PutBigEndian64(dst, static_cast<uint64_t>(key.i) ^ kSignBit);
  } else {
    PutBigEndian64(dst, key.kind == Value::Kind::kUInt ? key.u : static_cast<uint64_t>(key.i));
  }
  return Status::OK();
}

static Status BadKey(std::string_view encoded) {
  return Status::Corruption("bad primary key", "an integer key of " + std::to_string(encoded.size()) + " bytes, not 8");
}

Status DecodeKeyInto(std::string_view encoded, ColumnBuffer* out) {
  const ColumnType t = out->type();
  if (t.id == TypeId::kString) {
    out->AppendBytes(encoded);
    return Status::OK();
  }
  if (encoded.size() != 8) return BadKey(encoded);
  uint64_t v = GetBigEndian64(encoded.data());
  if (SignedKey(t)) v ^= kSignBit;
  out->AppendFixed(&v);  // little-endian: the low bytes are the narrower type's value
  return Status::OK();
}

Result<Value> DecodeKeyValue(ColumnType t, std::string_view encoded) {
  if (t.id == TypeId::kString) return Value::String(encoded);
  if (encoded.size() != 8) return BadKey(encoded);
  const uint64_t v = GetBigEndian64(encoded.data());
  if (SignedKey(t)) return Value::Int(static_cast<int64_t>(v ^ kSignBit));
  return Value::UInt(v);
}

std::string KeyText(const Schema& schema, std::string_view encoded) {
  auto values = DecodeKeyValues(schema, encoded);
  if (!values.ok()) return "<a malformed key>";
  if (values->size() == 1) return (*values)[0].ToString();
  std::string text = "(";
  for (const Value& v : *values) text += (text.size() > 1 ? ", " : "") + v.ToString();
  return text + ")";
}

}  // namespace embodb::table
