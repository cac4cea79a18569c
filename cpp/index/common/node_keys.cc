#include "index/common/node_keys.h"

#include <algorithm>
#include <cstring>

#include "util/coding.h"
#include "util/hash.h"

namespace embodb::index {

uint64_t NodeKeys::HashOf(std::string_view key) const {
  if (fixed8_) {
    uint64_t x;
    std::memcpy(&x, key.data(), 8);
    x ^= x >> 33;  // the finalizer of MurmurHash3: every key bit moves the high bits
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
  }
  return Hash32(key.data(), key.size(), 0x9747b28c);
}

size_t NodeKeys::Probe(std::string_view key, bool* found) const {
  const size_t mask = slots_.size() - 1;
  size_t i = HashOf(key) & mask;
  size_t first_deleted = SIZE_MAX;
  while (true) {
    const uint32_t n = slots_[i];
    if (n == kNone) {
      *found = false;
      return first_deleted != SIZE_MAX ? first_deleted : i;
    }
    if (n == kDeleted) {
      if (first_deleted == SIZE_MAX) first_deleted = i;
    } else if (KeyOf(n) == key) {
      *found = true;
      return i;
    }
    i = (i + 1) & mask;
  }
}

uint32_t NodeKeys::Find(std::string_view key) const {
  if (size_ == 0 || (fixed8_ && key.size() != 8)) return kNone;
  bool found;
  const size_t i = Probe(key, &found);
  return found ? slots_[i] : kNone;
}

void NodeKeys::Grow(size_t keys) {
  size_t capacity = slots_.empty() ? 64 : slots_.size();
  while (keys * 2 > capacity) capacity *= 2;
  std::vector<uint32_t> live;
  live.reserve(size_);
  for (uint32_t n : slots_) {
    if (n != kNone && n != kDeleted) live.push_back(n);
  }
  slots_.assign(capacity, kNone);
  deleted_ = 0;
  Place(live.data(), live.size());
}

void NodeKeys::Place(const uint32_t* nodes, size_t n) {
  // The keys are known to be in no slot: each goes to the first free slot
  // of its probe sequence, with no key compared.
  const size_t mask = slots_.size() - 1;
  constexpr size_t kWindow = 16;
  size_t at[kWindow];
  for (size_t begin = 0; begin < n; begin += kWindow) {
    const size_t m = std::min(kWindow, n - begin);
    for (size_t j = 0; j < m; j++) {
      at[j] = HashOf(KeyOf(nodes[begin + j])) & mask;
      __builtin_prefetch(&slots_[at[j]]);
    }
    for (size_t j = 0; j < m; j++) {
      size_t i = at[j];
      while (slots_[i] != kNone && slots_[i] != kDeleted) i = (i + 1) & mask;
      if (slots_[i] == kDeleted) deleted_--;
      slots_[i] = nodes[begin + j];
    }
  }
}

void NodeKeys::StoreKey(uint32_t node, std::string_view key) {
  if (node >= present_.size()) {
    const size_t size = std::max<size_t>(node + 1, present_.size() + present_.size() / 2);
    present_.resize(size, 0);
    if (fixed8_) {
      fixed_.resize(size);
    } else {
      strings_.resize(size);
    }
  }
  if (fixed8_) {
    std::memcpy(&fixed_[node], key.data(), 8);
  } else {
    strings_[node].assign(key);
  }
  present_[node] = 1;
}

void NodeKeys::InsertMany(const uint32_t* nodes, const std::string_view* keys, size_t n) {
  if (n == 0) return;
  for (size_t i = 0; i < n; i++) StoreKey(nodes[i], keys[i]);
  if ((size_ + deleted_ + n) * 2 > slots_.size()) Grow(size_ + n + 1);
  Place(nodes, n);
  size_ += n;
}

void NodeKeys::Renumber(const std::vector<uint32_t>& new_of_old) {
  for (uint32_t& n : slots_) {
    if (n != kNone && n != kDeleted) n = new_of_old[n];  // a key keeps its slot: the hash is of the key
  }
  const size_t nodes = std::max(new_of_old.size(), present_.size());
  std::vector<uint8_t> present(nodes, 0);
  std::vector<uint64_t> fixed(fixed8_ ? nodes : 0);
  std::vector<std::string> strings(fixed8_ ? 0 : nodes);
  for (size_t old = 0; old < present_.size(); old++) {
    if (!present_[old]) continue;
    const uint32_t n = new_of_old[old];
    present[n] = 1;
    if (fixed8_) {
      fixed[n] = fixed_[old];
    } else {
      strings[n] = std::move(strings_[old]);
    }
  }
  present_.swap(present);
  fixed_.swap(fixed);
  strings_.swap(strings);
}

void NodeKeys::Insert(uint32_t node, std::string_view key) {
  if ((size_ + deleted_ + 1) * 2 > slots_.size()) Grow(size_ + 1);
  StoreKey(node, key);
  bool found;
  const size_t i = Probe(key, &found);
  if (slots_[i] == kDeleted) deleted_--;
  slots_[i] = node;
  size_++;
}

void NodeKeys::Erase(uint32_t node) {
  bool found;
  const size_t i = Probe(KeyOf(node), &found);
  slots_[i] = kDeleted;
  deleted_++;
  size_--;
  present_[node] = 0;
  if (!fixed8_) std::string().swap(strings_[node]);
}

size_t NodeKeys::MemoryBytes() const {
  size_t bytes = fixed_.capacity() * 8 + present_.capacity() + slots_.capacity() * 4 +
                 strings_.capacity() * sizeof(std::string);
  for (const std::string& s : strings_) {
    if (s.capacity() > 15) bytes += s.capacity() + 1;  // beyond the short-string buffer
  }
  return bytes;
}

void NodeKeys::EncodeTo(std::string* dst) const {
  PutVarint64(dst, size_);
  for (uint32_t n = 0; n < present_.size(); n++) {
    if (!present_[n]) continue;
    PutFixed32(dst, n);
    if (fixed8_) {
      dst->append(KeyOf(n));
    } else {
      PutLengthPrefixed(dst, KeyOf(n));
    }
  }
}

Result<NodeKeys> NodeKeys::Decode(std::string_view* input, uint32_t max_node, bool fixed8) {
  const Status bad = Status::Corruption("bad node keys in a vector index checkpoint");
  NodeKeys keys(fixed8);
  uint64_t count = 0;
  if (!GetVarint64(input, &count) || count > max_node || count > input->size() / 5) return bad;
  for (uint64_t i = 0; i < count; i++) {
    if (input->size() < 4) return bad;
    const uint32_t node = DecodeFixed32(input->data());
    input->remove_prefix(4);
    std::string_view key;
    if (fixed8) {
      if (input->size() < 8) return bad;
      key = input->substr(0, 8);
      input->remove_prefix(8);
    } else if (!GetLengthPrefixed(input, &key)) {
      return bad;
    }
    if (node >= max_node || (node < keys.present_.size() && keys.present_[node]) ||
        keys.Find(key) != kNone) {
      return bad;
    }
    keys.Insert(node, key);
  }
  return keys;
}

}  // namespace embodb::index
