#include "table/row_codec.h"

#include "util/coding.h"

namespace embodb::table {

static constexpr uint8_t kRowFormat = 1;

void EncodeRow(const Schema& schema, const std::vector<ColumnView>& cols, size_t row, std::string* dst) {
  const size_t n = schema.size();
  dst->push_back(static_cast<char>(kRowFormat));
  PutVarint32(dst, static_cast<uint32_t>(n));
  const size_t bitmap_at = dst->size();
  dst->append((n + 7) / 8, '\0');
  for (size_t c = 0; c < n; c++) {
    const ColumnView& col = cols[c];
    if (col.IsNull(row)) {
      (*dst)[bitmap_at + c / 8] = static_cast<char>((*dst)[bitmap_at + c / 8] | (1 << (c % 8)));
      continue;
    }
    if (c == schema.primary_key()) continue;
    if (col.type.IsVariable()) {
      PutLengthPrefixed(dst, col.Bytes(row));
    } else {
      dst->append(reinterpret_cast<const char*>(col.Fixed(row)), col.type.FixedWidth());
    }
  }
}

Status DecodeRow(const Schema& schema, std::string_view value, ColumnBuffer* const* outs) {
  const Status bad = Status::Corruption("bad row encoding");
  if (value.empty()) return bad;
  if (static_cast<uint8_t>(value[0]) != kRowFormat) {
    return Status::NotSupported("row format " + std::to_string(static_cast<uint8_t>(value[0])) +
                                " is newer than this embodb understands");
  }
  value.remove_prefix(1);
  uint32_t stored = 0;
  if (!GetVarint32(&value, &stored) || stored > schema.size()) return bad;
  const size_t bitmap_bytes = (stored + 7) / 8;
  if (value.size() < bitmap_bytes) return bad;
  const char* bitmap = value.data();
  value.remove_prefix(bitmap_bytes);
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
    if (c == schema.primary_key()) continue;
    const ColumnType& t = schema.column(c).type;
    if (t.IsVariable()) {
      std::string_view bytes;
      if (!GetLengthPrefixed(&value, &bytes)) return bad;
      if (out != nullptr) out->AppendBytes(bytes);
    } else {
      const size_t w = t.FixedWidth();
      if (value.size() < w) return bad;
      if (out != nullptr) out->AppendFixed(value.data());
      value.remove_prefix(w);
    }
  }
  if (!value.empty()) return bad;
  return Status::OK();
}

}  // namespace embodb::table
