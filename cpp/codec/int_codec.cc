#include "codec/int_codec.h"

#include <algorithm>
#include <vector>

#include "util/coding.h"

namespace embodb::codec {

namespace {

// On disk: never renumber.
enum class IntScheme : uint8_t {
  kFor = 0,     // base (fixed64), width (1 byte), packed v[i] - base
  kLinear = 1,  // first, slope, base (fixed64 each), width, packed v[i] - (first + i * slope) - base
  kDelta = 2,   // first (fixed64), then the n - 1 deltas in runs of kDeltaRun: base (zigzag
                // varint64), width (1 byte), packed delta - base. Sequential layout only.
};

constexpr size_t kDeltaRun = 64;

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

int64_t DeltaAt(const int64_t* v, size_t i) {  // v[i + 1] - v[i], wrapping
  return static_cast<int64_t>(static_cast<uint64_t>(v[i + 1]) - static_cast<uint64_t>(v[i]));
}

// The frame (smallest delta) and width of the run of deltas [begin, end).
void DeltaFrame(const int64_t* v, size_t begin, size_t end, int64_t* base, unsigned* width) {
  int64_t lo = DeltaAt(v, begin), hi = lo;
  for (size_t i = begin + 1; i < end; i++) {
    const int64_t d = DeltaAt(v, i);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  *base = lo;
  *width = BitWidth(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo));
}

// The bytes the delta scheme takes for n >= 2 values.
size_t DeltaSize(const int64_t* v, size_t n) {
  size_t bytes = 1 + 8;
  for (size_t begin = 0; begin < n - 1; begin += kDeltaRun) {
    const size_t end = std::min(begin + kDeltaRun, n - 1);
    int64_t base;
    unsigned width;
    DeltaFrame(v, begin, end, &base, &width);
    bytes += static_cast<size_t>(VarintLength(ZigZag(base))) + 1 + PackedBytes(end - begin, width);
  }
  return bytes;
}

void EncodeDelta(const int64_t* v, size_t n, std::string* out) {
  out->push_back(static_cast<char>(IntScheme::kDelta));
  PutFixed64(out, static_cast<uint64_t>(v[0]));
  uint64_t packed[kDeltaRun];
  for (size_t begin = 0; begin < n - 1; begin += kDeltaRun) {
    const size_t end = std::min(begin + kDeltaRun, n - 1);
    int64_t base;
    unsigned width;
    DeltaFrame(v, begin, end, &base, &width);
    for (size_t i = begin; i < end; i++) {
      packed[i - begin] = static_cast<uint64_t>(DeltaAt(v, i)) - static_cast<uint64_t>(base);
    }
    PutVarint64(out, ZigZag(base));
    out->push_back(static_cast<char>(width));
    PackBits(packed, end - begin, width, out);
  }
}

Status DecodeDelta(std::string_view* in, size_t n, int64_t* out) {
  uint64_t value;
  if (!GetFixed64(in, &value)) return Status::Corruption("bad integer chunk");
  out[0] = static_cast<int64_t>(value);
  uint64_t packed[kDeltaRun];
  for (size_t begin = 0; begin < n - 1; begin += kDeltaRun) {
    const size_t count = std::min(kDeltaRun, n - 1 - begin);
    uint64_t zigzag_base;
    if (!GetVarint64(in, &zigzag_base) || in->empty()) return Status::Corruption("bad integer chunk");
    const unsigned width = static_cast<uint8_t>((*in)[0]);
    in->remove_prefix(1);
    EMBODB_RETURN_IF_ERROR(UnpackBits(in, count, width, packed));
    const auto base = static_cast<uint64_t>(UnZigZag(zigzag_base));
    for (size_t i = 0; i < count; i++) {
      value += base + packed[i];
      out[begin + i + 1] = static_cast<int64_t>(value);
    }
  }
  return Status::OK();
}


// Arithmetic is modulo 2^64, so every slope stores every value exactly; a
// good slope only makes the residuals small.
uint64_t Residual(const int64_t* v, size_t i, uint64_t first, uint64_t slope) {
  return static_cast<uint64_t>(v[i]) - first - slope * i;
}

// The smallest residual (as a signed value) and the bits of the largest
// distance from it.
void Frame(const int64_t* v, size_t n, uint64_t first, uint64_t slope, uint64_t* base, unsigned* width) {
  int64_t lo = static_cast<int64_t>(Residual(v, 0, first, slope)), hi = lo;
  for (size_t i = 1; i < n; i++) {
    const auto r = static_cast<int64_t>(Residual(v, i, first, slope));
    lo = std::min(lo, r);
    hi = std::max(hi, r);
  }
  *base = static_cast<uint64_t>(lo);
  *width = BitWidth(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo));
}

void Pack(const int64_t* v, size_t n, uint64_t first, uint64_t slope, uint64_t base, unsigned width,
          std::string* out) {
  std::vector<uint64_t> packed(n);
  for (size_t i = 0; i < n; i++) packed[i] = Residual(v, i, first, slope) - base;
  out->push_back(static_cast<char>(width));
  PackBits(packed.data(), n, width, out);
}

// The slope of the line through the first and last value, rounded toward
// zero (in 128 bits: the difference may not fit in 64).
uint64_t LineSlope(const int64_t* v, size_t n) {
  const __int128 rise = static_cast<__int128>(v[n - 1]) - v[0];
  return static_cast<uint64_t>(static_cast<int64_t>(rise / static_cast<__int128>(n - 1)));
}

}  // namespace

