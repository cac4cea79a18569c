#include "columnar/row_block_codec.h"

#include "codec/bitpack.h"
#include "table/key_codec.h"
#include "table/keyspace.h"
#include "table/row_codec.h"
#include "util/coding.h"

namespace embodb::columnar {

using lsm::sstable::BlockEntry;
using table::ColumnBuffer;
using table::FieldState;
using table::Schema;

namespace {

// On disk: never renumber. Format 2 keeps wide columns' chunks apart, in
// the side block; format 1 (every chunk in the block) is still read.
constexpr uint8_t kRowBlockFormat = 2;
constexpr uint8_t kRowBlockFormatAllInline = 1;
constexpr uint8_t kRowFormat = 1;       // the row codec's (table/row_codec.cc)
// Entries a block may hold: a reader refuses more rather than allocate for them.
constexpr uint64_t kMaxEntries = 1u << 20;

// The row's column count, when value is a row this codec can split under
// schema: the known row format, no more columns than the schema, and
// exactly the bytes its fields take (so that the row comes back the same).
bool SplitRow(const Schema& schema, const std::vector<size_t>& columns, std::string_view value,
              std::vector<std::string_view>* fields, std::vector<FieldState>* states, uint32_t* count) {
  std::string_view header = value;
  if (header.empty() || static_cast<uint8_t>(header[0]) != kRowFormat) return false;
  header.remove_prefix(1);
  if (!GetVarint32(&header, count) || *count > schema.size()) return false;
  if (!table::ReadFields(schema, value, columns, fields->data(), states->data()).ok()) return false;
  size_t size = value.size() - header.size() + (*count + 7) / 8;
  for (size_t k = 0; k < columns.size(); k++) {
    if ((*states)[k] != FieldState::kValue) continue;
    const size_t len = (*fields)[k].size();
    size += schema.column(columns[k]).type.IsVariable() ? VarintLength(len) + len : len;
  }
  return size == value.size();
}

// Columns whose chunks go to the side block: values too large for a scan
// of the other columns to read past.
bool KeptApart(const table::ColumnType& type) {
  return type.id == table::TypeId::kVector || type.id == table::TypeId::kPointCloud ||
         type.id == table::TypeId::kBytes;
}

}  // namespace

uint64_t RowBlockCodec::GroupOf(std::string_view user_key) const {
  if (user_key.size() < 5 || static_cast<uint8_t>(user_key[0]) != static_cast<uint8_t>(table::KeySpace::kRows)) {
    return 0;
  }
  return uint64_t{table::RowKeyTableId(user_key)} + 1;
}

bool RowBlockCodec::Encode(uint64_t group, const BlockEntry* entries, size_t n, std::string* out,
                           std::string* side) const {
  if (group == 0 || n == 0 || n > kMaxEntries) return false;
  const table::TableDefPtr def = defs_->Find(static_cast<uint32_t>(group - 1));
  if (def == nullptr) return false;  // a dropped table's rows, soon deleted
  const Schema& schema = def->schema;
  const size_t m = schema.size();
  const size_t pk = schema.composite_key() ? m : schema.key_only_column();  // m: no column is the key's alone
  std::vector<size_t> columns;  // every column but the key, which the key holds
  for (size_t c = 0; c < m; c++) {
    if (c != pk) columns.push_back(c);
  }
  std::vector<ColumnBuffer> chunks;
  chunks.reserve(m);
  for (size_t c = 0; c < m; c++) chunks.emplace_back(schema.column(c).type);
  std::vector<std::string_view> fields(columns.size());
  std::vector<FieldState> states(columns.size());
  std::vector<uint64_t> raw(n, 0);
  std::vector<int64_t> counts(n, 0);
  std::vector<std::string_view> raw_values;
  for (size_t i = 0; i < n; i++) {
    uint32_t count = 0;
    if (entries[i].type != lsm::kTypeValue || !SplitRow(schema, columns, entries[i].value, &fields, &states, &count)) {
      raw[i] = 1;
      raw_values.push_back(entries[i].value);
      for (size_t c : columns) chunks[c].AppendNull();
      continue;
    }
    counts[i] = count;
    for (size_t k = 0; k < columns.size(); k++) {
      ColumnBuffer& chunk = chunks[columns[k]];
      if (states[k] != FieldState::kValue) {
        chunk.AppendNull();
      } else if (chunk.type().IsVariable()) {
        chunk.AppendBytes(fields[k]);
      } else {
        chunk.AppendFixed(fields[k].data());
      }
    }
  }
  if (raw_values.size() * 2 > n) return false;  // mostly not rows: a row block serves better
  out->push_back(static_cast<char>(kRowBlockFormat));
  PutVarint64(out, n);
  PutVarint64(out, m);
  PutVarint64(out, pk);
  PutVarint64(out, raw_values.size());
  if (!raw_values.empty()) codec::PackBits(raw.data(), n, 1, out);
  codec::EncodeInts(counts.data(), n, out);
  // Each chunk's end, in the block or in the side part; then which are apart.
  const size_t ends_at = out->size();
  out->resize(ends_at + 4 * m);
  std::vector<uint64_t> apart(m, 0);
  for (size_t c = 0; c < m; c++) apart[c] = c != pk && KeptApart(schema.column(c).type);
  codec::PackBits(apart.data(), m, 1, out);
  const size_t chunks_at = out->size();
  const size_t side_at = side->size();
  for (size_t c = 0; c < m; c++) {
    std::string* to = apart[c] ? side : out;
    if (c != pk) EncodeChunk(chunks[c].view(), to);
    const size_t end = apart[c] ? to->size() - side_at : to->size() - chunks_at;
    EncodeFixed32(out->data() + ends_at + 4 * c, static_cast<uint32_t>(end));
  }
  std::vector<int64_t> raw_ends(raw_values.size());
  int64_t end = 0;
  for (size_t j = 0; j < raw_values.size(); j++) raw_ends[j] = end += static_cast<int64_t>(raw_values[j].size());
  codec::EncodeInts(raw_ends.data(), raw_ends.size(), out);
  for (std::string_view v : raw_values) out->append(v);
  return true;
}

Result<std::unique_ptr<const lsm::sstable::BlockValues>> RowBlockCodec::Open(std::string_view encoded,
                                                                              const lsm::sstable::SidePart* side) const {
  auto values = RowBlockValues::Parse(encoded, side);
  if (!values.ok()) return values.status();
  return std::unique_ptr<const lsm::sstable::BlockValues>(std::move(values).value());
}

Result<std::unique_ptr<const RowBlockValues>> RowBlockValues::Parse(std::string_view in,
                                                                    const lsm::sstable::SidePart* side) {
  auto bad = [] { return Status::Corruption("bad columnar block of rows"); };  // built only when needed
  if (in.empty()) return bad();
  const auto format = static_cast<uint8_t>(in[0]);
  if (format != kRowBlockFormat && format != kRowBlockFormatAllInline) {
    return Status::Corruption("columnar block format " + std::to_string(format) +
                              " is not known to this embodb (it reads formats " +
                              std::to_string(kRowBlockFormatAllInline) + " and " + std::to_string(kRowBlockFormat) + ")");
  }
  in.remove_prefix(1);
  auto v = std::unique_ptr<RowBlockValues>(new RowBlockValues());
  uint64_t n = 0, m = 0, pk = 0, raw = 0;
  if (!GetVarint64(&in, &n) || !GetVarint64(&in, &m) || !GetVarint64(&in, &pk) || !GetVarint64(&in, &raw) ||
      n == 0 || n > kMaxEntries || m == 0 || m > (1u << 16) || pk > m || raw > n) {
    return bad();
  }
  v->entries_ = n;
  v->primary_key_ = pk;
  v->raw_count_ = raw;
  if (raw > 0) {
    const size_t bytes = codec::PackedBytes(n, 1);
    if (in.size() < bytes) return bad();
    v->raw_ = reinterpret_cast<const uint8_t*>(in.data());
    size_t counted = 0;
    for (size_t b = 0; b < bytes; b++) counted += static_cast<size_t>(__builtin_popcount(v->raw_[b]));
    if (counted != raw) return bad();
    in.remove_prefix(bytes);
  }
  EMBODB_RETURN_IF_ERROR(v->counts_.Open(&in, n));
  if (in.size() < 4 * m) return bad();
  const char* ends = in.data();
  in.remove_prefix(4 * m);
  v->apart_.assign(m, 0);
  if (format == kRowBlockFormat) {
    const size_t bytes = codec::PackedBytes(m, 1);
    if (in.size() < bytes) return bad();
    for (size_t c = 0; c < m; c++) v->apart_[c] = (static_cast<uint8_t>(in[c / 8]) >> (c % 8)) & 1;
    in.remove_prefix(bytes);
  }
  v->chunks_.resize(m);
  v->readers_.resize(m);
  v->side_ranges_.assign(m, {0, 0});
  v->side_ = side;
  uint32_t begin = 0, side_begin = 0;
  for (size_t c = 0; c < m; c++) {
    const uint32_t end = DecodeFixed32(ends + 4 * c);
    if (v->apart_[c]) {  // checked against the side part when it is read
      if (c == pk || side == nullptr || end < side_begin) return bad();
      v->side_ranges_[c] = {side_begin, end};
      side_begin = end;
      continue;
    }
    if (end < begin || end > in.size()) return bad();
    v->chunks_[c] = in.substr(begin, end - begin);
    begin = end;
    if (c == pk) {
      if (!v->chunks_[c].empty()) return bad();
      continue;
    }
    EMBODB_RETURN_IF_ERROR(v->readers_[c].Open(v->chunks_[c]));
    if (v->readers_[c].rows() != n) return bad();
  }
  in.remove_prefix(begin);
  EMBODB_RETURN_IF_ERROR(v->raw_ends_.Open(&in, raw));
  const int64_t raw_total = raw == 0 ? 0 : v->raw_ends_.At(raw - 1);
  if (raw_total < 0 || static_cast<uint64_t>(raw_total) != in.size()) return bad();
  v->raw_bytes_ = in;
  return std::unique_ptr<const RowBlockValues>(std::move(v));
}

Status RowBlockValues::Load(size_t c) const {
  if (!apart_[c]) return Status::OK();
  std::call_once(side_once_, [&] { side_status_ = LoadSide(); });
  return side_status_;
}

Status RowBlockValues::LoadSide() const {
  Result<std::string_view> bytes = side_->Bytes();
  if (!bytes.ok()) return bytes.status();
  // Written once, under side_once_; read after it by any thread.
  auto* self = const_cast<RowBlockValues*>(this);
  for (size_t c = 0; c < apart_.size(); c++) {
    if (!apart_[c]) continue;
    const auto [begin, end] = side_ranges_[c];
    if (end > bytes->size()) return Status::Corruption("a columnar block's side block is cut short");
    self->chunks_[c] = bytes->substr(begin, end - begin);
    EMBODB_RETURN_IF_ERROR(self->readers_[c].Open(chunks_[c]));
    if (readers_[c].rows() != entries_) return Status::Corruption("bad columnar block of rows");
  }
  return Status::OK();
}

void RowBlockValues::Prefetch(size_t i) const {
  if (IsRaw(i)) return;
  counts_.Prefetch(i);
  for (size_t c = 0; c < readers_.size(); c++) {
    if (c != primary_key_ && Load(c).ok()) readers_[c].Prefetch(i);
  }
}

Status RowBlockValues::Value(size_t i, std::string* scratch, std::string_view* out) const {
  auto bad = [] { return Status::Corruption("bad columnar block of rows"); };  // built only when needed
  if (IsRaw(i)) {
    size_t j = 0;  // its rank among the raw entries
    for (size_t k = 0; k < i / 8; k++) j += static_cast<size_t>(__builtin_popcount(raw_[k]));
    j += static_cast<size_t>(__builtin_popcount(raw_[i / 8] & ((1u << (i % 8)) - 1)));
    const int64_t begin = j == 0 ? 0 : raw_ends_.At(j - 1), end = raw_ends_.At(j);
    if (begin < 0 || end < begin || static_cast<uint64_t>(end) > raw_bytes_.size()) return bad();
    *out = raw_bytes_.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin));
    return Status::OK();
  }
  const int64_t count = counts_.At(i);
  if (count < 0 || static_cast<uint64_t>(count) > chunks_.size()) return bad();
  const auto stored = static_cast<size_t>(count);
  scratch->clear();
  scratch->push_back(static_cast<char>(kRowFormat));
  PutVarint32(scratch, static_cast<uint32_t>(stored));
  const size_t bitmap_at = scratch->size();
  scratch->append((stored + 7) / 8, '\0');
  char fixed[64];
  for (size_t c = 0; c < stored; c++) {
    if (c == primary_key_) continue;
    EMBODB_RETURN_IF_ERROR(Load(c));
    const ChunkReader& r = readers_[c];
    if (r.IsNull(i)) {
      (*scratch)[bitmap_at + c / 8] = static_cast<char>((*scratch)[bitmap_at + c / 8] | (1 << (c % 8)));
      continue;
    }
    const table::ColumnType& type = r.type();
    if (type.IsVariable()) {
      std::string_view bytes;
      EMBODB_RETURN_IF_ERROR(r.BytesAt(i, &bytes));
      PutVarint32(scratch, static_cast<uint32_t>(bytes.size()));
      scratch->append(bytes);
    } else if (type.FixedWidth() <= sizeof fixed) {
      EMBODB_RETURN_IF_ERROR(r.FixedAt(i, fixed));
      scratch->append(fixed, type.FixedWidth());
    } else {  // a long vector
      const size_t at = scratch->size();
      scratch->resize(at + type.FixedWidth());
      EMBODB_RETURN_IF_ERROR(r.FixedAt(i, scratch->data() + at));
    }
  }
  *out = *scratch;
  return Status::OK();
}

}  // namespace embodb::columnar
