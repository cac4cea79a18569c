#include "codec/bitpack.h"

#include <array>
#include <cstring>
#include <utility>

namespace embodb::codec {

void PackBits(const uint64_t* values, size_t n, unsigned width, std::string* out) {
  const size_t bytes = PackedBytes(n, width);
  const size_t start = out->size();
  out->resize(start + bytes, '\0');
  if (width == 0) return;
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + start);
  // A 128-bit accumulator: the bits not yet written, lowest first.
  unsigned __int128 acc = 0;
  unsigned held = 0;
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    acc |= static_cast<unsigned __int128>(values[i]) << held;
    held += width;
    while (held >= 8) {
      dst[at++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      held -= 8;
    }
  }
  if (held > 0) dst[at] = static_cast<uint8_t>(acc);
}

namespace {

// 8 bytes from p, of which only `avail` may be read (the rest read as 0).
inline uint64_t LoadPartial(const uint8_t* p, size_t avail) {
  uint64_t v = 0;
  std::memcpy(&v, p, avail < 8 ? avail : 8);
  return v;
}

// Eight values of W bits (W bytes) from `in` into out, each read by one
// unaligned 8-byte load at a constant offset: the loop unrolls into shifts
// and masks. Reads up to 8 bytes past the group's W bytes (the caller
// checks they are in the buffer).
template <unsigned W>
void Unpack8(const uint8_t* in, uint64_t* out) {
  constexpr uint64_t kMask = (uint64_t{1} << W) - 1;
  for (unsigned j = 0; j < 8; j++) {
    uint64_t w;
    std::memcpy(&w, in + (j * W) / 8, 8);
    out[j] = (w >> ((j * W) % 8)) & kMask;
  }
}

using Unpack8Fn = void (*)(const uint8_t*, uint64_t*);

template <unsigned... Ws>
constexpr std::array<Unpack8Fn, sizeof...(Ws) + 1> Unpack8Table(std::integer_sequence<unsigned, Ws...>) {
  return {nullptr, &Unpack8<Ws + 1>...};
}

// Unpack8<w> for w in 1..56 (at index w).
constexpr auto kUnpack8 = Unpack8Table(std::make_integer_sequence<unsigned, 56>());

}  // namespace

Status UnpackBits(std::string_view* in, size_t n, unsigned width, uint64_t* out) {
  if (width > 64) return Status::Corruption("bad bit width", std::to_string(width));
  const size_t bytes = PackedBytes(n, width);
  if (in->size() < bytes) return Status::Corruption("packed values cut short");
  // Bytes that may be read, though not all are ours: whatever follows the
  // values in *in lets the 8-byte loads below run to the last value.
  const size_t readable = in->size();
  const auto* p = reinterpret_cast<const uint8_t*>(in->data());
  in->remove_prefix(bytes);
  if (n == 0) return Status::OK();
  if (width == 0) {
    std::memset(out, 0, n * sizeof(uint64_t));
    return Status::OK();
  }
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  size_t i = 0;
  if (width <= 56) {
    // Groups of eight values (width bytes each) while a group and the 8
    // bytes its last load may reach are in the buffer.
    const Unpack8Fn unpack8 = kUnpack8[width];
    for (; i + 8 <= n && (i / 8) * width + width + 8 <= readable; i += 8) unpack8(p + (i / 8) * width, out + i);
    // One unaligned 8-byte load holds the value (its first bit is at most 7
    // bits into it), while 8 bytes remain to be read.
    for (; i < n; i++) {
      const size_t bit = i * width;
      if (bit / 8 + 8 > readable) break;
      uint64_t w;
      std::memcpy(&w, p + bit / 8, 8);
      out[i] = (w >> (bit % 8)) & mask;
    }
  }
  for (; i < n; i++) {  // wide values, and the last bytes
    const size_t bit = i * width;
    const size_t byte = bit / 8, shift = bit % 8;
    const uint64_t lo = LoadPartial(p + byte, bytes - byte) >> shift;
    const uint64_t hi = shift == 0 || byte + 8 >= bytes ? 0 : LoadPartial(p + byte + 8, bytes - byte - 8) << (64 - shift);
    out[i] = (lo | hi) & mask;
  }
  return Status::OK();
}

}  // namespace embodb::codec
