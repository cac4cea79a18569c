#include "index/vector/hnsw_graph.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_invoke.h>
#include <tbb/parallel_for.h>

#include <cassert>
#include <cmath>

#include "index/vector/hnsw_search.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace embodb::index {

HnswGraph::HnswGraph(const HnswOptions& options)
    : options_(options),
      links_bytes_((1 + 2 * size_t{options.m}) * sizeof(uint32_t)),
      payload_bytes_(options.quantization == Quantization::kSq8 ? options.dim : options.dim * sizeof(float)),
      // Rounded to 4 bytes: the next record's links are read as uint32s.
      record_bytes_((links_bytes_ + payload_bytes_ + 3) / 4 * 4),
      sq8_(options.dim),
      locks_(new std::atomic<bool>[kLockStripes]) {
  assert(options.dim > 0 && options.m >= 2 && options.m <= 128 && options.ef_construction > 0);
  for (size_t i = 0; i < kLockStripes; i++) locks_[i].store(false, std::memory_order_relaxed);
}

HnswGraph::~HnswGraph() = default;

size_t HnswGraph::MemoryBytes() const {
  return records_.size() + levels_.size() * (3 + sizeof(uint32_t)) + upper_links_.size() * sizeof(uint32_t) +
         free_.capacity() * sizeof(uint32_t) + kLockStripes + 2 * sq8_.min().size() * sizeof(float);
}

void HnswGraph::LockNode(uint32_t n) const {
  std::atomic<bool>& lock = locks_[n & (kLockStripes - 1)];
  while (lock.exchange(true, std::memory_order_acquire)) {
    while (lock.load(std::memory_order_relaxed)) {
#if defined(__x86_64__)
      _mm_pause();
#endif
    }
  }
}

void HnswGraph::UnlockNode(uint32_t n) const { locks_[n & (kLockStripes - 1)].store(false, std::memory_order_release); }

// Levels follow the geometric law of the paper, with mL = 1 / ln(m), drawn
// from a counter hashed with the seed (splitmix64), so that the same adds
// give the same graph.
int HnswGraph::DrawLevel() {
  uint64_t z = options_.seed + 0x9e3779b97f4a7c15ull * ++level_draws_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  const double u = (static_cast<double>(z >> 11) + 1.0) / 9007199254740993.0;  // (0, 1]
  const double level = -std::log(u) / std::log(static_cast<double>(options_.m));
  return static_cast<int>(std::min(level, 30.0));
}

uint32_t HnswGraph::NewSlot(int level) {
  uint32_t n;
  if (!free_.empty()) {
    n = free_.back();
    free_.pop_back();
  } else {
    n = static_cast<uint32_t>(levels_.size());
    records_.resize(records_.size() + record_bytes_, 0);
    levels_.push_back(0);
    flags_.push_back(kFree);
    upper_levels_.push_back(0);
    upper_offset_.push_back(0);
  }
  levels_[n] = static_cast<uint8_t>(level);
  flags_[n] = kLive;
  if (level > upper_levels_[n]) {
    // A reused slot whose old upper blocks are too few gets new ones; the
    // old ones stay unused until the graph is rewritten.
    upper_offset_[n] = static_cast<uint32_t>(upper_links_.size());
    upper_links_.resize(upper_links_.size() + size_t(level) * (options_.m + 1), 0);
    upper_levels_[n] = static_cast<uint8_t>(level);
  }
  for (int l = 0; l <= level; l++) Links(n, l)[0] = 0;
  return n;
}

void HnswGraph::StoreVector(uint32_t n, const float* v) {
  if (options_.quantization == Quantization::kSq8) {
    sq8_.Encode(v, Payload(n));
  } else {
    std::memcpy(Payload(n), v, payload_bytes_);
  }
}

void HnswGraph::GetVector(uint32_t n, float* out) const {
  if (options_.quantization == Quantization::kSq8) {
    sq8_.Decode(Payload(n), out);
  } else {
    std::memcpy(out, Payload(n), payload_bytes_);
  }
}

void HnswGraph::Add(const float* vectors, size_t n, uint32_t* nodes) {
  if (n == 0) return;
  const size_t dim = options_.dim;
  if (options_.quantization == Quantization::kSq8 && !sq8_.trained()) sq8_.Train(vectors, n);
  for (size_t i = 0; i < n; i++) {
    nodes[i] = NewSlot(DrawLevel());
    StoreVector(nodes[i], vectors + i * dim);
  }
  live_ += n;
  // The first nodes go in one by one, until the graph has enough to give
  // parallel links something to find.
  size_t i = 0;
  for (; i < n && (i < 64 || live_ - n + i < 256); i++) LinkNode(nodes[i], vectors + i * dim);
  tbb::parallel_for(tbb::blocked_range<size_t>(i, n, 8), [&](const tbb::blocked_range<size_t>& r) {
    for (size_t j = r.begin(); j < r.end(); j++) LinkNode(nodes[j], vectors + j * dim);
  });
}

