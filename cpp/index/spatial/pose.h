// A rigid pose from a row's position (point3) and orientation (a unit
// quaternion (x, y, z, w) in a vector(4)): p' = R p + t, taking a sensor's
// points into the world frame. Shared by the spatial index over point-cloud
// columns and by Query.points (query/cloud_points.h), so both place a
// cloud's points identically.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstring>

namespace embodb::index::spatial {

struct Pose {
  float r[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  float t[3] = {0, 0, 0};
  void Apply(const float* p, float* out) const {
    for (int i = 0; i < 3; i++) out[i] = r[3 * i] * p[0] + r[3 * i + 1] * p[1] + r[3 * i + 2] * p[2] + t[i];
  }
};

// The pose of a position (3 floats) and quaternion (4 floats), both at any
// alignment; the quaternion is normalized. False when it is zero or not
// finite (or the position is not finite).
inline bool PoseOf(const void* position, const void* quaternion, Pose* pose) {
  float t[3], q[4];
  std::memcpy(t, position, sizeof t);
  std::memcpy(q, quaternion, sizeof q);
  double x = q[0], y = q[1], z = q[2], w = q[3];
  const double norm = std::sqrt(x * x + y * y + z * z + w * w);
  if (!std::isfinite(norm) || norm == 0) return false;
  if (!std::isfinite(t[0]) || !std::isfinite(t[1]) || !std::isfinite(t[2])) return false;
  x /= norm, y /= norm, z /= norm, w /= norm;
  const double r[9] = {1 - 2 * (y * y + z * z), 2 * (x * y - z * w),     2 * (x * z + y * w),
                       2 * (x * y + z * w),     1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
                       2 * (x * z - y * w),     2 * (y * z + x * w),     1 - 2 * (x * x + y * y)};
  for (int i = 0; i < 9; i++) pose->r[i] = static_cast<float>(r[i]);
  for (int i = 0; i < 3; i++) pose->t[i] = t[i];
  return true;
}

// Calls put(j, x, y, z) for each of n points whose first three channels are
// float32s stored `stride` bytes apart from `bytes` (any alignment), moved
// by pose (null: as stored).
template <typename Put>
void PlaceCloud(const char* bytes, size_t n, size_t stride, const Pose* pose, Put&& put) {
  for (size_t j = 0; j < n; j++) {
    float p[3], out[3];
    std::memcpy(p, bytes + j * stride, sizeof p);
    if (pose != nullptr) {
      pose->Apply(p, out);
    } else {
      std::memcpy(out, p, sizeof p);
    }
    put(j, out[0], out[1], out[2]);
  }
}

}  // namespace embodb::index::spatial
