#include "query/table_scan.h"

#include <algorithm>

#include "query/chunk_skip.h"
#include "query/evaluator.h"
#include "query/run_columns.h"
#include "table/index_codec.h"
#include "table/key_codec.h"

namespace embodb::query {

namespace {
// Rows evaluated together: large enough to amortize the per-chunk work,
// small enough to stay in cache.
constexpr size_t kChunkRows = 1024;
}  // namespace

// The rows a plan visits: an iterator over a key range, point lookups of a
// sorted key list in chunks, or the rows that the entries in ranges of an
// index point to (in index order).
class TableScan::Source {
 public:
  Source(const table::TableDef& table, txn::Reader* reader, const Plan& plan)
      : reader_(reader), plan_(plan), prefix_(table::RowKeyPrefix(table.id)) {
    if (plan.kind == Plan::Kind::kFullScan) {
      key_ranges_ = {{"", ""}};
    } else if (plan.kind == Plan::Kind::kKeyRange) {
      key_ranges_ = plan.key_ranges;
    } else if (plan.kind == Plan::Kind::kIndexRanges) {
      index_prefix_ = table::IndexKeyPrefix(plan.index->id);
      index_type_ = table.schema.column(table.schema.Find(plan.index->column)).type;
    }
    if (!key_ranges_.empty()) OpenKeyRange();
  }

  // Calls fn(key tail, value) for up to max rows, or run_fn(piece) for a
  // run of up to max rows of a columnar block; returns how many rows. A
  // call delivers rows or a run, never both, so that the caller keeps them
  // in key order.
  template <typename Fn, typename RunFn>
  Result<size_t> Read(size_t max, Fn&& fn, RunFn&& run_fn) {
    size_t n = 0;
    if (run_scan_) {
      while (n < max) {
        if (pending_.block != nullptr && pending_.begin < pending_.end) {
          if (n > 0) return n;
          lsm::ScanPiece part = pending_;
          part.end = static_cast<uint32_t>(std::min<size_t>(part.end, part.begin + max));
          pending_.begin = part.end;
          EMBODB_RETURN_IF_ERROR(run_fn(part));
          return part.end - part.begin;
        }
        if (!run_scan_->Next(&pending_)) {
          pending_ = lsm::ScanPiece();
          EMBODB_RETURN_IF_ERROR(run_scan_->status());
          if (next_key_range_ == key_ranges_.size()) return n;
          OpenKeyRange();
          if (!run_scan_) return n;  // the next call reads the iterator
          continue;
        }
        if (pending_.kind == lsm::ScanPiece::Kind::kRow) {
          EMBODB_RETURN_IF_ERROR(fn(pending_.key.substr(prefix_.size()), pending_.value));
          n++;
        }
      }
      return n;
    }
    if (iter_) {
      while (n < max) {
        for (; n < max && iter_->Valid(); iter_->Next()) {
          const std::string_view key = iter_->key();
          if (key >= std::string_view(upper_)) break;
          EMBODB_RETURN_IF_ERROR(fn(key.substr(prefix_.size()), iter_->value()));
          n++;
        }
        EMBODB_RETURN_IF_ERROR(iter_->status());
        if (n == max) break;
        if (next_key_range_ == key_ranges_.size()) {
          iter_.reset();
          break;
        }
        OpenKeyRange();
        if (!iter_) break;  // the next call reads the run scan
      }
      return n;
    }
    while (n < max) {
      std::vector<std::string> full;
      if (plan_.kind == Plan::Kind::kKeys) {
        const size_t count = std::min(max - n, plan_.keys.size() - next_key_);
        for (size_t i = 0; i < count; i++) full.push_back(prefix_ + plan_.keys[next_key_ + i]);
        next_key_ += count;
      } else if (plan_.kind == Plan::Kind::kIndexRanges) {
        EMBODB_RETURN_IF_ERROR(NextIndexedKeys(max - n, &full));
      }
      if (full.empty()) break;
      const std::vector<std::string_view> keys(full.begin(), full.end());
      std::vector<std::string> values;
      std::vector<Status> statuses;
      reader_->MultiGet(keys, &values, &statuses);
      for (size_t i = 0; i < keys.size(); i++) {
        if (statuses[i].IsNotFound()) continue;  // an index entry without its row: none in a consistent state
        EMBODB_RETURN_IF_ERROR(statuses[i]);
        EMBODB_RETURN_IF_ERROR(fn(keys[i].substr(prefix_.size()), values[i]));
        n++;
      }
    }
    return n;
  }

