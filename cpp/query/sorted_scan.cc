#include "query/sorted_scan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "query/chunk_skip.h"
#include "query/run_columns.h"
#include "query/table_scan.h"
#include "query/value_order.h"
#include "table/key_codec.h"

namespace embodb::query {

namespace {

using table::ColumnView;
using table::TypeId;

constexpr size_t kScanBatch = 16384;

// A row's place in the order: nulls last, then the value (numbers as an
// order-preserving uint64, strings as bytes), then its position in the
// scan (primary-key order).
struct SortKey {
  bool null = false;
  uint64_t number = 0;
  std::string text;
  uint64_t position = 0;
};

class Ordering {
 public:
  explicit Ordering(bool descending) : descending_(descending) {}
  SortKey KeyOf(const ColumnView& c, size_t i, uint64_t position) const {
    SortKey k;
    k.position = position;
    if (c.IsNull(i)) {
      k.null = true;
    } else if (c.type.IsStringOrBytes()) {
      k.text.assign(c.Bytes(i));
    } else {
      k.number = descending_ ? ~OrderedNumber(c, i) : OrderedNumber(c, i);
    }
    return k;
  }
  bool operator()(const SortKey& a, const SortKey& b) const {
    if (a.null != b.null) return b.null;
    if (!a.null) {
      if (a.number != b.number) return a.number < b.number;
      if (a.text != b.text) return descending_ ? a.text > b.text : a.text < b.text;
    }
    return a.position < b.position;
  }

 private:
  const bool descending_;
};

Status CheckOrdered(const table::TableDef& table, size_t column) {
  const table::Column& c = table.schema.column(column);
  if (c.type.IsFloatArray()) {
    return Status::Schema("cannot order by '" + c.name + "': a " + c.type.Name() + " column is not ordered");
  }
  return Status::OK();
}

// Keeps the best `keep` of what was added (the selection's candidates are
// cut back to `keep` whenever they reach twice as many: linear time).
class TopK {
 public:
  TopK(size_t keep, Ordering order) : keep_(keep), order_(order) {}
  void Add(SortKey key, std::string row_key) {
    entries_.push_back({std::move(key), std::move(row_key)});
    if (entries_.size() >= 2 * keep_ + 1024) Trim();
  }
  // The kept entries in order.
  std::vector<std::pair<SortKey, std::string>> Finish() {
    Trim();
    std::sort(entries_.begin(), entries_.end(), [&](const auto& a, const auto& b) { return order_(a.first, b.first); });
    return std::move(entries_);
  }

 private:
  void Trim() {
    if (entries_.size() <= keep_) return;
    std::nth_element(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(keep_), entries_.end(),
                     [&](const auto& a, const auto& b) { return order_(a.first, b.first); });
    entries_.resize(keep_);
  }
  const size_t keep_;
  const Ordering order_;
  std::vector<std::pair<SortKey, std::string>> entries_;
};

// Where a top-k can skip blocks by their order column's statistics: the
// value that the k-th row of the order reaches at least (a block holding k
// values at or beyond it proves that), so that blocks whose values all lie
// short of it hold none of the k. Only numbers; nullopt when no block
// proves anything (or a filter may drop a block's rows).
class TopKBound {
 public:
  TopKBound(size_t column, bool descending, size_t keep) : column_(column), descending_(descending), keep_(keep) {}

  // Pass 1: what the run's statistics prove.
  void Learn(RunColumns& run) {
    const columnar::ChunkStats* s = run.Stats(column_);
    if (s == nullptr || !run.whole_block() || s->has_nan || s->min.is_null()) return;
    if (s->rows - s->nulls < keep_) return;
    const table::Value& v = descending_ ? s->min : s->max;  // k values are at least this good
    if (!bound_ || Better(v, *bound_)) bound_ = v;
  }
  bool known() const { return bound_.has_value(); }
  // Pass 2: whether the run may hold one of the k rows.
  bool MayHold(RunColumns& run) const {
    const columnar::ChunkStats* s = run.Stats(column_);
    if (!bound_ || s == nullptr || s->has_nan) return true;
    if (s->min.is_null()) return false;  // nulls only: after k values, never among the k
    const table::Value& best = descending_ ? s->max : s->min;
    return !Better(*bound_, best);
  }

