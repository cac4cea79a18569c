// VectorIndex: an HNSW index on a vector column of a table, kept in memory
// and consistent with the table through the change feed (change_feed.h).
//
// It holds the graph (index/vector/hnsw_graph.h), the primary key of the
// row behind each node (node_keys.h) and a copy of the row's fixed-width
// scalar values (node_attributes.h), over which filtered searches evaluate
// their filters (query/node_match.h); the nodes a filter matched are cached
// (filter_match_cache.h) and kept current. Each commit that writes the table
// arrives as feed events: the last event of each key wins; the old node of a
// changed or deleted row becomes a tombstone, and the new vectors are linked
// in one parallel Add. Tombstones are reclaimed once they exceed a tenth of
// the live nodes, so recall does not decay under updates.
//
// Consistency: the write lock is taken before a commit's rows become
// visible and released after they are applied (BeginCommit / EndCommit), so
// a reader holding ReadLock() sees the graph agree with the table's latest
// state, and a snapshot taken under it shows exactly the rows indexed.
//
// Cosine vectors are normalized before they enter the graph, and queries
// too (PrepareQuery); a zero vector has no direction and is refused, at the
// write (CheckIndexedVectors) and at the query.
//
// Thread safety: thread-safe as described above.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "index/derived_index.h"
#include "index/registry.h"
#include "index/vector/hnsw_graph.h"
#include "table/column_data.h"
#include "index/common/node_attributes.h"
#include "index/common/node_keys.h"
#include "index/common/node_rows.h"

namespace embodb {
class Env;
}

namespace embodb::index {

// The table types used here (Schema, ColumnView, Value, ...) are named in
// this namespace by index/common/node_attributes.h.

inline constexpr std::string_view kHnswKind = "hnsw";

struct VectorIndexOptions {
  index::Metric metric = index::Metric::kL2;
  uint32_t m = 16;
  uint32_t ef_construction = 200;
  index::Quantization quantization = index::Quantization::kNone;

  // The catalog's options string of a derived index (docs/format/table.md).
  std::string Encode() const;
  static Result<VectorIndexOptions> Decode(std::string_view encoded);
  // InvalidArgument unless 2 <= m <= 128 and 1 <= ef_construction <= 65536.
  Status Check() const;
  // From the options a user gave by name (create_index(..., metric="cosine",
  // m=16, ef_construction=200, quantization="sq8")); InvalidArgument naming
  // an unknown option, a value of the wrong type or out of range.
  static Result<VectorIndexOptions> FromParams(const std::vector<std::pair<std::string, Value>>& params);
  // The options by name, as FromParams takes them.
  std::vector<std::pair<std::string, Value>> Params() const;
};

// The kind's check_rows (registry.h): InvalidArgument when a row of cols
// (views by schema position, n rows) holds a zero vector and the index d
// uses the cosine metric.
Status CheckIndexedVectors(const table::TableDef& table, const table::DerivedIndexDef& d,
                           const std::vector<ColumnView>& cols, size_t n);

// The "hnsw" kind of derived index (index/registry.h): its name, columns,
// options, and how an index of it is made and loaded.
index::IndexKind HnswKind();

class VectorIndex final : public index::DerivedIndex, public NodeRows {
 public:
  // def: the index's declaration (its column a vector column of the table,
  // at schema position `column`).
  VectorIndex(uint32_t table_id, table::DerivedIndexDef def, Schema schema, size_t column,
              const VectorIndexOptions& options);
  ~VectorIndex() override;

  size_t column() const { return column_; }
  size_t dim() const { return dim_; }
  const VectorIndexOptions& options() const { return options_; }

  // FeedConsumer.
  void BeginCommit() override { mu_.lock(); }
  void EndCommit() override { mu_.unlock(); }
  void Apply(const std::vector<catalog::FeedEvent>& events) override;

