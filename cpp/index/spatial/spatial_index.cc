#include "index/spatial/spatial_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "env/env.h"
#include "index/spatial/pose.h"
#include "table/key_codec.h"
#include "table/row_codec.h"
#include "util/coding.h"
#include "util/crc32c.h"

namespace embodb::index {

namespace {

// Checkpoint (docs/format/spatial.md). On disk: never renumber.
constexpr uint64_t kMagic = 0x3154415053424d45ull;  // "EMBSPAT1", little-endian
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderSize = 8 + 4 + 8 + 4;

bool Finite(const spatial::Point3& p) { return std::isfinite(p.x) && std::isfinite(p.y) && std::isfinite(p.z); }

}  // namespace

SpatialIndex::SpatialIndex(uint32_t table_id, table::DerivedIndexDef def, Schema schema, SpatialSource source)
    : DerivedIndex(table_id, std::move(def)),
      schema_(std::move(schema)),
      source_(source),
      keys_(!schema_.composite_key() && schema_.column(schema_.key_only_column()).type.IsInteger()),
      attributes_(schema_) {}

Status SpatialIndex::PointsOfRow(std::string_view row, std::vector<spatial::Point3>* points) const {
  points->clear();
  std::string_view field;
  EMBODB_RETURN_IF_ERROR(ReadField(schema_, row, source_.column, &field));
  if (field.empty()) return Status::OK();
  if (!source_.cloud) {
    if (field.size() != sizeof(spatial::Point3)) return Status::Corruption("bad point3 field in a row");
    spatial::Point3 p;
    std::memcpy(&p, field.data(), sizeof p);
    if (!Finite(p)) return Status::Corruption("a stored point with NaN or infinity");
    points->push_back(p);
    return Status::OK();
  }
  const size_t stride = source_.channels * sizeof(float);
  if (field.size() % stride != 0) return Status::Corruption("bad pointcloud field in a row");
  spatial::Pose pose;
  const bool posed = source_.position.has_value();
  if (posed) {
    std::string_view position, orientation;
    EMBODB_RETURN_IF_ERROR(ReadField(schema_, row, *source_.position, &position));
    EMBODB_RETURN_IF_ERROR(ReadField(schema_, row, *source_.orientation, &orientation));
    if (position.empty() || orientation.empty()) return Status::OK();  // no pose: not placed in the world
    if (position.size() != 3 * sizeof(float) || orientation.size() != 4 * sizeof(float)) {
      return Status::Corruption("bad pose field in a row");
    }
    if (!spatial::PoseOf(position.data(), orientation.data(), &pose)) return Status::OK();  // refused at writes
  }
  points->resize(field.size() / stride);
  spatial::PlaceCloud(field.data(), points->size(), stride, posed ? &pose : nullptr,
                      [points](size_t j, float x, float y, float z) { (*points)[j] = spatial::Point3{x, y, z}; });
  return Status::OK();
}

bool SpatialIndex::PlacePoints(uint32_t node, const std::vector<spatial::Point3>& points,
                               std::vector<spatial::Point3>* to_tree, std::vector<uint32_t>* ids) {
  if (!source_.cloud) {
    to_tree->push_back(points[0]);
    ids->push_back(node);
    return true;
  }
  const uint32_t base = ranges_.Allocate(node, static_cast<uint32_t>(points.size()));
  if (base == spatial::PointRanges::kNone || points.size() >= UINT32_MAX) return false;
  for (size_t j = 0; j < points.size(); j++) {
    if (!Finite(points[j])) continue;  // stored, not indexed
    to_tree->push_back(points[j]);
    ids->push_back(base + static_cast<uint32_t>(j));
  }
  return true;
}

void SpatialIndex::IdsOfNode(uint32_t node, uint32_t* first, uint32_t* count) const {
  if (!source_.cloud) {
    *first = node;
    *count = 1;
  } else if (ranges_.Has(node)) {
    *first = ranges_.Base(node);
    *count = ranges_.Count(node);
  } else {
    *first = 0;
    *count = 0;
  }
}

uint32_t SpatialIndex::NewNode() {
  if (!free_nodes_.empty()) {
    const uint32_t n = free_nodes_.back();
    free_nodes_.pop_back();
    return n;
  }
  return slots_++;
}

uint32_t SpatialIndex::RemoveKey(std::string_view key) {
  const uint32_t node = keys_.Find(key);
  if (node == NodeKeys::kNone) return node;
  keys_.Erase(node);
  attributes_.Clear(node);
  uint32_t first, count;
  IdsOfNode(node, &first, &count);
  for (uint32_t id = first; id < first + count; id++) tree_.Erase(id);
  ranges_.Free(node);
  free_nodes_.push_back(node);
  return node;
}

void SpatialIndex::LiveBytes(size_t begin, size_t count, uint8_t* live) const {
  for (size_t i = 0; i < count; i++) live[i] = keys_.Has(static_cast<uint32_t>(begin + i)) ? 1 : 0;
}

Status SpatialIndex::AddRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) {
  std::unique_lock l(mu_);
  matches_.Clear();
  std::vector<uint32_t> nodes;
  std::vector<std::string_view> node_keys, node_rows;
  std::vector<spatial::Point3> points;
  for (size_t i = 0; i < keys.size(); i++) {
    const Status s = PointsOfRow(rows[i], &points);
    if (!s.ok()) return Status::Corruption(s.message() + " (key " + table::KeyText(schema_, keys[i]) + ")");
    if (points.empty()) continue;
    const uint32_t node = NewNode();
    if (!PlacePoints(node, points, &pending_points_, &pending_ids_)) {
      return Status::InvalidArgument("the spatial index on '" + column_name() + "' cannot hold over 2^32 points");
    }
    nodes.push_back(node);
    node_keys.push_back(keys[i]);
    node_rows.push_back(rows[i]);
  }
  keys_.InsertMany(nodes.data(), node_keys.data(), nodes.size());
  return attributes_.Set(schema_, nodes, node_keys, node_rows);
}

