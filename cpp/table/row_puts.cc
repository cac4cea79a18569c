#include "table/row_puts.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "table/row_codec.h"

namespace embodb::table {

RowPuts::RowPuts(Schema schema, ColumnStorage storage, std::vector<ColumnView> cols, RowKeys keys,
                 std::vector<size_t> rows)
    : schema_(std::move(schema)),
      storage_(std::move(storage)),
      cols_(std::move(cols)),
      keys_(std::move(keys)),
      rows_(std::move(rows)),
      sizes_(rows_.size()) {
  bytes_ = tbb::parallel_reduce(
      tbb::blocked_range<size_t>(0, rows_.size(), 4096), uint64_t{0},
      [&](const tbb::blocked_range<size_t>& r, uint64_t sum) {
        for (size_t i = r.begin(); i < r.end(); i++) {
          sizes_[i] = static_cast<uint32_t>(EncodedRowSize(schema_, cols_, rows_[i]));
          sum += sizes_[i] + keys_.keys[rows_[i]].size();
        }
        return sum;
      },
      std::plus<uint64_t>());
}

void RowPuts::EncodeValue(size_t i, char* dst) const {
  if (encoded_) {
    std::memcpy(dst, encoded_.get() + offsets_[i], sizes_[i]);
  } else {
    EncodeRowTo(schema_, cols_, rows_[i], dst);
  }
}

void RowPuts::EncodeAll() {
  offsets_.resize(rows_.size());
  uint64_t total = 0;
  for (size_t i = 0; i < rows_.size(); i++) {
    offsets_[i] = total;
    total += sizes_[i];
  }
  auto encoded = std::make_unique_for_overwrite<char[]>(std::max<uint64_t>(total, 1));
  tbb::parallel_for(tbb::blocked_range<size_t>(0, rows_.size(), 1024), [&](const tbb::blocked_range<size_t>& r) {
    for (size_t i = r.begin(); i < r.end(); i++) EncodeRowTo(schema_, cols_, rows_[i], encoded.get() + offsets_[i]);
  });
  encoded_ = std::move(encoded);
}

}  // namespace embodb::table
