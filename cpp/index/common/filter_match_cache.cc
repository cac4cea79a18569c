#include "index/common/filter_match_cache.h"

#include <algorithm>

namespace embodb::index {

namespace {

// Whether few of the nodes pass m: at most one in kListedShare of its set's capacity.
bool FewPass(const FilterMatch& m) { return m.count * FilterMatchCache::kListedShare <= 64 * m.nodes.words(); }

// Lists m's nodes when few pass, else drops the list.
void Relist(FilterMatch& m) {
  m.listed = FewPass(m);
  m.list.clear();
  if (!m.listed) {
    m.list.shrink_to_fit();
    return;
  }
  m.nodes.AppendTo(&m.list);
}

}  // namespace

std::shared_ptr<const FilterMatch> FilterMatchCache::Find(const std::string& filter) const {
  std::lock_guard l(mu_);
  for (size_t i = 0; i < entries_.size(); i++) {
    if (entries_[i].text != filter) continue;
    const auto at = entries_.begin() + static_cast<ptrdiff_t>(i);
    std::rotate(entries_.begin(), at, at + 1);
    return entries_.front().match;
  }
  return nullptr;
}

void FilterMatchCache::Add(const std::string& filter, std::shared_ptr<FilterMatch> match, NodeTest test) const {
  std::lock_guard l(mu_);
  for (const Entry& e : entries_) {
    if (e.text == filter) return;  // another search found it meanwhile
  }
  entries_.insert(entries_.begin(), Entry{filter, std::move(match), std::move(test)});
  if (entries_.size() > kCachedMatches) entries_.pop_back();
}

const std::vector<uint32_t>* FilterMatchCache::ListOf(const FilterMatch& match) const {
  std::lock_guard l(mu_);
  for (Entry& e : entries_) {
    if (e.match.get() != &match) continue;
    // Made once, under the lock; only Update (no search running) changes it.
    if (!e.match->listed) Relist(*e.match);
    return e.match->listed ? &e.match->list : nullptr;
  }
  return nullptr;  // no longer cached
}

bool FilterMatchCache::NotePart(const std::string& key) const {
  std::lock_guard l(mu_);
  if (std::find(parts_noted_.begin(), parts_noted_.end(), key) != parts_noted_.end()) return true;
  parts_noted_.push_back(key);
  if (parts_noted_.size() > kPartsNoted) parts_noted_.pop_front();
  return false;
}

void FilterMatchCache::Clear() {
  std::lock_guard l(mu_);
  entries_.clear();
}

void FilterMatchCache::Update(const NodeAttributes& attributes, const std::vector<uint32_t>& removed,
                              const std::vector<uint32_t>& added) {
  std::lock_guard l(mu_);
  for (size_t i = entries_.size(); i-- > 0;) {
    FilterMatch& m = *entries_[i].match;
    size_t changed = 0;
    for (uint32_t n : removed) {
      if (!m.nodes.Contains(n)) continue;
      m.nodes.Erase(n);
      m.count--;
      changed++;
      if (m.listed) {
        const auto at = std::lower_bound(m.list.begin(), m.list.end(), n);
        if (at != m.list.end() && *at == n) m.list.erase(at);
      }
    }
    std::vector<uint32_t> passing;
    if (!added.empty() && !entries_[i].test(attributes, added, &passing)) {
      entries_.erase(entries_.begin() + static_cast<ptrdiff_t>(i));
      continue;
    }
    for (uint32_t n : passing) {
      if (m.nodes.Contains(n)) continue;
      m.nodes.Insert(n);
      m.count++;
      changed++;
      // A few changes move the list's tail; many are cheaper listed anew.
      if (m.listed && passing.size() <= kRelistAfter) m.list.insert(std::lower_bound(m.list.begin(), m.list.end(), n), n);
    }
    // A list no longer short, or changed much, is made anew (or dropped).
    if (m.listed && changed > 0 && (passing.size() > kRelistAfter || !FewPass(m))) Relist(m);
  }
}

}  // namespace embodb::index