void SpatialIndex::FinishBuild() {
  std::unique_lock l(mu_);
  matches_.Clear();
  // Into an empty tree (or one smaller than the batch): one parallel build.
  tree_.InsertMany(pending_points_.data(), pending_ids_.data(), pending_points_.size());
  pending_points_ = {};
  pending_ids_ = {};
}

Status SpatialIndex::FillFromRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) {
  std::unique_lock l(mu_);
  matches_.Clear();
  return attributes_.SetByKey(schema_, keys_, keys, rows);
}

void SpatialIndex::Apply(const std::vector<catalog::FeedEvent>& events) {
  // REQUIRES: the write lock (BeginCommit). The last event of a key wins.
  if (events.empty() || !health_.ok()) return;
  std::vector<uint32_t> removed, added;
  std::unordered_set<std::string_view> seen;
  std::vector<std::string_view> add_keys, add_rows;
  std::vector<spatial::Point3> points, to_tree;
  std::vector<uint32_t> ids;
  Status s;
  for (size_t e = events.size(); e-- > 0 && s.ok();) {
    const catalog::FeedEvent& ev = events[e];
    if (!seen.insert(ev.key).second) continue;
    const uint32_t gone = RemoveKey(ev.key);
    if (gone != NodeKeys::kNone) removed.push_back(gone);
    if (ev.deleted) continue;
    s = PointsOfRow(ev.row, &points);
    if (!s.ok() || points.empty()) continue;
    const uint32_t node = NewNode();
    keys_.Insert(node, ev.key);
    if (!PlacePoints(node, points, &to_tree, &ids)) s = Status::InvalidArgument("over 2^32 points");
    added.push_back(node);
    add_keys.push_back(ev.key);
    add_rows.push_back(ev.row);
  }
  if (s.ok()) tree_.InsertMany(to_tree.data(), ids.data(), to_tree.size());  // one descent for a whole scan
  if (s.ok()) s = attributes_.Set(schema_, added, add_keys, add_rows);
  if (!s.ok()) {
    health_ = Status::Corruption("the spatial index on '" + column_name() + "' could not read a row: " + s.ToString());
    matches_.Clear();
    return;
  }
  covered_ = std::max(covered_.load(), events.back().number);
  matches_.Update(attributes_, removed, added);
}

Params SpatialIndex::Info() const {
  Params info = {{"points", Value::Int(static_cast<int64_t>(tree_.size()))}};
  if (source_.cloud) info.emplace_back("rows", Value::Int(static_cast<int64_t>(keys_.size())));
  if (source_.position) {
    info.emplace_back("position", Value::String(schema_.column(*source_.position).name));
    info.emplace_back("orientation", Value::String(schema_.column(*source_.orientation).name));
  }
  return info;
}

