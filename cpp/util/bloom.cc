#include "util/bloom.h"

#include <algorithm>

#include "util/hash.h"

namespace embodb {
namespace {

constexpr uint32_t kBloomSeed = 0xbc9f1d34u;
constexpr int kMaxProbes = 30;

uint32_t BloomHash(std::string_view key) { return Hash32(key.data(), key.size(), kBloomSeed); }

}  // namespace

BloomFilterBuilder::BloomFilterBuilder(int bits_per_key) : bits_per_key_(bits_per_key) {
  // k = ln(2) * bits_per_key minimises the false-positive rate.
  num_probes_ = std::clamp(static_cast<int>(bits_per_key * 0.69), 1, kMaxProbes);
}

void BloomFilterBuilder::AddKey(std::string_view key) { hashes_.push_back(BloomHash(key)); }

void BloomFilterBuilder::Finish(std::string* dst) {
  size_t bits = std::max<size_t>(hashes_.size() * bits_per_key_, 64);
  size_t bytes = (bits + 7) / 8;
  bits = bytes * 8;
  const size_t start = dst->size();
  dst->resize(start + bytes, 0);
  dst->push_back(static_cast<char>(num_probes_));
  char* array = dst->data() + start;
  for (uint32_t h : hashes_) {
    // Double hashing: probe i looks at h + i * delta.
    const uint32_t delta = (h >> 17) | (h << 15);
    for (int i = 0; i < num_probes_; i++) {
      const uint32_t bit = h % bits;
      array[bit / 8] |= static_cast<char>(1 << (bit % 8));
      h += delta;
    }
  }
  hashes_.clear();
}

bool BloomFilterMayMatch(std::string_view filter, std::string_view key) {
  if (filter.size() < 2) return true;
  const size_t bits = (filter.size() - 1) * 8;
  const int k = static_cast<uint8_t>(filter.back());
  if (k < 1 || k > kMaxProbes) return true;
  uint32_t h = BloomHash(key);
  const uint32_t delta = (h >> 17) | (h << 15);
  for (int i = 0; i < k; i++) {
    const uint32_t bit = h % bits;
    if ((filter[bit / 8] & (1 << (bit % 8))) == 0) return false;
    h += delta;
  }
  return true;
}

}  // namespace embodb
