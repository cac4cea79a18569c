// SkipList: the sorted structure of the memtable. Keys are byte strings stored
// inline, right after their node's forward pointers, so a comparison touches
// the node's own cache lines and no separate allocation.
//
// Thread safety: one writer at a time (the DB's write leader) with any number of
// concurrent readers and no locks: nodes are published with release stores and
// read with acquire loads, and are never removed until the list is destroyed.
// Memory comes from the caller's Arena.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "util/arena.h"
#include "util/random.h"

namespace embodb::lsm {

// Comparator: int operator()(const char* a, const char* b) over encoded keys.
template <class Comparator>
class SkipList {
 private:
  struct Node;

 public:
  static constexpr int kMaxHeight = 12;

  SkipList(Comparator cmp, Arena* arena);
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // Returns room for a key of key_size bytes; fill it, then pass it to Insert.
  char* AllocateKey(size_t key_size);

  // Remembers where the previous insert happened, so that inserting keys in
  // increasing order searches from there instead of from the top.
  struct Hint {
    Node* prev[kMaxHeight];
    const char* last = nullptr;
  };

  // REQUIRES: key came from AllocateKey and nothing equal is in the list;
  // external write serialization. `hint` may be null.
  void Insert(const char* key, Hint* hint = nullptr);

  class Iterator {
   public:
    explicit Iterator(const SkipList* list) : list_(list), node_(nullptr) {}
    bool Valid() const { return node_ != nullptr; }
    const char* key() const { return node_->Key(); }
    void Next() { node_ = node_->Next(0); }
    void Prev() {
      node_ = list_->FindLessThan(node_->Key());
      if (node_ == list_->head_) node_ = nullptr;
    }
    void Seek(const char* target) { node_ = list_->FindGreaterOrEqual(target, nullptr); }
    void SeekToFirst() { node_ = list_->head_->Next(0); }
    void SeekToLast() {
      node_ = list_->FindLast();
      if (node_ == list_->head_) node_ = nullptr;
    }

   private:
    const SkipList* list_;
    Node* node_;
  };

 private:
  int GetMaxHeight() const { return max_height_.load(std::memory_order_relaxed); }
  Node* NewNode(int height, size_t key_size);
  int RandomHeight();
  bool KeyIsAfterNode(const char* key, Node* n) const {
    return n != nullptr && compare_(n->Key(), key) < 0;
  }
  Node* FindGreaterOrEqual(const char* key, Node** prev) const;
  Node* FindLessThan(const char* key) const;
  Node* FindLast() const;

  Comparator const compare_;
  Arena* const arena_;
  Node* const head_;
  std::atomic<int> max_height_;
  Random rnd_;
};

// Layout in the arena: next[height-1] ... next[1] | Node{next[0], height} | key.
// Higher levels sit at lower addresses, so the node is at a fixed offset before
// its key whatever its height.
template <class Comparator>
struct SkipList<Comparator>::Node {
  explicit Node(int h) : height(h) {}
  std::atomic<Node*> next0{nullptr};
  int64_t height;

