// SpatialIndex: a k-d tree (index/spatial/kd_tree.h) over a point3 column of
// a table, kept in memory and consistent with the table through the change
// feed, as the vector index is (index/vector/vector_index.h): the write
// lock is held from before a commit's rows become visible until they are
// applied, so a reader holding ReadLock() sees the tree agree with the
// table's latest state.
//
// Each indexed row is a node: its key (node_keys.h), its point in the tree
// and a copy of its fixed-width scalar columns (node_attributes.h), over
// which filtered queries evaluate their filters (query/node_match.h). A row
// whose point is null is not indexed; the table's input checks refuse
// points with NaN or infinity (table/conform.h), so a stored one is
// corruption. Node numbers freed by deletes are reused.
//
// Checkpoint: docs/format/spatial.md.
//
// Thread safety: as described above.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "index/common/node_attributes.h"
#include "index/common/node_keys.h"
#include "index/common/node_rows.h"
#include "index/derived_index.h"
#include "index/registry.h"
#include "index/spatial/kd_tree.h"

namespace embodb {
class Env;
}

namespace embodb::index {

inline constexpr std::string_view kSpatialKind = "spatial";

// The "spatial" kind (index/registry.h): point3 columns.
IndexKind SpatialKind();

class SpatialIndex final : public DerivedIndex, public NodeRows {
 public:
  SpatialIndex(uint32_t table_id, table::DerivedIndexDef def, Schema schema, size_t column);

  size_t column() const { return column_; }

  // FeedConsumer.
  void BeginCommit() override { mu_.lock(); }
  void EndCommit() override { mu_.unlock(); }
  void Apply(const std::vector<catalog::FeedEvent>& events) override;

  // DerivedIndex. A build collects the rows' points (AddRows) and builds the
  // tree in parallel at FinishBuild.
  Status AddRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) override;
  void FinishBuild() override;
  bool NeedsRows() const override { return !attributes_complete_; }
  Status FillFromRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) override;
  Status Save(Env* env, const std::string& path) const override;
  std::unique_ptr<RowVerifier> StartVerify() const override;
  size_t rows() const override { return tree_.size(); }
  size_t MemoryBytes() const override { return tree_.MemoryBytes() + keys_.MemoryBytes() + attributes_.MemoryBytes(); }
  Params Info() const override;
  std::shared_lock<std::shared_mutex> ReadLock() const override { return std::shared_lock(mu_); }
  Status health() const override { return health_; }

  // The tree; REQUIRES: the read lock.
  const spatial::KdTree& tree() const { return tree_; }

  // NodeRows.
  const NodeKeys& keys() const override { return keys_; }
  const NodeAttributes& attributes() const override { return attributes_; }
  const FilterMatchCache& matches() const override { return matches_; }
  size_t slots() const override { return slots_; }
  bool AllLive() const override { return tree_.size() == slots_; }
  void LiveBytes(size_t begin, size_t count, uint8_t* live) const override;

  // Verification (StartVerify): one row of the table, then no strays.
  Status VerifyRow(std::string_view key, std::string_view row, NodeSet* seen) const;
  Status VerifyNoStrays(const NodeSet& seen) const;

  // NotFound when the file is missing; Corruption when it is damaged.
  static Result<std::unique_ptr<SpatialIndex>> Load(Env* env, const std::string& path, uint32_t table_id,
                                                    table::DerivedIndexDef def, Schema schema, size_t column);

 private:
  // The row's point; false when it is null. Corruption for a bad field.
  Status PointOfRow(std::string_view row, spatial::Point3* p, bool* present) const;
  // REQUIRES: the write lock. A free node number.
  uint32_t NewNode();
  // REQUIRES: the write lock. Removes key's node, if any; returns it (or
  // NodeKeys::kNone).
  uint32_t RemoveKey(std::string_view key);

  const Schema schema_;
  const size_t column_;

  mutable std::shared_mutex mu_;
  spatial::KdTree tree_;
  NodeKeys keys_;
  NodeAttributes attributes_;
  bool attributes_complete_ = true;
  uint32_t slots_ = 0;                // node numbers handed out
  std::vector<uint32_t> free_nodes_;  // below slots_, not live
  Status health_;
  FilterMatchCache matches_;

  // A build's points, until FinishBuild.
  std::vector<spatial::Point3> pending_points_;
  std::vector<uint32_t> pending_nodes_;
};

}  // namespace embodb::index
