#include "index/spatial/point_ranges.h"

#include <algorithm>

#include "util/coding.h"

namespace embodb::index::spatial {

uint32_t PointRanges::Allocate(uint32_t node, uint32_t n) {
  uint32_t base = kNone;
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < n) continue;
    base = it->first;
    const uint32_t rest = it->second - n;
    free_.erase(it);
    if (rest > 0) free_[base + n] = rest;
    break;
  }
  if (base == kNone) {
    if (size_t{node_of_.size()} + n >= kNone) return kNone;
    base = static_cast<uint32_t>(node_of_.size());
    node_of_.resize(node_of_.size() + n, kNone);
  }
  std::fill(node_of_.begin() + base, node_of_.begin() + base + n, node);
  if (node >= count_.size()) {
    base_.resize(size_t{node} + 1, 0);
    count_.resize(size_t{node} + 1, 0);
  }
  base_[node] = base;
  count_[node] = n;
  return base;
}

void PointRanges::Free(uint32_t node) {
  if (!Has(node)) return;
  uint32_t base = base_[node], n = count_[node];
  std::fill(node_of_.begin() + base, node_of_.begin() + base + n, kNone);
  count_[node] = 0;
  // Merge with the free neighbours.
  auto next = free_.lower_bound(base);
  if (next != free_.end() && next->first == base + n) {
    n += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == base) {
      base = prev->first;
      n += prev->second;
      free_.erase(prev);
    }
  }
  free_[base] = n;
}

size_t PointRanges::MemoryBytes() const {
  return (node_of_.capacity() + base_.capacity() + count_.capacity()) * sizeof(uint32_t) + free_.size() * 48;
}

void PointRanges::EncodeTo(std::string* dst) const {
  uint32_t ranges = 0;
  for (uint32_t c : count_) ranges += c > 0;
  PutFixed32(dst, ranges);
  for (uint32_t node = 0; node < count_.size(); node++) {
    if (count_[node] == 0) continue;
    PutFixed32(dst, node);
    PutFixed32(dst, base_[node]);
    PutFixed32(dst, count_[node]);
  }
}

Result<PointRanges> PointRanges::Decode(std::string_view* in, uint32_t slots) {
  const auto bad = [](const std::string& what) { return Status::Corruption("spatial index point ranges: " + what); };
  uint32_t ranges = 0;
  if (!GetFixed32(in, &ranges) || in->size() / 12 < ranges) return bad("cut short");
  std::vector<std::pair<uint32_t, uint32_t>> by_base;  // (base, node)
  PointRanges r;
  r.base_.assign(slots, 0);
  r.count_.assign(slots, 0);
  for (uint32_t i = 0; i < ranges; i++) {
    uint32_t node = 0, base = 0, count = 0;
    GetFixed32(in, &node);
    GetFixed32(in, &base);
    GetFixed32(in, &count);
    if (node >= slots || count == 0 || r.count_[node] != 0 || uint64_t{base} + count >= kNone) {
      return bad("a bad range (node " + std::to_string(node) + ")");
    }
    r.base_[node] = base;
    r.count_[node] = count;
    by_base.emplace_back(base, node);
  }
  std::sort(by_base.begin(), by_base.end());
  uint32_t end = 0;
  for (const auto& [base, node] : by_base) {
    if (base < end) return bad("ranges overlap");
    if (base > end) r.free_[end] = base - end;
    end = base + r.count_[node];
  }
  r.node_of_.assign(end, kNone);
  for (const auto& [base, node] : by_base) {
    std::fill(r.node_of_.begin() + base, r.node_of_.begin() + base + r.count_[node], node);
  }
  return r;
}

}  // namespace embodb::index::spatial
