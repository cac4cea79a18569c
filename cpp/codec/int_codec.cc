#include "codec/int_codec.h"

#include <algorithm>
#include <vector>

#include "codec/bitpack.h"
#include "util/coding.h"

namespace embodb::codec {

namespace {

// On disk: never renumber.
enum class IntScheme : uint8_t {
  kFor = 0,    // base (fixed64), width (1 byte), packed value - base
  kDelta = 1,  // first (fixed64), base of deltas (fixed64), width, packed delta - base (n - 1 of them)
};

// Frame of reference of v[0..n): the smallest value (signed) and the bits
// of the largest distance from it.
void Frame(const int64_t* v, size_t n, int64_t* base, unsigned* width) {
  const auto [lo, hi] = std::minmax_element(v, v + n);
  *base = *lo;
  *width = BitWidth(static_cast<uint64_t>(*hi) - static_cast<uint64_t>(*lo));
}

void PackFrom(const int64_t* v, size_t n, int64_t base, unsigned width, std::string* out) {
  std::vector<uint64_t> offsets(n);
  for (size_t i = 0; i < n; i++) offsets[i] = static_cast<uint64_t>(v[i]) - static_cast<uint64_t>(base);
  out->push_back(static_cast<char>(width));
  PackBits(offsets.data(), n, width, out);
}

}  // namespace

void EncodeInts(const int64_t* values, size_t n, std::string* out) {
  if (n == 0) return;
  int64_t base;
  unsigned width;
  Frame(values, n, &base, &width);
  std::vector<int64_t> deltas;
  int64_t delta_base = 0;
  unsigned delta_width = 64;
  if (n > 1 && width > 0) {
    deltas.resize(n - 1);
    for (size_t i = 1; i < n; i++) {
      deltas[i - 1] = static_cast<int64_t>(static_cast<uint64_t>(values[i]) - static_cast<uint64_t>(values[i - 1]));
    }
    Frame(deltas.data(), n - 1, &delta_base, &delta_width);
  }
  // Deltas cost 8 more bytes of header: worth it when they save more.
  if (!deltas.empty() && PackedBytes(n - 1, delta_width) + 8 < PackedBytes(n, width)) {
    out->push_back(static_cast<char>(IntScheme::kDelta));
    PutFixed64(out, static_cast<uint64_t>(values[0]));
    PutFixed64(out, static_cast<uint64_t>(delta_base));
    PackFrom(deltas.data(), n - 1, delta_base, delta_width, out);
    return;
  }
  out->push_back(static_cast<char>(IntScheme::kFor));
  PutFixed64(out, static_cast<uint64_t>(base));
  PackFrom(values, n, base, width, out);
}

Status DecodeInts(std::string_view* in, size_t n, int64_t* out) {
  if (n == 0) return Status::OK();
  const Status bad = Status::Corruption("bad integer chunk");
  if (in->empty()) return bad;
  const auto scheme = static_cast<IntScheme>((*in)[0]);
  in->remove_prefix(1);
  std::vector<uint64_t> packed(n);
  uint64_t first = 0, base = 0;
  if (scheme == IntScheme::kDelta && !GetFixed64(in, &first)) return bad;
  if (scheme != IntScheme::kFor && scheme != IntScheme::kDelta) return Status::Corruption("unknown integer scheme");
  if (!GetFixed64(in, &base) || in->empty()) return bad;
  const auto width = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  const size_t count = scheme == IntScheme::kDelta ? n - 1 : n;
  Status s = UnpackBits(in, count, width, packed.data());
  if (!s.ok()) return s;
  if (scheme == IntScheme::kFor) {
    for (size_t i = 0; i < n; i++) out[i] = static_cast<int64_t>(packed[i] + base);
    return Status::OK();
  }
  uint64_t v = first;
  out[0] = static_cast<int64_t>(v);
  for (size_t i = 1; i < n; i++) {
    v += packed[i - 1] + base;
    out[i] = static_cast<int64_t>(v);
  }
  return Status::OK();
}

}  // namespace embodb::codec
