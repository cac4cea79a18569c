#include "query/vector_search.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include "index/vector/exact_search.h"
#include "query/node_match.h"
#include "query/table_scan.h"
#include "table/key_codec.h"
#include "table/row_codec.h"

namespace embodb::query {

namespace {

constexpr size_t kDefaultEf = 64;
constexpr size_t kScanBatch = 16384;  // rows of the exact path's scan held at once

using index::Neighbor;

// A result: its distance and encoded primary key.
struct Hit {
  float distance;
  std::string key;
  uint32_t node = UINT32_MAX;  // the index's node, when a graph search found it
  bool operator<(const Hit& o) const { return distance < o.distance || (distance == o.distance && key < o.key); }
};

size_t EfOf(const KnnRequest& r) { return std::max(r.k, r.ef != 0 ? r.ef : kDefaultEf); }

// The planner's constants (Choose), measured on 100k and 1M x 128 clustered
// vectors (benchmarks/RESULTS.md, sessions 10 and 11):
// - how many of a plain filtered beam's node visits cost as much as one
//   exact distance to a matching node;
// - the share of matching nodes below which a filtered graph search measures
//   only those (two-hop);
// - a two-hop search's cost in exact distances, per ef * 2m * log2(nodes):
//   it grows with the graph's depth, not with its size (about 110 us at
//   100k rows and 250 us at 1M, at ef=64, against 40-48 ns a distance);
// - the fewest matches, and the smallest share, two-hop is trusted with:
//   sparser matches are too far apart for two hops to connect them (recall
//   0.79 with 1,000 matches among 100k rows but 0.99 with 3,000; 0.945 with
//   0.5% of 1M rows matching, 0.977 with 1%).
constexpr double kExactCostRatio = 12.0;
constexpr double kTwoHopBelow = 0.25;
constexpr double kTwoHopCost = 0.1;
constexpr double kTwoHopMinMatches = 2048;
constexpr double kTwoHopMinShare = 0.01;
// The fewest links per node (m) two-hop is used with: at m=8 its recall
// fell to 0.95 where m=16 found every neighbour (30k rows, 15% matching).
constexpr uint32_t kTwoHopMinM = 12;

// Candidates an sq8 graph returns for re-ranking with float vectors.
size_t RerankCount(size_t k) { return std::max(3 * k, k + 20); }

// No NaN or infinity among v's n values: a branch-free loop the compiler
// vectorizes (an all-ones exponent is what makes a float not finite).
bool AllFinite(const float* v, size_t n) {
  uint32_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t bits;
    std::memcpy(&bits, v + i, sizeof(bits));
    bad |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return bad == 0;
}

// The queries checked and, for cosine, normalized.
Status PrepareQueries(const KnnRequest& r, size_t dim, index::Metric metric, std::vector<float>* out) {
  out->assign(r.queries, r.queries + r.nq * dim);
  for (size_t q = 0; q < r.nq; q++) {
    float* v = out->data() + q * dim;
    if (!AllFinite(v, dim)) {
      const size_t i = static_cast<size_t>(std::find_if(v, v + dim, [](float x) { return !std::isfinite(x); }) - v);
      return Status::InvalidArgument("query " + std::to_string(q) + " holds NaN or infinity (at " +
                                     std::to_string(i) + ")");
    }
    if (metric == index::Metric::kCosine && !index::Normalize(v, dim)) {
      return Status::InvalidArgument("query " + std::to_string(q) +
                                     " is a zero vector, which has no direction: the metric is cosine");
    }
  }
  return Status::OK();
}

// Runs fn(q) for every query, on TBB threads when there are several.
template <typename Fn>
void ForEachQuery(size_t nq, Fn&& fn) {
  if (nq == 1) {
    fn(size_t{0});
    return;
  }
  tbb::parallel_for(tbb::blocked_range<size_t>(0, nq, 1), [&](const tbb::blocked_range<size_t>& range) {
    for (size_t q = range.begin(); q != range.end(); q++) fn(q);
  });
}

std::string MetricText(index::Metric m) { return std::string(index::MetricName(m)); }

// Exact distances to every row of the reader that passes the filter.
Status ExactPath(const table::TableDefPtr& table, size_t column, txn::Reader* reader, const KnnRequest& r,
                 index::Metric metric, const std::vector<float>& queries, std::vector<std::vector<Hit>>* tops,
                 size_t* rows_seen) {
  const table::Schema& schema = table->schema;
  const size_t dim = schema.column(column).type.param;
  std::vector<size_t> projection = schema.key_columns();
  const size_t key_count = projection.size();
  projection.push_back(column);
  TableScan scan(table, reader, projection, r.filter);
  tops->assign(r.nq, {});
  *rows_seen = 0;
  std::vector<float> matrix;
  std::vector<std::string> keys;
  while (true) {
    auto batch = table::ResultBatch::ForProjection(schema, projection);
    if (!scan.Next(kScanBatch, &batch)) break;
    const std::vector<table::ColumnView> pk = table::KeyViews(schema, batch.columns);
    const table::ColumnView vec = batch.columns[key_count].view();
    matrix.clear();
    keys.clear();
    for (size_t i = 0; i < batch.rows(); i++) {
      if (vec.IsNull(i)) continue;
      const size_t at = matrix.size();
      matrix.resize(at + dim);
      std::memcpy(matrix.data() + at, vec.Fixed(i), dim * sizeof(float));
      if (metric == index::Metric::kCosine && !index::Normalize(matrix.data() + at, dim)) {
        matrix.resize(at);  // a zero vector has no cosine distance to anything: it is never a neighbour
        continue;
      }
      keys.emplace_back();
      table::AppendKeyOf(pk, i, &keys.back());
    }
    *rows_seen += keys.size();
    const index::VectorMatrix m{matrix.data(), keys.size(), dim, nullptr};
    ForEachQuery(r.nq, [&](size_t q) {
      std::vector<Hit>& top = (*tops)[q];
      for (const Neighbor& n : index::ExactSearch(m, queries.data() + q * dim, r.k, metric)) {
        top.push_back({n.distance, keys[n.id]});
      }
      std::sort(top.begin(), top.end());
      if (top.size() > r.k) top.resize(r.k);
    });
  }
  return scan.status();
}

// The graph's side of a search under the index's read lock.
class GraphSearch {
 public:
  GraphSearch(const index::VectorIndex& index, txn::Reader* snapshot_reader, const table::TableDefPtr& table,
              const KnnRequest& r)
      : index_(index), graph_(index.graph()), reader_(snapshot_reader), table_(table), r_(r),
        dim_(index.dim()), metric_(index.options().metric),
        sq8_(index.options().quantization == index::Quantization::kSq8) {}

