#include "timeseries/series_rollup.h"

#include "timeseries/series_keys.h"
#include "timeseries/series_read.h"
#include "util/coding.h"

namespace embodb::timeseries {

namespace {
constexpr uint8_t kRollupFormat = 1;  // SeriesDef::options; on disk: never renumber
}  // namespace

std::string RollupDef::Encode() const {
  if (empty()) return {};
  std::string out(1, static_cast<char>(kRollupFormat));
  PutVarint64(&out, static_cast<uint64_t>(every));
  PutLengthPrefixed(&out, table);
  PutVarint64(&out, aggregates.size());
  for (const auto& [column, kind] : aggregates) {
    PutLengthPrefixed(&out, column);
    PutLengthPrefixed(&out, kind);
  }
  return out;
}

Result<RollupDef> RollupDef::Decode(std::string_view options) {
  RollupDef r;
  if (options.empty()) return r;
  const Status bad = Status::Corruption("bad rollup definition");
  if (static_cast<uint8_t>(options[0]) != kRollupFormat) {
    return Status::NotSupported("rollup definition format is newer than this embodb understands");
  }
  options.remove_prefix(1);
  uint64_t every = 0, count = 0;
  std::string_view table;
  if (!GetVarint64(&options, &every) || every == 0 || every > static_cast<uint64_t>(INT64_MAX) ||
      !GetLengthPrefixed(&options, &table) || !GetVarint64(&options, &count) || count > options.size()) {
    return bad;
  }
  r.every = static_cast<int64_t>(every);
  r.table.assign(table);
  for (uint64_t i = 0; i < count; i++) {
    std::string_view column, kind;
    if (!GetLengthPrefixed(&options, &column) || !GetLengthPrefixed(&options, &kind)) return bad;
    r.aggregates.emplace_back(std::string(column), std::string(kind));
  }
  if (!options.empty()) return bad;
  return r;
}

Status RollUp(const table::TableDef& def, const RollupDef& rollup, const FindSeriesTable& find, txn::Transaction* tx,
              const std::string& series, SeriesRecord* record, int64_t start, HeadCounts* heads, int64_t* until) {
  const int64_t boundary = BucketOf(start, rollup.every);  // buckets before it are whole, and expired
  *until = boundary;
  if (record->rolled_until >= boundary) return Status::OK();
  const table::TableDefPtr target = find(rollup.table);
  if (!target || !target->series) {
    return Status::NotFound("the rollup time series '" + rollup.table + "' of '" + def.name + "' is missing");
  }
  ResampleSpec spec;
  spec.every = rollup.every;
  spec.t0 = record->rolled_until;
  spec.t1 = boundary;
  spec.past_retention = true;
  std::vector<table::ColumnBuffer> outs;
  std::vector<std::string> names;
  for (const auto& [column, kind_name] : rollup.aggregates) {
    const int c = def.schema.Find(column);
    if (c < 0) return Status::Corruption("rollup of '" + def.name + "' names no column '" + column + "'");
    AggregateKind kind;
    EMBODB_ASSIGN_OR_RETURN(kind, ParseAggregate(kind_name));
    spec.aggregates.emplace_back(static_cast<size_t>(c), kind);
    outs.emplace_back(AggregateType(kind, def.schema.column(static_cast<size_t>(c)).type));
    names.push_back(column + "_" + kind_name);
  }
  std::vector<int64_t> starts;
  size_t from_stats = 0;
  EMBODB_RETURN_IF_ERROR(ResampleSeries(def, tx, series, spec, &starts, &outs, &from_stats));
  record->rolled_until = boundary;
  const size_t n = starts.size();
  if (n == 0) return Status::OK();
  // The rows in the rollup's schema order: tags, bucket starts, aggregates.
  std::vector<table::ColumnView> cols(target->schema.size());
  std::vector<table::ColumnBuffer> tags;
  tags.reserve(def.series->tags.size());
  for (size_t t = 0; t < def.series->tags.size(); t++) {
    const std::string& tag = def.schema.column(def.series->tags[t]).name;
    const int c = target->schema.Find(tag);
    if (c < 0) return Status::Corruption("the rollup '" + rollup.table + "' has no tag '" + tag + "'");
    tags.emplace_back(target->schema.column(static_cast<size_t>(c)).type);
    tags.back().AppendValueRepeated(record->tags[t], n);
    cols[static_cast<size_t>(c)] = tags.back().view();
  }
  table::ColumnBuffer times(table::ColumnType{table::TypeId::kTimestamp, 0});
  times.AppendFixedValues(starts.data(), n);
  cols[target->series->time_column] = times.view();
  for (size_t i = 0; i < names.size(); i++) {
    const int c = target->schema.Find(names[i]);
    if (c < 0 || target->schema.column(static_cast<size_t>(c)).type.id != outs[i].type().id) {
      return Status::Corruption("the rollup '" + rollup.table + "' has no column '" + names[i] + "' of its type");
    }
    cols[static_cast<size_t>(c)] = outs[i].view();
  }
  for (size_t c = 0; c < cols.size(); c++) {
    if (cols[c].length != n) {
      return Status::Corruption("the rollup '" + rollup.table + "' has a column '" + target->schema.column(c).name +
                                "' no aggregate fills");
    }
  }
  return AppendSamples(*target, cols, n, tx, heads, find);
}

}  // namespace embodb::timeseries
