#include "query/cloud_points.h"

#include <cmath>
#include <cstring>

#include "index/spatial/pose.h"
#include "query/table_scan.h"
#include "table/key_codec.h"

namespace embodb::query {

namespace {

constexpr size_t kScanBatch = 256;  // rows (each with a cloud) per batch

using index::spatial::Pose;
using index::spatial::PoseOf;

// Voxels by their integer coordinates, each holding the sums of its points'
// channels and their count. Points are added a window at a time: their
// voxels' slots are fetched together, so a grid larger than the caches
// costs one miss per window rather than one per point.
class VoxelGrid {
 public:
  VoxelGrid(float edge, size_t channels) : edge_(edge), channels_(channels) { slots_.assign(1024, Slot{}); }

  // Adds n points (channels floats each); InvalidArgument when a voxel's
  // coordinates do not fit 21 bits each way from the origin (a voxel far
  // too small for the coordinates). Non-finite points are skipped.
  Status Add(const float* points, size_t n) {
    constexpr size_t kWindow = 16;
    uint64_t codes[kWindow];
    const float* at[kWindow];
    for (size_t begin = 0; begin < n; begin += kWindow) {
      size_t m = 0;
      for (size_t j = begin; j < std::min(n, begin + kWindow); j++) {
        const float* p = points + j * channels_;
        if (!std::isfinite(p[0]) || !std::isfinite(p[1]) || !std::isfinite(p[2])) continue;
        uint64_t code = 0;
        for (int a = 0; a < 3; a++) {
          const double c = std::floor(static_cast<double>(p[a]) / edge_);
          if (std::fabs(c) >= kHalfRange) {
            return Status::InvalidArgument("the voxel is too small for the points' coordinates (over 2^20 voxels "
                                           "from the origin)");
          }
          code |= static_cast<uint64_t>(static_cast<int64_t>(c) + kHalfRange) << (21 * a);
        }
        codes[m] = code;
        at[m++] = p;
      }
      if ((count_ + m + 1) * 2 > slots_.size()) Grow();
      const size_t mask = slots_.size() - 1;
      for (size_t j = 0; j < m; j++) __builtin_prefetch(&slots_[Hash(codes[j]) & mask]);
      for (size_t j = 0; j < m; j++) {
        const uint32_t voxel = Find(codes[j]);
        double* sum = &sums_[size_t{voxel} * channels_];
        for (size_t c = 0; c < channels_; c++) sum[c] += at[j][c];
        counts_[voxel]++;
      }
    }
    return Status::OK();
  }

  // The mean of each voxel's points, in the order voxels were first met.
  void Means(std::vector<float>* out) const {
    out->resize(counts_.size() * channels_);
    for (size_t v = 0; v < counts_.size(); v++) {
      for (size_t c = 0; c < channels_; c++) {
        (*out)[v * channels_ + c] = static_cast<float>(sums_[v * channels_ + c] / counts_[v]);
      }
    }
  }

 private:
  static constexpr int64_t kHalfRange = int64_t{1} << 20;
  struct Slot {
    uint64_t code = 0;
    uint32_t voxel = UINT32_MAX;  // UINT32_MAX: empty
  };
  static uint64_t Hash(uint64_t code) {
    code ^= code >> 33;
    code *= 0xff51afd7ed558ccdULL;
    return code ^ (code >> 33);
  }
  uint32_t Find(uint64_t code) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = Hash(code) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.voxel == UINT32_MAX) {
        s.code = code;
        s.voxel = static_cast<uint32_t>(counts_.size());
        counts_.push_back(0);
        sums_.resize(sums_.size() + channels_, 0.0);
        count_++;
        return s.voxel;
      }
      if (s.code == code) return s.voxel;
    }
  }
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    size_t capacity = old.size() * 2;
    while ((count_ + 32) * 2 > capacity) capacity *= 2;
    slots_.assign(capacity, Slot{});
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.voxel == UINT32_MAX) continue;
      size_t i = Hash(s.code) & mask;
      while (slots_[i].voxel != UINT32_MAX) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  const double edge_;
  const size_t channels_;
  std::vector<Slot> slots_;
  size_t count_ = 0;
  std::vector<double> sums_;
  std::vector<uint32_t> counts_;
};

Status CheckRequest(const CloudPointsRequest& r) {
  if (r.box) {
    if (r.box->size() != 6) return Status::InvalidArgument("a box is lo (x, y, z) and hi (x, y, z)");
    for (int a = 0; a < 3; a++) {
      const float lo = (*r.box)[a], hi = (*r.box)[3 + a];
      if (!std::isfinite(lo) || !std::isfinite(hi)) return Status::InvalidArgument("a box's bounds must be finite");
      if (lo > hi) {
        return Status::InvalidArgument(std::string("the box's lo is above its hi on axis ") + "xyz"[a]);
      }
    }
  }
  if (r.center) {
    if (r.center->size() != 3) return Status::InvalidArgument("a center is a point (x, y, z)");
    for (float c : *r.center) {
      if (!std::isfinite(c)) return Status::InvalidArgument("the center holds NaN or infinity");
    }
    if (!(r.radius >= 0) || !std::isfinite(r.radius)) {
      return Status::InvalidArgument("the radius must be a finite number >= 0");
    }
  }
  if (r.voxel != 0 && !(r.voxel > 0 && std::isfinite(r.voxel))) {
    return Status::InvalidArgument("the voxel edge must be a finite number > 0");
  }
  if (r.position.has_value() != r.orientation.has_value()) {
    return Status::InvalidArgument("a transform takes a position and an orientation");
  }
  return Status::OK();
}

}  // namespace