namespace {

class SpatialVerifier final : public RowVerifier {
 public:
  explicit SpatialVerifier(const SpatialIndex& index) : index_(index), seen_(index.slots()) {}
  Status Row(std::string_view key, std::string_view row) override {
    return index_.VerifyRow(key, row, &seen_, &points_);
  }
  Status Finish() override { return index_.VerifyNoStrays(seen_, points_); }

 private:
  const SpatialIndex& index_;
  NodeSet seen_;
  size_t points_ = 0;
};

}  // namespace

std::unique_ptr<RowVerifier> SpatialIndex::StartVerify() const { return std::make_unique<SpatialVerifier>(*this); }

Status SpatialIndex::VerifyRow(std::string_view key, std::string_view row, NodeSet* seen, size_t* points) const {
  const auto differs = [&](const std::string& what) {
    return Status::Corruption("the spatial index on '" + column_name() + "' " + what + " (key " +
                              table::KeyText(schema_, key) + ")");
  };
  std::vector<spatial::Point3> want;
  EMBODB_RETURN_IF_ERROR(PointsOfRow(row, &want));
  const uint32_t node = keys_.Find(key);
  if (want.empty()) return node == NodeKeys::kNone ? Status::OK() : differs("holds a row it should not");
  if (node == NodeKeys::kNone) return differs("misses a row");
  seen->Insert(node);
  uint32_t first, count;
  IdsOfNode(node, &first, &count);
  if (count != want.size()) return differs("holds another number of points for a row");
  for (uint32_t j = 0; j < count; j++) {
    const bool indexed = Finite(want[j]);
    if (tree_.Contains(first + j) != indexed) return differs(indexed ? "misses a point" : "holds a non-finite point");
    if (!indexed) continue;
    (*points)++;
    const spatial::Point3 got = tree_.PointOf(first + j);
    if (std::memcmp(&got, &want[j], sizeof got) != 0) return differs("holds another point for a row");
  }
  return Status::OK();
}

Status SpatialIndex::VerifyNoStrays(const NodeSet& seen, size_t points) const {
  EMBODB_RETURN_IF_ERROR(tree_.CheckInvariants());
  if (seen.Count() == keys_.size() && points == tree_.size()) return Status::OK();
  return Status::Corruption("the spatial index on '" + column_name() + "' holds " + std::to_string(tree_.size()) +
                            " points of " + std::to_string(keys_.size()) + " rows for " + std::to_string(points) +
                            " points of " + std::to_string(seen.Count()) + " rows in the table");
}

// ---------------------------------------------------------------- checkpoint

Status SpatialIndex::Save(Env* env, const std::string& path) const {
  std::string payload;
  PutFixed64(&payload, covered_);
  PutFixed32(&payload, slots_);
  keys_.EncodeTo(&payload);
  attributes_.EncodeTo(&payload);
  if (source_.cloud) ranges_.EncodeTo(&payload);
  std::string tree;
  tree_.EncodeTo(&tree);
  PutFixed64(&payload, tree.size());
  payload.append(tree);
  std::string file;
  PutFixed64(&file, kMagic);
  PutFixed32(&file, kVersion);
  PutFixed64(&file, payload.size());
  PutFixed32(&file, crc32c::Mask(crc32c::Value(payload.data(), payload.size())));
  file.append(payload);
  const std::string tmp = path + ".tmp";
  EMBODB_RETURN_IF_ERROR(WriteStringToFile(env, file, tmp, /*sync=*/true));
  EMBODB_RETURN_IF_ERROR(env->RenameFile(tmp, path));
  return env->SyncDir(DirName(path));
}

