#include "query/run_columns.h"

#include "columnar/column_chunk.h"
#include "table/key_codec.h"

namespace embodb::query {

bool RunColumns::Decodable(const lsm::ScanPiece& run) {
  const auto* values = dynamic_cast<const columnar::RowBlockValues*>(run.block->values());
  if (values == nullptr) return false;
  if (values->raw_count() == 0) return true;
  for (uint32_t i = run.begin; i < run.end; i++) {
    if (values->IsRaw(i)) return false;
  }
  return true;
}

RunColumns::RunColumns(const table::Schema& schema, const lsm::ScanPiece& run)
    : schema_(schema), block_(*run.block),
      values_(*static_cast<const columnar::RowBlockValues*>(run.block->values())), begin_(run.begin), end_(run.end) {}

const columnar::ChunkStats* RunColumns::Stats(size_t c) {
  if (!HasChunk(c) || values_.apart(c) || !schema_.column(c).default_value.is_null()) return nullptr;
  auto it = stats_.find(c);
  if (it == stats_.end()) {
    Result<columnar::ChunkStats> stats = columnar::ReadChunkStats(values_.chunk(c));
    std::optional<columnar::ChunkStats> kept;
    if (stats.ok() && stats->type == schema_.column(c).type) kept = std::move(*stats);
    it = stats_.emplace(c, std::move(kept)).first;
  }
  return it->second ? &*it->second : nullptr;
}

Result<table::ColumnView> RunColumns::Column(size_t c) {
  auto it = decoded_.find(c);
  if (it == decoded_.end()) {
    if (HasChunk(c)) chunks_read_.insert(c);
    auto buffer = std::make_unique<table::ColumnBuffer>(schema_.column(c).type);
    EMBODB_RETURN_IF_ERROR(Decode(c, buffer.get()));
    it = decoded_.emplace(c, std::move(buffer)).first;
  }
  return it->second->view();
}

bool RunColumns::StoredValues(size_t c) {
  if (c == schema_.key_only_column() || c >= values_.columns()) return false;
  if (values_.reader(c).type() != schema_.column(c).type) return false;  // Decode reports it
  if (schema_.column(c).default_value.is_null()) return true;
  for (uint32_t i = begin_; i < end_; i++) {
    if (values_.column_count(i) <= static_cast<int64_t>(c)) return false;
  }
  return true;
}

Status RunColumns::AppendTo(size_t c, const std::vector<uint32_t>* rows, table::ColumnBuffer* out) {
  const size_t n = rows == nullptr ? end_ - begin_ : rows->size();
  if (HasChunk(c)) {
    chunks_read_.insert(c);
    EMBODB_RETURN_IF_ERROR(values_.Load(c));
  }
  // Whole blocks without defaults to fill decode straight into out.
  if (rows == nullptr && begin_ == 0 && end_ == values_.size() && decoded_.count(c) == 0 && StoredValues(c)) {
    return columnar::DecodeChunk(values_.chunk(c), out);
  }
  // A few rows' keys: found by ordinal, not by walking every key of the run.
  if (c == schema_.key_only_column() && rows != nullptr && n * 8 < end_ - begin_) return AppendKeys(*rows, out);
  // A few rows: read one by one (a chunk decodes whole or not at all).
  if (rows != nullptr && n * 8 < end_ - begin_ && decoded_.count(c) == 0 && StoredValues(c)) {
    const columnar::ChunkReader& reader = values_.reader(c);
    for (uint32_t r : *rows) EMBODB_RETURN_IF_ERROR(reader.AppendRow(begin_ + r, out));
    return Status::OK();
  }
  table::ColumnView v;
  EMBODB_ASSIGN_OR_RETURN(v, Column(c));
  if (rows == nullptr) {
    out->AppendRange(v, 0, n);
    return Status::OK();
  }
  out->Reserve(n, 0);
  for (uint32_t r : *rows) out->AppendFrom(v, r);
  return Status::OK();
}

Status RunColumns::AppendKeys(const std::vector<uint32_t>& rows, table::ColumnBuffer* out) {
  lsm::sstable::BlockIter keys(&block_, lsm::sstable::KeyOrder::kInternal);
  const size_t prefix = table::RowKeyPrefix(0).size();
  constexpr uint32_t kNone = UINT32_MAX;
  uint32_t at = kNone;  // the ordinal keys is at
  for (uint32_t r : rows) {
    const uint32_t want = begin_ + r;
    if (at != kNone && want > at && want - at <= 16) {  // near: step (a seek would walk as far)
      for (; at < want && keys.Valid(); at++) keys.Next();
    } else {
      keys.SeekToOrdinal(want);
      at = want;
    }
    if (!keys.Valid()) return keys.status().ok() ? Status::Corruption("columnar block keys cut short") : keys.status();
    const std::string_view user_key = lsm::ExtractUserKey(keys.key());
    if (user_key.size() < prefix) return Status::Corruption("bad row key in columnar block");
    EMBODB_RETURN_IF_ERROR(table::DecodeKeyInto(user_key.substr(prefix), out));
  }
  return Status::OK();
}

Status RunColumns::Decode(size_t c, table::ColumnBuffer* out) {
  const size_t rows = end_ - begin_;
  const table::Column& column = schema_.column(c);
  out->Reserve(rows, 0);
  if (c == schema_.key_only_column()) {
    lsm::sstable::BlockIter keys(&block_, lsm::sstable::KeyOrder::kInternal);
    keys.SeekToOrdinal(begin_);
    const size_t prefix = table::RowKeyPrefix(0).size();
    for (size_t i = 0; i < rows; i++, keys.Next()) {
      if (!keys.Valid()) return keys.status().ok() ? Status::Corruption("columnar block keys cut short") : keys.status();
      const std::string_view user_key = lsm::ExtractUserKey(keys.key());
      if (user_key.size() < prefix) return Status::Corruption("bad row key in columnar block");
      EMBODB_RETURN_IF_ERROR(table::DecodeKeyInto(user_key.substr(prefix), out));
    }
    return Status::OK();
  }
  if (c >= values_.columns()) {  // the block predates the column
    for (size_t i = 0; i < rows; i++) out->AppendValue(column.default_value);
    return Status::OK();
  }
  EMBODB_RETURN_IF_ERROR(values_.Load(c));
  const std::string_view chunk = values_.chunk(c);
  const table::ColumnType& stored = values_.reader(c).type();
  if (stored != column.type) {
    return Status::Corruption("a column chunk of " + stored.Name() + " for " + column.type.Name() + " column '" +
                              column.name + "'");
  }
  // Rows written before the column existed read its default, not null.
  bool older_rows = false;
  if (!column.default_value.is_null()) {
    for (uint32_t i = begin_; i < end_ && !older_rows; i++) older_rows = values_.column_count(i) <= static_cast<int64_t>(c);
  }
  const bool whole = begin_ == 0 && end_ == values_.size();
  if (whole && !older_rows) return columnar::DecodeChunk(chunk, out);
  table::ColumnBuffer all(column.type);
  EMBODB_RETURN_IF_ERROR(columnar::DecodeChunk(chunk, &all));
  const table::ColumnView v = all.view();
  if (!older_rows) {
    out->AppendRange(v, begin_, rows);
    return Status::OK();
  }
  for (uint32_t i = begin_; i < end_; i++) {
    if (values_.column_count(i) <= static_cast<int64_t>(c)) {
      out->AppendValue(column.default_value);
    } else {
      out->AppendFrom(v, i);
    }
  }
  return Status::OK();
}

}  // namespace embodb::query
