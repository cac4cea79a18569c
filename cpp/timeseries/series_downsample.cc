#include "timeseries/series_downsample.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace embodb::timeseries {

namespace {

std::vector<size_t> Every(size_t n) {
  std::vector<size_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  return all;
}

}  // namespace

std::vector<size_t> MinMaxIndices(const std::vector<int64_t>& ts, const std::vector<double>& y, size_t n_out) {
  const size_t n = ts.size();
  if (n <= n_out) return Every(n);
  const size_t bins = std::max<size_t>(1, n_out / 2);
  const double first = static_cast<double>(ts.front()), width = (static_cast<double>(ts.back()) - first) / bins;
  std::vector<size_t> out;
  out.reserve(2 * bins);
  size_t begin = 0;
  for (size_t b = 0; b < bins && begin < n; b++) {
    // The bin's samples: up to the first at or past its right edge (the
    // last bin takes the rest).
    size_t end = n;
    if (b + 1 < bins) {
      const double edge = first + width * static_cast<double>(b + 1);
      end = begin;
      while (end < n && static_cast<double>(ts[end]) < edge) end++;
    }
    size_t lo = end, hi = end;
    for (size_t i = begin; i < end; i++) {
      if (std::isnan(y[i])) continue;
      if (lo == end || y[i] < y[lo]) lo = i;
      if (hi == end || y[i] > y[hi]) hi = i;
    }
    if (lo != end) {
      out.push_back(std::min(lo, hi));
      if (hi != lo) out.push_back(std::max(lo, hi));
    }
    begin = end;
  }
  return out;
}

std::vector<size_t> LttbIndices(const std::vector<int64_t>& ts, const std::vector<double>& y, size_t n_out) {
  const size_t n = ts.size();
  if (n <= n_out || n_out < 3) return n_out < 3 && n > n_out ? std::vector<size_t>{0, n - 1} : Every(n);
  // Times relative to the first, so that the areas keep their precision.
  auto x = [&ts](size_t i) { return static_cast<double>(ts[i] - ts[0]); };
  const double every = static_cast<double>(n - 2) / static_cast<double>(n_out - 2);
  std::vector<size_t> out;
  out.reserve(n_out);
  out.push_back(0);
  size_t a = 0;
  for (size_t b = 0; b < n_out - 2; b++) {
    const size_t begin = static_cast<size_t>(std::floor(every * static_cast<double>(b))) + 1;
    const size_t end = std::min(n - 1, static_cast<size_t>(std::floor(every * static_cast<double>(b + 1))) + 1);
    // The next bin's mean point (the last sample for the last bin).
    const size_t next_begin = end;
    const size_t next_end = std::min(n, static_cast<size_t>(std::floor(every * static_cast<double>(b + 2))) + 1);
    double mean_x = 0, mean_y = 0;
    for (size_t i = next_begin; i < next_end; i++) {
      mean_x += x(i);
      mean_y += y[i];
    }
    const double count = static_cast<double>(std::max<size_t>(1, next_end - next_begin));
    mean_x /= count;
    mean_y /= count;
    double best = -1;
    size_t pick = begin;
    for (size_t i = begin; i < end; i++) {
      const double area = std::fabs((x(a) - mean_x) * (y[i] - y[a]) - (x(a) - x(i)) * (mean_y - y[a]));
      if (area > best) {
        best = area;
        pick = i;
      }
    }
    out.push_back(pick);
    a = pick;
  }
  out.push_back(n - 1);
  return out;
}

}  // namespace embodb::timeseries
