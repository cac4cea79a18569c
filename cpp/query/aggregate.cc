#include "query/aggregate.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <numeric>
#include <unordered_map>

#include "columnar/column_chunk.h"
#include "query/run_columns.h"
#include "query/table_scan.h"
#include "query/time_literal.h"
#include "query/value_order.h"
#include "util/coding.h"

namespace embodb::query {

namespace {

using table::ColumnBuffer;
using table::ColumnType;
using table::ColumnView;
using table::TypeId;

constexpr size_t kScanBatch = 16384;

enum class Fn { kCountRows, kCount, kSum, kMean, kMin, kMax, kFirst, kLast };

struct KeySpec {
  std::string name;
  size_t column = 0;
  int64_t bucket = 0;  // time_bucket's duration in the column's unit; 0: the value itself
};

struct AggSpec {
  std::string name;
  Fn fn = Fn::kCountRows;
  size_t column = 0;  // not for kCountRows
};

// "fn(arg, arg)" or a bare name: *fn is empty for a bare name.
Status ParseCall(std::string_view expr, std::string* fn, std::vector<std::string>* args) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  expr = trim(expr);
  const size_t open = expr.find('(');
  fn->clear();
  args->clear();
  if (open == std::string_view::npos) {
    if (expr.empty()) return Status::InvalidArgument("an empty expression");
    args->emplace_back(expr);
    return Status::OK();
  }
  if (expr.back() != ')') return Status::InvalidArgument("expected ')' at the end of '" + std::string(expr) + "'");
  fn->assign(trim(expr.substr(0, open)));
  std::transform(fn->begin(), fn->end(), fn->begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view inner = trim(expr.substr(open + 1, expr.size() - open - 2));
  while (!inner.empty()) {
    size_t end = 0;
    char quote = 0;
    for (; end < inner.size(); end++) {
      const char c = inner[end];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == ',') {
        break;
      }
    }
    if (quote != 0) return Status::InvalidArgument("unbalanced quotes in '" + std::string(expr) + "'");
    args->emplace_back(trim(inner.substr(0, end)));
    inner = end < inner.size() ? trim(inner.substr(end + 1)) : std::string_view();
  }
  return Status::OK();
}

Result<size_t> ColumnOf(const table::Schema& schema, const std::string& name, const std::string& expr) {
  const int c = schema.Find(name);
  if (c < 0) return Status::Schema("'" + expr + "': no column '" + name + "'");
  return static_cast<size_t>(c);
}

bool IsUnsigned(const ColumnType& t) { return t.id == TypeId::kBool || (t.IsInteger() && !t.IsSignedInteger()); }

Result<KeySpec> ParseKey(const table::Schema& schema, const std::string& name, const std::string& expr) {
  std::string fn;
  std::vector<std::string> args;
  EMBODB_RETURN_IF_ERROR(ParseCall(expr, &fn, &args));
  KeySpec k;
  k.name = name;
  if (fn.empty()) {
    EMBODB_ASSIGN_OR_RETURN(k.column, ColumnOf(schema, args[0], expr));
    if (schema.column(k.column).type.IsFloatArray()) {
      return Status::Schema("cannot group by '" + args[0] + "': a " + schema.column(k.column).type.Name() + " column");
    }
    return k;
  }
  if (fn != "time_bucket" || args.size() != 2) {
    return Status::InvalidArgument("a group key is a column or time_bucket(column, 'duration'), not '" + expr + "'");
  }
  EMBODB_ASSIGN_OR_RETURN(k.column, ColumnOf(schema, args[0], expr));
  const TypeId t = schema.column(k.column).type.id;
  if (t != TypeId::kTimestamp && t != TypeId::kInt64) {
    return Status::Schema("time_bucket needs a timestamp or int64 column, not " + schema.column(k.column).type.Name());
  }
  const std::string& d = args[1];
  if (d.size() < 2 || (d.front() != '\'' && d.front() != '"') || d.back() != d.front() ||
      !ParseDuration(d.substr(1, d.size() - 2), &k.bucket)) {
    return Status::InvalidArgument("'" + expr + "': the duration must be quoted, positive, such as '100ms', '1s', '5min'");
  }
  return k;
}

Result<AggSpec> ParseAggregate(const table::Schema& schema, const std::string& name, const std::string& expr) {
  std::string fn;
  std::vector<std::string> args;
  EMBODB_RETURN_IF_ERROR(ParseCall(expr, &fn, &args));
  AggSpec a;
  a.name = name;
  if (fn == "count" && args.empty()) return a;
  static const std::pair<std::string_view, Fn> kFns[] = {
      {"count", Fn::kCount}, {"sum", Fn::kSum},     {"mean", Fn::kMean},   {"avg", Fn::kMean},
      {"min", Fn::kMin},     {"max", Fn::kMax},     {"first", Fn::kFirst}, {"last", Fn::kLast}};
  auto it = std::find_if(std::begin(kFns), std::end(kFns), [&](const auto& p) { return p.first == fn; });
  if (fn.empty() || it == std::end(kFns) || args.size() != 1) {
    return Status::InvalidArgument("an aggregate is count(), or count, sum, mean, min, max, first or last of one "
                                   "column, not '" + expr + "'");
  }
  a.fn = it->second;
  EMBODB_ASSIGN_OR_RETURN(a.column, ColumnOf(schema, args[0], expr));
  const ColumnType& t = schema.column(a.column).type;
  if (t.IsFloatArray()) return Status::Schema("'" + expr + "': a " + t.Name() + " column cannot be aggregated");
  const bool numeric = t.IsInteger() || t.IsFloat() || t.id == TypeId::kBool;
  if ((a.fn == Fn::kSum || a.fn == Fn::kMean) && !numeric) {
    return Status::Schema("'" + expr + "': " + std::string(it->first) + " needs a number column, not " + t.Name());
  }
  return a;
}

// One aggregate of one group.
struct Acc {
  uint64_t count = 0;
  __int128 int_sum = 0;
  double float_sum = 0;
  uint64_t min_key = 0, max_key = 0;        // OrderedNumber of the extremes
  uint64_t min_raw = 0, max_raw = 0, first_raw = 0, last_raw = 0;  // their bytes (fixed-width types)
  std::string min_text, max_text, first_text, last_text;
};

uint64_t RawAt(const ColumnView& c, size_t i) {
  uint64_t raw = 0;
  std::memcpy(&raw, c.Fixed(i), c.type.FixedWidth());
  return raw;
}

void Accumulate(const AggSpec& a, const ColumnView& c, size_t i, Acc* acc) {
  if (c.IsNull(i)) return;
  const bool first = acc->count == 0;
  acc->count++;
  const bool text = c.type.IsStringOrBytes();
  switch (a.fn) {
    case Fn::kCountRows:
    case Fn::kCount: return;
    case Fn::kSum:
    case Fn::kMean:
      if (c.type.IsFloat()) {
        acc->float_sum += c.type.id == TypeId::kFloat32 ? c.Get<float>(i) : c.Get<double>(i);
      } else if (IsUnsigned(c.type)) {
        acc->int_sum += static_cast<__int128>(OrderedNumber(c, i));
      } else {
        acc->int_sum += c.IntegerAt(i);
      }
      return;
    case Fn::kMin:
    case Fn::kMax: {
      if (text) {
        const std::string_view v = c.Bytes(i);
        std::string& best = a.fn == Fn::kMin ? acc->min_text : acc->max_text;
        if (first || (a.fn == Fn::kMin ? v < best : v > best)) best.assign(v);
        return;
      }
      const uint64_t key = OrderedNumber(c, i);
      if (a.fn == Fn::kMin && (first || key < acc->min_key)) {
        acc->min_key = key;
        acc->min_raw = RawAt(c, i);
      }
      if (a.fn == Fn::kMax && (first || key > acc->max_key)) {
        acc->max_key = key;
        acc->max_raw = RawAt(c, i);
      }
      return;
    }
    case Fn::kFirst:
      if (!first) return;
      if (text) {
        acc->first_text.assign(c.Bytes(i));
      } else {
        acc->first_raw = RawAt(c, i);
      }
      return;
    case Fn::kLast:
      if (text) {
        acc->last_text.assign(c.Bytes(i));
      } else {
        acc->last_raw = RawAt(c, i);
      }
      return;
  }
}

ColumnType OutputType(const AggSpec& a, const table::Schema& schema) {
  if (a.fn == Fn::kCountRows || a.fn == Fn::kCount) return ColumnType{TypeId::kInt64, 0};
  const ColumnType& t = schema.column(a.column).type;
  if (a.fn == Fn::kMean) return ColumnType{TypeId::kFloat64, 0};
  if (a.fn == Fn::kSum) {
    if (t.IsFloat()) return ColumnType{TypeId::kFloat64, 0};
    return ColumnType{IsUnsigned(t) ? TypeId::kUInt64 : TypeId::kInt64, 0};
  }
  return t;
}

Status AppendResult(const AggSpec& a, const ColumnType& source, const Acc& acc, ColumnBuffer* out) {
  if (a.fn == Fn::kCountRows || a.fn == Fn::kCount) {
    const auto n = static_cast<int64_t>(acc.count);
    out->AppendFixed(&n);
    return Status::OK();
  }
  if (acc.count == 0) {
    out->AppendNull();
    return Status::OK();
  }
  switch (a.fn) {
    case Fn::kSum: {
      if (source.IsFloat()) {
        out->AppendFixed(&acc.float_sum);
      } else if (IsUnsigned(source)) {
        if (acc.int_sum > static_cast<__int128>(UINT64_MAX)) {
          return Status::InvalidArgument("'" + a.name + "': the sum leaves the uint64 range");
        }
        const auto v = static_cast<uint64_t>(acc.int_sum);
        out->AppendFixed(&v);
      } else {
        if (acc.int_sum > INT64_MAX || acc.int_sum < INT64_MIN) {
          return Status::InvalidArgument("'" + a.name + "': the sum leaves the int64 range");
        }
        const auto v = static_cast<int64_t>(acc.int_sum);
        out->AppendFixed(&v);
      }
      return Status::OK();
    }
    case Fn::kMean: {
      const double sum = source.IsFloat() ? acc.float_sum : static_cast<double>(acc.int_sum);
      const double mean = sum / static_cast<double>(acc.count);
      out->AppendFixed(&mean);
      return Status::OK();
    }
    default: break;
  }
  const bool min = a.fn == Fn::kMin, max = a.fn == Fn::kMax, first = a.fn == Fn::kFirst;
  if (source.IsStringOrBytes()) {
    out->AppendBytes(min ? acc.min_text : max ? acc.max_text : first ? acc.first_text : acc.last_text);
  } else {
    const uint64_t raw = min ? acc.min_raw : max ? acc.max_raw : first ? acc.first_raw : acc.last_raw;
    out->AppendFixed(&raw);  // little-endian: the low bytes are the value
  }
  return Status::OK();
}

// floor(v / d) * d; false when it leaves int64.
bool Bucket(int64_t v, int64_t d, int64_t* out) {
  __int128 q = v / d;
  if (v % d != 0 && v < 0) q--;
  const __int128 b = q * d;
  if (b < INT64_MIN || b > INT64_MAX) return false;
  *out = static_cast<int64_t>(b);
  return true;
}

// Whether key row a of the output sorts before b: by each key, nulls last.
bool KeysBefore(const std::vector<ColumnView>& keys, size_t a, size_t b) {
  for (const ColumnView& k : keys) {
    const bool an = k.IsNull(a), bn = k.IsNull(b);
    if (an != bn) return bn;
    if (an) continue;
    if (k.type.IsStringOrBytes()) {
      const auto x = k.Bytes(a), y = k.Bytes(b);
      if (x != y) return x < y;
    } else {
      const uint64_t x = OrderedNumber(k, a), y = OrderedNumber(k, b);
      if (x != y) return x < y;
    }
  }
  return false;
}

}  // namespace