 private:
  // Appends the row keys of up to max further index entries.
  Status NextIndexedKeys(size_t max, std::vector<std::string>* out) {
    while (out->size() < max) {
      if (!index_iter_) {
        if (next_range_ == plan_.index_ranges.size()) return Status::OK();
        const auto& [lower, upper] = plan_.index_ranges[next_range_++];
        index_upper_ = upper.empty() ? table::PrefixSuccessor(index_prefix_) : index_prefix_ + upper;
        index_iter_ = reader_->NewIterator(index_prefix_ + lower, index_upper_);
        index_iter_->SeekToFirst();
      }
      for (; out->size() < max && index_iter_->Valid(); index_iter_->Next()) {
        const std::string_view key = index_iter_->key();
        if (key >= std::string_view(index_upper_)) break;
        std::string_view rest = key.substr(index_prefix_.size());
        if (!table::SkipIndexValue(index_type_, &rest)) return Status::Corruption("bad index entry");
        out->push_back(prefix_ + std::string(rest));
      }
      EMBODB_RETURN_IF_ERROR(index_iter_->status());
      if (out->size() < max) index_iter_.reset();  // this range is done
    }
    return Status::OK();
  }

  // Opens the next of the key ranges: a run scan when the reader has one,
  // else an iterator.
  void OpenKeyRange() {
    const auto& [lower, upper] = key_ranges_[next_key_range_++];
    lower_ = prefix_ + lower;
    upper_ = upper.empty() ? table::PrefixSuccessor(prefix_) : prefix_ + upper;
    iter_.reset();
    run_scan_ = reader_->NewRunScan(lower_, upper_);
    if (!run_scan_) {
      iter_ = reader_->NewIterator(lower_, upper_);
      iter_->SeekToFirst();
    }
  }