  static Node* OfKey(const char* key) {
    return reinterpret_cast<Node*>(const_cast<char*>(key) - sizeof(Node));
  }
  const char* Key() const { return reinterpret_cast<const char*>(this) + sizeof(Node); }
  char* MutableKey() { return reinterpret_cast<char*>(this) + sizeof(Node); }
  std::atomic<Node*>* Slot(int n) {
    return reinterpret_cast<std::atomic<Node*>*>(reinterpret_cast<char*>(&next0) -
                                                 static_cast<ptrdiff_t>(n) * sizeof(std::atomic<Node*>));
  }
  Node* Next(int n) { return Slot(n)->load(std::memory_order_acquire); }
  void SetNext(int n, Node* x) { Slot(n)->store(x, std::memory_order_release); }
  Node* NoBarrierNext(int n) { return Slot(n)->load(std::memory_order_relaxed); }
  void NoBarrierSetNext(int n, Node* x) { Slot(n)->store(x, std::memory_order_relaxed); }
};

template <class Comparator>
typename SkipList<Comparator>::Node* SkipList<Comparator>::NewNode(int height, size_t key_size) {
  const size_t upper = sizeof(std::atomic<Node*>) * static_cast<size_t>(height - 1);
  char* mem = arena_->AllocateAligned(upper + sizeof(Node) + key_size);
  for (size_t off = 0; off < upper; off += sizeof(std::atomic<Node*>)) {
    new (mem + off) std::atomic<Node*>(nullptr);
  }
  return new (mem + upper) Node(height);
}

template <class Comparator>
char* SkipList<Comparator>::AllocateKey(size_t key_size) {
  return NewNode(RandomHeight(), key_size)->MutableKey();
}

template <class Comparator>
int SkipList<Comparator>::RandomHeight() {
  // Each level up with probability 1/4.
  int height = 1;
  while (height < kMaxHeight && rnd_.OneIn(4)) height++;
  return height;
}

template <class Comparator>
typename SkipList<Comparator>::Node* SkipList<Comparator>::FindGreaterOrEqual(const char* key,
                                                                            Node** prev) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (KeyIsAfterNode(key, next)) {
      x = next;
    } else {
      if (prev != nullptr) prev[level] = x;
      if (level == 0) return next;
      level--;
    }
  }
}

template <class Comparator>
typename SkipList<Comparator>::Node* SkipList<Comparator>::FindLessThan(const char* key) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next == nullptr || compare_(next->Key(), key) >= 0) {
      if (level == 0) return x;
      level--;
    } else {
      x = next;
    }
  }
}

template <class Comparator>
typename SkipList<Comparator>::Node* SkipList<Comparator>::FindLast() const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next == nullptr) {
      if (level == 0) return x;
      level--;
    } else {
      x = next;
    }
  }
}

template <class Comparator>
SkipList<Comparator>::SkipList(Comparator cmp, Arena* arena)
    : compare_(cmp), arena_(arena), head_(NewNode(kMaxHeight, 0)), max_height_(1), rnd_(0xdeadbeef) {
  for (int i = 0; i < kMaxHeight; i++) head_->SetNext(i, nullptr);
}

template <class Comparator>
void SkipList<Comparator>::Insert(const char* key, Hint* hint) {
  Node* prev_local[kMaxHeight];
  Node** prev = hint != nullptr ? hint->prev : prev_local;
  const int max_height = GetMaxHeight();
  if (hint != nullptr && hint->last != nullptr && compare_(hint->last, key) < 0) {
    // A remembered predecessor precedes key (it preceded the last, smaller,
    // key); its level's splice holds when its successor does not precede key.
    // If level i holds, every level above it holds too, so search down from
    // the lowest level that holds.
    int level = 0;
    while (level < max_height) {
      Node* next = prev[level]->Next(level);
      if (next == nullptr || compare_(next->Key(), key) >= 0) break;
      level++;
    }
    if (level == max_height) {
      FindGreaterOrEqual(key, prev);
    } else {
      Node* x = prev[level];
      for (int i = level - 1; i >= 0; i--) {
        while (KeyIsAfterNode(key, x->Next(i))) x = x->Next(i);
        prev[i] = x;
      }
    }
  } else {
    FindGreaterOrEqual(key, prev);
  }
  Node* node = Node::OfKey(key);
  const int height = static_cast<int>(node->height);
  if (height > max_height) {
    for (int i = max_height; i < height; i++) prev[i] = head_;
    // Readers that see the new height before the node find nullptr from head_
    // at the new levels, which is fine.
    max_height_.store(height, std::memory_order_relaxed);
  }
  for (int i = 0; i < height; i++) {
    node->NoBarrierSetNext(i, prev[i]->NoBarrierNext(i));
    prev[i]->SetNext(i, node);
  }
  if (hint != nullptr) {
    for (int i = 0; i < height; i++) prev[i] = node;
    // Levels above the list's height keep head_ as their predecessor.
    for (int i = std::max(height, max_height); i < kMaxHeight; i++) prev[i] = head_;
    hint->last = key;
  }
}

}  // namespace embodb::lsm