Result<std::unique_ptr<SpatialIndex>> SpatialIndex::Load(Env* env, const std::string& path, uint32_t table_id,
                                                        table::DerivedIndexDef def, Schema schema,
                                                        SpatialSource source) {
  if (!env->FileExists(path)) return Status::NotFound("no checkpoint " + path);
  std::string data;
  EMBODB_RETURN_IF_ERROR(ReadFileToString(env, path, &data));
  auto bad = [&path](const std::string& what) { return Status::Corruption("spatial index checkpoint " + path, what); };
  if (data.size() < kHeaderSize || DecodeFixed64(data.data()) != kMagic) return bad("not a spatial index file");
  const uint32_t version = DecodeFixed32(data.data() + 8);
  if (version != kVersion) {
    return Status::NotSupported("spatial index checkpoint " + path + " is of version " + std::to_string(version) +
                                ", newer than this embodb reads (1)");
  }
  const uint64_t size = DecodeFixed64(data.data() + 12);
  if (size != data.size() - kHeaderSize) return bad("cut short or with bytes after its end");
  std::string_view in(data.data() + kHeaderSize, size);
  if (crc32c::Unmask(DecodeFixed32(data.data() + 20)) != crc32c::Value(in.data(), in.size())) {
    return bad("checksum mismatch");
  }
  auto ix = std::make_unique<SpatialIndex>(table_id, std::move(def), std::move(schema), source);
  uint64_t covered = 0;
  uint32_t slots = 0;
  if (!GetFixed64(&in, &covered) || !GetFixed32(&in, &slots)) return bad("cut short");
  NodeKeys keys(true);
  EMBODB_ASSIGN_OR_RETURN(keys, NodeKeys::Decode(&in, slots, ix->keys_.fixed8()));
  ix->attributes_complete_ = false;
  EMBODB_RETURN_IF_ERROR(ix->attributes_.DecodeFrom(&in, &ix->attributes_complete_));
  spatial::PointRanges ranges;
  if (source.cloud) {
    EMBODB_ASSIGN_OR_RETURN(ranges, spatial::PointRanges::Decode(&in, slots));
  }
  uint64_t tree_size = 0;
  if (!GetFixed64(&in, &tree_size) || tree_size != in.size()) return bad("bad tree section");
  spatial::KdTree tree;
  EMBODB_ASSIGN_OR_RETURN(tree, spatial::KdTree::Decode(in, source.cloud ? ranges.id_limit() : slots));
  if (!source.cloud && keys.size() != tree.size()) return bad("node keys do not match the tree");
  for (uint32_t n = 0; n < slots; n++) {
    const bool placed = source.cloud ? ranges.Has(n) : tree.Contains(n);
    if (keys.Has(n) != placed) return bad("a point without its key, or a key without its point");
    if (!keys.Has(n)) ix->free_nodes_.push_back(n);
    if (keys.Has(n) && ix->attributes_complete_ && n >= ix->attributes_.rows()) {
      return bad("a point without its attributes");
    }
  }
  if (source.cloud) {
    for (uint32_t id = 0; id < ranges.id_limit(); id++) {
      if (tree.Contains(id) && ranges.NodeOf(id) == spatial::PointRanges::kNone) return bad("a point of no row");
    }
  }
  std::reverse(ix->free_nodes_.begin(), ix->free_nodes_.end());  // the lowest first
  ix->slots_ = slots;
  ix->tree_ = std::move(tree);
  ix->ranges_ = std::move(ranges);
  ix->keys_ = std::move(keys);
  ix->covered_ = covered;
  return ix;
}

// ---------------------------------------------------------------- the kind