Status Aggregate(const table::TableDefPtr& table, txn::Reader* reader, const FilterPtr& filter,
                 const NamedExpressions& keys, const NamedExpressions& aggregates, table::ResultBatch* out) {
  const table::Schema& schema = table->schema;
  std::vector<KeySpec> key_specs;
  std::vector<AggSpec> agg_specs;
  std::vector<std::string> names;
  for (const auto& [name, expr] : keys) {
    EMBODB_ASSIGN_OR_RETURN(KeySpec k, ParseKey(schema, name, expr));
    key_specs.push_back(std::move(k));
    names.push_back(name);
  }
  for (const auto& [name, expr] : aggregates) {
    EMBODB_ASSIGN_OR_RETURN(AggSpec a, ParseAggregate(schema, name, expr));
    agg_specs.push_back(std::move(a));
    names.push_back(name);
  }
  for (size_t i = 0; i < names.size(); i++) {
    if (std::find(names.begin(), names.begin() + static_cast<ptrdiff_t>(i), names[i]) != names.begin() + static_cast<ptrdiff_t>(i)) {
      return Status::Schema("the result has two columns named '" + names[i] + "'");
    }
  }
  // The columns read, and where each spec finds its column among them.
  std::vector<size_t> projection;
  auto slot = [&](size_t column) {
    auto it = std::find(projection.begin(), projection.end(), column);
    if (it != projection.end()) return static_cast<size_t>(it - projection.begin());
    projection.push_back(column);
    return projection.size() - 1;
  };
  std::vector<size_t> key_slots, agg_slots;
  for (const KeySpec& k : key_specs) key_slots.push_back(slot(k.column));
  for (const AggSpec& a : agg_specs) agg_slots.push_back(a.fn == Fn::kCountRows ? SIZE_MAX : slot(a.column));

  std::vector<ColumnBuffer> key_values;  // one row per group
  for (const KeySpec& k : key_specs) key_values.emplace_back(schema.column(k.column).type);
  std::vector<std::vector<Acc>> accs(agg_specs.size());
  std::unordered_map<std::string, uint32_t> groups;
  size_t group_count = 0;
  auto add_group = [&] {
    for (auto& a : accs) a.emplace_back();
    return static_cast<uint32_t>(group_count++);
  };
  if (key_specs.empty()) add_group();  // one row, even over no rows

  TableScan scan(table, reader, projection, filter);
  std::string hash_key;
  std::vector<int64_t> buckets(key_specs.size());
  // One number per group when the key is one fixed-width column (or time
  // bucket): no string to build per row; consecutive rows of the same group
  // (a recording's episodes, a bucket's samples) skip the hash table too.
  const bool number_key = key_specs.size() == 1 && !schema.column(key_specs[0].column).type.IsStringOrBytes();
  std::unordered_map<uint64_t, uint32_t> number_groups;
  constexpr uint32_t kNoGroup = UINT32_MAX;
  uint32_t null_group = kNoGroup, last_group = kNoGroup;
  uint64_t last_number = 0;
  // Key k's number at row i (not null, not a string): its time bucket
  // (also kept in buckets[k] for a new group's key), or its ordered bits;
  // false when the bucket is out of range (bucket_error says so).
  auto key_number = [&](size_t k, const ColumnView& v, size_t i, uint64_t* out) {
    if (key_specs[k].bucket == 0) {
      *out = OrderedNumber(v, i);
      return true;
    }
    if (!Bucket(v.Get<int64_t>(i), key_specs[k].bucket, &buckets[k])) return false;
    *out = static_cast<uint64_t>(buckets[k]);
    return true;
  };
  auto bucket_error = [&](size_t k) {
    return Status::InvalidArgument("'" + key_specs[k].name + "': a time bucket out of the int64 range");
  };
  // Appends row i's key values as a new group's.
  auto new_group = [&](const std::vector<ColumnView>& views, size_t i) {
    const uint32_t g = add_group();
    for (size_t k = 0; k < key_specs.size(); k++) {
      const ColumnView& v = views[key_slots[k]];
      if (v.IsNull(i)) {
        key_values[k].AppendNull();
      } else if (key_specs[k].bucket != 0) {
        key_values[k].AppendFixed(&buckets[k]);
      } else {
        key_values[k].AppendFrom(v, i);
      }
    }
    return g;
  };
  // Whole blocks answered by their chunk statistics, without decoding:
  // without a filter, when every aggregate is count(), count(col), min or
  // max, and the block is one group (no key, or a key whose statistics
  // show one value, such as an episode).
  const bool stats_apply = filter == nullptr && (key_specs.empty() || number_key) &&
                           std::all_of(agg_specs.begin(), agg_specs.end(), [](const AggSpec& a) {
                             return a.fn == Fn::kCountRows || a.fn == Fn::kCount || a.fn == Fn::kMin ||
                                    a.fn == Fn::kMax;
                           });
  if (stats_apply) {
    scan.set_run_gate([&](RunColumns& run) {
      if (!run.whole_block()) return true;
      // Every statistic needed, first: a block is read whole or not at all.
      const columnar::ChunkStats* key_stats = nullptr;
      if (!key_specs.empty()) {
        key_stats = run.Stats(key_specs[0].column);
        if (key_stats == nullptr || key_stats->nulls != 0 || key_stats->has_nan || key_stats->min.is_null()) return true;
      }
      std::vector<const columnar::ChunkStats*> stats(agg_specs.size(), nullptr);
      for (size_t a = 0; a < agg_specs.size(); a++) {
        if (agg_specs[a].fn == Fn::kCountRows) continue;
        stats[a] = run.Stats(agg_specs[a].column);
        if (stats[a] == nullptr) return true;
      }
      // The block's group.
      uint32_t g = 0;
      if (key_stats != nullptr) {
        const ColumnType& type = schema.column(key_specs[0].column).type;
        ColumnBuffer bounds(type);
        bounds.AppendValue(key_stats->min);
        bounds.AppendValue(key_stats->max);
        const ColumnView b = bounds.view();
        // An error is left to the decoding, which reports it; buckets[0]
        // ends at the bucket of max, which is min's when they agree.
        uint64_t lo, hi;
        if (!key_number(0, b, 0, &lo) || !key_number(0, b, 1, &hi)) return true;
        if (lo != hi) return true;  // more than one group: decoded
        auto [it, fresh] = number_groups.try_emplace(lo, 0);
        if (fresh) {
          std::vector<ColumnView> views(projection.size());
          views[key_slots[0]] = b;
          it->second = new_group(views, 0);
        }
        g = it->second;
        last_group = g;
        last_number = lo;
      }
      for (size_t a = 0; a < agg_specs.size(); a++) {
        Acc& acc = accs[a][g];
        const columnar::ChunkStats* s = stats[a];
        if (agg_specs[a].fn == Fn::kCountRows) {
          acc.count += run.rows();
        } else if (agg_specs[a].fn == Fn::kCount) {
          acc.count += s->rows - s->nulls;
        } else {  // min, max: of the extremes (and NaN, above every number)
          ColumnBuffer extremes(schema.column(agg_specs[a].column).type);
          if (!s->min.is_null()) {
            extremes.AppendValue(s->min);
            extremes.AppendValue(s->max);
          }
          if (s->has_nan) extremes.AppendValue(table::Value::Double(std::nan("")));
          const ColumnView v = extremes.view();
          for (size_t i = 0; i < v.length; i++) Accumulate(agg_specs[a], v, i, &acc);
        }
      }
      return false;
    });
  }
  std::vector<uint32_t> group_of;  // per row of the batch
  while (true) {
    auto batch = table::ResultBatch::ForProjection(schema, projection);
    if (!scan.Next(kScanBatch, &batch)) break;
    std::vector<ColumnView> views;
    for (const auto& c : batch.columns) views.push_back(c.view());
    const size_t rows = batch.rows();
    group_of.assign(rows, 0);
    for (size_t i = 0; i < rows && !key_specs.empty(); i++) {
      if (number_key) {
        const ColumnView& v = views[key_slots[0]];
        if (v.IsNull(i)) {
          if (null_group == kNoGroup) null_group = new_group(views, i);
          group_of[i] = null_group;
          continue;
        }
        uint64_t number;
        if (!key_number(0, v, i, &number)) return bucket_error(0);
        if (last_group == kNoGroup || number != last_number) {
          auto [it, fresh] = number_groups.try_emplace(number, 0);
          if (fresh) it->second = new_group(views, i);
          last_group = it->second;
          last_number = number;
        }
        group_of[i] = last_group;
        continue;
      }
      hash_key.clear();
      for (size_t k = 0; k < key_specs.size(); k++) {
        const ColumnView& v = views[key_slots[k]];
        if (v.IsNull(i)) {
          hash_key.push_back('\1');
          continue;
        }
        hash_key.push_back('\0');
        if (key_specs[k].bucket == 0 && v.type.IsStringOrBytes()) {
          PutLengthPrefixed(&hash_key, v.Bytes(i));
          continue;
        }
        uint64_t number;
        if (!key_number(k, v, i, &number)) return bucket_error(k);
        PutFixed64(&hash_key, number);
      }
      auto [it, fresh] = groups.try_emplace(hash_key, 0);
      if (fresh) it->second = new_group(views, i);
      group_of[i] = it->second;
    }
    // Each aggregate over the batch in turn (rows in key order, for first and last).
    for (size_t a = 0; a < agg_specs.size(); a++) {
      std::vector<Acc>& acc = accs[a];
      if (agg_specs[a].fn == Fn::kCountRows) {
        for (size_t i = 0; i < rows; i++) acc[group_of[i]].count++;
        continue;
      }
      const ColumnView& v = views[agg_slots[a]];
      const bool float_total = (agg_specs[a].fn == Fn::kSum || agg_specs[a].fn == Fn::kMean) &&
                               v.type.id == TypeId::kFloat64 && v.nulls == nullptr;
      if (float_total) {  // the common case, without the per-row dispatch
        const auto* x = reinterpret_cast<const double*>(v.values);
        for (size_t i = 0; i < rows; i++) {
          Acc& g = acc[group_of[i]];
          g.count++;
          g.float_sum += x[i];
        }
        continue;
      }
      for (size_t i = 0; i < rows; i++) Accumulate(agg_specs[a], v, i, &acc[group_of[i]]);
    }
  }
  EMBODB_RETURN_IF_ERROR(scan.status());

  table::ResultBatch result;
  for (size_t k = 0; k < key_specs.size(); k++) {
    result.names.push_back(key_specs[k].name);
    result.columns.push_back(std::move(key_values[k]));
  }
  for (size_t a = 0; a < agg_specs.size(); a++) {
    const AggSpec& spec = agg_specs[a];
    const ColumnType source = spec.fn == Fn::kCountRows ? ColumnType{TypeId::kInt64, 0} : schema.column(spec.column).type;
    ColumnBuffer col(OutputType(spec, schema));
    for (size_t g = 0; g < group_count; g++) EMBODB_RETURN_IF_ERROR(AppendResult(spec, source, accs[a][g], &col));
    result.names.push_back(spec.name);
    result.columns.push_back(std::move(col));
  }
  result.row_count = group_count;
  if (key_specs.empty() || group_count < 2) {
    *out = std::move(result);
    return Status::OK();
  }
  std::vector<ColumnView> key_views;
  for (size_t k = 0; k < key_specs.size(); k++) key_views.push_back(result.columns[k].view());
  std::vector<uint64_t> order(group_count);
  std::iota(order.begin(), order.end(), uint64_t{0});
  std::sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) { return KeysBefore(key_views, a, b); });
  *out = table::TakeRows(result, order);
  return Status::OK();
}

}  // namespace embodb::query