  // Finds the nodes of the rows that pass the filter (query/node_match.h).
  Status Match() {
    match_ = std::make_unique<NodeMatch>(index_, reader_, table_, r_.filter);
    return match_->Find();
  }
  // How Match found the rows, for explain().
  std::string DescribeMatch() const { return match_->Describe(); }

  // Decides between exact distances to the matches and a filtered graph
  // search (filtered: Match ran).
  void Choose(bool filtered) {
    filtered_ = filtered;
    const size_t live = graph_.live();
    candidates_ = filtered ? match_->match().count : live;
    if (!filtered) return;
    const double ef = static_cast<double>(EfOf(r_));
    const double m = static_cast<double>(candidates_);
    const double share = live == 0 ? 0.0 : m / static_cast<double>(live);
    const double links = 2.0 * graph_.options().m;
    // Work estimates in exact distances: m of them to the matches, against
    // a plain filtered beam's ef * 2m / share node visits (kExactCostRatio
    // visits a distance) or a two-hop search's kTwoHopCost * ef * 2m * depth.
    if (share >= kTwoHopBelow || graph_.options().m < kTwoHopMinM) {
      exact_ = m * kExactCostRatio * share <= ef * links;
    } else {
      exact_ = share < kTwoHopMinShare ||
               m <= std::max(kTwoHopMinMatches, kTwoHopCost * ef * links * std::log2(static_cast<double>(live)));
    }
    two_hop_ = !exact_ && share < kTwoHopBelow && graph_.options().m >= kTwoHopMinM;
  }

  // The plan Choose made, for explain().
  std::string Describe() const {
    const size_t live = graph_.live();
    if (!filtered_) {
      return "graph search of the hnsw index on '" + index_.column_name() + "' (" + std::to_string(live) +
             " rows), ef=" + std::to_string(EfOf(r_));
    }
    const std::string sel = std::to_string(candidates_) + " of " + std::to_string(live) + " indexed rows match";
    if (exact_) return "exact distances to the matching rows (" + sel + ": cheaper than the graph)";
    return "graph search of the hnsw index on '" + index_.column_name() + "', returning only matching rows (" +
           sel + (two_hop_ ? "; measuring only those, reached through the others in two hops" : "") +
           "), ef=" + std::to_string(EfOf(r_)) + "; exact if it finds fewer than k";
  }

  size_t ResultCount() const { return std::min(r_.k, candidates_); }

