// The arithmetic of the filter language's spatial functions, within(col,
// [x, y, z], r), in_box(col, lo, hi) and distance(col, [x, y, z]): in
// float32, as the spatial index (index/spatial/kd_tree.h) and
// Table.near/within/in_box compute, so that a filter and a search agree.
// The literals are rounded to float32; a radius that rounds down is
// nudged up to the next float, so the test is never narrower than asked.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "query/expr.h"

namespace embodb::query {

// r as a float32, rounded up when it is not one, so that a search or a
// filter with it is never narrower than asked.
inline float RadiusAtLeast(double r) {
  float f = static_cast<float>(r);
  if (static_cast<double>(f) < r) f = std::nextafter(f, INFINITY);
  return f;
}

class SpatialPredicate {
 public:
  // REQUIRES: e is a bound kWithin, kInBox or kDistance.
  explicit SpatialPredicate(const Expr& e) : kind_(e.kind) {
    for (size_t i = 0; i < e.numbers.size() && i < 6; i++) q_[i] = static_cast<float>(e.numbers[i]);
    if (kind_ == Expr::Kind::kWithin) {
      radius_ = RadiusAtLeast(e.numbers[3]);
      radius2_ = radius_ * radius_;
    }
  }

  // The squared distance from the point (3 floats, any alignment) to the
  // query point.
  float Distance2(const uint8_t* point) const {
    float p[3];
    std::memcpy(p, point, sizeof p);
    const float dx = p[0] - q_[0], dy = p[1] - q_[1], dz = p[2] - q_[2];
    return dx * dx + dy * dy + dz * dz;
  }
  double Distance(const uint8_t* point) const { return std::sqrt(Distance2(point)); }

  // within: inside the sphere; in_box: inside the box, bounds inclusive.
  bool Holds(const uint8_t* point) const {
    if (kind_ == Expr::Kind::kWithin) return Distance2(point) <= radius2_;
    float p[3];
    std::memcpy(p, point, sizeof p);
    for (int a = 0; a < 3; a++) {
      if (!(p[a] >= q_[a] && p[a] <= q_[3 + a])) return false;
    }
    return true;
  }

  const float* center() const { return q_; }  // within, distance; a box's lo
  const float* hi() const { return q_ + 3; }  // in_box
  float radius() const { return radius_; }

 private:
  Expr::Kind kind_;
  float q_[6] = {0, 0, 0, 0, 0, 0};
  float radius_ = 0, radius2_ = 0;
};

}  // namespace embodb::query