  txn::Reader* reader_;
  const Plan& plan_;
  const std::string prefix_;
  // kFullScan (one range: all) and kKeyRange
  std::vector<std::pair<std::string, std::string>> key_ranges_;
  size_t next_key_range_ = 0;
  std::string lower_, upper_;
  std::unique_ptr<lsm::Iterator> iter_;
  std::unique_ptr<lsm::RunScan> run_scan_;  // instead of iter_, when the reader has one
  lsm::ScanPiece pending_;                  // the run being read
  size_t next_key_ = 0;
  // kIndexRanges
  std::string index_prefix_, index_upper_;
  table::ColumnType index_type_;
  size_t next_range_ = 0;
  std::unique_ptr<lsm::Iterator> index_iter_;
};

TableScan::TableScan(table::TableDefPtr table, txn::Reader* reader, std::vector<size_t> projection,
                     FilterPtr filter)
    : table_(std::move(table)),
      reader_(reader),
      projection_(std::move(projection)),
      filter_(std::move(filter)),
      plan_(PlanScan(*table_, filter_.get(), reader->ReadSequence())),
      source_(std::make_unique<Source>(*table_, reader_, plan_)) {
  needed_columns_ = projection_;
  if (filter_) needed_columns_.insert(needed_columns_.end(), filter_->columns.begin(), filter_->columns.end());
  std::sort(needed_columns_.begin(), needed_columns_.end());
  needed_columns_.erase(std::unique(needed_columns_.begin(), needed_columns_.end()), needed_columns_.end());
}

TableScan::~TableScan() = default;

Result<size_t> TableScan::Visit(size_t max, table::RowDecoder* decoder, table::ResultBatch* out, bool stage) {
  auto row = [&](std::string_view key, std::string_view value) {
    stats_.rows_read_whole++;
    if (!stage) return decoder->Decode(key, value);
    staged_.append(key);
    staged_ends_.push_back(staged_.size());
    staged_.append(value);
    staged_ends_.push_back(staged_.size());
    return Status::OK();
  };
  auto run = [&](const lsm::ScanPiece& piece) {
    if (RunColumns::Decodable(piece)) return ReadRun(piece, out);
    // Entries kept as they are: read as rows.
    lsm::sstable::BlockIter keys(piece.block.get(), lsm::sstable::KeyOrder::kInternal);
    keys.SeekToOrdinal(piece.begin);
    const size_t prefix = table::RowKeyPrefix(table_->id).size();
    std::string scratch;
    for (uint32_t i = piece.begin; i < piece.end; i++, keys.Next()) {
      if (!keys.Valid()) return keys.status().ok() ? Status::Corruption("columnar block keys cut short") : keys.status();
      std::string_view value;
      EMBODB_RETURN_IF_ERROR(piece.block->values()->Value(i, &scratch, &value));
      EMBODB_RETURN_IF_ERROR(row(lsm::ExtractUserKey(keys.key()).substr(prefix), value));
    }
    return Status::OK();
  };
  staged_.clear();
  staged_ends_.clear();
  return source_->Read(max, row, run);
}

Status TableScan::ReadRun(const lsm::ScanPiece& piece, table::ResultBatch* out) {
  RunColumns columns(table_->schema, piece);
  const size_t rows = columns.rows();
  size_t chunks = 0;  // the chunks this scan could read here
  for (size_t c : needed_columns_) chunks += columns.HasChunk(c);
  auto count = [&] {
    stats_.chunks_read += columns.chunks_read();
    stats_.chunks_skipped += chunks - columns.chunks_read();
  };
  if ((filter_ && !ChunkMayMatch(*filter_, [&](size_t c) { return columns.Stats(c); })) ||
      (gate_ && !gate_(columns))) {
    stats_.runs_skipped++;
    stats_.chunks_skipped += chunks;
    return Status::OK();
  }
  stats_.runs_read++;
  std::vector<uint32_t> selected;
  if (filter_) {
    std::vector<table::ColumnView> views(table_->schema.size());
    for (size_t c : filter_->columns) {
      EMBODB_ASSIGN_OR_RETURN(views[c], columns.Column(c));
    }
    EMBODB_RETURN_IF_ERROR(EvaluateFilter(*filter_, views, rows, &selected));
    if (selected.empty()) {
      count();
      return Status::OK();
    }
  }
  for (size_t j = 0; j < projection_.size(); j++) {
    EMBODB_RETURN_IF_ERROR(columns.AppendTo(projection_[j], filter_ ? &selected : nullptr, &out->columns[j]));
  }
  out->row_count += filter_ ? selected.size() : rows;
  count();
  return Status::OK();
}

Status TableScan::FilterStaged(table::RowDecoder* decoder) {
  const table::Schema& schema = table_->schema;
  const size_t rows = staged_ends_.size() / 2;
  auto row = [&](size_t r, std::string_view* key, std::string_view* value) {
    const size_t start = r == 0 ? 0 : staged_ends_[2 * r - 1];
    *key = std::string_view(staged_).substr(start, staged_ends_[2 * r] - start);
    *value = std::string_view(staged_).substr(staged_ends_[2 * r], staged_ends_[2 * r + 1] - staged_ends_[2 * r]);
  };
  // Decode the filter's columns only, evaluate, then decode the matches.
  table::ResultBatch filter_columns = table::ResultBatch::ForProjection(schema, filter_->columns);
  table::RowDecoder filter_decoder(schema, filter_->columns, &filter_columns);
  std::string_view key, value;
  for (size_t r = 0; r < rows; r++) {
    row(r, &key, &value);
    EMBODB_RETURN_IF_ERROR(filter_decoder.Decode(key, value));
  }
  std::vector<table::ColumnView> views(schema.size());
  for (size_t j = 0; j < filter_->columns.size(); j++) views[filter_->columns[j]] = filter_columns.columns[j].view();
  std::vector<uint32_t> selected;
  EMBODB_RETURN_IF_ERROR(EvaluateFilter(*filter_, views, rows, &selected));
  for (uint32_t r : selected) {
    row(r, &key, &value);
    EMBODB_RETURN_IF_ERROR(decoder->Decode(key, value));
  }
  return Status::OK();
}

bool TableScan::Next(size_t max_rows, table::ResultBatch* out) {
  if (!status_.ok() || plan_.kind == Plan::Kind::kEmpty) return false;
  table::RowDecoder decoder(table_->schema, projection_, out);
  const size_t start = out->rows();
  size_t added = 0;
  while (added < max_rows) {
    const size_t want = filter_ ? std::min(kChunkRows, max_rows - added) : max_rows - added;
    Result<size_t> visited = Visit(want, &decoder, out, filter_ != nullptr);
    if (!visited.ok()) {
      status_ = visited.status();
      return false;
    }
    if (*visited == 0) break;
    if (filter_) {
      status_ = FilterStaged(&decoder);
      if (!status_.ok()) return false;
    }
    added = out->rows() - start;
  }
  return out->rows() > start;
}

}  // namespace embodb::query
