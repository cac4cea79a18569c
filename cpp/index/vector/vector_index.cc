#include "index/vector/vector_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "table/key_codec.h"
#include "table/row_codec.h"
#include "util/coding.h"

namespace embodb::index {

namespace {

// Options of a derived "hnsw" index in the catalog (docs/format/table.md).
// On disk: never renumber.
constexpr uint8_t kOptionsVersion = 1;
constexpr uint8_t kMetricL2 = 0, kMetricIp = 1, kMetricCosine = 2;
constexpr uint8_t kQuantNone = 0, kQuantSq8 = 1;
// The owner section of a checkpoint (docs/format/hnsw.md). Version 1 had no
// node attributes: they are read from the table when it is loaded.
constexpr uint8_t kOwnerVersion = 3;
constexpr uint8_t kOwnerVersionWithoutStrings = 2;  // attributes of fixed-width columns only: same encoding
constexpr uint8_t kOwnerVersionWithoutAttributes = 1;

// Reclaim tombstones once they exceed live / kReclaimFraction (and a floor,
// so that small indexes are not rebuilt around every delete).
constexpr size_t kReclaimFraction = 10;
constexpr size_t kReclaimFloor = 64;
// Graphs smaller than this are not renumbered as they grow (they fit in cache).
constexpr size_t kReorderFloor = 4096;

uint8_t MetricCode(index::Metric m) {
  switch (m) {
    case index::Metric::kL2: return kMetricL2;
    case index::Metric::kInnerProduct: return kMetricIp;
    case index::Metric::kCosine: return kMetricCosine;
  }
  return kMetricL2;
}

bool IsZero(const float* v, size_t dim) {
  for (size_t i = 0; i < dim; i++) {
    if (v[i] != 0.0f) return false;
  }
  return true;
}

index::HnswOptions GraphOptions(size_t dim, const VectorIndexOptions& o) {
  index::HnswOptions g;
  g.dim = dim;
  g.metric = o.metric;
  g.m = o.m;
  g.ef_construction = o.ef_construction;
  g.quantization = o.quantization;
  return g;
}

}  // namespace

std::string VectorIndexOptions::Encode() const {
  std::string s;
  s.push_back(static_cast<char>(kOptionsVersion));
  s.push_back(static_cast<char>(MetricCode(metric)));
  s.push_back(static_cast<char>(quantization == index::Quantization::kSq8 ? kQuantSq8 : kQuantNone));
  PutVarint32(&s, m);
  PutVarint32(&s, ef_construction);
  return s;
}

Result<VectorIndexOptions> VectorIndexOptions::Decode(std::string_view in) {
  const Status bad = Status::Corruption("bad options of a vector index in the catalog");
  if (in.size() < 3) return bad;
  if (static_cast<uint8_t>(in[0]) != kOptionsVersion) {
    return Status::NotSupported("vector index options of version " + std::to_string(static_cast<uint8_t>(in[0])) +
                                " are newer than this embodb understands");
  }
  VectorIndexOptions o;
  switch (static_cast<uint8_t>(in[1])) {
    case kMetricL2: o.metric = index::Metric::kL2; break;
    case kMetricIp: o.metric = index::Metric::kInnerProduct; break;
    case kMetricCosine: o.metric = index::Metric::kCosine; break;
    default: return bad;
  }
  switch (static_cast<uint8_t>(in[2])) {
    case kQuantNone: o.quantization = index::Quantization::kNone; break;
    case kQuantSq8: o.quantization = index::Quantization::kSq8; break;
    default: return bad;
  }
  in.remove_prefix(3);
  if (!GetVarint32(&in, &o.m) || !GetVarint32(&in, &o.ef_construction) || !in.empty() || !o.Check().ok()) return bad;
  return o;
}

Result<VectorIndexOptions> VectorIndexOptions::FromParams(const std::vector<std::pair<std::string, Value>>& params) {
  VectorIndexOptions o;
  for (const auto& [name, v] : params) {
    const auto integer = [&](uint32_t* out) -> Status {
      if (v.kind != Value::Kind::kInt || v.i < 0 || v.i > UINT32_MAX) {
        return Status::InvalidArgument(name + " must be a positive integer, not " + v.ToString());
      }
      *out = static_cast<uint32_t>(v.i);
      return Status::OK();
    };
    if (name == "metric") {
      if (v.kind != Value::Kind::kString || !index::ParseMetric(v.s, &o.metric)) {
        return Status::InvalidArgument("metric must be one of 'l2', 'cosine', 'ip'", "got " + v.ToString());
      }
    } else if (name == "m") {
      EMBODB_RETURN_IF_ERROR(integer(&o.m));
    } else if (name == "ef_construction") {
      EMBODB_RETURN_IF_ERROR(integer(&o.ef_construction));
    } else if (name == "quantization") {
      if (v.is_null() || (v.kind == Value::Kind::kString && v.s == "none")) {
        o.quantization = index::Quantization::kNone;
      } else if (v.kind == Value::Kind::kString && v.s == "sq8") {
        o.quantization = index::Quantization::kSq8;
      } else {
        return Status::InvalidArgument("quantization must be None or 'sq8'", "got " + v.ToString());
      }
    } else {
      return Status::InvalidArgument("an hnsw index has no option '" + name +
                                     "' (it takes metric, m, ef_construction, quantization)");
    }
  }
  EMBODB_RETURN_IF_ERROR(o.Check());
  return o;
}

std::vector<std::pair<std::string, Value>> VectorIndexOptions::Params() const {
  return {{"metric", Value::String(std::string(index::MetricName(metric)))},
          {"m", Value::Int(m)},
          {"ef_construction", Value::Int(ef_construction)},
          {"quantization", quantization == index::Quantization::kSq8 ? Value::String("sq8") : Value::Null()}};
}

Status VectorIndexOptions::Check() const {
  if (m < 2 || m > 128) return Status::InvalidArgument("m must be between 2 and 128, not " + std::to_string(m));
  if (ef_construction < 1 || ef_construction > 65536) {
    return Status::InvalidArgument("ef_construction must be between 1 and 65536, not " +
                                   std::to_string(ef_construction));
  }
  return Status::OK();
}

Status CheckIndexedVectors(const table::TableDef& table, const table::DerivedIndexDef& d,
                           const std::vector<ColumnView>& cols, size_t n) {
  auto options = VectorIndexOptions::Decode(d.options);
  if (!options.ok() || options->metric != index::Metric::kCosine) return Status::OK();
  const int c = table.schema.Find(d.column);
  if (c < 0) return Status::OK();
  const ColumnView& col = cols[static_cast<size_t>(c)];
  const size_t dim = col.type.param;
  for (size_t i = 0; i < n; i++) {
    if (col.IsNull(i)) continue;
    if (IsZero(reinterpret_cast<const float*>(col.Fixed(i)), dim)) {
      return Status::InvalidArgument("column '" + d.column + "', row " + std::to_string(i) +
                                     ": a zero vector has no direction, so the cosine index on '" + d.column +
                                     "' cannot hold it");
    }
  }
  return Status::OK();
}

VectorIndex::VectorIndex(uint32_t table_id, table::DerivedIndexDef def, Schema schema, size_t column,
                         const VectorIndexOptions& options)
    : DerivedIndex(table_id, std::move(def)),
      schema_(std::move(schema)),
      column_(column),
      dim_(schema_.column(column).type.param),
      options_(options),
      graph_(std::make_unique<index::HnswGraph>(GraphOptions(dim_, options))),
      keys_(!schema_.composite_key() && schema_.column(schema_.key_only_column()).type.IsInteger()),
      attributes_(schema_) {}

VectorIndex::~VectorIndex() = default;

Status VectorIndex::health() const { return health_; }

bool VectorIndex::Normalize(float* v) const {
  return options_.metric != index::Metric::kCosine || index::Normalize(v, dim_);
}

Status VectorIndex::PrepareQuery(const float* query, float* out) const {
  for (size_t i = 0; i < dim_; i++) {
    if (!std::isfinite(query[i])) {
      return Status::InvalidArgument("the query vector holds NaN or infinity (at " + std::to_string(i) + ")");
    }
  }
  std::memcpy(out, query, dim_ * sizeof(float));
  if (!Normalize(out)) {
    return Status::InvalidArgument("a zero query vector has no direction: the index on '" + column_name() +
                                   "' uses the cosine metric");
  }
  return Status::OK();
}

uint32_t VectorIndex::RemoveKey(std::string_view key) {
  const uint32_t node = keys_.Find(key);
  if (node == NodeKeys::kNone) return node;
  keys_.Erase(node);
  attributes_.Clear(node);
  graph_->Remove(node);
  return node;
}

Status VectorIndex::AddPrepared(const std::vector<std::string_view>& keys, const float* vectors,
                                const std::vector<std::string_view>& rows, std::vector<uint32_t>* nodes,
                                bool* renumbered) {
  const size_t n = keys.size();
  *renumbered = false;
  if (n == 0) return Status::OK();
  const size_t first = nodes->size();
  nodes->resize(first + n);
  uint32_t* added = nodes->data() + first;
  graph_->Add(vectors, n, added);
  keys_.InsertMany(added, keys.data(), n);
  Status s = attributes_.Set(schema_, std::vector<uint32_t>(added, added + n), keys, rows);
  *renumbered = KeepLocality(false);
  return s;
}

bool VectorIndex::KeepLocality(bool force) {
  const size_t slots = graph_->slots();
  if (!force && (slots < kReorderFloor || slots < 2 * ordered_slots_)) return false;
  const std::vector<uint32_t> new_of_old = graph_->Reorder();
  keys_.Renumber(new_of_old);
  attributes_.Renumber(new_of_old);
  ordered_slots_ = slots;
  return true;
}

void VectorIndex::FinishBuild() {
  std::unique_lock l(mu_);
  matches_.Clear();
  KeepLocality(true);
}

Status VectorIndex::PrepareRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows,
                                bool refuse_zero, std::vector<std::string_view>* vector_keys,
                                std::vector<std::string_view>* vector_rows, std::vector<float>* vectors) const {
  for (size_t i = 0; i < keys.size(); i++) {
    std::string_view field;
    EMBODB_RETURN_IF_ERROR(ReadField(schema_, rows[i], column_, &field));
    if (field.empty()) continue;  // a null vector is not indexed
    if (field.size() != dim_ * sizeof(float)) return Status::Corruption("bad vector field in a row");
    const size_t at = vectors->size();
    vectors->resize(at + dim_);
    std::memcpy(vectors->data() + at, field.data(), field.size());
    if (!Normalize(vectors->data() + at)) {
      if (refuse_zero) {
        return Status::InvalidArgument("the row with key " +
                                       table::KeyText(schema_, keys[i]) +
                                       " holds a zero vector in '" + column_name() +
                                       "', which has no direction: a cosine index cannot hold it");
      }
      vectors->resize(at);  // refused at the write; kept out if one got in before
      continue;
    }
    vector_keys->push_back(keys[i]);
    vector_rows->push_back(rows[i]);
  }
  return Status::OK();
}

