#include "index/common/node_attributes.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <unordered_set>

#include "table/key_codec.h"
#include "table/row_codec.h"
#include "util/coding.h"

namespace embodb::index {

using table::FieldState;

namespace {

// Codes are below kMaxWords (2^16): two bytes at most. Version 3 owner
// sections stored them in four.
constexpr size_t kMaxCodeWidth = 4;

bool IsHeldType(const ColumnType& t, bool primary_key) {
  if (t.id == TypeId::kString) return !primary_key;  // a string key is distinct in every row
  return t.IsScalar() && !t.IsVariable();
}

// Integers stored narrow; uint64 is not (its values do not fit int64).
bool IsNarrowType(const ColumnType& t) {
  return t.id == TypeId::kString || (t.IsInteger() && t.id != TypeId::kUInt64);
}

bool IsSignedStorage(const ColumnType& t) { return t.IsSignedInteger(); }

// The fewest bytes (1, 2, 4 or 8) that hold v, signed or not.
size_t WidthOf(int64_t v, bool is_signed) {
  if (is_signed) {
    if (v >= INT8_MIN && v <= INT8_MAX) return 1;
    if (v >= INT16_MIN && v <= INT16_MAX) return 2;
    if (v >= INT32_MIN && v <= INT32_MAX) return 4;
    return 8;
  }
  const auto u = static_cast<uint64_t>(v);
  return u <= UINT8_MAX ? 1 : u <= UINT16_MAX ? 2 : u <= UINT32_MAX ? 4 : 8;
}

// A little-endian integer of `width` bytes, sign- or zero-extended.
int64_t ReadInt(const uint8_t* p, size_t width, bool is_signed) {
  switch (width) {
    case 1: return is_signed ? int64_t{static_cast<int8_t>(p[0])} : int64_t{p[0]};
    case 2: {
      uint16_t u;
      std::memcpy(&u, p, 2);
      return is_signed ? int64_t{static_cast<int16_t>(u)} : int64_t{u};
    }
    case 4: {
      uint32_t u;
      std::memcpy(&u, p, 4);
      return is_signed ? int64_t{static_cast<int32_t>(u)} : int64_t{u};
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
  }
}

// The low `width` bytes of v, little-endian (the host's order, as rows).
void WriteInt(uint8_t* p, size_t width, int64_t v) { std::memcpy(p, &v, width); }

TypeId IntegerType(size_t width, bool is_signed) {
  switch (width) {
    case 1: return is_signed ? TypeId::kInt8 : TypeId::kUInt8;
    case 2: return is_signed ? TypeId::kInt16 : TypeId::kUInt16;
    case 4: return is_signed ? TypeId::kInt32 : TypeId::kUInt32;
    default: return is_signed ? TypeId::kInt64 : TypeId::kUInt64;
  }
}

}  // namespace

NodeAttributes::NodeAttributes(const Schema& schema) : primary_key_(schema.key_only_column()) {
  for (size_t c = 0; c < schema.size(); c++) {
    const table::Column& col = schema.column(c);
    if (!IsHeldType(col.type, c == primary_key_)) continue;
    positions_.push_back(c);
    const bool narrow = IsNarrowType(col.type);
    Column held{c, col.type, narrow ? 1 : col.type.FixedWidth(), narrow, col.default_value, {}, {}, {}, {}, 0, false};
    columns_.push_back(std::move(held));
  }
}

bool NodeAttributes::Holds(const std::vector<size_t>& positions) const {
  for (size_t p : positions) {
    if (!std::binary_search(positions_.begin(), positions_.end(), p)) return false;
  }
  return true;
}

const NodeAttributes::Column* NodeAttributes::Find(size_t position) const {
  for (const Column& c : columns_) {
    if (c.position == position && c.held()) return &c;
  }
  return nullptr;
}

bool NodeAttributes::Coded(size_t position) const {
  const Column* c = Find(position);
  return c != nullptr && c->coded();
}

TypeId NodeAttributes::StoredType(size_t position) const {
  const Column* c = Find(position);
  assert(c != nullptr);
  return c->narrow ? IntegerType(c->width, IsSignedStorage(c->type)) : c->type.id;
}

uint32_t NodeAttributes::CodeOf(size_t position, std::string_view word) const {
  const Column* c = Find(position);
  assert(c != nullptr && c->coded());
  const auto it = c->codes.find(word);
  return it == c->codes.end() ? kNoCode : it->second;
}

void NodeAttributes::GrowTo(size_t rows) {
  if (rows <= rows_) return;
  for (Column& c : columns_) {
    if (!c.held()) continue;
    c.values.resize(rows * c.width, 0);
    if (!c.nulls.empty()) c.nulls.resize(rows, 0);
  }
  rows_ = rows;
}

void NodeAttributes::Widen(Column& c, size_t width) {
  assert(c.narrow && width > c.width);
  const bool is_signed = IsSignedStorage(c.type);
  std::vector<uint8_t> values(rows_ * width);
  for (size_t r = 0; r < rows_; r++) {
    WriteInt(values.data() + r * width, width, ReadInt(c.values.data() + r * c.width, c.width, is_signed));
  }
  c.values.swap(values);
  c.width = width;
}

void NodeAttributes::Drop(Column& c) {
  c.dropped = true;
  std::vector<uint8_t>().swap(c.values);
  std::vector<uint8_t>().swap(c.nulls);
  std::vector<std::string>().swap(c.words);
  decltype(c.codes)().swap(c.codes);
  c.word_bytes = 0;
  positions_.erase(std::find(positions_.begin(), positions_.end(), c.position));
}

void NodeAttributes::AddWords(Column& c, const ColumnView& strings) {
  std::vector<std::string_view> fresh;  // in order of first appearance
  std::unordered_set<std::string_view> seen;
  size_t fresh_bytes = 0;
  for (size_t i = 0; i < strings.length; i++) {
    if (strings.IsNull(i)) continue;
    const std::string_view w = strings.Bytes(i);
    if (c.codes.find(w) != c.codes.end() || !seen.insert(w).second) continue;
    fresh.push_back(w);
    fresh_bytes += w.size();
    if (c.words.size() + fresh.size() > kMaxWords || c.word_bytes + fresh_bytes > kMaxWordBytes) {
      Drop(c);
      return;
    }
  }
  for (std::string_view w : fresh) {
    c.codes.emplace(std::string(w), static_cast<uint32_t>(c.words.size()));
    c.words.emplace_back(w);
  }
  c.word_bytes += fresh_bytes;
}

void NodeAttributes::SetNull(Column& c, size_t node) {
  if (c.nulls.empty()) c.nulls.assign(rows_, 0);
  c.nulls[node] = 1;
  std::memset(c.values.data() + node * c.width, 0, c.width);
}

Status NodeAttributes::SetByKey(const Schema& schema, const NodeKeys& nodes,
                                const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) {
  std::vector<uint32_t> found;
  std::vector<std::string_view> found_keys, found_rows;
  for (size_t i = 0; i < keys.size(); i++) {
    const uint32_t node = nodes.Find(keys[i]);
    if (node == NodeKeys::kNone) continue;
    found.push_back(node);
    found_keys.push_back(keys[i]);
    found_rows.push_back(rows[i]);
  }
  return Set(schema, found, found_keys, found_rows);
}

Status NodeAttributes::Set(const Schema& schema, const std::vector<uint32_t>& nodes,
                           const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) {
  if (nodes.empty()) return Status::OK();
  const size_t rows_needed = static_cast<size_t>(*std::max_element(nodes.begin(), nodes.end())) + 1;
  if (positions_.empty()) {
    GrowTo(rows_needed);
    return Status::OK();
  }
  const auto bad = [] { return Status::Corruption("a row of the table does not decode"); };
  // Everything is decoded first, so that a bad row changes nothing.
  std::vector<Column*> held;
  std::vector<size_t> stored;  // positions read from the row (all held but the primary key)
  for (Column& c : columns_) {
    if (!c.held()) continue;
    held.push_back(&c);
    if (c.position != primary_key_) stored.push_back(c.position);
  }
  std::vector<ColumnBuffer> decoded;
  for (Column* c : held) decoded.emplace_back(c->type);
  std::vector<std::string_view> fields(stored.size());
  std::vector<FieldState> states(stored.size());
  for (size_t i = 0; i < nodes.size(); i++) {
    EMBODB_RETURN_IF_ERROR(ReadFields(schema, rows[i], stored, fields.data(), states.data()));
    size_t f = 0;
    for (size_t j = 0; j < held.size(); j++) {
      const Column& c = *held[j];
      if (c.position == primary_key_) {
        if (!table::DecodeKeyInto(keys[i], &decoded[j]).ok()) return bad();
        continue;
      }
      switch (states[f]) {
        case FieldState::kValue:
          if (c.coded()) {
            decoded[j].AppendBytes(fields[f]);
          } else {
            if (fields[f].size() != c.type.FixedWidth()) return bad();
            decoded[j].AppendFixed(fields[f].data());
          }
          break;
        case FieldState::kNull: decoded[j].AppendNull(); break;
        case FieldState::kMissing: decoded[j].AppendValue(c.default_value); break;
      }
      f++;
    }
  }
  GrowTo(rows_needed);
  for (size_t j = 0; j < held.size(); j++) {
    Column& c = *held[j];
    const ColumnView v = decoded[j].view();
    if (c.coded()) {
      AddWords(c, v);
      if (!c.held()) continue;
    }
    // Integers (a code, or the value read by the schema's type) of the nodes.
    std::vector<int64_t> ints;
    if (c.narrow) {
      const bool is_signed = IsSignedStorage(c.type);
      const size_t schema_width = c.coded() ? 0 : c.type.FixedWidth();
      size_t width = c.width;
      ints.resize(nodes.size(), 0);
      for (size_t i = 0; i < nodes.size(); i++) {
        if (v.IsNull(i)) continue;
        ints[i] = c.coded() ? int64_t{c.codes.find(v.Bytes(i))->second}
                            : ReadInt(v.Fixed(i), schema_width, is_signed);
        width = std::max(width, WidthOf(ints[i], is_signed));
      }
      if (width > c.width) Widen(c, width);
    }
    for (size_t i = 0; i < nodes.size(); i++) {
      const uint32_t node = nodes[i];
      if (v.IsNull(i)) {
        SetNull(c, node);
        continue;
      }
      uint8_t* value = c.values.data() + size_t{node} * c.width;
      if (c.narrow) {
        WriteInt(value, c.width, ints[i]);
      } else {
        std::memcpy(value, v.Fixed(i), c.width);
      }
      if (!c.nulls.empty()) c.nulls[node] = 0;
    }
  }
  return Status::OK();
}

void NodeAttributes::Clear(uint32_t node) {
  if (node >= rows_) return;
  for (Column& c : columns_) {
    if (c.held()) SetNull(c, node);
  }
}

void NodeAttributes::Renumber(const std::vector<uint32_t>& new_of_old) {
  const size_t rows = std::min(rows_, new_of_old.size());
  size_t new_rows = 0;
  for (size_t old = 0; old < rows; old++) new_rows = std::max<size_t>(new_rows, size_t{new_of_old[old]} + 1);
  for (Column& c : columns_) {
    if (!c.held()) continue;
    std::vector<uint8_t> values(new_rows * c.width, 0);
    std::vector<uint8_t> nulls(c.nulls.empty() ? 0 : new_rows, 0);
    for (size_t old = 0; old < rows; old++) {
      const size_t n = new_of_old[old];
      std::memcpy(values.data() + n * c.width, c.values.data() + old * c.width, c.width);
      if (!nulls.empty()) nulls[n] = c.nulls[old];
    }
    c.values.swap(values);
    c.nulls.swap(nulls);
  }
  rows_ = new_rows;
}

void NodeAttributes::AppendValue(size_t position, uint32_t node, ColumnBuffer* out) const {
  const Column* c = Find(position);
  assert(c != nullptr && c->held() && node < rows_);
  if (!c->nulls.empty() && c->nulls[node] != 0) {
    out->AppendNull();
    return;
  }
  const uint8_t* p = c->values.data() + size_t{node} * c->width;
  if (!c->narrow) {
    out->AppendFixed(p);
    return;
  }
  const int64_t v = ReadInt(p, c->width, IsSignedStorage(c->type));
  if (c->coded()) {
    out->AppendBytes(c->words[static_cast<size_t>(v)]);
    return;
  }
  uint8_t wide[8];
  WriteInt(wide, c->type.FixedWidth(), v);  // two's complement, truncated to the column's width
  out->AppendFixed(wide);
}

void NodeAttributes::Views(size_t begin, size_t end, std::vector<ColumnView>* views) const {
  for (const Column& c : columns_) {
    if (!c.held()) continue;
    ColumnView& v = (*views)[c.position];
    v.type = c.narrow ? ColumnType{IntegerType(c.width, IsSignedStorage(c.type)), 0} : c.type;
    v.length = end - begin;
    v.values = c.values.data() + begin * c.width;
    v.offsets = nullptr;
    v.nulls = c.nulls.empty() ? nullptr : c.nulls.data() + begin;
  }
}

size_t NodeAttributes::MemoryBytes() const {
  size_t bytes = 0;
  for (const Column& c : columns_) {
    bytes += c.values.capacity() + c.nulls.capacity();
    // Each word twice (by code and in the map), plus about two pointers a word of map.
    bytes += 2 * c.word_bytes + c.words.size() * (2 * sizeof(std::string) + 2 * sizeof(void*) + sizeof(uint32_t));
  }
  return bytes;
}

// The flags byte of a column in the encoding.
constexpr uint8_t kHasNulls = 1;
constexpr uint8_t kDropped = 2;
constexpr uint8_t kNarrow = 4;  // a width byte follows

void NodeAttributes::EncodeTo(std::string* dst) const {
  PutVarint64(dst, rows_);
  PutVarint32(dst, static_cast<uint32_t>(columns_.size()));
  for (const Column& c : columns_) {
    PutVarint32(dst, static_cast<uint32_t>(c.position));
    dst->push_back(static_cast<char>(c.type.id));
    if (!c.held()) {
      dst->push_back(static_cast<char>(kDropped));
      continue;
    }
    dst->push_back(static_cast<char>((c.nulls.empty() ? 0 : kHasNulls) | (c.narrow ? kNarrow : 0)));
    if (c.narrow) dst->push_back(static_cast<char>(c.width));
    dst->append(reinterpret_cast<const char*>(c.values.data()), c.values.size());
    dst->append(reinterpret_cast<const char*>(c.nulls.data()), c.nulls.size());
    if (c.coded()) {
      PutVarint32(dst, static_cast<uint32_t>(c.words.size()));
      for (const std::string& w : c.words) PutLengthPrefixed(dst, w);
    }
  }
}

Status NodeAttributes::DecodeFrom(std::string_view* input, bool* fits) {
  const Status bad = Status::Corruption("bad node attributes in a vector index checkpoint");
  uint64_t rows = 0;
  uint32_t count = 0;
  if (!GetVarint64(input, &rows) || !GetVarint32(input, &count)) return bad;
  *fits = count == columns_.size();
  std::vector<Column> read;
  for (uint32_t j = 0; j < count; j++) {
    uint32_t position = 0;
    if (!GetVarint32(input, &position) || input->size() < 2) return bad;
    const auto type_id = static_cast<TypeId>((*input)[0]);
    const auto flags = static_cast<uint8_t>((*input)[1]);
    input->remove_prefix(2);
    const ColumnType type{type_id, 0};
    const bool coded = type_id == TypeId::kString;
    const bool narrow = IsNarrowType(type);
    // Before narrowing (version 3), values took the type's width, codes 4 bytes.
    size_t width = coded ? kMaxCodeWidth : type.FixedWidth();
    if ((flags & kNarrow) != 0) {
      if (!narrow || input->empty()) return bad;
      const auto stored = static_cast<size_t>(static_cast<uint8_t>((*input)[0]));
      input->remove_prefix(1);
      if ((stored != 1 && stored != 2 && stored != 4 && stored != 8) || stored > width) return bad;
      width = stored;
    }
    if (width == 0 || width > 8 || (flags & ~(kHasNulls | kDropped | kNarrow)) != 0) return bad;
    Column c{position, type, width, narrow, Value::Null(), {}, {}, {}, {}, 0, (flags & kDropped) != 0};
    if (c.held()) {
      if (rows > input->size() / width) return bad;
      const size_t value_bytes = rows * width;
      c.values.assign(input->data(), input->data() + value_bytes);
      input->remove_prefix(value_bytes);
      if ((flags & kHasNulls) != 0) {
        if (input->size() < rows) return bad;
        c.nulls.assign(input->data(), input->data() + rows);
        input->remove_prefix(rows);
      }
    }
    if (c.held() && coded) {
      uint32_t words = 0;
      if (!GetVarint32(input, &words) || words > kMaxWords || words > input->size()) return bad;
      c.words.resize(words);
      for (uint32_t w = 0; w < words; w++) {
        std::string_view word;
        if (!GetLengthPrefixed(input, &word)) return bad;
        c.words[w] = std::string(word);
        c.word_bytes += word.size();
        if (!c.codes.emplace(c.words[w], w).second) return bad;  // a word twice
      }
      if (c.word_bytes > kMaxWordBytes) return bad;
      for (size_t r = 0; r < rows; r++) {  // every code names a word, so that no search reads a stray one
        const int64_t code = ReadInt(c.values.data() + r * width, width, false);
        if (code >= int64_t{words} && (c.nulls.empty() || c.nulls[r] == 0)) return bad;
      }
    }
    if (*fits && (position != columns_[j].position || type != columns_[j].type)) *fits = false;
    read.push_back(std::move(c));
  }
  if (!*fits) return Status::OK();
  positions_.clear();
  for (size_t j = 0; j < columns_.size(); j++) {
    Column& c = columns_[j];
    Value default_value = std::move(c.default_value);
    c = std::move(read[j]);
    c.default_value = std::move(default_value);
    if (c.held()) positions_.push_back(c.position);
  }
  rows_ = rows;
  return Status::OK();
}

}  // namespace embodb::index
