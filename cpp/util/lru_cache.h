// LruCache<K, V>: a sharded, thread-safe, approximately-LRU cache (CLOCK: a hit
// sets a reference bit; eviction walks keys in insertion order and gives
// referenced entries a second chance). Capacity is in bytes, or in entries
// with a charge of 1 each. K is a small value type hashed by Hash.
//
// Values are shared_ptrs: an evicted value stays alive while a reader holds it,
// so the cache never frees memory under a reader's feet (the budget can be
// exceeded only by what readers pin at that moment). A hit touches one hash
// node, which holds the value.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace embodb {

template <typename K, typename V, typename Hash = std::hash<K>>
class LruCache {
 public:
  using Value = std::shared_ptr<V>;

  explicit LruCache(size_t capacity) { SetCapacity(capacity); }
  LruCache(const LruCache&) = delete;
  LruCache& operator=(const LruCache&) = delete;

  void SetCapacity(size_t capacity) {
    for (auto& s : shards_) {
      std::lock_guard lock(s.mu);
      s.capacity = capacity / kNumShards;
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
    it->second.referenced = true;
    hits_.fetch_add(1, std::memory_order_relaxed);
    return it->second.value;
  }

  void Insert(const K& key, Value value, size_t charge) {
    Shard& s = ShardFor(key);
    std::lock_guard lock(s.mu);
    auto [it, inserted] = s.map.try_emplace(key);
    if (!inserted) s.usage -= it->second.charge;
    it->second = Entry{std::move(value), charge, false};
    if (inserted) s.clock.push_back(key);
    s.usage += charge;
    s.EvictLocked();
  }

  void Erase(const K& key) {
    Shard& s = ShardFor(key);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(key);
    if (it == s.map.end()) return;
    s.usage -= it->second.charge;
    s.map.erase(it);  // its key leaves the clock when the hand reaches it
  }

  void Clear() {
    for (auto& s : shards_) {
      std::lock_guard lock(s.mu);
      s.map.clear();
      s.clock.clear();
      s.usage = 0;
    }
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
    Value value;
    size_t charge = 0;
    bool referenced = false;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<K, Entry, Hash> map;
    std::deque<K> clock;  // keys in insertion order; may hold erased keys
    size_t capacity = 0;
    size_t usage = 0;

    void EvictLocked() {
      while (usage > capacity && !clock.empty()) {
        const K key = clock.front();
        clock.pop_front();
        auto it = map.find(key);
        if (it == map.end()) continue;  // erased earlier
        if (it->second.referenced && map.size() > 1) {
          it->second.referenced = false;  // second chance
          clock.push_back(key);
          continue;
        }
        usage -= it->second.charge;
        map.erase(it);
      }
      // Keep the clock from growing without bound with erased keys.
      if (clock.size() > 2 * map.size() + 64) {
        std::deque<K> live;
        for (const K& k : clock) {
          if (map.count(k)) live.push_back(k);
        }
        clock.swap(live);
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