  // The results of query q, nearest first.
  Status Search(const float* query, std::vector<Hit>* out) const {
    const size_t want = ResultCount();
    const size_t c = std::min(sq8_ ? RerankCount(r_.k) : r_.k, candidates_);
    std::vector<Neighbor> found;
    if (want == 0) return Status::OK();
    if (exact_) {
      found = graph_.SearchAmong(query, c, filtered_ ? &match_->match().nodes : nullptr, candidates_);
    } else {
      found = graph_.Search(query, c, std::max(EfOf(r_), c), filtered_ ? &match_->match().nodes : nullptr, two_hop_);
      if (found.size() < std::min(c, candidates_)) {
        found = graph_.SearchAmong(query, c, filtered_ ? &match_->match().nodes : nullptr, candidates_);
      }
    }
    out->clear();
    for (const Neighbor& n : found) index_.keys().Prefetch(static_cast<uint32_t>(n.id));
    for (const Neighbor& n : found) {
      const auto node = static_cast<uint32_t>(n.id);
      out->push_back({n.distance, std::string(index_.keys().KeyOf(node)), node});
    }
    if (sq8_) EMBODB_RETURN_IF_ERROR(Rerank(query, out));
    std::sort(out->begin(), out->end());
    if (out->size() > want) out->resize(want);
    return Status::OK();
  }

 private:
  // Replaces code distances by those of the rows' float32 vectors.
  Status Rerank(const float* query, std::vector<Hit>* hits) const {
    const std::string prefix = table::RowKeyPrefix(table_->id);
    std::vector<std::string> full;
    full.reserve(hits->size());
    for (const Hit& h : *hits) full.push_back(prefix + h.key);
    const std::vector<std::string_view> views(full.begin(), full.end());
    std::vector<std::string> rows;
    std::vector<Status> statuses;
    reader_->MultiGet(views, &rows, &statuses);
    const index::DistanceFn distance = index::DistanceKernel(metric_);
    std::vector<float> v(dim_);
    for (size_t i = 0; i < hits->size(); i++) {
      EMBODB_RETURN_IF_ERROR(statuses[i]);  // indexed rows exist at this snapshot
      std::string_view field;
      EMBODB_RETURN_IF_ERROR(table::ReadField(table_->schema, rows[i], index_.column(), &field));
      if (field.size() != dim_ * sizeof(float)) return Status::Corruption("an indexed row has no vector");
      std::memcpy(v.data(), field.data(), field.size());
      if (metric_ == index::Metric::kCosine) index::Normalize(v.data(), dim_);
      (*hits)[i].distance = distance(query, v.data(), dim_);
    }
    return Status::OK();
  }

