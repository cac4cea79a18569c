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
};

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

void EncodeInts(const int64_t* values, size_t n, std::string* out) {
  if (n == 0) return;
  uint64_t base;
  unsigned width;
  Frame(values, n, 0, 0, &base, &width);
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
