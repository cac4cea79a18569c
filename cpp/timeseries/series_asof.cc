#include "timeseries/series_asof.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace embodb::timeseries {

Result<AsofDirection> ParseDirection(const std::string& name) {
  if (name == "backward") return AsofDirection::kBackward;
  if (name == "forward") return AsofDirection::kForward;
  if (name == "nearest") return AsofDirection::kNearest;
  return Status::InvalidArgument("direction must be 'backward', 'forward' or 'nearest', not '" + name + "'");
}

namespace {

int64_t SaturatingAdd(int64_t a, int64_t b) {
  const __int128 s = static_cast<__int128>(a) + b;
  return static_cast<int64_t>(std::clamp<__int128>(s, kMinTime, kMaxTime));
}

// The time of the last sample at or before t (before = true) or the first at
// or after it; found = false when there is none. Looks in windows growing
// 16-fold from 1 ms.
Status NeighbourTime(const table::TableDef& def, txn::Reader* reader, const std::string& series, int64_t t,
                     bool before, int64_t* found_ts, bool* found) {
  *found = false;
  __int128 span = 1'000'000;
  while (true) {
    Samples probe(def.schema, {});
    int64_t t0, t1;
    if (before) {
      t0 = static_cast<int64_t>(std::max<__int128>(static_cast<__int128>(t) - span, kMinTime));
      t1 = SaturatingAdd(t, 1);
    } else {
      t0 = t;
      t1 = static_cast<int64_t>(std::min<__int128>(static_cast<__int128>(t) + span, kMaxTime));
    }
    EMBODB_RETURN_IF_ERROR(ReadSeriesRange(def, reader, series, t0, t1, &probe));
    if (probe.size() > 0) {
      *found_ts = before ? probe.ts.back() : probe.ts.front();
      *found = true;
      return Status::OK();
    }
    if ((before && t0 == kMinTime) || (!before && t1 == kMaxTime)) return Status::OK();
    span *= 16;
  }
}

}  // namespace

Status ReadAround(const table::TableDef& def, txn::Reader* reader, const std::string& series, int64_t lo, int64_t hi,
                  int64_t tolerance, Samples* samples) {
  int64_t start = lo, end = hi;
  bool found = false;
  if (tolerance >= 0) {
    start = SaturatingAdd(lo, -tolerance);
    end = SaturatingAdd(hi, tolerance);
  } else {
    int64_t t = 0;
    EMBODB_RETURN_IF_ERROR(NeighbourTime(def, reader, series, lo, true, &t, &found));
    if (found) start = t;
    EMBODB_RETURN_IF_ERROR(NeighbourTime(def, reader, series, hi, false, &t, &found));
    end = found ? t : kMaxTime;
  }
  return ReadSeriesRange(def, reader, series, start, end == kMaxTime ? kMaxTime : end + 1, samples);
}

void MatchAsof(const std::vector<int64_t>& ts, const int64_t* queries, size_t n, AsofDirection direction,
               int64_t tolerance, std::vector<int64_t>* match) {
  match->assign(n, -1);
  auto within = [tolerance](int64_t a, int64_t b) {  // |a - b| <= tolerance
    return tolerance < 0 || static_cast<unsigned __int128>(a > b ? static_cast<__int128>(a) - b
                                                                   : static_cast<__int128>(b) - a) <=
                                static_cast<unsigned __int128>(tolerance);
  };
  for (size_t i = 0; i < n; i++) {
    const int64_t q = queries[i];
    const auto after = std::lower_bound(ts.begin(), ts.end(), q);  // first >= q
    int64_t back = -1, fwd = -1;
    if (after != ts.end()) fwd = after - ts.begin();
    if (after != ts.end() && *after == q) {
      back = fwd;
    } else if (after != ts.begin()) {
      back = (after - ts.begin()) - 1;
    }
    int64_t pick = -1;
    if (direction == AsofDirection::kBackward) {
      pick = back;
    } else if (direction == AsofDirection::kForward) {
      pick = fwd;
    } else if (back < 0 || fwd < 0) {
      pick = back < 0 ? fwd : back;
    } else {
      const __int128 db = static_cast<__int128>(q) - ts[static_cast<size_t>(back)];
      const __int128 df = static_cast<__int128>(ts[static_cast<size_t>(fwd)]) - q;
      pick = df < db ? fwd : back;
    }
    if (pick >= 0 && within(ts[static_cast<size_t>(pick)], q)) (*match)[i] = pick;
  }
}

void Interpolate(const Samples& samples, size_t c, const int64_t* queries, size_t n, table::ColumnBuffer* out) {
  const table::ColumnView v = samples.values[c].view();
  const std::vector<int64_t>& ts = samples.ts;
  auto value = [&v](size_t i) {
    if (v.type.id == table::TypeId::kFloat64) return v.Get<double>(i);
    if (v.type.id == table::TypeId::kFloat32) return static_cast<double>(v.Get<float>(i));
    if (v.type.IsInteger() && !v.type.IsSignedInteger()) return static_cast<double>(static_cast<uint64_t>(v.IntegerAt(i)));
    return static_cast<double>(v.IntegerAt(i));
  };
  for (size_t i = 0; i < n; i++) {
    const int64_t q = queries[i];
    const auto after = std::lower_bound(ts.begin(), ts.end(), q);
    const size_t j = static_cast<size_t>(after - ts.begin());
    if (after != ts.end() && *after == q) {
      if (v.IsNull(j)) {
        out->AppendNull();
      } else {
        const double x = value(j);
        out->AppendFixed(&x);
      }
      continue;
    }
    if (j == 0 || j == ts.size() || v.IsNull(j - 1) || v.IsNull(j)) {
      out->AppendNull();
      continue;
    }
    const double a = value(j - 1), b = value(j);
    const double w = static_cast<double>(static_cast<__int128>(q) - ts[j - 1]) /
                     static_cast<double>(static_cast<__int128>(ts[j]) - ts[j - 1]);
    const double x = a + (b - a) * w;
    out->AppendFixed(&x);
  }
}

}  // namespace embodb::timeseries
