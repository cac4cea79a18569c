// LruCache<K, V>: a sharded, thread-safe, approximately-LRU cache (CLOCK:
// a hit sets a reference bit instead of moving the entry, and eviction gives
// referenced entries a second chance) with a capacity in bytes
// (or in entries, with a charge of 1 each). K is a small value type with a
// std::hash specialization or a Hash functor.
// Values are shared_ptrs: an evicted value stays alive while a reader holds it,
// so the cache never frees memory under a reader's feet (the budget can be
// exceeded only by what readers pin at that moment).
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace embodb {

template <typename K, typename V, typename Hash = std::hash<K>>
class LruCache {
 public:
  using Value = std::shared_ptr<V>;

  explicit LruCache(size_t capacity_bytes) { SetCapacity(capacity_bytes); }
  LruCache(const LruCache&) = delete;
  LruCache& operator=(const LruCache&) = delete;

  void SetCapacity(size_t capacity_bytes) {
    for (auto& s : shards_) {
      std::lock_guard lock(s.mu);
      s.capacity = capacity_bytes / kNumShards;
      s.EvictLocked();
    }
  }

  // The cached value, or nullptr.
  Value Lookup(const K& key) {
    Shard& s = ShardFor(key);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(key);
    if (it == s.map.end()) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
    it->second->referenced = true;
    hits_.fetch_add(1, std::memory_order_relaxed);
    return it->second->value;
  }

  void Insert(const K& key, Value value, size_t charge) {
    Shard& s = ShardFor(key);
    std::lock_guard lock(s.mu);
    const K k = key;
    auto it = s.map.find(k);
    if (it != s.map.end()) {
      s.usage -= it->second->charge;
      s.lru.erase(it->second);
      s.map.erase(it);
    }
    s.lru.push_front(Entry{k, std::move(value), charge, false});
    s.map.emplace(k, s.lru.begin());
    s.usage += charge;
    s.EvictLocked();
  }

  void Erase(const K& key) {
    Shard& s = ShardFor(key);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(key);
    if (it == s.map.end()) return;
    s.usage -= it->second->charge;
    s.lru.erase(it->second);
    s.map.erase(it);
  }

  size_t usage() const {
    size_t total = 0;
    for (auto& s : shards_) {
      std::lock_guard lock(s.mu);
      total += s.usage;
    }
    return total;
  }
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  static constexpr int kNumShards = 16;
  struct Entry {
    K key;
    Value value;
    size_t charge;
    bool referenced;
  };
  struct Shard {
    mutable std::mutex mu;
    std::list<Entry> lru;  // front = most recently used
    std::unordered_map<K, typename std::list<Entry>::iterator, Hash> map;
    size_t capacity = 0;
    size_t usage = 0;

    void EvictLocked() {
      while (usage > capacity && !lru.empty()) {
        if (lru.back().referenced && lru.size() > 1) {
          lru.back().referenced = false;
          lru.splice(lru.begin(), lru, std::prev(lru.end()));  // second chance
          continue;
        }
        usage -= lru.back().charge;
        map.erase(lru.back().key);
        lru.pop_back();
      }
    }
  };

  Shard& ShardFor(const K& key) {
    // Mix the hash so that shards do not depend on its low bits alone.
    const uint64_t h = static_cast<uint64_t>(Hash{}(key)) * 0x9e3779b97f4a7c15ull;
    return shards_[(h >> 32) % kNumShards];
  }

  Shard shards_[kNumShards];
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace embodb