Status VectorIndex::AddRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) {
  std::vector<std::string_view> vector_keys, vector_rows;
  std::vector<float> vectors;
  EMBODB_RETURN_IF_ERROR(PrepareRows(keys, rows, /*refuse_zero=*/true, &vector_keys, &vector_rows, &vectors));
  std::unique_lock l(mu_);
  matches_.Clear();
  std::vector<uint32_t> nodes;
  bool renumbered;
  return AddPrepared(vector_keys, vectors.data(), vector_rows, &nodes, &renumbered);
}

Status VectorIndex::FillFromRows(const std::vector<std::string_view>& keys, const std::vector<std::string_view>& rows) {
  std::unique_lock l(mu_);
  matches_.Clear();
  return attributes_.SetByKey(schema_, keys_, keys, rows);
}

index::Params VectorIndex::Info() const {
  index::Params info = options_.Params();
  info.emplace_back("dim", Value::Int(static_cast<int64_t>(dim_)));
  return info;
}

namespace {

class VectorVerifier final : public index::RowVerifier {
 public:
  explicit VectorVerifier(const VectorIndex& index) : index_(index), seen_(index.graph().slots()) {}
  Status Row(std::string_view key, std::string_view row) override { return index_.VerifyRow(key, row, &seen_); }
  // Keys are distinct, so the nodes seen are the rows with a vector.
  Status Finish() override { return index_.VerifyNoStrays(seen_, seen_.Count()); }

