#include "table/table_def.h"

#include "table/keyspace.h"
#include "util/coding.h"

namespace embodb::table {

// 1: schema and ordered indexes; 2: also derived indexes (written only when
// there are some, so that a database without them stays readable by format-1
// readers). On disk: never renumber.
static constexpr uint8_t kTableDefFormat = 1;
static constexpr uint8_t kTableDefFormatDerived = 2;
// 3: derived indexes (always, perhaps none) and then the time-series part;
// written only for time series.
static constexpr uint8_t kTableDefFormatSeries = 3;

std::string TableDefKey(std::string_view name) {
  std::string key(1, static_cast<char>(KeySpace::kCatalog));
  key.push_back('t');  // catalog.h: kCatalog | 't' | name
  key.append(name);
  return key;
}

const IndexDef* TableDef::FindIndex(std::string_view column) const {
  for (const auto& ix : indexes) {
    if (ix.column == column) return &ix;
  }
  return nullptr;
}

const DerivedIndexDef* TableDef::FindDerived(std::string_view column, std::string_view kind) const {
  for (const auto& ix : derived) {
    if (ix.column == column && ix.kind == kind) return &ix;
  }
  return nullptr;
}

void TableDef::EncodeTo(std::string* dst) const {
  const uint8_t format =
      series.has_value() ? kTableDefFormatSeries : derived.empty() ? kTableDefFormat : kTableDefFormatDerived;
  dst->push_back(static_cast<char>(format));
  PutFixed32(dst, id);
  schema.EncodeTo(dst);
  PutVarint32(dst, static_cast<uint32_t>(indexes.size()));
  for (const auto& ix : indexes) {
    PutLengthPrefixed(dst, ix.column);
    PutFixed32(dst, ix.id);
  }
  if (format == kTableDefFormat) return;
  PutVarint32(dst, static_cast<uint32_t>(derived.size()));
  for (const auto& ix : derived) {
    PutLengthPrefixed(dst, ix.kind);
    PutLengthPrefixed(dst, ix.column);
    PutFixed32(dst, ix.id);
    PutLengthPrefixed(dst, ix.options);
  }
  if (format != kTableDefFormatSeries) return;
  PutVarint32(dst, series->time_column);
  PutVarint32(dst, static_cast<uint32_t>(series->tags.size()));
  for (uint32_t t : series->tags) PutVarint32(dst, t);
  PutVarint64(dst, static_cast<uint64_t>(series->ttl_ns));
  PutLengthPrefixed(dst, series->options);
}

Result<TableDef> TableDef::Decode(std::string_view name, std::string_view value) {
  const Status bad = Status::Corruption("bad table definition in catalog", std::string(name));
  if (value.empty()) return bad;
  const uint8_t format = static_cast<uint8_t>(value[0]);
  if (format != kTableDefFormat && format != kTableDefFormatDerived && format != kTableDefFormatSeries) {
    return Status::NotSupported("table definition format is newer than this embodb understands", std::string(name));
  }
  value.remove_prefix(1);
  TableDef def;
  def.name.assign(name);
  if (!GetFixed32(&value, &def.id)) return bad;
  EMBODB_ASSIGN_OR_RETURN(def.schema, Schema::Decode(&value));
  uint32_t n = 0;
  if (!GetVarint32(&value, &n)) return bad;
  for (uint32_t i = 0; i < n; i++) {
    IndexDef ix;
    std::string_view column;
    if (!GetLengthPrefixed(&value, &column) || !GetFixed32(&value, &ix.id)) return bad;
    ix.column.assign(column);
    def.indexes.push_back(std::move(ix));
  }
  if (format == kTableDefFormatDerived || format == kTableDefFormatSeries) {
    if (!GetVarint32(&value, &n)) return bad;
    for (uint32_t i = 0; i < n; i++) {
      DerivedIndexDef ix;
      std::string_view kind, column, options;
      if (!GetLengthPrefixed(&value, &kind) || !GetLengthPrefixed(&value, &column) || !GetFixed32(&value, &ix.id) ||
          !GetLengthPrefixed(&value, &options)) {
        return bad;
      }
      ix.kind.assign(kind);
      ix.column.assign(column);
      ix.options.assign(options);
      def.derived.push_back(std::move(ix));
    }
  }
  if (format == kTableDefFormatSeries) {
    SeriesDef series;
    uint64_t ttl = 0;
    std::string_view options;
    if (!GetVarint32(&value, &series.time_column) || !GetVarint32(&value, &n) || n > def.schema.size()) return bad;
    series.tags.resize(n);
    for (uint32_t& t : series.tags) {
      if (!GetVarint32(&value, &t) || t >= def.schema.size()) return bad;
    }
    if (!GetVarint64(&value, &ttl) || !GetLengthPrefixed(&value, &options) ||
        series.time_column >= def.schema.size()) {
      return bad;
    }
    series.ttl_ns = static_cast<int64_t>(ttl);
    series.options.assign(options);
    def.series = std::move(series);
  }
  if (!value.empty()) return bad;
  return def;
}

void TableDefsById::Set(TableDefPtr def) {
  std::lock_guard lock(mu_);
  const uint32_t id = def->id;
  defs_[id] = std::move(def);
}

void TableDefsById::Erase(uint32_t id) {
  std::lock_guard lock(mu_);
  defs_.erase(id);
}

TableDefPtr TableDefsById::Find(uint32_t id) const {
  std::lock_guard lock(mu_);
  auto it = defs_.find(id);
  return it == defs_.end() ? nullptr : it->second;
}

}  // namespace embodb::table
