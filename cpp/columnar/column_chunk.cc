#include "columnar/column_chunk.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "codec/bitpack.h"
#include "codec/float_codec.h"
#include "codec/int_codec.h"
#include "codec/string_codec.h"
#include "util/coding.h"

namespace embodb::columnar {

using table::ColumnBuffer;
using table::ColumnType;
using table::ColumnView;
using table::TypeId;
using table::Value;

namespace {

constexpr uint8_t kChunkFormat = 1;  // on disk: never renumber

bool IsIntegral(TypeId t) { return t == TypeId::kTimestamp || ColumnType{t, 0}.IsInteger(); }
bool IsUnsigned(const ColumnType& t) { return t.IsInteger() && !t.IsSignedInteger(); }

Value IntValue(const ColumnType& t, int64_t v) {
  return IsUnsigned(t) ? Value::UInt(static_cast<uint64_t>(v)) : Value::Int(v);
}

// The rows that are not null.
std::vector<size_t> Present(const ColumnView& c) {
  std::vector<size_t> rows;
  rows.reserve(c.length);
  for (size_t i = 0; i < c.length; i++) {
    if (!c.IsNull(i)) rows.push_back(i);
  }
  return rows;
}

ChunkStats StatsOf(const ColumnView& c, const std::vector<size_t>& present) {
  ChunkStats s;
  s.type = c.type;
  s.rows = c.length;
  s.nulls = c.length - present.size();
  if (present.empty() || c.type.IsFloatArray()) return s;
  const TypeId t = c.type.id;
  if (IsIntegral(t)) {
    int64_t lo = c.IntegerAt(present[0]), hi = lo;
    const bool unsigned_order = IsUnsigned(c.type);
    for (size_t i : present) {
      const int64_t v = c.IntegerAt(i);
      if (unsigned_order ? static_cast<uint64_t>(v) < static_cast<uint64_t>(lo) : v < lo) lo = v;
      if (unsigned_order ? static_cast<uint64_t>(v) > static_cast<uint64_t>(hi) : v > hi) hi = v;
    }
    s.min = IntValue(c.type, lo);
    s.max = IntValue(c.type, hi);
  } else if (c.type.IsFloat()) {
    bool any = false;
    double lo = 0, hi = 0;
    for (size_t i : present) {
      const double v = t == TypeId::kFloat32 ? c.Get<float>(i) : c.Get<double>(i);
      if (std::isnan(v)) {
        s.has_nan = true;
        continue;
      }
      if (!any || v < lo) lo = v;
      if (!any || v > hi) hi = v;
      any = true;
    }
    if (any) {
      s.min = Value::Double(lo);
      s.max = Value::Double(hi);
    }
  } else if (t == TypeId::kBool) {
    bool lo = true, hi = false;
    for (size_t i : present) {
      const bool v = c.Get<uint8_t>(i) != 0;
      lo = lo && v;
      hi = hi || v;
    }
    s.min = Value::Bool(lo);
    s.max = Value::Bool(hi);
  } else {  // string, bytes
    std::string_view lo = c.Bytes(present[0]), hi = lo;
    for (size_t i : present) {
      const std::string_view v = c.Bytes(i);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    s.min = Value::String(lo);
    s.max = Value::String(hi);
  }
  return s;
}

void EncodeValues(const ColumnView& c, const std::vector<size_t>& present, codec::IntLayout layout, std::string* out) {
  const TypeId t = c.type.id;
  const size_t n = present.size();
  if (IsIntegral(t)) {
    std::vector<int64_t> v(n);
    for (size_t j = 0; j < n; j++) v[j] = c.IntegerAt(present[j]);
    codec::EncodeInts(v.data(), n, out, layout);
  } else if (t == TypeId::kFloat64) {
    std::vector<double> v(n);
    for (size_t j = 0; j < n; j++) v[j] = c.Get<double>(present[j]);
    codec::EncodeDoubles(v.data(), n, out, layout);
  } else if (t == TypeId::kFloat32) {
    std::vector<float> v(n);
    for (size_t j = 0; j < n; j++) v[j] = c.Get<float>(present[j]);
    codec::EncodeFloats(v.data(), n, out, layout);
  } else if (t == TypeId::kBool) {
    std::vector<uint64_t> bits(n);
    for (size_t j = 0; j < n; j++) bits[j] = c.Get<uint8_t>(present[j]) != 0;
    codec::PackBits(bits.data(), n, 1, out);
  } else if (c.type.IsStringOrBytes()) {
    std::vector<std::string_view> v(n);
    for (size_t j = 0; j < n; j++) v[j] = c.Bytes(present[j]);
    codec::EncodeStrings(v.data(), n, out);
  } else if (t == TypeId::kPointCloud) {
    std::vector<int64_t> ends(n);
    int64_t end = 0;
    for (size_t j = 0; j < n; j++) ends[j] = end += static_cast<int64_t>(c.Bytes(present[j]).size());
    codec::EncodeInts(ends.data(), n, out);
    for (size_t i : present) out->append(c.Bytes(i));
  } else {  // vector, point3: their float32 bytes
    const size_t w = c.type.FixedWidth();
    for (size_t i : present) out->append(reinterpret_cast<const char*>(c.Fixed(i)), w);
  }
}

void PutStats(const ChunkStats& s, std::string* out) {
  out->push_back(static_cast<char>(s.has_nan ? 1 : 0));
  s.min.EncodeTo(out);
  s.max.EncodeTo(out);
}

}  // namespace

void EncodeChunk(const ColumnView& col, std::string* out, codec::IntLayout layout) {
  const std::vector<size_t> present = Present(col);
  const ChunkStats stats = StatsOf(col, present);
  out->push_back(static_cast<char>(kChunkFormat));
  out->push_back(static_cast<char>(col.type.id));
  PutVarint32(out, col.type.param);
  PutVarint64(out, stats.rows);
  PutVarint64(out, stats.nulls);
  PutStats(stats, out);
  if (stats.nulls > 0) {
    std::vector<uint64_t> bits(col.length);
    for (size_t i = 0; i < col.length; i++) bits[i] = col.IsNull(i);
    codec::PackBits(bits.data(), col.length, 1, out);
  }
  EncodeValues(col, present, layout, out);
}

namespace {

// Whether a stored type id names a type (on disk: TypeId's numbers).
bool KnownType(TypeId t) {
  return static_cast<uint8_t>(t) >= static_cast<uint8_t>(TypeId::kBool) &&
         static_cast<uint8_t>(t) <= static_cast<uint8_t>(TypeId::kPointCloud);
}

// Skips a value as Value::EncodeTo writes it (kind byte, then its payload)
// without building it; false when it is malformed.
bool SkipValue(std::string_view* in) {
  if (in->empty()) return false;
  const auto kind = static_cast<Value::Kind>((*in)[0]);
  in->remove_prefix(1);
  size_t size = 0;
  switch (kind) {
    case Value::Kind::kNull: return true;
    case Value::Kind::kBool: size = 1; break;
    case Value::Kind::kInt:
    case Value::Kind::kUInt:
    case Value::Kind::kDouble: size = 8; break;
    case Value::Kind::kString: {
      std::string_view bytes;
      return GetLengthPrefixed(in, &bytes);
    }
    default: return false;
  }
  if (in->size() < size) return false;
  in->remove_prefix(size);
  return true;
}

// Reads the header; *in is left at the null bitmap. Without `with_range`
// min and max are skipped (left null), which costs no allocation.
Result<ChunkStats> ReadHeader(std::string_view* in, bool with_range = true) {
  auto bad = [] { return Status::Corruption("bad column chunk"); };  // built only when needed
  if (in->size() < 2) return bad();
  if (static_cast<uint8_t>((*in)[0]) != kChunkFormat) {
    return Status::Corruption("column chunk format " + std::to_string(static_cast<uint8_t>((*in)[0])) +
                              " is not known to this embodb (it reads format " + std::to_string(kChunkFormat) + ")");
  }
  ChunkStats s;
  s.type.id = static_cast<TypeId>((*in)[1]);
  in->remove_prefix(2);
  uint64_t rows = 0, nulls = 0;
  if (!GetVarint32(in, &s.type.param) || !KnownType(s.type.id) || !GetVarint64(in, &rows) ||
      !GetVarint64(in, &nulls) || nulls > rows || rows > kMaxChunkRows || s.type.param > (1u << 20) || in->empty()) {
    return bad();
  }
  // A vector or cloud of no floats has no width to step by.
  if ((s.type.id == TypeId::kVector || s.type.id == TypeId::kPointCloud) && s.type.param == 0) return bad();
  s.rows = rows;
  s.nulls = nulls;
  s.has_nan = (*in)[0] != 0;
  in->remove_prefix(1);
  if (!with_range) {
    if (!SkipValue(in) || !SkipValue(in)) return bad();
    return s;
  }
  auto lo = Value::Decode(in);
  if (!lo.ok()) return bad();
  auto hi = Value::Decode(in);
  if (!hi.ok()) return bad();
  s.min = std::move(lo).value();
  s.max = std::move(hi).value();
  return s;
}

}  // namespace

Result<ChunkStats> ReadChunkStats(std::string_view chunk) { return ReadHeader(&chunk); }

bool DecodesInto(const ChunkStats& stats) {
  const TypeId t = stats.type.id;
  return stats.nulls == 0 && (t == TypeId::kFloat64 || t == TypeId::kFloat32 ||
                              (IsIntegral(t) && stats.type.FixedWidth() == 8));
}

namespace {

// The values of a chunk DecodesInto takes, after its header (read into s),
// written at out; the chunk must end with them.
Status DecodeValuesInto(std::string_view chunk, const ChunkStats& s, void* out) {
  const TypeId t = s.type.id;
  Status st = t == TypeId::kFloat64   ? codec::DecodeDoubles(&chunk, s.rows, static_cast<double*>(out))
              : t == TypeId::kFloat32 ? codec::DecodeFloats(&chunk, s.rows, static_cast<float*>(out))
                                      : codec::DecodeInts(&chunk, s.rows, static_cast<int64_t*>(out));
  if (st.ok() && !chunk.empty()) st = Status::Corruption("bytes left over after a column chunk");
  return st;
}

}  // namespace

Status DecodeChunkInto(std::string_view chunk, const ColumnType& type, void* out) {
  ChunkStats s;
  EMBODB_ASSIGN_OR_RETURN(s, ReadHeader(&chunk));
  if (s.type.id != type.id || s.type.param != type.param) {
    return Status::InvalidArgument("a chunk of " + s.type.Name() + " read as " + type.Name());
  }
  if (!DecodesInto(s)) return Status::NotSupported("a chunk with nulls or of variable width");
  return DecodeValuesInto(chunk, s, out);
}

Status DecodeChunk(std::string_view chunk, ColumnBuffer* out) {
  ChunkStats s;
  EMBODB_ASSIGN_OR_RETURN(s, ReadHeader(&chunk));
  const ColumnType& type = out->type();
  if (s.type.id != type.id || s.type.param != type.param) {
    return Status::InvalidArgument("a chunk of " + s.type.Name() + " read as " + type.Name());
  }
  if (DecodesInto(s)) {  // the common case: straight into the output
    const size_t before = out->length();
    const Status st = DecodeValuesInto(chunk, s, out->AppendFixedSpace(s.rows));
    if (!st.ok()) out->Truncate(before);
    return st;
  }
  std::vector<uint64_t> null_bits(s.rows, 0);
  if (s.nulls > 0) EMBODB_RETURN_IF_ERROR(codec::UnpackBits(&chunk, s.rows, 1, null_bits.data()));
  const size_t n = s.rows - s.nulls;
  size_t counted = 0;
  for (uint64_t b : null_bits) counted += b;
  if (counted != s.nulls) return Status::Corruption("column chunk's null count disagrees with its bitmap");
  const TypeId t = type.id;
  // The present values, in order; appended between the nulls.
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<float> floats;
  std::vector<uint64_t> bools;
  std::string data;
  std::vector<int64_t> offsets;
  const size_t width = type.FixedWidth();
  if (IsIntegral(t)) {
    ints.resize(n);
    EMBODB_RETURN_IF_ERROR(codec::DecodeInts(&chunk, n, ints.data()));
  } else if (t == TypeId::kFloat64) {
    doubles.resize(n);
    EMBODB_RETURN_IF_ERROR(codec::DecodeDoubles(&chunk, n, doubles.data()));
  } else if (t == TypeId::kFloat32) {
    floats.resize(n);
    EMBODB_RETURN_IF_ERROR(codec::DecodeFloats(&chunk, n, floats.data()));
  } else if (t == TypeId::kBool) {
    bools.resize(n);
    EMBODB_RETURN_IF_ERROR(codec::UnpackBits(&chunk, n, 1, bools.data()));
  } else if (type.IsStringOrBytes()) {
    EMBODB_RETURN_IF_ERROR(codec::DecodeStrings(&chunk, n, &data, &offsets));
  } else if (t == TypeId::kPointCloud) {
    offsets.assign(n + 1, 0);
    EMBODB_RETURN_IF_ERROR(codec::DecodeInts(&chunk, n, offsets.data() + 1));
    for (size_t j = 0; j < n; j++) {
      const int64_t size = offsets[j + 1] - offsets[j];
      if (size < 0 || size % static_cast<int64_t>(4 * type.param) != 0) return Status::Corruption("bad point cloud size");
    }
    if (static_cast<uint64_t>(offsets.back()) > chunk.size()) return Status::Corruption("column chunk cut short");
    data.assign(chunk.data(), static_cast<size_t>(offsets.back()));
    chunk.remove_prefix(data.size());
  } else {
    if (chunk.size() < n * width) return Status::Corruption("column chunk cut short");
    if (s.nulls == 0 && chunk.size() == n * width) {  // vectors, points: straight from the chunk
      out->AppendFixedValues(chunk.data(), n);
      return Status::OK();
    }
    data.assign(chunk.data(), n * width);
    chunk.remove_prefix(data.size());
  }
  if (!chunk.empty()) return Status::Corruption("bytes left over after a column chunk");
  out->Reserve(s.rows, data.size());
  if (s.nulls == 0) {  // the common case, in bulk
    if (t == TypeId::kFloat64) {
      out->AppendFixedValues(doubles.data(), n);
      return Status::OK();
    }
    if (t == TypeId::kFloat32) {
      out->AppendFixedValues(floats.data(), n);
      return Status::OK();
    }
    if (IsIntegral(t) && width == 8) {
      out->AppendFixedValues(ints.data(), n);
      return Status::OK();
    }
    if (IsIntegral(t) && width == 4) {
      std::vector<int32_t> narrow(ints.begin(), ints.end());
      out->AppendFixedValues(narrow.data(), n);
      return Status::OK();
    }
  }
  size_t j = 0;
  for (size_t i = 0; i < s.rows; i++) {
    if (null_bits[i]) {
      out->AppendNull();
      continue;
    }
    if (IsIntegral(t)) {
      out->AppendFixed(&ints[j]);  // little-endian: the low bytes are the narrower type's value
    } else if (t == TypeId::kFloat64) {
      out->AppendFixed(&doubles[j]);
    } else if (t == TypeId::kFloat32) {
      out->AppendFixed(&floats[j]);
    } else if (t == TypeId::kBool) {
      const uint8_t b = static_cast<uint8_t>(bools[j]);
      out->AppendFixed(&b);
    } else if (!offsets.empty()) {
      out->AppendBytes(std::string_view(data).substr(static_cast<size_t>(offsets[j]),
                                                     static_cast<size_t>(offsets[j + 1] - offsets[j])));
    } else {
      out->AppendFixed(data.data() + j * width);
    }
    j++;
  }
  return Status::OK();
}

Status ChunkReader::Open(std::string_view chunk) {
  *this = ChunkReader();
  ChunkStats stats;
  EMBODB_ASSIGN_OR_RETURN(stats, ReadHeader(&chunk, /*with_range=*/false));
  type_ = stats.type;
  rows_ = stats.rows;
  const size_t rows = stats.rows;
  if (stats.nulls > 0) {
    const size_t bytes = codec::PackedBytes(rows, 1);
    if (chunk.size() < bytes) return Status::Corruption("column chunk cut short");
    nulls_ = reinterpret_cast<const uint8_t*>(chunk.data());
    size_t counted = 0;
    for (size_t b = 0; b < bytes; b++) counted += static_cast<size_t>(__builtin_popcount(nulls_[b]));
    if (counted != stats.nulls) return Status::Corruption("column chunk's null count disagrees with its bitmap");
    chunk.remove_prefix(bytes);
  }
  const size_t n = rows - stats.nulls;
  const ColumnType& type = type_;
  const TypeId t = type.id;
  if (IsIntegral(t)) {
    EMBODB_RETURN_IF_ERROR(ints_.Open(&chunk, n));
  } else if (t == TypeId::kFloat64) {
    EMBODB_RETURN_IF_ERROR(doubles_.Open(&chunk, n));
  } else if (t == TypeId::kFloat32) {
    EMBODB_RETURN_IF_ERROR(floats_.Open(&chunk, n));
  } else if (type.IsStringOrBytes()) {
    EMBODB_RETURN_IF_ERROR(strings_.Open(&chunk, n));
  } else {
    size_t bytes = t == TypeId::kBool ? codec::PackedBytes(n, 1) : n * type.FixedWidth();
    if (t == TypeId::kPointCloud) {
      EMBODB_RETURN_IF_ERROR(ints_.Open(&chunk, n));
      const int64_t total = n == 0 ? 0 : ints_.At(n - 1);
      if (total < 0) return Status::Corruption("bad point cloud size");
      bytes = static_cast<size_t>(total);
    }
    if (chunk.size() < bytes) return Status::Corruption("column chunk cut short");
    values_ = reinterpret_cast<const uint8_t*>(chunk.data());
    values_size_ = bytes;
    chunk.remove_prefix(bytes);
  }
  if (!chunk.empty()) return Status::Corruption("bytes left over after a column chunk");
  return Status::OK();
}

size_t ChunkReader::ValueIndex(size_t row) const {
  if (nulls_ == nullptr) return row;
  size_t nulls = 0;
  size_t b = 0;
  for (; b + 8 <= row / 8; b += 8) {
    uint64_t w;
    std::memcpy(&w, nulls_ + b, 8);
    nulls += static_cast<size_t>(__builtin_popcountll(w));
  }
  for (; b < row / 8; b++) nulls += static_cast<size_t>(__builtin_popcount(nulls_[b]));
  nulls += static_cast<size_t>(__builtin_popcount(nulls_[row / 8] & ((1u << (row % 8)) - 1)));
  return row - nulls;
}

void ChunkReader::Prefetch(size_t row) const {
  if (nulls_ != nullptr) __builtin_prefetch(nulls_ + row / 8);
  const size_t i = row;  // close enough: a value's place among the non-null ones is at most this
  switch (type_.id) {
    case table::TypeId::kFloat64: doubles_.Prefetch(i); break;
    case table::TypeId::kFloat32: floats_.Prefetch(i); break;
    case table::TypeId::kString:
    case table::TypeId::kBytes:
    case table::TypeId::kPointCloud:
    case table::TypeId::kBool: break;
    case table::TypeId::kVector:
    case table::TypeId::kPoint3: {
      if (values_ == nullptr) break;
      const size_t w = type_.FixedWidth();
      const size_t at = std::min(i * w, values_size_ == 0 ? 0 : values_size_ - 1);
      for (size_t b = 0; b < w && at + b < values_size_; b += 64) __builtin_prefetch(values_ + at + b);
      break;
    }
    default: ints_.Prefetch(i); break;
  }
}

Status ChunkReader::FixedAt(size_t row, void* out) const {
  const size_t j = ValueIndex(row);
  const ColumnType& type = type_;
  const TypeId t = type.id;
  if (IsIntegral(t)) {
    const int64_t v = ints_.At(j);
    std::memcpy(out, &v, type.FixedWidth());  // little-endian: the narrower type's value
  } else if (t == TypeId::kFloat64) {
    const double v = doubles_.At(j);
    std::memcpy(out, &v, sizeof v);
  } else if (t == TypeId::kFloat32) {
    const float v = floats_.At(j);
    std::memcpy(out, &v, sizeof v);
  } else if (t == TypeId::kBool) {
    *static_cast<uint8_t*>(out) = static_cast<uint8_t>(codec::UnpackOne(values_, values_size_, j, 1));
  } else if (!type.IsVariable()) {
    std::memcpy(out, values_ + j * type.FixedWidth(), type.FixedWidth());
  } else {
    return Status::InvalidArgument("a " + type.Name() + " value is not of fixed width");
  }
  return Status::OK();
}

Status ChunkReader::AppendRow(size_t row, ColumnBuffer* out) const {
  if (IsNull(row)) {
    out->AppendNull();
    return Status::OK();
  }
  if (type_.IsVariable()) {
    std::string_view bytes;
    EMBODB_RETURN_IF_ERROR(BytesAt(row, &bytes));
    out->AppendBytes(bytes);
  } else if (values_ != nullptr && type_.id != TypeId::kBool) {  // vectors, points: their stored bytes
    out->AppendFixed(values_ + ValueIndex(row) * type_.FixedWidth());
  } else {
    uint64_t value = 0;  // the widest scalar
    EMBODB_RETURN_IF_ERROR(FixedAt(row, &value));
    out->AppendFixed(&value);
  }
  return Status::OK();
}

Status ChunkReader::BytesAt(size_t row, std::string_view* out) const {
  const size_t j = ValueIndex(row);
  const ColumnType& type = type_;
  if (type.IsStringOrBytes()) return strings_.At(j, out);
  if (type.id != TypeId::kPointCloud) return Status::InvalidArgument("a " + type.Name() + " value is of fixed width");
  const int64_t begin = j == 0 ? 0 : ints_.At(j - 1), end = ints_.At(j);
  if (begin < 0 || end < begin || static_cast<uint64_t>(end) > values_size_ ||
      (end - begin) % static_cast<int64_t>(4 * type.param) != 0) {
    return Status::Corruption("bad point cloud size");
  }
  *out = std::string_view(reinterpret_cast<const char*>(values_) + begin, static_cast<size_t>(end - begin));
  return Status::OK();
}

}  // namespace embodb::columnar
