#include "timeseries/series_resample.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "table/key_codec.h"
#include "timeseries/series_chunk.h"
#include "timeseries/series_read.h"
#include "timeseries/series_retention.h"

namespace embodb::timeseries {

using table::ColumnBuffer;
using table::ColumnType;
using table::ColumnView;
using table::TypeId;
using table::Value;

Result<AggregateKind> ParseAggregate(const std::string& name) {
  if (name == "first") return AggregateKind::kFirst;
  if (name == "last") return AggregateKind::kLast;
  if (name == "min") return AggregateKind::kMin;
  if (name == "max") return AggregateKind::kMax;
  if (name == "mean") return AggregateKind::kMean;
  if (name == "sum") return AggregateKind::kSum;
  if (name == "count") return AggregateKind::kCount;
  return Status::InvalidArgument("no aggregate '" + name + "' (first, last, min, max, mean, sum, count)");
}

ColumnType AggregateType(AggregateKind kind, const ColumnType& column) {
  if (kind == AggregateKind::kCount) return ColumnType{TypeId::kInt64, 0};
  if (kind == AggregateKind::kMean || kind == AggregateKind::kSum) return ColumnType{TypeId::kFloat64, 0};
  return column;
}

int64_t BucketOf(int64_t ts, int64_t every) {
  int64_t r = ts % every;
  if (r < 0) r += every;
  // Near the smallest time the bucket's start is not representable: the
  // smallest time stands for it.
  return ts < std::numeric_limits<int64_t>::min() + r ? std::numeric_limits<int64_t>::min() : ts - r;
}

namespace {

// What a run of values contributes to a bucket: its first and last values
// (with their times), its smallest and largest, how many, and their sum.
template <typename T>
struct Part {
  T first{}, last{}, lo{}, hi{};
  int64_t first_ts = 0, last_ts = 0;
  uint64_t count = 0;
  double sum = 0;

  // Adds another part; less orders values (unsigned integers as such).
  template <typename Less>
  void Merge(const Part& p, Less less) {
    if (p.count == 0) return;
    if (count == 0 || p.first_ts < first_ts) {
      first = p.first;
      first_ts = p.first_ts;
    }
    if (count == 0 || p.last_ts >= last_ts) {
      last = p.last;
      last_ts = p.last_ts;
    }
    if (count == 0 || less(p.lo, lo)) lo = p.lo;
    if (count == 0 || less(hi, p.hi)) hi = p.hi;
    count += p.count;
    sum += p.sum;
  }
};

// The running aggregates of one column within the current bucket: doubles
// for float columns, int64 for integers, timestamps and booleans (exact).
class Accumulator {
 public:
  explicit Accumulator(const ColumnType& type)
      : type_(type), is_float_(type.IsFloat()), unsigned_(type.IsInteger() && !type.IsSignedInteger()) {}

  void Reset() {
    doubles_ = Part<double>();
    ints_ = Part<int64_t>();
  }

  // Rows [i, j) of v (with times ts): a tight loop for float columns
  // without nulls, value by value otherwise. Nulls and NaN are skipped.
  void AddRun(const ColumnView& v, const int64_t* ts, size_t i, size_t j) {
    if (v.nulls == nullptr && type_.id == TypeId::kFloat64) {
      return AddFloats(reinterpret_cast<const double*>(v.values), ts, i, j);
    }
    if (v.nulls == nullptr && type_.id == TypeId::kFloat32) {
      return AddFloats(reinterpret_cast<const float*>(v.values), ts, i, j);
    }
    for (size_t k = i; k < j; k++) {
      if (v.IsNull(k)) continue;
      if (is_float_) {
        const double x = type_.id == TypeId::kFloat64 ? v.Get<double>(k) : v.Get<float>(k);
        if (!std::isnan(x)) MergeDouble({x, x, x, x, ts[k], ts[k], 1, x});
      } else {
        const int64_t x = v.IntegerAt(k);
        MergeInt({x, x, x, x, ts[k], ts[k], 1, unsigned_ ? static_cast<double>(static_cast<uint64_t>(x))
                                                          : static_cast<double>(x)});
      }
    }
  }

  // A whole chunk, spanning [first_ts, last_ts], from its statistics.
  void AddStats(const SeriesColumnStats& s, int64_t first_ts, int64_t last_ts) {
    if (s.count == 0) return;
    if (is_float_) {
      MergeDouble({s.first.d, s.last.d, s.chunk.min.d, s.chunk.max.d, first_ts, last_ts, s.count, s.sum});
    } else {
      MergeInt({IntOf(s.first), IntOf(s.last), IntOf(s.chunk.min), IntOf(s.chunk.max), first_ts, last_ts, s.count,
                s.sum});
    }
  }