namespace {

// What def indexes: its column (point3 or pointcloud) and, for a cloud,
// the pose columns named by its options. SchemaError for a column of
// another type, a pose on a point3 column, or a pose column of the wrong
// type.
Result<SpatialSource> SourceOf(const table::TableDef& table, const table::DerivedIndexDef& def) {
  const int column = table.schema.Find(def.column);
  if (column < 0) return Status::Schema("no column '" + def.column + "' for a spatial index");
  const ColumnType& type = table.schema.column(static_cast<size_t>(column)).type;
  SpatialSource source;
  source.column = static_cast<size_t>(column);
  source.cloud = type.id == TypeId::kPointCloud;
  if (!source.cloud && type.id != TypeId::kPoint3) {
    return Status::Schema("a spatial index needs a point3 or pointcloud column; '" + def.column + "' is " +
                          type.Name());
  }
  if (source.cloud) source.channels = type.param;
  std::string_view in(def.options);
  if (in.empty()) return source;
  std::string_view position, orientation;
  if (!GetLengthPrefixed(&in, &position) || !GetLengthPrefixed(&in, &orientation) || !in.empty()) {
    return Status::Corruption("bad options of the spatial index on '" + def.column + "'");
  }
  if (!source.cloud) {
    return Status::Schema("a pose (position=, orientation=) places the points of a pointcloud column; '" +
                          def.column + "' is " + type.Name());
  }
  const auto pose_column = [&](std::string_view name, TypeId want, uint32_t param,
                               const std::string& what) -> Result<size_t> {
    const int c = table.schema.Find(std::string(name));
    if (c < 0) return Status::Schema("no column '" + std::string(name) + "' for the pose's " + what);
    const ColumnType& t = table.schema.column(static_cast<size_t>(c)).type;
    if (t.id != want || (param != 0 && t.param != param)) {
      return Status::Schema("the pose's " + what + " must be a " + (want == TypeId::kPoint3 ? "point3" : "vector(4)") +
                            " column; '" + std::string(name) + "' is " + t.Name());
    }
    return static_cast<size_t>(c);
  };
  EMBODB_ASSIGN_OR_RETURN(source.position, pose_column(position, TypeId::kPoint3, 0, "position"));
  EMBODB_ASSIGN_OR_RETURN(source.orientation, pose_column(orientation, TypeId::kVector, 4, "orientation (a quaternion)"));
  return source;
}

// A written row's orientation must be a rotation when the row has a cloud
// for a posed index to place.
Status CheckPoses(const table::TableDef& table, const table::DerivedIndexDef& def,
                  const std::vector<table::ColumnView>& cols, size_t n) {
  auto source = SourceOf(table, def);
  if (!source.ok() || !source->position) return Status::OK();
  const table::ColumnView& clouds = cols[source->column];
  const table::ColumnView& positions = cols[*source->position];
  const table::ColumnView& orientations = cols[*source->orientation];
  for (size_t i = 0; i < n; i++) {
    if (clouds.IsNull(i) || positions.IsNull(i) || orientations.IsNull(i)) continue;
    spatial::Pose pose;
    if (!spatial::PoseOf(positions.Fixed(i), orientations.Fixed(i), &pose)) {
      return Status::InvalidArgument("column '" + table.schema.column(*source->orientation).name + "', row " +
                                     std::to_string(i) + ": the orientation is zero or not finite, so the spatial "
                                     "index on '" + def.column + "' cannot place the row's cloud");
    }
  }
  return Status::OK();
}

}  // namespace

IndexKind SpatialKind() {
  IndexKind k;
  k.name = std::string(kSpatialKind);
  k.file_prefix = "spatial-";
  k.file_suffix = ".kdt";
  k.default_for = [](const ColumnType& type) { return type.id == TypeId::kPoint3 || type.id == TypeId::kPointCloud; };
  k.check_column = [](const Column& column) {
    if (column.type.id == TypeId::kPoint3 || column.type.id == TypeId::kPointCloud) return Status::OK();
    return Status::Schema("a spatial index needs a point3 or pointcloud column; '" + column.name + "' is " +
                          column.type.Name());
  };
  k.encode_options = [](const Params& params) -> Result<std::string> {
    std::string position, orientation;
    for (const auto& [name, value] : params) {
      std::string* to = name == "position" ? &position : name == "orientation" ? &orientation : nullptr;
      if (to == nullptr) {
        return Status::InvalidArgument("a spatial index has no option '" + name +
                                       "' (it takes pose=(position, orientation) for a pointcloud column)");
      }
      if (value.kind != Value::Kind::kString || value.s.empty()) {
        return Status::InvalidArgument("the spatial index option '" + name + "' names a column");
      }
      *to = value.s;
    }
    if (position.empty() != orientation.empty()) {
      return Status::InvalidArgument("a pose is a position and an orientation column: give both or neither");
    }
    std::string options;
    if (!position.empty()) {
      PutLengthPrefixed(&options, position);
      PutLengthPrefixed(&options, orientation);
    }
    return options;
  };
  k.check_rows = CheckPoses;
  k.create = [](const table::TableDef& table,
                const table::DerivedIndexDef& def) -> Result<std::unique_ptr<DerivedIndex>> {
    SpatialSource source;
    EMBODB_ASSIGN_OR_RETURN(source, SourceOf(table, def));
    return std::unique_ptr<DerivedIndex>(std::make_unique<SpatialIndex>(table.id, def, table.schema, source));
  };
  k.load = [](Env* env, const std::string& path, const table::TableDef& table,
              const table::DerivedIndexDef& def) -> Result<std::unique_ptr<DerivedIndex>> {
    SpatialSource source;
    EMBODB_ASSIGN_OR_RETURN(source, SourceOf(table, def));
    std::unique_ptr<SpatialIndex> ix;
    EMBODB_ASSIGN_OR_RETURN(ix, SpatialIndex::Load(env, path, table.id, def, table.schema, source));
    return std::unique_ptr<DerivedIndex>(std::move(ix));
  };
  return k;
}

}  // namespace embodb::index
