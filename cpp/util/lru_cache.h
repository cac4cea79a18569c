// LruCache<V>: a sharded, thread-safe LRU cache with a capacity in bytes.
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

#include "util/hash.h"

namespace embodb {

template <typename V>
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
  Value Lookup(std::string_view key) {
    Shard& s = ShardFor(key);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(std::string(key));
    if (it == s.map.end()) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    hits_.fetch_add(1, std::memory_order_relaxed);
    return it->second->value;
  }

  void Insert(std::string_view key, Value value, size_t charge) {
    Shard& s = ShardFor(key);
    std::lock_guard lock(s.mu);
    std::string k(key);
    auto it = s.map.find(k);
    if (it != s.map.end()) {
      s.usage -= it->second->charge;
      s.lru.erase(it->second);
      s.map.erase(it);
    }
    s.lru.push_front(Entry{k, std::move(value), charge});
    s.map.emplace(std::move(k), s.lru.begin());
    s.usage += charge;
    s.EvictLocked();
  }

  void Erase(std::string_view key) {
    Shard& s = ShardFor(key);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(std::string(key));
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
    std::string key;
    Value value;
    size_t charge;
  };
  struct Shard {
    mutable std::mutex mu;
    std::list<Entry> lru;  // front = most recently used
    std::unordered_map<std::string, typename std::list<Entry>::iterator> map;
    size_t capacity = 0;
    size_t usage = 0;

    void EvictLocked() {
      while (usage > capacity && !lru.empty()) {
        usage -= lru.back().charge;
        map.erase(lru.back().key);
        lru.pop_back();
      }
    }
  };

  Shard& ShardFor(std::string_view key) {
    return shards_[Hash32(key.data(), key.size(), 0) % kNumShards];
  }

  Shard shards_[kNumShards];
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace embodb