  const index::VectorIndex& index_;
  const index::HnswGraph& graph_;
  txn::Reader* const reader_;
  const table::TableDefPtr table_;
  const KnnRequest& r_;
  const size_t dim_;
  const index::Metric metric_;
  const bool sq8_;
  bool filtered_ = false;
  bool exact_ = false;
  bool two_hop_ = false;
  size_t candidates_ = 0;
  std::unique_ptr<NodeMatch> match_;  // with a filter
};

// Whether the index alone holds every column of the projection, as the
// table does: the primary key (its node keys), the searched column when the
// graph keeps it as written (float32 under l2 or ip: cosine keeps it
// normalized, sq8 as codes) and the columns it copies (NodeAttributes).
// Such rows are built from the index, under its read lock, with no read of
// the table: a search's ten rows then cost what its graph search costs.
bool IndexHoldsRows(const index::VectorIndex& index, const table::Schema& schema, size_t column,
                    const std::vector<size_t>& projection) {
  for (size_t p : projection) {
    if (p == schema.key_only_column()) continue;
    if (p == column && index.options().quantization == index::Quantization::kNone &&
        index.options().metric != index::Metric::kCosine) {
      continue;
    }
    if (!index.attributes().Holds({p})) return false;
  }
  return true;
}

// The rows of the projection for the hits, from the index. REQUIRES: its
// read lock, IndexHoldsRows, and every hit's node set.
Status RowsFromIndex(const index::VectorIndex& index, const table::Schema& schema, size_t column,
                     const std::vector<std::vector<Hit>>& tops, const std::vector<size_t>& projection,
                     table::ResultBatch* rows) {
  std::vector<float> vector(index.dim());
  size_t hits = 0;
  for (const auto& top : tops) hits += top.size();
  for (size_t j = 0; j < projection.size(); j++) {
    const size_t p = projection[j];
    table::ColumnBuffer& out = rows->columns[j];
    out.Reserve(hits, hits * 16);  // once, not a regrowth every few rows (a search's ten rows cost little else)
    for (const auto& top : tops) {
      for (const Hit& h : top) {
        if (h.node == UINT32_MAX) return Status::Corruption("a search result without its node");
        if (p == schema.key_only_column()) {
          EMBODB_RETURN_IF_ERROR(table::DecodeKeyInto(h.key, &out));
        } else if (p == column) {
          index.graph().GetVector(h.node, vector.data());
          out.AppendFixed(vector.data());
        } else {
          index.attributes().AppendValue(p, h.node, &out);
        }
      }
    }
  }
  return Status::OK();
}

// Fills result from per-query hits (each exactly result->k long) and the
// rows of a projection: from `rows_index` when given (it holds them:
// IndexHoldsRows, and its read lock is held), else read from the table.
Status Finish(const table::TableDef& table, txn::Reader* reader, const KnnRequest& r,
              std::vector<std::vector<Hit>>* tops, KnnResult* result, const index::VectorIndex* rows_index = nullptr,
              size_t column = 0) {
  result->keys.clear();
  result->distances.clear();
  bool read_rows = r.projection != nullptr;
  if (read_rows && rows_index != nullptr) {
    result->rows = table::ResultBatch::ForProjection(table.schema, *r.projection);
    EMBODB_RETURN_IF_ERROR(RowsFromIndex(*rows_index, table.schema, column, *tops, *r.projection, &result->rows));
    read_rows = false;
  }
  for (auto& top : *tops) {
    for (Hit& h : top) {
      result->distances.push_back(h.distance);
      result->keys.push_back(std::move(h.key));
    }
  }
  if (!read_rows) return Status::OK();
  result->rows = table::ResultBatch::ForProjection(table.schema, *r.projection);
  std::vector<uint8_t> found;
  EMBODB_RETURN_IF_ERROR(
      table::ReadRowsByEncodedKeys(table, reader, result->keys, *r.projection, &result->rows, &found));
  for (uint8_t f : found) {
    if (!f) return Status::Corruption("a search result's row is missing");
  }
  return Status::OK();
}

}  // namespace

Status RunKnn(const table::TableDefPtr& table, size_t column, index::VectorIndex* index, lsm::DB* db,
              txn::Reader* reader, bool latest, const KnnRequest& request, KnnResult* result) {
  const table::ColumnType& type = table->schema.column(column).type;
  const size_t dim = type.param;
  const index::Metric metric = index != nullptr ? index->options().metric : request.metric;
  std::vector<float> queries;
  EMBODB_RETURN_IF_ERROR(PrepareQueries(request, dim, metric, &queries));
  result->plan.clear();
  std::vector<std::vector<Hit>> tops;
  if (index == nullptr || !latest || request.exact) {
    size_t rows = 0;
    EMBODB_RETURN_IF_ERROR(ExactPath(table, column, reader, request, metric, queries, &tops, &rows));
    if (request.explain) {
      std::string why = index == nullptr ? "no vector index on '" + table->schema.column(column).name + "'"
                        : !latest        ? "the index holds the latest state only, and this reads another"
                                         : "requested";
      result->plan.push_back("exact distances (" + MetricText(metric) + ") to every row" +
                             (request.filter ? " that passes the filter" : "") + ": " + std::to_string(rows) +
                             " rows (" + why + ")");
    }
    result->k = tops.empty() ? std::min(request.k, rows) : tops[0].size();
    return Finish(*table, reader, request, &tops, result);
  }
  const bool sq8 = index->options().quantization == index::Quantization::kSq8;
  auto lock = index->ReadLock();
  EMBODB_RETURN_IF_ERROR(index->health());
  // Under the lock: the snapshot shows exactly the rows indexed.
  std::optional<txn::HeldSnapshot> snapshot;
  std::optional<txn::SnapshotReader> snapshot_reader;
  const bool rows_from_index =
      request.projection != nullptr && IndexHoldsRows(*index, table->schema, column, *request.projection);
  if (request.filter || sq8 || (request.projection != nullptr && !rows_from_index)) {
    snapshot.emplace(db);
    snapshot_reader.emplace(db, snapshot->sequence());
  }
  txn::Reader* rows_reader = snapshot_reader ? &*snapshot_reader : nullptr;
  GraphSearch search(*index, rows_reader, table, request);
  if (request.filter) {
    EMBODB_RETURN_IF_ERROR(search.Match());
    if (request.explain) {
      result->plan.push_back("find the rows that pass the filter: " + search.DescribeMatch());
    }
  }
  search.Choose(request.filter != nullptr);
  if (request.explain) {
    result->plan.push_back(search.Describe() + ", metric " + MetricText(metric));
    if (sq8) {
      result->plan.push_back("re-rank the sq8 candidates (" + std::to_string(RerankCount(request.k)) +
                             ") with their float32 vectors from the table");
    }
  }
  result->k = search.ResultCount();
  tops.assign(request.nq, {});
  std::vector<Status> statuses(request.nq);
  ForEachQuery(request.nq, [&](size_t q) { statuses[q] = search.Search(queries.data() + q * dim, &tops[q]); });
  for (const Status& s : statuses) EMBODB_RETURN_IF_ERROR(s);
  return Finish(*table, rows_reader, request, &tops, result, rows_from_index ? index : nullptr, column);
}

}  // namespace embodb::query