 private:
  const VectorIndex& index_;
  index::NodeSet seen_;
};

}  // namespace

std::unique_ptr<index::RowVerifier> VectorIndex::StartVerify() const { return std::make_unique<VectorVerifier>(*this); }

void VectorIndex::Apply(const std::vector<catalog::FeedEvent>& events) {
  // REQUIRES: the write lock (BeginCommit). The last event of a key wins.
  if (events.empty() || !health_.ok()) return;
  std::vector<uint32_t> removed, added;
  std::unordered_set<std::string_view> seen;
  std::vector<std::string_view> put_keys, put_rows;  // the rows that are there now, each key once
  for (size_t e = events.size(); e-- > 0;) {
    const catalog::FeedEvent& ev = events[e];
    if (!seen.insert(ev.key).second) continue;
    const uint32_t gone = RemoveKey(ev.key);
    if (gone != NodeKeys::kNone) removed.push_back(gone);
    if (ev.deleted) continue;
    put_keys.push_back(ev.key);
    put_rows.push_back(ev.row);
  }
  std::vector<std::string_view> add_keys, add_rows;
  std::vector<float> add_vectors;
  Status s = PrepareRows(put_keys, put_rows, /*refuse_zero=*/false, &add_keys, &add_rows, &add_vectors);
  bool renumbered = false;
  if (s.ok()) s = AddPrepared(add_keys, add_vectors.data(), add_rows, &added, &renumbered);
  if (!s.ok()) {
    health_ = Status::Corruption("the vector index on '" + column_name() + "' could not read a row: " + s.ToString());
    matches_.Clear();
    return;
  }
  covered_ = std::max(covered_.load(), events.back().number);
  if (graph_->tombstones() > kReclaimFloor && graph_->tombstones() > graph_->live() / kReclaimFraction) {
    graph_->Reclaim();
    KeepLocality(true);  // reclaimed slots are reused by whatever comes next, wherever it belongs
    renumbered = true;
  }
  if (renumbered) {
    matches_.Clear();
  } else {
    matches_.Update(attributes_, removed, added);
  }
}

