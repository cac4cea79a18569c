#include "index/spatial/spatial_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "env/env.h"
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

SpatialIndex::SpatialIndex(uint32_t table_id, table::DerivedIndexDef def, Schema schema, size_t column)
    : DerivedIndex(table_id, std::move(def)),
      schema_(std::move(schema)),
      column_(column),
      keys_(!schema_.composite_key() && schema_.column(schema_.key_only_column()).type.IsInteger()),
      attributes_(schema_) {}

Status SpatialIndex::PointOfRow(std::string_view row, spatial::Point3* p, bool* present) const {
  std::string_view field;
  EMBODB_RETURN_IF_ERROR(ReadField(schema_, row, column_, &field));
  *present = !field.empty();
  if (!*present) return Status::OK();
  if (field.size() != sizeof(spatial::Point3)) return Status::Corruption("bad point3 field in a row");
  std::memcpy(p, field.data(), sizeof *p);
  return Status::OK();
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
  tree_.Erase(node);
  free_nodes_.push_back(node);
  return node;
}

void SpatialIndex::LiveBytes(size_t begin, size_t count, uint8_t* live) const {
  for (size_t i = 0; i < count; i++) live[i] = tree_.Contains(static_cast<uint32_t>(begin + i)) ? 1 : 0;
}

Status SpatialIndex::AddRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) {
  std::unique_lock l(mu_);
  matches_.Clear();
  std::vector<uint32_t> nodes;
  std::vector<std::string_view> node_keys, node_rows;
  for (size_t i = 0; i < keys.size(); i++) {
    spatial::Point3 p;
    bool present;
    EMBODB_RETURN_IF_ERROR(PointOfRow(rows[i], &p, &present));
    if (!present) continue;
    if (!Finite(p)) {
      return Status::Corruption("a stored point with NaN or infinity (key " + table::KeyText(schema_, keys[i]) + ")");
    }
    const uint32_t node = NewNode();
    pending_points_.push_back(p);
    pending_nodes_.push_back(node);
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
  if (pending_points_.empty()) return;
  // Points of the build and any already in the tree, built in parallel.
  for (uint32_t node = 0; node < slots_; node++) {
    if (tree_.Contains(node)) {
      pending_points_.push_back(tree_.PointOf(node));
      pending_nodes_.push_back(node);
    }
  }
  tree_.Build(pending_points_.data(), pending_nodes_.data(), pending_points_.size());
  pending_points_ = {};
  pending_nodes_ = {};
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
  Status s;
  for (size_t e = events.size(); e-- > 0 && s.ok();) {
    const catalog::FeedEvent& ev = events[e];
    if (!seen.insert(ev.key).second) continue;
    const uint32_t gone = RemoveKey(ev.key);
    if (gone != NodeKeys::kNone) removed.push_back(gone);
    if (ev.deleted) continue;
    spatial::Point3 p;
    bool present = false;
    s = PointOfRow(ev.row, &p, &present);
    if (s.ok() && present && !Finite(p)) s = Status::Corruption("a stored point with NaN or infinity");
    if (!s.ok() || !present) continue;
    const uint32_t node = NewNode();
    keys_.Insert(node, ev.key);
    tree_.Insert(p, node);
    added.push_back(node);
    add_keys.push_back(ev.key);
    add_rows.push_back(ev.row);
  }
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
  return {{"points", Value::Int(static_cast<int64_t>(tree_.size()))}};
}

namespace {

class SpatialVerifier final : public RowVerifier {
 public:
  explicit SpatialVerifier(const SpatialIndex& index) : index_(index), seen_(index.slots()) {}
  Status Row(std::string_view key, std::string_view row) override { return index_.VerifyRow(key, row, &seen_); }
  Status Finish() override { return index_.VerifyNoStrays(seen_); }

 private:
  const SpatialIndex& index_;
  NodeSet seen_;
};

}  // namespace

std::unique_ptr<RowVerifier> SpatialIndex::StartVerify() const { return std::make_unique<SpatialVerifier>(*this); }

Status SpatialIndex::VerifyRow(std::string_view key, std::string_view row, NodeSet* seen) const {
  const auto differs = [&](const std::string& what) {
    return Status::Corruption("the spatial index on '" + column_name() + "' " + what + " (key " +
                              table::KeyText(schema_, key) + ")");
  };
  spatial::Point3 p;
  bool present;
  EMBODB_RETURN_IF_ERROR(PointOfRow(row, &p, &present));
  const uint32_t node = keys_.Find(key);
  if (!present) return node == NodeKeys::kNone ? Status::OK() : differs("holds a row whose point is null");
  if (node == NodeKeys::kNone || !tree_.Contains(node)) return differs("misses a row");
  seen->Insert(node);
  const spatial::Point3 got = tree_.PointOf(node);
  if (std::memcmp(&got, &p, sizeof p) != 0) return differs("holds another point for a row");
  return Status::OK();
}

Status SpatialIndex::VerifyNoStrays(const NodeSet& seen) const {
  EMBODB_RETURN_IF_ERROR(tree_.CheckInvariants());
  if (seen.Count() == tree_.size() && keys_.size() == tree_.size()) return Status::OK();
  return Status::Corruption("the spatial index on '" + column_name() + "' holds " + std::to_string(tree_.size()) +
                            " points and " + std::to_string(keys_.size()) + " keys for " +
                            std::to_string(seen.Count()) + " rows with a point");
}

// ---------------------------------------------------------------- checkpoint

Status SpatialIndex::Save(Env* env, const std::string& path) const {
  std::string payload;
  PutFixed64(&payload, covered_);
  PutFixed32(&payload, slots_);
  keys_.EncodeTo(&payload);
  attributes_.EncodeTo(&payload);
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
                                                        table::DerivedIndexDef def, Schema schema, size_t column) {
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
  auto ix = std::make_unique<SpatialIndex>(table_id, std::move(def), std::move(schema), column);
  uint64_t covered = 0;
  uint32_t slots = 0;
  if (!GetFixed64(&in, &covered) || !GetFixed32(&in, &slots)) return bad("cut short");
  NodeKeys keys(true);
  EMBODB_ASSIGN_OR_RETURN(keys, NodeKeys::Decode(&in, slots, ix->keys_.fixed8()));
  ix->attributes_complete_ = false;
  EMBODB_RETURN_IF_ERROR(ix->attributes_.DecodeFrom(&in, &ix->attributes_complete_));
  uint64_t tree_size = 0;
  if (!GetFixed64(&in, &tree_size) || tree_size != in.size()) return bad("bad tree section");
  spatial::KdTree tree;
  EMBODB_ASSIGN_OR_RETURN(tree, spatial::KdTree::Decode(in, slots));
  if (keys.size() != tree.size()) return bad("node keys do not match the tree");
  for (uint32_t n = 0; n < slots; n++) {
    if (keys.Has(n) != tree.Contains(n)) return bad("a point without its key, or a key without its point");
    if (!tree.Contains(n)) ix->free_nodes_.push_back(n);
    if (tree.Contains(n) && ix->attributes_complete_ && n >= ix->attributes_.rows()) {
      return bad("a point without its attributes");
    }
  }
  std::reverse(ix->free_nodes_.begin(), ix->free_nodes_.end());  // the lowest first
  ix->slots_ = slots;
  ix->tree_ = std::move(tree);
  ix->keys_ = std::move(keys);
  ix->covered_ = covered;
  return ix;
}

// ---------------------------------------------------------------- the kind

namespace {

// The schema position of def's column, which must be a point3 column.
Result<size_t> PointColumnOf(const table::TableDef& table, const table::DerivedIndexDef& def) {
  const int column = table.schema.Find(def.column);
  if (column < 0 || table.schema.column(static_cast<size_t>(column)).type.id != TypeId::kPoint3) {
    return Status::Corruption("the catalog holds a spatial index on '" + def.column + "', which is not a point3 column");
  }
  return static_cast<size_t>(column);
}

}  // namespace

IndexKind SpatialKind() {
  IndexKind k;
  k.name = std::string(kSpatialKind);
  k.file_prefix = "spatial-";
  k.file_suffix = ".kdt";
  k.default_for = [](const ColumnType& type) { return type.id == TypeId::kPoint3; };
  k.check_column = [](const Column& column) {
    if (column.type.id == TypeId::kPoint3) return Status::OK();
    return Status::Schema("a spatial index needs a point3 column; '" + column.name + "' is " + column.type.Name());
  };
  k.encode_options = [](const Params& params) -> Result<std::string> {
    if (!params.empty()) {
      return Status::InvalidArgument("a spatial index has no option '" + params[0].first + "' (it takes none)");
    }
    return std::string();
  };
  k.create = [](const table::TableDef& table,
                const table::DerivedIndexDef& def) -> Result<std::unique_ptr<DerivedIndex>> {
    size_t column;
    EMBODB_ASSIGN_OR_RETURN(column, PointColumnOf(table, def));
    return std::unique_ptr<DerivedIndex>(std::make_unique<SpatialIndex>(table.id, def, table.schema, column));
  };
  k.load = [](Env* env, const std::string& path, const table::TableDef& table,
              const table::DerivedIndexDef& def) -> Result<std::unique_ptr<DerivedIndex>> {
    size_t column;
    EMBODB_ASSIGN_OR_RETURN(column, PointColumnOf(table, def));
    std::unique_ptr<SpatialIndex> ix;
    EMBODB_ASSIGN_OR_RETURN(ix, SpatialIndex::Load(env, path, table.id, def, table.schema, column));
    return std::unique_ptr<DerivedIndex>(std::move(ix));
  };
  return k;
}

}  // namespace embodb::index