  void Emit(AggregateKind kind, ColumnBuffer* out) const {
    const uint64_t count = is_float_ ? doubles_.count : ints_.count;
    const double sum = is_float_ ? doubles_.sum : ints_.sum;
    switch (kind) {
      case AggregateKind::kCount: {
        const int64_t c = static_cast<int64_t>(count);
        out->AppendFixed(&c);
        return;
      }
      case AggregateKind::kSum: {
        out->AppendFixed(&sum);
        return;
      }
      case AggregateKind::kMean: {
        const double m = count == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(count);
        out->AppendFixed(&m);
        return;
      }
      default: break;
    }
    if (count == 0) {
      out->AppendNull();
      return;
    }
    if (is_float_) {
      const double d = Pick(doubles_, kind);
      if (type_.id == TypeId::kFloat64) {
        out->AppendFixed(&d);
      } else {
        const float f = static_cast<float>(d);
        out->AppendFixed(&f);
      }
      return;
    }
    const int64_t x = Pick(ints_, kind);
    out->AppendFixed(&x);  // little-endian: the low bytes are the narrower type's value
  }

 private:
  template <typename T>
  static T Pick(const Part<T>& p, AggregateKind kind) {
    return kind == AggregateKind::kFirst ? p.first : kind == AggregateKind::kLast ? p.last
                                                 : kind == AggregateKind::kMin    ? p.lo
                                                                                  : p.hi;
  }
  static int64_t IntOf(const Value& v) {
    if (v.kind == Value::Kind::kBool) return v.b ? 1 : 0;
    if (v.kind == Value::Kind::kUInt) return static_cast<int64_t>(v.u);
    return v.i;
  }

  template <typename F>
  void AddFloats(const F* x, const int64_t* ts, size_t i, size_t j) {
    size_t first = j, last = j;
    Part<double> run;
    for (size_t k = i; k < j; k++) {
      const double d = x[k];
      if (d != d) continue;  // NaN
      if (run.count == 0) {
        first = k;
        run.lo = run.hi = d;
      }
      last = k;
      run.count++;
      run.sum += d;
      run.lo = d < run.lo ? d : run.lo;
      run.hi = d > run.hi ? d : run.hi;
    }
    if (run.count == 0) return;
    run.first = x[first];
    run.last = x[last];
    run.first_ts = ts[first];
    run.last_ts = ts[last];
    MergeDouble(run);
  }

  void MergeDouble(const Part<double>& p) {
    doubles_.Merge(p, [](double a, double b) { return a < b; });
  }
  void MergeInt(const Part<int64_t>& p) {
    const bool is_unsigned = unsigned_;
    ints_.Merge(p, [is_unsigned](int64_t a, int64_t b) {
      return is_unsigned ? static_cast<uint64_t>(a) < static_cast<uint64_t>(b) : a < b;
    });
  }

  ColumnType type_;
  bool is_float_, unsigned_;
  Part<double> doubles_;
  Part<int64_t> ints_;
};

// Buckets in time order: samples and whole chunks go in, a row per bucket
// comes out.
class Bucketer {
 public:
  Bucketer(const table::TableDef& def, const ResampleSpec& spec, const std::vector<size_t>& columns,
           std::vector<int64_t>* starts, std::vector<ColumnBuffer>* outs)
      : spec_(spec), starts_(starts), outs_(outs) {
    for (size_t c : columns) accumulators_.emplace_back(def.schema.column(c).type);
    for (const auto& [column, kind] : spec.aggregates) {
      const size_t a = static_cast<size_t>(std::find(columns.begin(), columns.end(), column) - columns.begin());
      which_.push_back(a);
    }
  }

  // Samples [begin, end) of a run (views: the columns, in the order given).
  void AddSamples(const std::vector<int64_t>& ts, const std::vector<ColumnView>& views, size_t begin, size_t end) {
    size_t i = begin;
    while (i < end) {
      StartBucket(BucketOf(ts[i], spec_.every));
      // The samples of this bucket: up to the next boundary (no division each).
      const int64_t boundary = bucket_ > std::numeric_limits<int64_t>::max() - spec_.every
                                   ? std::numeric_limits<int64_t>::max()
                                   : bucket_ + spec_.every;
      size_t j = i;
      while (j < end && (ts[j] < boundary || boundary == std::numeric_limits<int64_t>::max())) j++;
      for (size_t a = 0; a < accumulators_.size(); a++) accumulators_[a].AddRun(views[a], ts.data(), i, j);
      i = j;
    }
  }

  void AddChunkStats(const SeriesChunkReader& chunk, const std::vector<SeriesColumnStats>& stats) {
    StartBucket(BucketOf(chunk.first_ts(), spec_.every));
    for (size_t a = 0; a < accumulators_.size(); a++) {
      accumulators_[a].AddStats(stats[a], chunk.first_ts(), chunk.last_ts());
    }
  }

  void Finish() {
    if (have_bucket_) Emit();
    have_bucket_ = false;
  }

