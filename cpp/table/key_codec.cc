#include "table/key_codec.h"

#include <algorithm>

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

uint32_t RowKeyTableId(std::string_view key) {
  uint32_t id = 0;
  for (size_t i = 1; i <= 4; i++) id = (id << 8) | static_cast<uint8_t>(key[i]);
  return id;
}

RowKeys EncodeRowKeys(uint32_t table_id, const ColumnView& pk) {
  RowKeys out;
  const std::string prefix = RowKeyPrefix(table_id);
  out.prefix_size = prefix.size();
  std::vector<size_t> ends(pk.length);
  out.data.reserve(std::max<size_t>(64, pk.length * (prefix.size() + 8)));
  for (size_t i = 0; i < pk.length; i++) {
    out.data.append(prefix);
    AppendKeyOf(pk, i, &out.data);
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

std::string KeyText(ColumnType t, std::string_view encoded) {
  auto v = DecodeKeyValue(t, encoded);
  return v.ok() ? v->ToString() : "<a malformed key>";
}

}  // namespace embodb::table
