#include "table/node_attributes.h"

#include <algorithm>
#include <cstring>

#include "table/key_codec.h"
#include "table/row_codec.h"
#include "util/coding.h"

namespace embodb::table {

namespace {

bool IsHeldType(const ColumnType& t) { return t.IsScalar() && !t.IsVariable(); }

}  // namespace

NodeAttributes::NodeAttributes(const Schema& schema) : primary_key_(schema.primary_key()) {
  for (size_t c = 0; c < schema.size(); c++) {
    const table::Column& col = schema.column(c);
    if (!IsHeldType(col.type)) continue;
    positions_.push_back(c);
    columns_.push_back({c, col.type, col.type.FixedWidth(), col.default_value, {}, {}});
  }
}

bool NodeAttributes::Holds(const std::vector<size_t>& positions) const {
  for (size_t p : positions) {
    if (!std::binary_search(positions_.begin(), positions_.end(), p)) return false;
  }
  return true;
}

void NodeAttributes::GrowTo(size_t rows) {
  if (rows <= rows_) return;
  for (Column& c : columns_) {
    c.values.resize(rows * c.width, 0);
    if (!c.nulls.empty()) c.nulls.resize(rows, 0);
  }
  rows_ = rows;
}

void NodeAttributes::SetNull(Column& c, size_t node) {
  if (c.nulls.empty()) c.nulls.assign(rows_, 0);
  c.nulls[node] = 1;
  std::memset(c.values.data() + node * c.width, 0, c.width);
}

Status NodeAttributes::Set(const Schema& schema, const std::vector<uint32_t>& nodes,
                           const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) {
  if (nodes.empty()) return Status::OK();
  const size_t rows_needed = static_cast<size_t>(*std::max_element(nodes.begin(), nodes.end())) + 1;
  if (columns_.empty()) {
    GrowTo(rows_needed);
    return Status::OK();
  }
  const Status bad = Status::Corruption("a row of the table does not decode");
  // Everything is decoded first, so that a bad row changes nothing.
  std::vector<size_t> stored;  // positions read from the row (all but the primary key)
  for (size_t p : positions_) {
    if (p != primary_key_) stored.push_back(p);
  }
  std::vector<ColumnBuffer> decoded;
  for (const Column& c : columns_) decoded.emplace_back(c.type);
  std::vector<std::string_view> fields(stored.size());
  std::vector<FieldState> states(stored.size());
  for (size_t i = 0; i < nodes.size(); i++) {
    EMBODB_RETURN_IF_ERROR(ReadFields(schema, rows[i], stored, fields.data(), states.data()));
    size_t f = 0;
    for (size_t j = 0; j < columns_.size(); j++) {
      const Column& c = columns_[j];
      if (c.position == primary_key_) {
        if (!DecodeKeyInto(keys[i], &decoded[j])) return bad;
        continue;
      }
      switch (states[f]) {
        case FieldState::kValue:
          if (fields[f].size() != c.width) return bad;
          decoded[j].AppendFixed(fields[f].data());
          break;
        case FieldState::kNull: decoded[j].AppendNull(); break;
        case FieldState::kMissing: decoded[j].AppendValue(c.default_value); break;
      }
      f++;
    }
  }
  GrowTo(rows_needed);
  for (size_t j = 0; j < columns_.size(); j++) {
    Column& c = columns_[j];
    const ColumnView v = decoded[j].view();
    for (size_t i = 0; i < nodes.size(); i++) {
      const uint32_t node = nodes[i];
      if (v.IsNull(i)) {
        SetNull(c, node);
        continue;
      }
      std::memcpy(c.values.data() + size_t{node} * c.width, v.Fixed(i), c.width);
      if (!c.nulls.empty()) c.nulls[node] = 0;
    }
  }
  return Status::OK();
}

void NodeAttributes::Clear(uint32_t node) {
  if (node >= rows_) return;
  for (Column& c : columns_) SetNull(c, node);
}

void NodeAttributes::Renumber(const std::vector<uint32_t>& new_of_old) {
  const size_t rows = std::min(rows_, new_of_old.size());
  size_t new_rows = 0;
  for (size_t old = 0; old < rows; old++) new_rows = std::max<size_t>(new_rows, size_t{new_of_old[old]} + 1);
  for (Column& c : columns_) {
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

void NodeAttributes::Views(size_t begin, size_t end, std::vector<ColumnView>* views) const {
  for (const Column& c : columns_) {
    ColumnView& v = (*views)[c.position];
    v.type = c.type;
    v.length = end - begin;
    v.values = c.values.data() + begin * c.width;
    v.offsets = nullptr;
    v.nulls = c.nulls.empty() ? nullptr : c.nulls.data() + begin;
  }
}

size_t NodeAttributes::MemoryBytes() const {
  size_t bytes = 0;
  for (const Column& c : columns_) bytes += c.values.capacity() + c.nulls.capacity();
  return bytes;
}

void NodeAttributes::EncodeTo(std::string* dst) const {
  PutVarint64(dst, rows_);
  PutVarint32(dst, static_cast<uint32_t>(columns_.size()));
  for (const Column& c : columns_) {
    PutVarint32(dst, static_cast<uint32_t>(c.position));
    dst->push_back(static_cast<char>(c.type.id));
    dst->push_back(static_cast<char>(c.nulls.empty() ? 0 : 1));
    dst->append(reinterpret_cast<const char*>(c.values.data()), c.values.size());
    dst->append(reinterpret_cast<const char*>(c.nulls.data()), c.nulls.size());
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
    const bool has_nulls = (*input)[1] != 0;
    input->remove_prefix(2);
    const ColumnType type{type_id, 0};
    const size_t width = type.FixedWidth();
    if (width == 0 || width > 8) return bad;
    if (rows > input->size() / width) return bad;
    Column c{position, type, width, Value::Null(), {}, {}};
    const size_t value_bytes = rows * width;
    c.values.assign(input->data(), input->data() + value_bytes);
    input->remove_prefix(value_bytes);
    if (has_nulls) {
      if (input->size() < rows) return bad;
      c.nulls.assign(input->data(), input->data() + rows);
      input->remove_prefix(rows);
    }
    if (*fits && (position != columns_[j].position || type != columns_[j].type)) *fits = false;
    read.push_back(std::move(c));
  }
  if (!*fits) return Status::OK();
  for (size_t j = 0; j < columns_.size(); j++) {
    columns_[j].values = std::move(read[j].values);
    columns_[j].nulls = std::move(read[j].nulls);
  }
  rows_ = rows;
  return Status::OK();
}

}  // namespace embodb::table