 private:
  void StartBucket(int64_t bucket) {
    if (have_bucket_ && bucket == bucket_) return;
    if (have_bucket_) Emit();
    bucket_ = bucket;
    have_bucket_ = true;
    for (Accumulator& a : accumulators_) a.Reset();
  }
  void Emit() {
    starts_->push_back(bucket_);
    for (size_t i = 0; i < spec_.aggregates.size(); i++) {
      accumulators_[which_[i]].Emit(spec_.aggregates[i].second, &(*outs_)[i]);
    }
  }

  const ResampleSpec& spec_;
  std::vector<int64_t>* starts_;
  std::vector<ColumnBuffer>* outs_;
  std::vector<Accumulator> accumulators_;
  std::vector<size_t> which_;  // aggregate i's accumulator
  bool have_bucket_ = false;
  int64_t bucket_ = 0;
};

std::vector<ColumnView> Views(const Samples& s) {
  std::vector<ColumnView> views;
  for (const ColumnBuffer& v : s.values) views.push_back(v.view());
  return views;
}

}  // namespace

Status ResampleSeries(const table::TableDef& def, txn::Reader* reader, const std::string& series,
                      const ResampleSpec& requested, std::vector<int64_t>* starts, std::vector<ColumnBuffer>* outs,
                      size_t* chunks_from_stats) {
  ResampleSpec spec = requested;
  if (!spec.past_retention) spec.t0 = std::max(spec.t0, RetentionStart(def, NowNanos()));
  if (spec.t0 >= spec.t1 && spec.t1 != kMaxTime) return Status::OK();
  std::vector<size_t> columns;  // distinct columns aggregated
  for (const auto& [column, kind] : spec.aggregates) {
    if (std::find(columns.begin(), columns.end(), column) == columns.end()) columns.push_back(column);
  }
  const std::vector<size_t> index = ChunkColumnIndexes(def, columns);
  Bucketer buckets(def, spec, columns, starts, outs);
  Samples head(def.schema, columns);
  EMBODB_RETURN_IF_ERROR(ReadHeadSamples(def, reader, series, spec.t0, spec.t1, &head));
  const std::vector<ColumnView> head_views = Views(head);
  size_t h = 0;  // head samples before h are aggregated
  const bool unbounded = spec.t1 == kMaxTime;

  const std::string prefix = SeriesPrefix(def.id, SeriesKeyKind::kChunk, series);
  const std::string lower = SeriesTimeKey(def.id, SeriesKeyKind::kChunk, series, spec.t0);
  const std::string upper = table::PrefixSuccessor(prefix);
  auto it = reader->NewIterator(lower, upper);
  std::vector<SeriesColumnStats> stats(columns.size());
  for (it->Seek(lower); it->Valid() && it->key() < upper; it->Next()) {
    SeriesChunkReader chunk;
    EMBODB_RETURN_IF_ERROR(chunk.Open(it->value()));
    if (!unbounded && chunk.first_ts() >= spec.t1) break;
    // Head samples before the chunk, then those inside its span.
    size_t inside = h;
    while (inside < head.size() && head.ts[inside] < chunk.first_ts()) inside++;
    buckets.AddSamples(head.ts, head_views, h, inside);
    h = inside;
    while (inside < head.size() && head.ts[inside] <= chunk.last_ts()) inside++;
    const bool whole = chunk.first_ts() >= spec.t0 && (unbounded || chunk.last_ts() < spec.t1) &&
                       BucketOf(chunk.first_ts(), spec.every) == BucketOf(chunk.last_ts(), spec.every);
    if (whole && inside == h) {
      for (size_t a = 0; a < columns.size(); a++) {
        EMBODB_ASSIGN_OR_RETURN(stats[a], chunk.ColumnStats(index[a]));
      }
      buckets.AddChunkStats(chunk, stats);
      (*chunks_from_stats)++;
      continue;
    }
    Samples samples(def.schema, columns);
    EMBODB_RETURN_IF_ERROR(AppendChunkSamples(chunk, index, spec.t0, spec.t1, &samples));
    if (inside > h) {  // head samples override the chunk's
      Samples overrides = Samples::EmptyLike(samples);
      overrides.ts.assign(head.ts.begin() + static_cast<ptrdiff_t>(h), head.ts.begin() + static_cast<ptrdiff_t>(inside));
      for (size_t a = 0; a < columns.size(); a++) overrides.values[a].AppendRange(head_views[a], h, inside - h);
      MergeSamples(&samples, overrides);
      h = inside;
    }
    buckets.AddSamples(samples.ts, Views(samples), 0, samples.size());
  }
  EMBODB_RETURN_IF_ERROR(it->status());
  buckets.AddSamples(head.ts, head_views, h, head.size());
  buckets.Finish();
  return Status::OK();
}

}  // namespace embodb::timeseries