Status CloudPoints(const table::TableDefPtr& table, txn::Reader* reader, const CloudPointsRequest& r,
                   CloudPointsResult* result) {
  EMBODB_RETURN_IF_ERROR(CheckRequest(r));
  const table::Schema& schema = table->schema;
  const size_t channels = schema.column(r.column).type.param;
  result->channels = channels;
  result->points.clear();
  result->keys.clear();
  result->offsets.assign(1, 0);
  result->rows_read = 0;
  std::vector<size_t> projection = schema.key_columns();
  const size_t cloud_at = projection.size();
  projection.push_back(r.column);
  if (r.position) {
    projection.push_back(*r.position);
    projection.push_back(*r.orientation);
  }
  const bool transform = r.position.has_value();
  const float* lo = r.box ? r.box->data() : nullptr;
  const float* hi = r.box ? r.box->data() + 3 : nullptr;
  const float* center = r.center ? r.center->data() : nullptr;
  const float radius2 = r.radius * r.radius;
  std::optional<VoxelGrid> grid;
  if (r.voxel > 0) grid.emplace(r.voxel, channels);
  TableScan scan(table, reader, projection, r.filter);
  std::vector<float> moved(channels);
  // The points of a row that pass: the result's own array, or a buffer
  // the voxel grid takes a row at a time.
  std::vector<float> buffer;
  std::vector<float>& kept = r.voxel > 0 ? buffer : result->points;
  std::string key;
  while (true) {
    auto batch = table::ResultBatch::ForProjection(schema, projection);
    if (!scan.Next(kScanBatch, &batch)) break;
    const std::vector<table::ColumnView> keys = table::KeyViews(schema, batch.columns);
    const table::ColumnView clouds = batch.columns[cloud_at].view();
    for (size_t i = 0; i < batch.rows(); i++) {
      if (clouds.IsNull(i)) continue;
      Pose pose;
      if (transform) {
        const table::ColumnView positions = batch.columns[cloud_at + 1].view();
        const table::ColumnView orientations = batch.columns[cloud_at + 2].view();
        if (positions.IsNull(i) || orientations.IsNull(i)) continue;  // no pose: not placed in the world
        if (!PoseOf(positions.Fixed(i), orientations.Fixed(i), &pose)) {
          key.clear();
          table::AppendKeyOf(keys, i, &key);
          return Status::InvalidArgument("the row with key " + table::KeyText(schema, key) +
                                         " has an orientation that is zero or not finite: not a rotation");
        }
      }
      result->rows_read++;
      const std::string_view bytes = clouds.Bytes(i);
      const size_t n = bytes.size() / (channels * sizeof(float));
      const size_t before = grid ? 0 : result->points.size();
      const bool whole = !transform && lo == nullptr && center == nullptr && !grid;
      if (whole) {  // every point as it is stored
        const float* first = reinterpret_cast<const float*>(bytes.data());
        result->points.insert(result->points.end(), first, first + n * channels);
      }
      for (size_t j = 0; j < (whole ? 0 : n); j++) {
        std::memcpy(moved.data(), bytes.data() + j * channels * sizeof(float), channels * sizeof(float));
        if (transform) {
          float p[3];
          pose.Apply(moved.data(), p);
          std::memcpy(moved.data(), p, sizeof p);
        }
        const float* p = moved.data();
        if (lo != nullptr && (p[0] < lo[0] || p[0] > hi[0] || p[1] < lo[1] || p[1] > hi[1] || p[2] < lo[2] ||
                              p[2] > hi[2] || std::isnan(p[0]) || std::isnan(p[1]) || std::isnan(p[2]))) {
          continue;
        }
        if (center != nullptr) {
          const float dx = p[0] - center[0], dy = p[1] - center[1], dz = p[2] - center[2];
          if (!(dx * dx + dy * dy + dz * dz <= radius2)) continue;
        }
        kept.insert(kept.end(), moved.begin(), moved.end());
      }
      if (grid) {
        EMBODB_RETURN_IF_ERROR(grid->Add(kept.data(), kept.size() / channels));
        kept.clear();
      }
      if (!grid && result->points.size() > before) {
        key.clear();
        table::AppendKeyOf(keys, i, &key);
        result->keys.push_back(key);
        result->offsets.push_back(result->points.size() / channels);
      }
    }
  }
  EMBODB_RETURN_IF_ERROR(scan.status());
  if (grid) {
    grid->Means(&result->points);
    result->offsets.clear();
  }
  return Status::OK();
}

}  // namespace embodb::query
