#include "index/vector/exact_search.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include <algorithm>
#include <queue>

namespace embodb::index {

namespace {

// The k nearest seen so far: a max-heap on distance, its top the farthest.
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) {}
  void Offer(Neighbor n) {
    if (k_ == 0) return;
    if (heap_.size() < k_) {
      heap_.push_back(n);
      std::push_heap(heap_.begin(), heap_.end());
    } else if (n < heap_.front()) {
      std::pop_heap(heap_.begin(), heap_.end());
      heap_.back() = n;
      std::push_heap(heap_.begin(), heap_.end());
    }
  }
  void Merge(const TopK& other) {
    for (const Neighbor& n : other.heap_) Offer(n);
  }
  std::vector<Neighbor> Sorted() && {
    std::sort(heap_.begin(), heap_.end());
    return std::move(heap_);
  }

 private:
  size_t k_;
  std::vector<Neighbor> heap_;
};

}  // namespace

std::vector<Neighbor> ExactSearch(const VectorMatrix& m, const float* query, size_t k, Metric metric,
                                  const std::function<bool(uint64_t id)>& keep) {
  const DistanceFn distance = DistanceKernel(metric);
  auto scan = [&](size_t begin, size_t end, TopK* top) {
    for (size_t i = begin; i < end; i++) {
      const uint64_t id = m.id(i);
      if (keep && !keep(id)) continue;
      top->Offer({distance(query, m.row(i), m.dim), id});
    }
  };
  constexpr size_t kRowsPerTask = 4096;
  if (m.n < 2 * kRowsPerTask) {
    TopK top(k);
    scan(0, m.n, &top);
    return std::move(top).Sorted();
  }
  TopK top = tbb::parallel_reduce(
      tbb::blocked_range<size_t>(0, m.n, kRowsPerTask), TopK(k),
      [&](const tbb::blocked_range<size_t>& r, TopK partial) {
        scan(r.begin(), r.end(), &partial);
        return partial;
      },
      [](TopK a, const TopK& b) {
        a.Merge(b);
        return a;
      });
  return std::move(top).Sorted();
}

}  // namespace embodb::index