 private:
  // Whether a comes strictly before b in the order (false when they
  // cannot be ordered: then nothing is learnt or skipped).
  bool Better(const table::Value& a, const table::Value& b) const {
    int c;
    return OrderValues(a, b, &c) && (descending_ ? c > 0 : c < 0);
  }
  const size_t column_;
  const bool descending_;
  const size_t keep_;
  std::optional<table::Value> bound_;
};

// Top-k: the order column and the keys first, then the chosen rows by key.
Status TopKScan(const table::TableDefPtr& table, txn::Reader* reader, const std::vector<size_t>& projection,
                const FilterPtr& filter, const OrderBy& order, size_t offset, size_t limit, table::ResultBatch* out) {
  const table::Schema& schema = table->schema;
  std::vector<size_t> read = schema.key_columns();  // then the order column, unless it is one of them
  if (!schema.IsKeyColumn(order.column)) read.push_back(order.column);
  const size_t order_at = std::find(read.begin(), read.end(), order.column) - read.begin();
  const Ordering ordering(order.descending);
  TopK top(offset + limit, ordering);
  TopKBound bound(order.column, order.descending, offset + limit);  // outlives the scans that consult it
  TableScan scan(table, reader, read, filter);
  // Without a filter, and over a numeric column, blocks that cannot hold
  // one of the k rows are skipped by their statistics (a first pass reads
  // only those): the latest of a recording's frames reads one block.
  const table::ColumnType& type = schema.column(order.column).type;
  if (filter == nullptr && order.column != schema.key_only_column() && !type.IsStringOrBytes()) {
    TableScan learn(table, reader, {}, nullptr);
    learn.set_run_gate([&bound](RunColumns& run) {
      bound.Learn(run);
      return false;
    });
    table::ResultBatch ignored;
    while (learn.Next(kScanBatch, &ignored)) ignored = table::ResultBatch();
    EMBODB_RETURN_IF_ERROR(learn.status());
    if (bound.known()) scan.set_run_gate([&bound](RunColumns& run) { return bound.MayHold(run); });
  }
  uint64_t position = 0;
  while (true) {
    auto batch = table::ResultBatch::ForProjection(schema, read);
    if (!scan.Next(kScanBatch, &batch)) break;
    const std::vector<ColumnView> keys = table::KeyViews(schema, batch.columns);
    const ColumnView values = batch.columns[order_at].view();
    for (size_t i = 0; i < batch.rows(); i++) {
      std::string key;
      table::AppendKeyOf(keys, i, &key);
      top.Add(ordering.KeyOf(values, i, position++), std::move(key));
    }
  }
  EMBODB_RETURN_IF_ERROR(scan.status());
  const auto chosen = top.Finish();
  std::vector<std::string> wanted;
  for (size_t j = offset; j < chosen.size(); j++) wanted.push_back(chosen[j].second);
  *out = table::ResultBatch::ForProjection(schema, projection);
  std::vector<uint8_t> found;
  EMBODB_RETURN_IF_ERROR(table::ReadRowsByEncodedKeys(*table, reader, wanted, projection, out, &found));
  if (std::find(found.begin(), found.end(), 0) != found.end()) {
    return Status::Corruption("a row chosen by the ordered scan is gone: the reader is not one state");
  }
  return Status::OK();
}

// Every projected column (and the order column), sorted whole.
Status FullSort(const table::TableDefPtr& table, txn::Reader* reader, const std::vector<size_t>& projection,
                const FilterPtr& filter, const OrderBy& order, size_t offset, std::optional<size_t> limit,
                table::ResultBatch* out) {
  const table::Schema& schema = table->schema;
  std::vector<size_t> read = projection;
  auto at = std::find(read.begin(), read.end(), order.column);
  const bool extra = at == read.end();
  const size_t order_slot = extra ? read.size() : static_cast<size_t>(at - read.begin());
  if (extra) read.push_back(order.column);
  auto all = table::ResultBatch::ForProjection(schema, read);
  TableScan scan(table, reader, read, filter);
  while (scan.Next(size_t{1} << 20, &all)) {
  }
  EMBODB_RETURN_IF_ERROR(scan.status());
  const Ordering ordering(order.descending);
  const ColumnView values = all.columns[order_slot].view();
  const size_t n = all.rows();
  std::vector<SortKey> keys(n);
  for (size_t i = 0; i < n; i++) keys[i] = ordering.KeyOf(values, i, i);
  std::vector<uint64_t> idx(n);
  std::iota(idx.begin(), idx.end(), uint64_t{0});
  std::sort(idx.begin(), idx.end(), [&](uint64_t a, uint64_t b) { return ordering(keys[a], keys[b]); });
  const size_t begin = std::min(offset, n);
  const size_t end = limit ? std::min(n, begin + *limit) : n;
  idx = std::vector<uint64_t>(idx.begin() + static_cast<ptrdiff_t>(begin), idx.begin() + static_cast<ptrdiff_t>(end));
  *out = table::TakeRows(all, idx);
  if (extra) {
    out->names.pop_back();
    out->columns.pop_back();
  }
  return Status::OK();
}

bool TopKApplies(size_t offset, std::optional<size_t> limit) { return limit && offset + *limit <= kTopKRows; }

}  // namespace

std::string SortPlan(const table::TableDef& table, const OrderBy& order, size_t offset, std::optional<size_t> limit) {
  const std::string by = "'" + table.schema.column(order.column).name + "'" + (order.descending ? " descending" : "");
  if (TopKApplies(offset, limit)) {
    return "keep the first " + std::to_string(offset + *limit) + " by " + by +
           " (a top-k over that column and the keys), then read those rows by key";
  }
  return "sort every row by " + by;
}

Status SortedScan(const table::TableDefPtr& table, txn::Reader* reader, const std::vector<size_t>& projection,
                  const FilterPtr& filter, const OrderBy& order, size_t offset, std::optional<size_t> limit,
                  table::ResultBatch* out, std::string* plan) {
  EMBODB_RETURN_IF_ERROR(CheckOrdered(*table, order.column));
  *plan = SortPlan(*table, order, offset, limit);
  if (TopKApplies(offset, limit)) {
    if (*limit == 0) {
      *out = table::ResultBatch::ForProjection(table->schema, projection);
      return Status::OK();
    }
    return TopKScan(table, reader, projection, filter, order, offset, *limit, out);
  }
  return FullSort(table, reader, projection, filter, order, offset, limit, out);
}

}  // namespace embodb::query