Status VectorIndex::VerifyRow(std::string_view key, std::string_view row, index::NodeSet* seen) const {
  std::string_view field;
  EMBODB_RETURN_IF_ERROR(ReadField(schema_, row, column_, &field));
  const auto differs = [&](const std::string& what) {
    return Status::Corruption("the vector index on '" + column_name() + "' " + what + " (key " +
                              table::KeyText(schema_, key) + ")");
  };
  const uint32_t node = keys_.Find(key);
  if (field.empty()) return node == NodeKeys::kNone ? Status::OK() : differs("holds a row whose vector is null");
  if (field.size() != dim_ * sizeof(float)) return Status::Corruption("bad vector field in a row");
  if (node == NodeKeys::kNone || !graph_->IsLive(node)) return differs("misses a row");
  seen->Insert(node);
  // The copies filters read must be the row's values.
  std::vector<ColumnBuffer> values;
  std::vector<ColumnBuffer*> outs(schema_.size(), nullptr);
  values.reserve(attributes_.positions().size());
  for (size_t p : attributes_.positions()) {
    if (p == schema_.key_only_column()) continue;  // not in the row's value; its key was found above
    values.emplace_back(schema_.column(p).type);
    outs[p] = &values.back();
  }
  EMBODB_RETURN_IF_ERROR(DecodeRow(schema_, row, outs.data()));
  for (size_t p : attributes_.positions()) {
    if (outs[p] == nullptr) continue;
    ColumnBuffer copy(schema_.column(p).type);
    attributes_.AppendValue(p, node, &copy);
    const ColumnView want = outs[p]->view(), got = copy.view();
    const bool same = want.IsNull(0) == got.IsNull(0) &&
                      (want.IsNull(0) || (want.type.IsVariable() ? want.Bytes(0) == got.Bytes(0)
                                                                 : std::memcmp(want.Fixed(0), got.Fixed(0),
                                                                               want.type.FixedWidth()) == 0));
    if (!same) return differs("holds another value of '" + schema_.column(p).name + "' for a row");
  }
  if (options_.quantization != index::Quantization::kNone) return Status::OK();
  std::vector<float> want(dim_), got(dim_);
  std::memcpy(want.data(), field.data(), field.size());
  if (!Normalize(want.data())) return differs("holds a zero vector under cosine");
  graph_->GetVector(node, got.data());
  if (std::memcmp(want.data(), got.data(), dim_ * sizeof(float)) != 0) return differs("holds another vector for a row");
  return Status::OK();
}

