// Fixed-width little-endian and varint encodings: the only place that decides
// how integers are laid out on disk.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace embodb {

static_assert(std::endian::native == std::endian::little,
              "embodb's on-disk coding assumes a little-endian host");

inline void EncodeFixed16(char* dst, uint16_t v) { std::memcpy(dst, &v, 2); }
inline void EncodeFixed32(char* dst, uint32_t v) { std::memcpy(dst, &v, 4); }
inline void EncodeFixed64(char* dst, uint64_t v) { std::memcpy(dst, &v, 8); }
inline uint16_t DecodeFixed16(const char* p) { uint16_t v; std::memcpy(&v, p, 2); return v; }
inline uint32_t DecodeFixed32(const char* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
inline uint64_t DecodeFixed64(const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }

// Big-endian integers, for keys whose byte order must be numeric order.
inline void PutBigEndian32(std::string* dst, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) dst->push_back(static_cast<char>((v >> shift) & 0xff));
}
inline void PutBigEndian64(std::string* dst, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) dst->push_back(static_cast<char>((v >> shift) & 0xff));
}
inline uint64_t GetBigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void PutVarint32(std::string* dst, uint32_t v);
void PutVarint64(std::string* dst, uint64_t v);
// A varint32 length followed by the bytes.
void PutLengthPrefixed(std::string* dst, std::string_view value);

// Each Get* consumes from the front of *input; false when the input is short or malformed.
bool GetFixed32(std::string_view* input, uint32_t* v);
bool GetFixed64(std::string_view* input, uint64_t* v);
bool GetVarint32(std::string_view* input, uint32_t* v);
bool GetVarint64(std::string_view* input, uint64_t* v);
bool GetLengthPrefixed(std::string_view* input, std::string_view* result);

// Pointer-based decoding for hot loops: returns the byte after the varint, or
// nullptr when [p, limit) does not hold a complete varint.
const char* DecodeVarint32Slow(const char* p, const char* limit, uint32_t* v);
inline const char* DecodeVarint32(const char* p, const char* limit, uint32_t* v) {
  if (p < limit) {
    const uint32_t byte = static_cast<uint8_t>(*p);
    if ((byte & 0x80) == 0) {
      *v = byte;
      return p + 1;
    }
  }
  return DecodeVarint32Slow(p, limit, v);
}
const char* DecodeVarint64(const char* p, const char* limit, uint64_t* v);
char* EncodeVarint32(char* dst, uint32_t v);
char* EncodeVarint64(char* dst, uint64_t v);
int VarintLength(uint64_t v);

}  // namespace embodb
