#include "table/row_codec.h"

#include <cstring>

#include "util/coding.h"

namespace embodb::table {

static constexpr uint8_t kRowFormat = 1;

size_t EncodedRowSize(const Schema& schema, const std::vector<ColumnView>& cols, size_t row) {
  const size_t n = schema.size();
  size_t size = 1 + VarintLength(n) + (n + 7) / 8;
  for (size_t c = 0; c < n; c++) {
    const ColumnView& col = cols[c];
    if (c == schema.key_only_column() || col.IsNull(row)) continue;
    if (col.type.IsVariable()) {
      const size_t len = col.Bytes(row).size();
      size += VarintLength(len) + len;
    } else {
      size += col.type.FixedWidth();
    }
  }
  return size;
}

char* EncodeRowTo(const Schema& schema, const std::vector<ColumnView>& cols, size_t row, char* dst) {
  const size_t n = schema.size();
  *dst++ = static_cast<char>(kRowFormat);
  dst = EncodeVarint32(dst, static_cast<uint32_t>(n));
  char* bitmap = dst;
  std::memset(bitmap, 0, (n + 7) / 8);
  dst += (n + 7) / 8;
  for (size_t c = 0; c < n; c++) {
    const ColumnView& col = cols[c];
    if (col.IsNull(row)) {
      bitmap[c / 8] = static_cast<char>(bitmap[c / 8] | (1 << (c % 8)));
      continue;
    }
    if (c == schema.key_only_column()) continue;
    if (col.type.IsVariable()) {
      const std::string_view bytes = col.Bytes(row);
      dst = EncodeVarint32(dst, static_cast<uint32_t>(bytes.size()));
      if (!bytes.empty()) std::memcpy(dst, bytes.data(), bytes.size());  // an empty one may have no data pointer
      dst += bytes.size();
    } else {
      const size_t w = col.type.FixedWidth();
      std::memcpy(dst, col.Fixed(row), w);
      dst += w;
    }
  }
  return dst;
}

// Reads the format byte, column count and null bitmap off the front of value.
// Made only on failure: these run for every row read, and a Status with a
// message allocates.
static Status BadRow() { return Status::Corruption("bad row encoding"); }

static Status ReadRowHeader(std::string_view* value, uint32_t* stored, const char** bitmap) {
  if (value->empty()) return BadRow();
  if (static_cast<uint8_t>((*value)[0]) != kRowFormat) {
    return Status::NotSupported("row format " + std::to_string(static_cast<uint8_t>((*value)[0])) +
                                " is newer than this embodb understands");
  }
  value->remove_prefix(1);
  if (!GetVarint32(value, stored)) return BadRow();
  const size_t bitmap_bytes = (*stored + 7) / 8;
  if (value->size() < bitmap_bytes) return BadRow();
  *bitmap = value->data();
  value->remove_prefix(bitmap_bytes);
  return Status::OK();
}

Status DecodeRow(const Schema& schema, std::string_view value, ColumnBuffer* const* outs) {
  uint32_t stored = 0;
  const char* bitmap = nullptr;
  EMBODB_RETURN_IF_ERROR(ReadRowHeader(&value, &stored, &bitmap));
  if (stored > schema.size()) return BadRow();
  for (size_t c = 0; c < schema.size(); c++) {
    ColumnBuffer* out = outs[c];
    if (c >= stored) {
      if (out != nullptr) out->AppendValue(schema.column(c).default_value);
      continue;
    }
    const bool is_null = (bitmap[c / 8] >> (c % 8)) & 1;
    if (is_null) {
      if (out != nullptr) out->AppendNull();
      continue;
    }
    if (c == schema.key_only_column()) continue;
    const ColumnType& t = schema.column(c).type;
    if (t.IsVariable()) {
      std::string_view bytes;
      if (!GetLengthPrefixed(&value, &bytes)) return BadRow();
      if (out != nullptr) out->AppendBytes(bytes);
    } else {
      const size_t w = t.FixedWidth();
      if (value.size() < w) return BadRow();
      if (out != nullptr) out->AppendFixed(value.data());
      value.remove_prefix(w);
    }
  }
  if (!value.empty()) return BadRow();
  return Status::OK();
}

Status ReadField(const Schema& schema, std::string_view value, size_t column, std::string_view* field) {
  FieldState state;
  EMBODB_RETURN_IF_ERROR(ReadFields(schema, value, std::span<const size_t>(&column, 1), field, &state));
  if (state != FieldState::kValue) *field = {};
  return Status::OK();
}

Status ReadFields(const Schema& schema, std::string_view value, std::span<const size_t> columns,
                  std::string_view* fields, FieldState* states) {
  uint32_t stored = 0;
  const char* bitmap = nullptr;
  EMBODB_RETURN_IF_ERROR(ReadRowHeader(&value, &stored, &bitmap));
  size_t next = 0;  // the next of columns to find
  for (size_t c = 0; c < stored && next < columns.size(); c++) {
    const bool wanted = columns[next] == c;
    if ((bitmap[c / 8] >> (c % 8)) & 1) {
      if (wanted) states[next++] = FieldState::kNull;
      continue;
    }
    if (c == schema.key_only_column()) continue;
    const ColumnType& t = schema.column(c).type;
    std::string_view bytes;
    if (t.IsVariable()) {
      if (!GetLengthPrefixed(&value, &bytes)) return BadRow();
    } else {
      const size_t w = t.FixedWidth();
      if (value.size() < w) return BadRow();
      bytes = value.substr(0, w);
      value.remove_prefix(w);
    }
    if (wanted) {
      fields[next] = bytes;
      states[next++] = FieldState::kValue;
    }
  }
  for (; next < columns.size(); next++) states[next] = FieldState::kMissing;
  return Status::OK();
}

}  // namespace embodb::table