void HnswGraph::Remove(uint32_t n) {
  assert(IsLive(n));
  flags_[n] = kTombstone;
  live_--;
  tombstones_++;
}

std::vector<Neighbor> HnswGraph::Search(const float* query, size_t k, size_t ef, const NodeSet* allowed,
                                        bool two_hop) const {
  std::vector<Neighbor> out;
  if (entry_ == kNoNode || live_ == 0 || k == 0) return out;
  WithSpace([&](auto& space) {
    space.SetQuery(query);
    uint32_t at = entry_;
    float d = space.Distance(at);
    for (int level = max_level_; level > 0; level--) at = GreedyClosest<false>(space, at, &d, level);
    thread_local std::vector<Candidate> results;
    auto search = [&](const auto& keep) {
      if (allowed != nullptr && two_hop) {
        // The walk starts from the nodes nearest the query whatever they are
        // (a short unfiltered beam), not from the descent's one node: from a
        // single start, when no match lies within two hops of it but some do
        // beyond, the walk can only drift away towards far matches (measured:
        // 6 of 300 queries found none of their 10 at 1M rows, 1% matching).
        thread_local std::vector<Candidate> seeds;
        SearchLayer<false>(space, at, d, kTwoHopSeeds, 0, [](uint32_t) { return true; }, &seeds);
        SearchLayerTwoHop(space, seeds, std::max(ef, k), keep, &results);
      } else {
        SearchLayer<false>(space, at, d, std::max(ef, k), 0, keep, &results);
      }
    };
    // Each keep holds copies of the addresses it reads (and the searches take
    // it by value), so that they stay in registers in the search loops.
    const uint8_t* flags = flags_.data();
    if (allowed == nullptr) {
      search([flags](uint32_t node) { return flags[node] == kLive; });
    } else if (AllLive()) {  // membership alone decides: one random read a neighbour, not two
      search([members = allowed->view()](uint32_t node) { return members.Contains(node); });
    } else {
      search([flags, members = allowed->view()](uint32_t node) { return flags[node] == kLive && members.Contains(node); });
    }
    std::sort(results.begin(), results.end(), NearerOrder());
    if (results.size() > k) results.resize(k);
    out.reserve(results.size());
    for (const Candidate& c : results) out.push_back({c.distance, c.node});
  });
  return out;
}

std::vector<Neighbor> HnswGraph::SearchAmong(const float* query, size_t k, const NodeSet* among,
                                             size_t members) const {
  // Reading the vectors is bound by memory. The members are far apart (a
  // filter's matches), so the vectors of the next kAhead are fetched while
  // one is measured; many members are split between two threads.
  constexpr size_t kAhead = 4;
  constexpr size_t kManyMembers = 6000;
  const size_t words = (slots() + 63) / 64;
  // Word w of the nodes to measure: of among, whose members are checked to
  // be live one by one, or of the live nodes.
  auto word = [&](size_t w) {
    if (among == nullptr) return LiveWord(w);
    return w < among->words() ? among->Word(w) : uint64_t{0};
  };
  // The nearest members in words [begin, end): k of them or fewer, unsorted.
  auto nearest_in = [&](size_t begin, size_t end) {
    std::vector<Neighbor> found;
    WithSpace([&](auto& space) {
      space.SetQuery(query);
      auto measure = [&](uint32_t n) {
        found.push_back({space.Distance(n), n});
        if (found.size() == 2 * k + 64) {  // keep the k nearest, not every distance
          std::nth_element(found.begin(), found.begin() + static_cast<ptrdiff_t>(k), found.end());
          found.resize(k);
        }
      };
      uint32_t fetched[kAhead];  // a ring of members fetched, not yet measured
      size_t head = 0, queued = 0;
      for (size_t w = begin; w < end; w++) {
        for (uint64_t bits = word(w); bits != 0; bits &= bits - 1) {
          const auto n = static_cast<uint32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(bits)));
          if (among != nullptr && !IsLive(n)) continue;
          PrefetchNode(n);
          if (queued < kAhead) {
            fetched[(head + queued++) % kAhead] = n;
            continue;
          }
          measure(fetched[head]);
          fetched[head] = n;
          head = (head + 1) % kAhead;
        }
      }
      for (size_t i = 0; i < queued; i++) measure(fetched[(head + i) % kAhead]);
    });
    return found;
  };
  std::vector<Neighbor> all;
  if (members < kManyMembers) {
    all = nearest_in(0, words);
  } else {
    std::vector<Neighbor> second;
    const size_t half = words / 2;
    tbb::parallel_invoke([&] { all = nearest_in(0, half); }, [&] { second = nearest_in(half, words); });
    all.insert(all.end(), second.begin(), second.end());
  }
  const size_t keep = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(keep), all.end());
  all.resize(keep);
  return all;
}

}  // namespace embodb::index
