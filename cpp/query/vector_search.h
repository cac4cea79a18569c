// Nearest-neighbour search over a vector column of a table, filtered or not,
// for one query or a batch (table.search / table.knn).
//
// The plan, named in the result for explain():
//   - exact: distances to every row that passes the filter, read from the
//     table. Used without an index, on request, and for a read of anything
//     but the latest state (a snapshot or a transaction: the index holds the
//     latest state only).
//   - graph: the HNSW index's beam search, ef wide.
//   - filtered: the filter's matching rows are found first (a scan, using
//     the table's plan: keys, secondary indexes), mapped to nodes; then the
//     cheaper of two is chosen by estimated work: exact distances to the m
//     matching nodes, or a graph search that returns only them (which visits
//     about ef * 2m / selectivity nodes). A graph search that finds fewer
//     than k falls back to the exact path, so a search returns exactly
//     min(k, matching rows) results.
//   - sq8 graphs: their candidates (3k, at least k + 20) are re-ranked with
//     the float32 vectors of their rows.
//
// With the index, the search holds its read lock and takes the snapshot it
// reads rows at under it, so the rows found are exactly the rows indexed. A
// search that reads no rows (no filter, float32 graph, no projection) takes
// no snapshot: the graph alone answers it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "query/filter.h"
#include "table/table_reader.h"
#include "index/vector/vector_index.h"
#include "txn/reader.h"

namespace embodb::query {

struct KnnRequest {
  const float* queries = nullptr;  // nq rows of dim floats
  size_t nq = 0;
  size_t k = 10;
  size_t ef = 0;  // 0: max(k, 64)
  bool exact = false;
  FilterPtr filter;  // may be null
  // Without an index, the metric of the exact path.
  index::Metric metric = index::Metric::kL2;
  // When set, the rows of the results (schema positions), read at the same
  // state as the search.
  const std::vector<size_t>* projection = nullptr;
  bool explain = false;  // fill KnnResult::plan
};

struct KnnResult {
  size_t k = 0;  // results per query: min(request k, rows that can match)
  std::vector<std::string> keys;  // nq * k encoded primary keys, nearest first per query
  std::vector<float> distances;   // nq * k
  std::vector<std::string> plan;  // with request.explain: the steps taken
  table::ResultBatch rows;        // with a projection: nq * k rows, in result order
};

// Searches the vector column `column` of table. index: the column's index,
// or null. With index and latest (reads of the latest state) the index is
// used and `db` gives the snapshot; otherwise reader is scanned exactly.
Status RunKnn(const table::TableDefPtr& table, size_t column, index::VectorIndex* index, lsm::DB* db,
              txn::Reader* reader, bool latest, const KnnRequest& request, KnnResult* result);

}  // namespace embodb::query