Status VectorIndex::VerifyNoStrays(const index::NodeSet& seen, size_t rows_with_vectors) const {
  if (graph_->live() == rows_with_vectors && keys_.size() == rows_with_vectors) return Status::OK();
  for (uint32_t n = 0; n < graph_->slots(); n++) {
    if (graph_->IsLive(n) && !seen.Contains(n)) {
      const std::string key = keys_.Has(n) ? table::KeyText(schema_, keys_.KeyOf(n))
                                            : std::string("none");
      return Status::Corruption("the vector index on '" + column_name() + "' holds a row the table does not (key " +
                                key + ")");
    }
  }
  return Status::Corruption("the vector index on '" + column_name() + "' holds " + std::to_string(graph_->live()) +
                            " nodes and " + std::to_string(keys_.size()) + " keys for " +
                            std::to_string(rows_with_vectors) + " rows");
}

Status VectorIndex::Save(Env* env, const std::string& path) const {
  std::string owner;
  owner.push_back(static_cast<char>(kOwnerVersion));
  PutFixed64(&owner, covered_);
  keys_.EncodeTo(&owner);
  attributes_.EncodeTo(&owner);
  return graph_->Save(env, path, owner);
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::Load(Env* env, const std::string& path, uint32_t table_id,
                                                      table::DerivedIndexDef def, Schema schema, size_t column,
                                                      const VectorIndexOptions& options) {
  if (!env->FileExists(path)) return Status::NotFound("no checkpoint " + path);
  std::string owner;
  std::unique_ptr<index::HnswGraph> graph;
  EMBODB_ASSIGN_OR_RETURN(graph, index::HnswGraph::Load(env, path, &owner));
  auto ix = std::make_unique<VectorIndex>(table_id, std::move(def), std::move(schema), column, options);
  const index::HnswOptions want = GraphOptions(ix->dim_, options);
  const index::HnswOptions& got = graph->options();
  if (got.dim != want.dim || got.metric != want.metric || got.m != want.m ||
      got.ef_construction != want.ef_construction || got.quantization != want.quantization) {
    return Status::Corruption("checkpoint " + path + " was built with other options than its index");
  }
  std::string_view in = owner;
  uint64_t covered = 0;
  const uint8_t version = in.empty() ? 0 : static_cast<uint8_t>(in[0]);
  if (version != kOwnerVersion && version != kOwnerVersionWithoutStrings && version != kOwnerVersionWithoutAttributes) {
    return Status::Corruption("checkpoint " + path + ": unknown owner section version");
  }
  in.remove_prefix(1);
  if (!GetFixed64(&in, &covered)) return Status::Corruption("checkpoint " + path + ": short owner section");
  NodeKeys keys(true);
  EMBODB_ASSIGN_OR_RETURN(keys, NodeKeys::Decode(&in, static_cast<uint32_t>(graph->slots()), ix->keys_.fixed8()));
  ix->attributes_complete_ = false;
  if (version != kOwnerVersionWithoutAttributes) {
    // Version 2 holds no string column: it does not fit a schema with one,
    // and the values are read from the table.
    EMBODB_RETURN_IF_ERROR(ix->attributes_.DecodeFrom(&in, &ix->attributes_complete_));
    if (ix->attributes_complete_ && ix->attributes_.rows() > graph->slots()) {
      return Status::Corruption("checkpoint " + path + ": node attributes past the graph's nodes");
    }
  }
  if (!in.empty() || keys.size() != graph->live()) {
    return Status::Corruption("checkpoint " + path + ": node keys do not match the graph");
  }
  for (uint32_t n = 0; n < graph->slots(); n++) {
    if (graph->IsLive(n) != keys.Has(n)) return Status::Corruption("checkpoint " + path + ": a live node has no key");
    if (graph->IsLive(n) && ix->attributes_complete_ && n >= ix->attributes_.rows()) {
      return Status::Corruption("checkpoint " + path + ": a live node has no attributes");
    }
  }
  ix->ordered_slots_ = graph->slots();  // as saved: renumbered at its build and as it grew
  ix->graph_ = std::move(graph);
  ix->keys_ = std::move(keys);
  ix->covered_ = covered;
  return ix;
}

}  // namespace embodb::index

