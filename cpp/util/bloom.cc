#include "util/bloom.h"

#include <algorithm>

#include "util/hash.h"

namespace embodb {
namespace {

constexpr uint32_t kBloomSeed = 0xbc9f1d34u;
constexpr int kMaxProbes = 30;
constexpr size_t kLineBytes = 64;  // every probe of a key falls in one cache line
constexpr uint32_t kLineBits = kLineBytes * 8;

uint32_t BloomHash(std::string_view key) { return Hash32(key.data(), key.size(), kBloomSeed); }

// The line a key's probes use, from a second mix of its hash.
inline size_t LineOf(uint32_t h, size_t num_lines) {
  const uint64_t mixed = static_cast<uint64_t>(h) * 0x9e3779b97f4a7c15ull;
  return static_cast<size_t>((mixed >> 32) * num_lines >> 32);
}

}  // namespace

BloomFilterBuilder::BloomFilterBuilder(int bits_per_key) : bits_per_key_(bits_per_key) {
  // k = ln(2) * bits_per_key minimises the false-positive rate.
  num_probes_ = std::clamp(static_cast<int>(bits_per_key * 0.69), 1, kMaxProbes);
}

void BloomFilterBuilder::AddKey(std::string_view key) { hashes_.push_back(BloomHash(key)); }

void BloomFilterBuilder::Finish(std::string* dst) {
  const size_t bits = std::max<size_t>(hashes_.size() * bits_per_key_, kLineBits);
  const size_t num_lines = (bits + kLineBits - 1) / kLineBits;
  const size_t start = dst->size();
  dst->resize(start + num_lines * kLineBytes, 0);
  dst->push_back(static_cast<char>(num_probes_));
  char* array = dst->data() + start;
  for (uint32_t h : hashes_) {
    char* line = array + LineOf(h, num_lines) * kLineBytes;
    // Double hashing inside the line: probe i tests bit (h + i * delta) mod 512.
    const uint32_t delta = (h >> 17) | (h << 15);
    for (int i = 0; i < num_probes_; i++) {
      const uint32_t bit = h % kLineBits;
      line[bit / 8] |= static_cast<char>(1 << (bit % 8));
      h += delta;
    }
  }
  hashes_.clear();
}

// The filter's number of lines; 0 when it is malformed.
static size_t NumLines(std::string_view filter) {
  if (filter.size() < kLineBytes + 1 || (filter.size() - 1) % kLineBytes != 0) return 0;
  return (filter.size() - 1) / kLineBytes;
}

bool BloomFilterMayMatch(std::string_view filter, std::string_view key) {
  const size_t num_lines = NumLines(filter);
  if (num_lines == 0) return true;
  const int k = static_cast<uint8_t>(filter.back());
  if (k < 1 || k > kMaxProbes) return true;
  uint32_t h = BloomHash(key);
  const char* line = filter.data() + LineOf(h, num_lines) * kLineBytes;
  const uint32_t delta = (h >> 17) | (h << 15);
  for (int i = 0; i < k; i++) {
    const uint32_t bit = h % kLineBits;
    if ((line[bit / 8] & (1 << (bit % 8))) == 0) return false;
    h += delta;
  }
  return true;
}

void BloomFilterPrefetch(std::string_view filter, std::string_view key) {
  const size_t num_lines = NumLines(filter);
  if (num_lines == 0) return;
  __builtin_prefetch(filter.data() + LineOf(BloomHash(key), num_lines) * kLineBytes);
}

}  // namespace embodb
