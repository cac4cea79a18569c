// Downsampling a series for plotting: the indices of the samples to draw.
// minmax: n_out / 2 bins of equal time width from the first to the last
// sample, and in each the samples holding its smallest and largest value
// (NaN is skipped); lttb: Largest-Triangle-Three-Buckets (Steinarsson 2013)
// over bins of equal sample count, keeping the first and last sample, with
// the next bin's true mean point (tsdownsample takes the middle of its
// first and last times instead, and so picks otherwise in a few bins). Both
// return ascending indices, at most n_out of them (every index when there
// are no more than n_out samples).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace embodb::timeseries {

std::vector<size_t> MinMaxIndices(const std::vector<int64_t>& ts, const std::vector<double>& y, size_t n_out);
std::vector<size_t> LttbIndices(const std::vector<int64_t>& ts, const std::vector<double>& y, size_t n_out);

}  // namespace embodb::timeseries
