// Point lookups in a table: Table::Get and Table::MultiGet.
//
// A lookup reads, one after another: the key's filter line, the index entries
// between two top-index keys, the data block's restart array, and the entries
// at its restart points. In a large mapped table each is a cache (and TLB)
// miss, and each depends on the one before. MultiGet therefore runs a window
// of lookups in step: every step is done for all of them before the next
// step, and each prefetches what its lookup's next step reads, so the window's
// misses are in flight together.

#include <algorithm>
#include <optional>

#include "lsm/sstable/block.h"
#include "lsm/sstable/table.h"
#include "util/bloom.h"

namespace embodb::lsm::sstable {

Status Table::Get(std::string_view ikey, std::string* value, ValueType* type, bool* found) const {
  TableLookup lookup;
  lookup.ikey = ikey;
  lookup.value = value;
  MultiGet(&lookup, 1);
  *found = lookup.found;
  if (lookup.found) *type = lookup.type;
  return lookup.status;
}

void Table::MultiGet(TableLookup* lookups, size_t n) const {
  for (size_t begin = 0; begin < n; begin += kLookupWindow) {
    LookupWindow(lookups + begin, std::min(kLookupWindow, n - begin));
  }
}

void Table::IndexRange(std::string_view ikey, uint32_t* left, uint32_t* right) const {
  // First top key >= ikey: the answer lies between the top key before it and it.
  const size_t top_count = top_offsets_.size() - 1;
  size_t lo = 0, hi = top_count;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    const std::string_view k(top_keys_.data() + top_offsets_[mid], top_offsets_[mid + 1] - top_offsets_[mid]);
    if (CompareInternalKeys(k, ikey) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *left = lo == 0 ? 0 : static_cast<uint32_t>((lo - 1) * kTopStride);
  *right = lo == top_count ? UINT32_MAX : static_cast<uint32_t>(lo * kTopStride);
}

std::string_view Table::VerifiedInPlace(const BlockHandle& handle, uint32_t ordinal, ColumnarLayout* layout) const {
  const std::atomic<uint8_t>* flags = BlockFlags(file_.get(), ordinal);
  const uint8_t f = flags == nullptr ? 0 : flags->load(std::memory_order_relaxed);
  if ((f & kVerified) == 0) return {};
  // The block lives only during the lookup: its side block can wait.
  *layout = ColumnarLayout{(f & kColumnar) != 0, value_codec_, &cached_side_, true, ordinal};
  std::string_view view;
  if (!file_->Read(handle.offset, handle.size, &view, nullptr).ok() || view.size() != handle.size) return {};
  return view;
}

void Table::LookupWindow(TableLookup* lookups, size_t n) const {
  bool active[kLookupWindow];
  uint32_t left[kLookupWindow], right[kLookupWindow];
  std::string_view in_place[kLookupWindow];
  ColumnarLayout layout[kLookupWindow];
  std::shared_ptr<const Block> read[kLookupWindow];   // blocks not viewed in place
  std::optional<Block> viewed[kLookupWindow];         // blocks viewed in place
  const Block* block[kLookupWindow];

  // Step 1: fetch each key's filter line.
  for (size_t i = 0; i < n; i++) {
    TableLookup& l = lookups[i];
    l.found = false;
    l.status = Status::OK();
    active[i] = true;
    if (!filter_.empty()) BloomFilterPrefetch(filter_, ExtractUserKey(l.ikey));
  }
  // Step 2: the filter answers; the top index narrows the index search; fetch
  // the offsets of the index entries to search.
  for (size_t i = 0; i < n; i++) {
    const std::string_view ikey = lookups[i].ikey;
    if (!filter_.empty() && !BloomFilterMayMatch(filter_, ExtractUserKey(ikey))) {
      active[i] = false;
      continue;
    }
    IndexRange(ikey, &left[i], &right[i]);
    index_block_->PrefetchRestartOffsets(left[i], right[i]);
  }
  // Step 3: fetch those index entries.
  for (size_t i = 0; i < n; i++) {
    if (active[i]) index_block_->PrefetchRestartEntries(left[i], right[i]);
  }
  // Step 4: search the index for the data block; fetch the block's trailer
  // (its restart array). A block not known to be verified in place is read
  // now, through the block cache, which checks it. Keys in order that fall
  // in the block of the key before (a parsed columnar block: many keys)
  // take it without searching the index again.
  std::string last_bound;  // the index key of the last parsed block taken
  size_t last = kLookupWindow;
  for (size_t i = 0; i < n; i++) {
    if (!active[i]) continue;
    TableLookup& l = lookups[i];
    if (last < kLookupWindow && CompareInternalKeys(lookups[last].ikey, l.ikey) <= 0 &&
        CompareInternalKeys(l.ikey, last_bound) <= 0) {
      read[i] = read[last];
      continue;
    }
    BlockIter index_iter(index_block_.get(), KeyOrder::kInternal);
    index_iter.SeekBetweenRestarts(l.ikey, left[i], right[i]);
    if (!index_iter.Valid()) {
      l.status = index_iter.status();
      active[i] = false;
      continue;
    }
    BlockHandle handle;
    l.status = DecodeHandle(index_iter.value(), &handle);
    if (!l.status.ok()) {
      active[i] = false;
      continue;
    }
    // The index block has a restart per entry: the restart is the ordinal.
    const uint32_t ordinal = index_iter.restart_index();
    in_place[i] = VerifiedInPlace(handle, ordinal, &layout[i]);
    if (!in_place[i].empty() && layout[i].columnar) {
      read[i] = ParsedInPlace(in_place[i], ordinal, layout[i]);
      if (read[i] != nullptr) {
        last = i;
        last_bound.assign(index_iter.key());
        continue;
      }
    }
    if (!in_place[i].empty()) {
      __builtin_prefetch(in_place[i].data() + in_place[i].size() - 4);
      continue;
    }
    auto got = ReadDataBlock(handle, true, ordinal);
    if (!got.ok()) {
      l.status = got.status();
      active[i] = false;
      continue;
    }
    read[i] = std::move(got).value();
  }
  // Step 5: parse each block's trailer; fetch the entries at its restarts.
  for (size_t i = 0; i < n; i++) {
    if (!active[i]) continue;
    if (read[i] != nullptr) {
      block[i] = read[i].get();
    } else {
      block[i] = &viewed[i].emplace(in_place[i], nullptr, layout[i]);
    }
    block[i]->PrefetchRestartEntries(0, UINT32_MAX);
  }
  // Step 6: search each block; fetch the value found.
  std::string_view value[kLookupWindow];
  uint32_t ordinal[kLookupWindow];  // of the entry found in a columnar block
  bool columnar[kLookupWindow];
  for (size_t i = 0; i < n; i++) {
    if (!active[i]) continue;
    active[i] = false;
    TableLookup& l = lookups[i];
    BlockIter data_iter(block[i], KeyOrder::kInternal);
    data_iter.Seek(l.ikey);
    if (data_iter.Valid() && ExtractUserKey(data_iter.key()) == ExtractUserKey(l.ikey)) {
      ParsedInternalKey parsed;
      if (!ParseInternalKey(data_iter.key(), &parsed)) {
        l.status = Status::Corruption(fname_, "bad internal key");
        continue;
      }
      l.type = parsed.type;
      l.found = true;
      columnar[i] = block[i]->values() != nullptr;
      if (parsed.type != kTypeDeletion && columnar[i]) {
        if (!data_iter.ColumnarOrdinal(&ordinal[i])) {
          l.status = Status::Corruption(fname_, "bad entry in columnar sstable block");
          continue;
        }
        block[i]->values()->Prefetch(ordinal[i]);
        active[i] = true;
      } else if (parsed.type != kTypeDeletion) {
        value[i] = data_iter.value();
        for (size_t at = 0; at < value[i].size(); at += 64) __builtin_prefetch(value[i].data() + at);
        active[i] = true;
      }
    }
    if (!data_iter.status().ok()) l.status = data_iter.status();
  }
  // Step 7: copy the values; decode a columnar block's straight into the result.
  for (size_t i = 0; i < n; i++) {
    if (!active[i]) continue;
    TableLookup& l = lookups[i];
    if (!columnar[i]) {
      l.value->assign(value[i]);
      continue;
    }
    std::string_view out;
    l.status = block[i]->values()->Value(ordinal[i], l.value, &out);
    if (l.status.ok() && out.data() != l.value->data()) l.value->assign(out);
  }
}

}  // namespace embodb::lsm::sstable