  // DerivedIndex. AddRows: a row with a null vector is not indexed;
  // InvalidArgument, naming the row's key, for a zero vector under cosine.
  // FinishBuild renumbers the nodes for faster searches (HnswGraph::
  // Reorder); the index also does it by itself as it grows and after it
  // reclaims deleted nodes. NeedsRows: after Load, when the checkpoint held
  // no attributes for the current schema (written before a column was
  // added, or by an older version); FillFromRows then sets them.
  Status AddRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) override;
  void FinishBuild() override;
  bool NeedsRows() const override { return !attributes_complete_; }
  Status FillFromRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) override;
  std::unique_ptr<index::RowVerifier> StartVerify() const override;
  size_t rows() const override { return graph_->live(); }
  index::Params Info() const override;

  // Readers hold this while they use graph() and the NodeRows below.
  std::shared_lock<std::shared_mutex> ReadLock() const override { return std::shared_lock(mu_); }
  const index::HnswGraph& graph() const { return *graph_; }

  // NodeRows: what a filtered search reads (query/node_match.h).
  const NodeKeys& keys() const override { return keys_; }
  const NodeAttributes& attributes() const override { return attributes_; }
  const FilterMatchCache& matches() const override { return matches_; }
  size_t slots() const override { return graph_->slots(); }
  bool AllLive() const override { return graph_->AllLive(); }
  void LiveBytes(size_t begin, size_t count, uint8_t* live) const override { graph_->LiveBytes(begin, count, live); }
  // The first failure of Apply (a row that did not decode): the index no
  // longer agrees with its table, and searches report this.
  Status health() const override;
  size_t MemoryBytes() const override {
    return graph_->MemoryBytes() + keys_.MemoryBytes() + attributes_.MemoryBytes();
  }

  // Verification against the table (StartVerify). VerifyRow checks one
  // row: a row with a vector has a node with that key, that vector (as the
  // graph stores it: normalized for cosine; sq8 codes are not compared) and
  // those values in the copied columns; *seen gets its node. VerifyNoStrays
  // then checks that every live node was seen. Corruption naming the first
  // difference. REQUIRES: the read lock.
  Status VerifyRow(std::string_view key, std::string_view row, index::NodeSet* seen) const;
  Status VerifyNoStrays(const index::NodeSet& seen, size_t rows_with_vectors) const;

  // dim floats of a query into out, normalized for cosine; InvalidArgument
  // for non-finite values and for a zero vector under cosine.
  Status PrepareQuery(const float* query, float* out) const;

  // Checkpoint (docs/format/hnsw.md): the graph with the node keys, the
  // node attributes and the covered feed number in its owner section.
  Status Save(Env* env, const std::string& path) const override;
  // NotFound when the file is missing; Corruption for a damaged file or one
  // built with other options than these.
  static Result<std::unique_ptr<VectorIndex>> Load(Env* env, const std::string& path, uint32_t table_id,
                                                   table::DerivedIndexDef def, Schema schema, size_t column,
                                                   const VectorIndexOptions& options);

 private:
  // The vectors of rows that have one, prepared (normalized for cosine),
  // with their keys and rows: rows with a null vector are skipped, and so
  // is a zero vector under cosine unless `refuse_zero` (then
  // InvalidArgument). Corruption for a row whose vector does not read.
  Status PrepareRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows,
                     bool refuse_zero, std::vector<std::string_view>* vector_keys,
                     std::vector<std::string_view>* vector_rows, std::vector<float>* vectors) const;
  // REQUIRES: the write lock. Removes the node of key, if any; returns it
  // (or NodeKeys::kNone).
  uint32_t RemoveKey(std::string_view key);
  // REQUIRES: the write lock. Adds n prepared vectors for keys and rows;
  // appends their nodes to *nodes, and sets *renumbered when the graph's
  // nodes were renumbered meanwhile (KeepLocality).
  Status AddPrepared(const std::vector<std::string_view>& keys, const float* vectors,
                     const std::vector<std::string_view>& rows, std::vector<uint32_t>* nodes, bool* renumbered);
  // Normalizes a cosine vector in place; false when it is zero.
  bool Normalize(float* v) const;
  // REQUIRES: the write lock. Renumbers the nodes when forced or when the
  // graph has doubled since it last did (amortized: a constant per node);
  // returns whether it did.
  bool KeepLocality(bool force);

  const Schema schema_;  // holds the column and those before it (enough to read it)
  const size_t column_;
  const size_t dim_;
  const VectorIndexOptions options_;

  mutable std::shared_mutex mu_;
  std::unique_ptr<index::HnswGraph> graph_;
  NodeKeys keys_;
  NodeAttributes attributes_;
  bool attributes_complete_ = true;
  size_t ordered_slots_ = 0;  // the graph's slots when it was last renumbered
  Status health_;

  FilterMatchCache matches_;  // changed under the write lock
};

}  // namespace embodb::index