namespace embodb::index {

namespace {

// The schema position of def's column, which must be a vector column.
Result<size_t> VectorColumnOf(const table::TableDef& table, const table::DerivedIndexDef& def) {
  const int column = table.schema.Find(def.column);
  if (column < 0 || table.schema.column(static_cast<size_t>(column)).type.id != TypeId::kVector) {
    return Status::Corruption("the catalog holds a vector index on '" + def.column + "', which is not a vector column");
  }
  return static_cast<size_t>(column);
}

}  // namespace

index::IndexKind HnswKind() {
  index::IndexKind k;
  k.name = std::string(kHnswKind);
  k.file_prefix = "vector-";
  k.file_suffix = ".hnsw";
  k.default_for = [](const ColumnType& type) { return type.id == TypeId::kVector; };
  k.check_column = [](const Column& column) {
    if (column.type.id == TypeId::kVector) return Status::OK();
    return Status::Schema("an hnsw index needs a vector column; '" + column.name + "' is " + column.type.Name());
  };
  k.check_rows = CheckIndexedVectors;
  k.encode_options = [](const index::Params& params) -> Result<std::string> {
    VectorIndexOptions o;
    EMBODB_ASSIGN_OR_RETURN(o, VectorIndexOptions::FromParams(params));
    return o.Encode();
  };
  k.create = [](const table::TableDef& table,
                const table::DerivedIndexDef& def) -> Result<std::unique_ptr<index::DerivedIndex>> {
    VectorIndexOptions o;
    EMBODB_ASSIGN_OR_RETURN(o, VectorIndexOptions::Decode(def.options));
    size_t column;
    EMBODB_ASSIGN_OR_RETURN(column, VectorColumnOf(table, def));
    return std::unique_ptr<index::DerivedIndex>(std::make_unique<VectorIndex>(table.id, def, table.schema, column, o));
  };
  k.load = [](Env* env, const std::string& path, const table::TableDef& table,
              const table::DerivedIndexDef& def) -> Result<std::unique_ptr<index::DerivedIndex>> {
    VectorIndexOptions o;
    EMBODB_ASSIGN_OR_RETURN(o, VectorIndexOptions::Decode(def.options));
    size_t column;
    EMBODB_ASSIGN_OR_RETURN(column, VectorColumnOf(table, def));
    std::unique_ptr<VectorIndex> ix;
    EMBODB_ASSIGN_OR_RETURN(ix, VectorIndex::Load(env, path, table.id, def, table.schema, column, o));
    return std::unique_ptr<index::DerivedIndex>(std::move(ix));
  };
  return k;
}

}  // namespace embodb::index
