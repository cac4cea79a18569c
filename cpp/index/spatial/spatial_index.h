// SpatialIndex: a k-d tree (index/spatial/kd_tree.h) over a point3 column
// of a table, or over every point of a pointcloud column (the map a robot
// builds scan by scan), kept in memory and consistent with the table through
// the change feed, as the vector index is (index/vector/vector_index.h): the
// write lock is held from before a commit's rows become visible until they
// are applied, so a reader holding ReadLock() sees the tree agree with the
// table's latest state.
//
// Each indexed row is a node: its key (node_keys.h) and a copy of its
// fixed-width scalar columns (node_attributes.h), over which filtered
// queries evaluate their filters (query/node_match.h). Over a point3
// column the node's number is its point's id in the tree. Over a cloud
// column the row's points take a range of ids (point_ranges.h), placed in
// the world frame by the row's pose when the index has one (a point3
// position and a vector(4) quaternion column, pose.h).
//
// Which rows are indexed: over a point3 column, those whose point is not
// null (the table refuses NaN and infinity, so a stored one is
// corruption); over a cloud column, those with a non-empty cloud and, with
// a pose, a non-null position and orientation (a zero or non-finite
// orientation is refused at the write, check_rows). The table refuses NaN
// and infinity in points and clouds; a point made non-finite by its pose
// (an overflow) is left out of the tree. Node numbers and id ranges freed
// by deletes are reused.
//
// Checkpoint: docs/format/spatial.md.
//
// Thread safety: as described above.
#pragma once

#include <memory>
#include <optional>
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
#include "index/spatial/point_ranges.h"

namespace embodb {
class Env;
}

namespace embodb::index {

inline constexpr std::string_view kSpatialKind = "spatial";

// The "spatial" kind (index/registry.h): point3 and pointcloud columns;
// options position= and orientation= (a cloud's pose columns).
IndexKind SpatialKind();

// The points an index holds: a point3 column, or a pointcloud column with
// an optional pose (both columns or neither).
struct SpatialSource {
  size_t column = 0;
  bool cloud = false;
  size_t channels = 3;                           // a cloud's floats per point
  std::optional<size_t> position, orientation;  // a cloud's pose columns
};

class SpatialIndex final : public DerivedIndex, public NodeRows {
 public:
  SpatialIndex(uint32_t table_id, table::DerivedIndexDef def, Schema schema, SpatialSource source);

  size_t column() const { return source_.column; }
  const SpatialSource& source() const { return source_; }
  bool cloud() const { return source_.cloud; }

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
  size_t rows() const override { return keys_.size(); }
  size_t MemoryBytes() const override {
    return tree_.MemoryBytes() + keys_.MemoryBytes() + attributes_.MemoryBytes() + ranges_.MemoryBytes();
  }
  Params Info() const override;
  std::shared_lock<std::shared_mutex> ReadLock() const override { return std::shared_lock(mu_); }
  Status health() const override { return health_; }

  // The tree; REQUIRES: the read lock.
  const spatial::KdTree& tree() const { return tree_; }
  // The node (row) of a tree id, and the id's index in the row's cloud (0
  // over a point3 column). REQUIRES: the read lock; id in the tree.
  uint32_t NodeOfPoint(uint32_t id) const { return source_.cloud ? ranges_.NodeOf(id) : id; }
  uint32_t PointIndex(uint32_t id) const { return source_.cloud ? id - ranges_.Base(ranges_.NodeOf(id)) : 0; }
  // The tree ids a node's points may have: [first, first + count).
  void IdsOfNode(uint32_t node, uint32_t* first, uint32_t* count) const;

  // NodeRows.
  const NodeKeys& keys() const override { return keys_; }
  const NodeAttributes& attributes() const override { return attributes_; }
  const FilterMatchCache& matches() const override { return matches_; }
  size_t slots() const override { return slots_; }
  bool AllLive() const override { return keys_.size() == slots_; }
  void LiveBytes(size_t begin, size_t count, uint8_t* live) const override;

  // Verification (StartVerify): one row of the table, then no strays.
  // points: a count of the points (finite) of the rows seen.
  Status VerifyRow(std::string_view key, std::string_view row, NodeSet* seen, size_t* points) const;
  Status VerifyNoStrays(const NodeSet& seen, size_t points) const;

  // NotFound when the file is missing; Corruption when it is damaged.
  static Result<std::unique_ptr<SpatialIndex>> Load(Env* env, const std::string& path, uint32_t table_id,
                                                    table::DerivedIndexDef def, Schema schema, SpatialSource source);

 private:
  // The points of a row, in the index's frame (a cloud's non-finite points
  // as NaN); empty when the row is not indexed. Corruption for a bad field.
  Status PointsOfRow(std::string_view row, std::vector<spatial::Point3>* points) const;
  // REQUIRES: the write lock. Gives node the ids of its n points and queues
  // the finite ones for the tree; false when the id space is full.
  bool PlacePoints(uint32_t node, const std::vector<spatial::Point3>& points, std::vector<spatial::Point3>* to_tree,
                   std::vector<uint32_t>* ids);
  // REQUIRES: the write lock. A free node number.
  uint32_t NewNode();
  // REQUIRES: the write lock. Removes key's node, if any; returns it (or
  // NodeKeys::kNone).
  uint32_t RemoveKey(std::string_view key);

  const Schema schema_;
  const SpatialSource source_;

  mutable std::shared_mutex mu_;
  spatial::KdTree tree_;
  spatial::PointRanges ranges_;  // over a cloud column
  NodeKeys keys_;
  NodeAttributes attributes_;
  bool attributes_complete_ = true;
  uint32_t slots_ = 0;                // node numbers handed out
  std::vector<uint32_t> free_nodes_;  // below slots_, not live
  Status health_;
  FilterMatchCache matches_;

  // A build's points, until FinishBuild.
  std::vector<spatial::Point3> pending_points_;
  std::vector<uint32_t> pending_ids_;
};

}  // namespace embodb::index
