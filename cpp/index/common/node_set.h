// NodeSet: a set of the node ids of an in-memory index (dense uint32s), as
// a bitmap: the rows a filter matched, the nodes a verification has seen.
// Shared by every index kind whose nodes stand for rows (index/common/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/bits.h"
#include "util/byte_mask.h"

namespace embodb::index {

// A set of node ids, as a bitmap (for filters: only these may be returned).
class NodeSet {
 public:
  explicit NodeSet(size_t capacity = 0) : bits_((capacity + 63) / 64) {}
  void Insert(uint32_t n) {
    if (n / 64 >= bits_.size()) bits_.resize(n / 64 + 1);
    bits_[n / 64] |= uint64_t{1} << (n % 64);
  }
  void Erase(uint32_t n) {
    if (n / 64 < bits_.size()) bits_[n / 64] &= ~(uint64_t{1} << (n % 64));
  }
  // The members as they are now, for a search loop: a View (a copy of the
  // words' address and count) stays in registers, where the vector's bounds
  // are reloaded after each store the compiler cannot tell apart from them.
  struct View {
    const uint64_t* words;
    size_t count;
    bool Contains(uint32_t n) const { return n / 64 < count && (words[n / 64] >> (n % 64)) & 1; }
  };
  View view() const { return {bits_.data(), bits_.size()}; }
  bool Contains(uint32_t n) const { return view().Contains(n); }
  size_t Count() const {
    size_t count = 0;
    for (uint64_t w : bits_) count += PopCount64(w);
    return count;
  }
  // Appends the members to out, ascending.
  void AppendTo(std::vector<uint32_t>* out) const {
    const size_t first = out->size();
    out->resize(first + Count() + 1);  // BitPositions writes one past the last
    out->resize(first + BitPositions(bits_.data(), bits_.size(), 0, out->data() + first));
  }
  size_t MemoryBytes() const { return bits_.capacity() * sizeof(uint64_t); }
  // Words of 64 members each: word w holds nodes 64w..64w+63, lowest bit first.
  size_t words() const { return bits_.size(); }
  uint64_t Word(size_t w) const { return bits_[w]; }
  const uint64_t* Words() const { return bits_.data(); }
  // Words [w, capacity / 64), to fill in place (a fresh set's are 0).
  // Threads may fill different words at once.
  uint64_t* MutableWords(size_t w) { return bits_.data() + w; }

 private:
  std::vector<uint64_t> bits_;
};

}  // namespace embodb::index