void EncodeInts(const int64_t* values, size_t n, std::string* out, IntLayout layout) {
  if (n == 0) return;
  uint64_t base;
  unsigned width;
  Frame(values, n, 0, 0, &base, &width);
  if (layout == IntLayout::kSequential && n > 2 && width > 0) {
    // Worth it when it beats the frame by more than the line could (the
    // line's 16 bytes of header and a smaller width at best).
    if (DeltaSize(values, n) + 16 < PackedBytes(n, width)) {
      EncodeDelta(values, n, out);
      return;
    }
  }
  if (n > 2 && width > 0) {
    const uint64_t first = static_cast<uint64_t>(values[0]), slope = LineSlope(values, n);
    uint64_t line_base;
    unsigned line_width;
    Frame(values, n, first, slope, &line_base, &line_width);
    // The line costs 16 more bytes of header: worth it when it saves more.
    if (PackedBytes(n, line_width) + 16 < PackedBytes(n, width)) {
      out->push_back(static_cast<char>(IntScheme::kLinear));
      PutFixed64(out, first);
      PutFixed64(out, slope);
      PutFixed64(out, line_base);
      Pack(values, n, first, slope, line_base, line_width, out);
      return;
    }
  }
  out->push_back(static_cast<char>(IntScheme::kFor));
  PutFixed64(out, base);
  Pack(values, n, 0, 0, base, width, out);
}

Status IntReader::Open(std::string_view* in, size_t n) {
  *this = IntReader();
  if (n == 0) return Status::OK();
  auto bad = [] { return Status::Corruption("bad integer chunk"); };  // built only when needed
  if (in->empty()) return bad();
  const auto scheme = static_cast<IntScheme>((*in)[0]);
  in->remove_prefix(1);
  if (scheme == IntScheme::kDelta) return Status::Corruption("delta-coded integers in a chunk read by position");
  if (scheme != IntScheme::kFor && scheme != IntScheme::kLinear) return Status::Corruption("unknown integer scheme");
  if (scheme == IntScheme::kLinear && (!GetFixed64(in, &first_) || !GetFixed64(in, &slope_))) return bad();
  if (!GetFixed64(in, &base_) || in->empty()) return bad();
  width_ = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (width_ > 64) return Status::Corruption("bad bit width", std::to_string(width_));
  bytes_ = PackedBytes(n, width_);
  if (in->size() < bytes_) return Status::Corruption("packed values cut short");
  packed_ = reinterpret_cast<const uint8_t*>(in->data());
  in->remove_prefix(bytes_);
  return Status::OK();
}

Status DecodeInts(std::string_view* in, size_t n, int64_t* out) {
  if (n >= 2 && !in->empty() && static_cast<IntScheme>((*in)[0]) == IntScheme::kDelta) {
    in->remove_prefix(1);
    return DecodeDelta(in, n, out);
  }
  IntReader reader;
  EMBODB_RETURN_IF_ERROR(reader.Open(in, n));
  if (n == 0) return Status::OK();
  // Unpack in bulk (faster than At per value), then add the frame.
  std::string_view packed = reader.packed();
  std::vector<uint64_t> bits(n);
  EMBODB_RETURN_IF_ERROR(UnpackBits(&packed, n, reader.width(), bits.data()));
  for (size_t i = 0; i < n; i++) out[i] = reader.FromPacked(i, bits[i]);
  return Status::OK();
}

}  // namespace embodb::codec
