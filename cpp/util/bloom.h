// Bloom filter over keys, stored in each SSTable (see docs/format/sstable.md).
// Layout: 64-byte lines of bits, then one byte holding the number of probes k.
// All probes of a key fall in one line (one cache miss per lookup).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace embodb {

class BloomFilterBuilder {
 public:
  explicit BloomFilterBuilder(int bits_per_key);

  void AddKey(std::string_view key);
  size_t num_keys() const { return hashes_.size(); }
  // Appends the filter to *dst and resets the builder.
  void Finish(std::string* dst);

 private:
  int bits_per_key_;
  int num_probes_;
  std::vector<uint32_t> hashes_;
};

// False means the key is certainly absent; true means it may be present.
// A malformed filter answers true (it never hides a key).
bool BloomFilterMayMatch(std::string_view filter, std::string_view key);

// Starts fetching the cache line BloomFilterMayMatch will read for this key.
void BloomFilterPrefetch(std::string_view filter, std::string_view key);

}  // namespace embodb
