#include "lsm/sorted_puts.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace embodb::lsm {

void EncodeSortedPuts(const SortedPuts& puts, const PlacePuts& place) {
  const size_t n = puts.size();
  std::vector<std::string_view> keys(n);
  std::vector<size_t> sizes(n);
  for (size_t i = 0; i < n; i++) {
    keys[i] = puts.key(i);
    sizes[i] = puts.value_size(i);
  }
  std::vector<char*> values;
  place(keys, sizes, &values);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n, 1024), [&](const tbb::blocked_range<size_t>& r) {
    for (size_t i = r.begin(); i < r.end(); i++) puts.EncodeValue(i, values[i]);
  });
}

}  // namespace embodb::lsm
