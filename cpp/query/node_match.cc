#include "query/node_match.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "query/conjuncts.h"
#include "query/evaluator.h"
#include "query/mask_filter.h"
#include "query/table_scan.h"
#include "table/key_codec.h"
#include "util/byte_mask.h"

namespace embodb::query {

namespace {

constexpr size_t kScanBatch = 16384;                  // rows of a table scan held at once
constexpr size_t kMatchChunk = MaskFilter::kMaxRows;  // nodes a filter is evaluated on at once (a multiple of 64)

// Whether a filter can be answered over the index's copies of the columns
// (they hold every column it reads), and how: *mask is its compiled form,
// or null for EvaluateFilter, which cannot read string columns held as codes.
bool CompileOverCopies(const Filter& filter, const table::Schema& schema, const index::NodeAttributes& attributes,
                       std::unique_ptr<const MaskFilter>* mask) {
  if (!attributes.Holds(filter.columns)) return false;
  *mask = MaskFilter::Compile(filter, schema, &attributes);
  return *mask || std::none_of(filter.columns.begin(), filter.columns.end(),
                               [&](size_t c) { return attributes.Coded(c); });
}

void TestNodes(const MaskFilter& mask, const index::NodeAttributes& attributes, size_t schema_columns,
               const std::vector<uint32_t>& nodes, std::vector<uint32_t>* passing) {
  std::vector<table::ColumnView> views(schema_columns);
  attributes.Views(0, attributes.rows(), &views);
  std::vector<uint8_t> pass(MaskFilter::kMaxRows);
  for (size_t begin = 0; begin < nodes.size(); begin += MaskFilter::kMaxRows) {
    const size_t n = std::min(MaskFilter::kMaxRows, nodes.size() - begin);
    mask.EvaluateAt(views, nodes.data() + begin, n, pass.data());
    for (size_t j = 0; j < n; j++) {
      if (pass[j]) passing->push_back(nodes[begin + j]);
    }
  }
}

}  // namespace

Status NodeMatch::Find() {
  const Filter& filter = *filter_;
  // Only matches found over the copies are cached: the index can test the
  // nodes it adds against those, and drops the ones a change of the copies
  // leaves unanswerable.
  const std::string key = filter.root ? ExprKey(*filter.root) : filter.text;
  match_ = index_.matches().Find(key);
  if (match_) {
    source_ = Source::kCache;
    return Status::OK();
  }
  std::unique_ptr<const MaskFilter> mask;
  if (CompileOverCopies(filter, table_->schema, index_.attributes(), &mask)) {
    std::shared_ptr<FilterMatch> match;
    if (mask) {
      auto through = MatchThroughCachedPart();
      EMBODB_RETURN_IF_ERROR(through.status());
      match = std::move(through).value();
    }
    if (match) {
      source_ = Source::kCachedPart;
    } else {
      source_ = Source::kAttributes;
      auto found = MatchAttributes(mask.get());
      EMBODB_RETURN_IF_ERROR(found.status());
      match = std::move(found).value();
    }
    match_ = match;
    index_.matches().Add(key, std::move(match), FilterTest());
    return Status::OK();
  }
  source_ = Source::kScan;
  auto found = MatchByScan();
  EMBODB_RETURN_IF_ERROR(found.status());
  match_ = std::move(found).value();
  return Status::OK();
}

std::string NodeMatch::Describe() const {
  switch (source_) {
    case Source::kCache: return "the index's cached match of this filter";
    case Source::kAttributes: return "the filter evaluated over the index's copy of its columns";
    case Source::kCachedPart:
      return "the filter evaluated over the index's copy of its columns at the " + std::to_string(part_rows_) +
             " rows of the cached match of its part '" + part_text_ + "'";
    case Source::kScan: break;
  }
  return PlanScan(*table_, filter_.get()).Explain(*table_, filter_.get())[0];
}

// Compiled again each time, since a string's code may be new, and evaluated
// over each node's attributes.
index::FilterMatchCache::NodeTest NodeMatch::FilterTest() const {
  return [filter = filter_, table = table_](const index::NodeAttributes& attributes,
                                            const std::vector<uint32_t>& nodes, std::vector<uint32_t>* passing) {
    std::unique_ptr<const MaskFilter> mask;
    if (!CompileOverCopies(*filter, table->schema, attributes, &mask)) return false;
    if (mask) {
      TestNodes(*mask, attributes, table->schema.size(), nodes, passing);
      return true;
    }
    std::vector<table::ColumnView> views(table->schema.size());
    std::vector<uint32_t> selected;
    for (uint32_t node : nodes) {
      attributes.Views(node, node + 1, &views);
      selected.clear();
      if (!EvaluateFilter(*filter, views, 1, &selected).ok()) return false;
      if (!selected.empty()) passing->push_back(node);
    }
    return true;
  };
}

// A part cached alone (MatchThroughCachedPart) compiles to a MaskFilter.
index::FilterMatchCache::NodeTest NodeMatch::PartTest(const Expr* part) const {
  // The filter holds the part's tree.
  return [filter = filter_, part, table = table_](const index::NodeAttributes& attributes,
                                                  const std::vector<uint32_t>& nodes, std::vector<uint32_t>* passing) {
    auto mask = MaskFilter::CompileAnd({part}, table->schema, &attributes);
    if (!mask) return false;
    TestNodes(*mask, attributes, table->schema.size(), nodes, passing);
    return true;
  };
}

Result<std::shared_ptr<index::FilterMatch>> NodeMatch::MatchAttributes(const MaskFilter* mask) const {
  const index::NodeAttributes& attributes = index_.attributes();
  const size_t rows = attributes.rows();
  auto match = std::make_shared<FilterMatch>();
  match->nodes = index::NodeSet(rows);
  const size_t chunks = (rows + kMatchChunk - 1) / kMatchChunk;
  std::vector<Status> statuses(chunks);
  std::vector<size_t> counts(chunks, 0);
  // With every slot live no flag need be read (a megabyte at 1M nodes).
  const bool all_live = index_.AllLive();
  // Chunks cover whole words of the set, so threads never share one.
  tbb::parallel_for(tbb::blocked_range<size_t>(0, chunks, 1), [&](const tbb::blocked_range<size_t>& range) {
    std::vector<table::ColumnView> views(table_->schema.size());
    std::vector<uint32_t> selected;
    std::vector<uint8_t> pass(kMatchChunk), live(kMatchChunk);
    for (size_t chunk = range.begin(); chunk != range.end(); chunk++) {
      const size_t begin = chunk * kMatchChunk, n = std::min(rows, begin + kMatchChunk) - begin;
      attributes.Views(begin, begin + n, &views);
      if (mask) {
        mask->Evaluate(views, n, pass.data());
      } else {
        selected.clear();
        statuses[chunk] = EvaluateFilter(*filter_, views, n, &selected);
        std::fill(pass.begin(), pass.begin() + static_cast<ptrdiff_t>(n), 0);
        for (uint32_t i : selected) pass[i] = 1;
      }
      if (!all_live) index_.LiveBytes(begin, n, live.data());
      counts[chunk] = PackByteMask(pass.data(), all_live ? nullptr : live.data(), n,
                                   match->nodes.MutableWords(begin / 64));
    }
  });
  for (size_t chunk = 0; chunk < chunks; chunk++) {
    EMBODB_RETURN_IF_ERROR(statuses[chunk]);
    match->count += counts[chunk];
  }
  return match;
}

// A filter `a AND b AND ...` one of whose parts has a cached match that few
// rows pass (a filter seen before, alone or as a part): the other parts are
// tested at those rows only. Null when no part's cached match helps.
//
// Parts recur (`cat = 7` in `cat = 7 AND t > x`, x new each time): when no
// part has a cached match, one that a recent filter had too is matched
// alone and cached first.
Result<std::shared_ptr<index::FilterMatch>> NodeMatch::MatchThroughCachedPart() {
  const std::shared_ptr<FilterMatch> none;
  std::vector<const Expr*> parts;
  SplitConjuncts(*filter_->root, &parts);
  if (parts.size() < 2) return none;
  const index::NodeAttributes& attributes = index_.attributes();
  const index::FilterMatchCache& cache = index_.matches();
  const size_t rows = attributes.rows();
  std::vector<std::string> keys;
  std::vector<std::shared_ptr<const FilterMatch>> matches;
  bool any = false;
  for (const Expr* part : parts) {
    keys.push_back(ExprKey(*part));
    matches.push_back(cache.Find(keys.back()));
    any = any || matches.back() != nullptr;
  }
  for (size_t i = 0; i < parts.size() && !any; i++) {
    if (!cache.NotePart(keys[i])) continue;
    auto mask = MaskFilter::CompileAnd({parts[i]}, table_->schema, &attributes);
    if (!mask) continue;
    auto found = MatchAttributes(mask.get());
    EMBODB_RETURN_IF_ERROR(found.status());
    matches[i] = found.value();
    cache.Add(keys[i], std::move(found).value(), PartTest(parts[i]));
    any = true;
  }
  // The part fewest rows pass; its nodes at hand (ListOf: none when too
  // many pass), not found again among a million bits.
  std::shared_ptr<const FilterMatch> cached;
  size_t chosen = 0;
  for (size_t i = 0; i < parts.size(); i++) {
    const auto& m = matches[i];
    if (m && (!cached || m->count < cached->count)) {
      cached = m;
      chosen = i;
    }
  }
  if (!cached) return none;
  const std::vector<uint32_t>* members = cache.ListOf(*cached);
  if (members == nullptr) return none;
  if (!members->empty() && members->back() >= rows) return none;  // never: nodes have copies
  const std::vector<uint32_t>& list = *members;
  std::vector<const Expr*> rest = parts;
  rest.erase(rest.begin() + static_cast<ptrdiff_t>(chosen));
  auto mask = MaskFilter::CompileAnd(rest, table_->schema, &attributes);
  if (!mask) return none;
  auto match = std::make_shared<FilterMatch>();
  match->nodes = index::NodeSet(rows);
  std::vector<table::ColumnView> views(table_->schema.size());
  attributes.Views(0, rows, &views);
  // The part's nodes are tested kMaxRows at a time. They ascend: a word's
  // bits are gathered in a register and stored once, not read back from
  // memory for each node (a chain of stores and loads that took a third of
  // the time at 10% of 1M rows; the count likewise).
  std::vector<uint8_t> pass(MaskFilter::kMaxRows);
  uint64_t* words = match->nodes.MutableWords(0);
  for (size_t begin = 0; begin < list.size(); begin += MaskFilter::kMaxRows) {
    const uint32_t* at = list.data() + begin;
    const size_t n = std::min(MaskFilter::kMaxRows, list.size() - begin);
    mask->EvaluateAt(views, at, n, pass.data());
    size_t word = at[0] / 64, passed = 0;
    uint64_t bits = 0;
    for (size_t j = 0; j < n; j++) {
      const size_t w = at[j] / 64;
      if (w != word) {
        words[word] |= bits;
        word = w;
        bits = 0;
      }
      bits |= uint64_t{pass[j]} << (at[j] % 64);
      passed += pass[j];
    }
    words[word] |= bits;
    match->count += passed;
  }
  part_rows_ = cached->count;
  part_text_ = filter_->text.substr(parts[chosen]->pos, parts[chosen]->end - parts[chosen]->pos);
  return match;
}

Result<std::shared_ptr<const index::FilterMatch>> NodeMatch::MatchByScan() const {
  auto match = std::make_shared<FilterMatch>();
  match->nodes = index::NodeSet(index_.slots());
  const std::vector<size_t>& projection = table_->schema.key_columns();
  TableScan scan(table_, reader_, projection, filter_);
  std::string key;
  while (true) {
    auto batch = table::ResultBatch::ForProjection(table_->schema, projection);
    if (!scan.Next(kScanBatch, &batch)) break;
    const std::vector<table::ColumnView> pk = table::KeyViews(table_->schema, batch.columns);
    for (size_t i = 0; i < batch.rows(); i++) {
      key.clear();
      table::AppendKeyOf(pk, i, &key);
      const uint32_t node = index_.keys().Find(key);
      if (node == index::NodeKeys::kNone) continue;
      match->nodes.Insert(node);
      match->count++;
    }
  }
  EMBODB_RETURN_IF_ERROR(scan.status());
  return std::shared_ptr<const FilterMatch>(std::move(match));
}

}  // namespace embodb::query
